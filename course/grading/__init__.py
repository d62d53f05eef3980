"""Batch grading of exercise notebooks with nbval, student code sandboxed.

May import course.core, course.authoring and course.checking; never execution (the grader runs
notebooks through nbval in its sandbox), the site or the measurements.

assemble: solution + student answers -> graded notebook; sandbox: the kernel's jail and the
kernel template's process; template: the template that forks each sandboxed kernel;
kernel_proxy: the kernel spec's command, which asks the template for a kernel; nbval_server:
nbval runs forked from a process with pytest and nbval imported; nbval_run: the grader's
pytest plugin (kernel transport, per-cell results); run: one submission; gradebook:
grades.csv and feedback; slips: which recorded slip a failing answer shows; mutants: the
recorded wrong answers through the grader; cli: the batch command; cluster: the batch on a
Dask cluster; hidden_lint: hidden checks that a wrong answer cannot pass by accident;
bench and timings: `make bench-grade`.
"""
