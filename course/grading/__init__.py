"""Batch grading of exercise notebooks with nbval, student code sandboxed.

assemble: solution + student answers -> graded notebook; sandbox: the kernel's jail and the
kernel template's process; template: the template that forks each sandboxed kernel;
kernel_proxy: the kernel spec's command, which asks the template for a kernel;
nbval_server: nbval runs forked from a process with pytest and nbval imported;
nbval_plugin and kernel_death: the nbval run's kernel transport, per-cell results and
dead-kernel detection; run: one submission; gradebook: grades.csv and feedback; cli: the
batch command; cluster: the batch on a Dask cluster; bench and timings: `make bench-grade`.
"""
