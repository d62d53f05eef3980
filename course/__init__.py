"""Tooling for the course, in packages by job (ARCHITECTURE.md has the picture), from the
bottom layer up; a package imports only those below it (.importlinter, checked by make test):

    core        folders, notebook names and I/O, atomic writes, the data
    authoring   notebook anatomy, exercises from solutions, wrong answers, stamped cells
    checking    comparing outputs: tolerances, nbval as the course runs it, nbclient/nbval patches
    execution   running notebooks and the shared execution cache
    grading     grading students' notebooks in a sandbox
    measure     benchmarks, smoke runs, spreads, stall and Colab checks, and their reports
    site        the Jupyter Book builds and their Sphinx extensions

setup_cell.py, explorers.py and network_drawing.py stay at the top: `make stamp` copies them
into notebooks (which name these paths), so they import nothing of the course.
`python -m course` lists the commands the Makefile calls.
"""
