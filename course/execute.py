"""`python -m course execute NB...`: stamp the setup cell, run a notebook top to bottom in
its own folder, and store the outputs (and widget state) in place.

This is how chapter and solution notebooks get the outputs that nbval later compares, so
they always come from a real kernel run, never from an editor.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from . import notebooks, setup_cell

CELL_TIMEOUT = 1800  # seconds; the full profile's longest training cell on a GPU fits


def run(nb, folder, profile, timeout=CELL_TIMEOUT):
    """Execute nb top to bottom in a fresh kernel working in folder, in a run profile; the
    outputs and widget state go into nb. Raises CellExecutionError when a cell raises."""
    os.environ["COURSE_PROFILE"] = profile
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}},
                   record_timing=False, store_widget_state=True).execute()


def execute(path, profile="quick"):
    """Execute one notebook in place; returns the wall time in seconds."""
    path = Path(path).resolve()
    nb = notebooks.read(path)
    setup_cell.stamp(nb)
    nbformat.validator.normalize(nb)
    start = time.perf_counter()
    run(nb, path.parent, profile)
    notebooks.write(nb, path)
    return time.perf_counter() - start


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    profile = os.environ.get("COURSE_PROFILE", "quick")
    if not argv:
        print("usage: python -m course execute NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    for name in argv:
        try:
            seconds = execute(name, profile)
        except CellExecutionError as e:
            print(f"{name}: a cell raised; nothing was written.\n{e}", file=sys.stderr)
            return 1
        print(f"{name}: executed in {seconds:.1f} s ({profile} profile)")
    return 0
