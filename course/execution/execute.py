"""`python -m course execute NB...`: stamp the setup cell, run a notebook top to bottom in
its own folder, and store the outputs (and widget state) in place.

This is how chapter and solution notebooks get the outputs that nbval later compares, so
they always come from a real kernel run, never from an editor.
"""

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from course import setup_cell
from course.checking import upstream
from course.core import notebooks

# Seconds one cell may run before the execution fails, naming the notebook and the cell.
# quick: a whole notebook takes about a minute on a 2-core CPU, and a training cell can take
# five times that on a loaded one (seen: 4.4 in 305 s); nbval's cell timeout (pytest.ini) is
# the same. full: the book's longest training run on one GPU fits. The book build takes the same from course/site/book.py.
CELL_TIMEOUT = {"quick": 600, "full": 1800}
# Seconds to wait, once a cell has replied, for the rest of its output. nbclient's default
# (4 s, then only a log line) can drop output on a loaded machine; here it fails the cell.
IOPUB_TIMEOUT = 60
# What run() raises when a notebook does not finish: a cell raised, timed out, or its kernel died.
FAILURES = (CellExecutionError, CellTimeoutError, DeadKernelError)


def kernel_threads(jobs, cores=None):
    """Torch threads for each kernel when `jobs` notebooks run side by side: an equal share of
    the cores. Seen here: two kernels of two threads each on 2 cores ran each notebook about
    5 times slower than alone, not 2 times."""
    return max(1, (cores or os.cpu_count() or 1) // jobs)


@contextlib.contextmanager
def scratch_chapters(prefix="course-"):
    """A temporary chapters/ folder beside a link to the project's data/, so that a copy of a
    notebook executed there finds '../data' as it does in chapters/."""
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        work = Path(scratch) / "chapters"
        work.mkdir()
        os.symlink(notebooks.ROOT / "data", Path(scratch) / "data")
        yield work


def run(nb, folder, profile, timeout=None, env=None):
    """Execute nb top to bottom in a fresh kernel working in folder, in a run profile; the
    outputs go into nb. The kernel gets `env` (default: this process's environment, whose
    COURSE_PROFILE is set to profile). Raises one of FAILURES when it does not finish
    (a timeout's message says which cell: course/checking/upstream.py)."""
    upstream.install_nbclient()  # no stall after a widget cell (jupyter/nbclient#312)
    if env is None:
        os.environ["COURSE_PROFILE"] = profile
        env = os.environ
    NotebookClient(nb, timeout=timeout or CELL_TIMEOUT[profile], kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}},
                   iopub_timeout=IOPUB_TIMEOUT, raise_on_iopub_timeout=True,
                   record_timing=False,
                   # Not the widgets' state: the site shows the explorers' precomputed HTML
                   # (text/html comes before widget views, _config.yml), and a kernel draws
                   # live widgets, so the state would be some 20 kB per explorer read by nothing.
                   store_widget_state=False).execute(env=dict(env, COURSE_PROFILE=profile))


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
        except FAILURES as e:
            what = "a cell raised" if isinstance(e, CellExecutionError) else "it did not finish"
            print(f"{name}: {what}; nothing was written.\n{e}", file=sys.stderr)
            return 1
        print(f"{name}: executed in {seconds:.1f} s ({profile} profile)")
    return 0
