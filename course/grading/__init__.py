"""Batch grading of exercise notebooks with nbval, student code sandboxed.

assemble: solution + student answers -> graded notebook; sandbox: the kernel's jail;
nbval_plugin: the nbval run's kernel transport and per-cell results; run: one submission;
gradebook: grades.csv and feedback; cli: the batch command.
"""
