"""`make stall-check [RUNS=100] [MINUTES=...]`: execute every chapter with a widget many times,
as the book build does, and record each run's seconds and any stall.

A stall is the one nbclient had (course/checking/upstream.py): the kernel has answered a cell,
and nbclient does not notice. Each run measures, for every cell, how long nbclient took to
return after the kernel sent the cell's execute_reply (the reply's own timestamp, and
nbclient's on_cell_executed hook); a run whose longest such wait exceeds STALL_SECONDS is a
stall, and a run that does not finish is listed with its error. Runs go one notebook at a
time (JOBS at a time with --jobs, which also loads the machine as a busy build does), RUNS
consecutive executions each, the lightest notebook first (side by side, each kernel gets an
equal share of the cores' threads); with MINUTES, each notebook gets an equal share of the
time left, so light notebooks get more runs. Copies run in a temporary
folder beside a link to data/, never the chapters themselves. The table goes to
_build/stall-check/stall-check.md (and .csv), rewritten after every notebook.

    python -m course stall-check [--runs N] [--minutes M] [--jobs J] [--unpatched] [STEM ...]

--unpatched runs without the fix, to see the stall happen.
"""

import argparse
import csv
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path

from jupyter_cache.executors.utils import single_nb_execution
from nbclient import NotebookClient

from course.checking import upstream
from course.core import notebooks
from course.core.notebooks import CHAPTERS, ROOT
from course.execution import execute
from course.execution.execute import kernel_threads
from course.measure.reports import markdown_table

OUT = ROOT / "_build" / "stall-check"
# The chapters with an ipywidgets explorer, lightest first (median seconds per run here, 2 at
# a time: reports/stall-check/2026-12-01-*).
WIDGET_CHAPTERS = ["2_1_data_manipulation", "2_4_calculus", "3_1_linear_regression",
                   "5_4_numerical_stability_and_initialization", "5_1_multilayer_perceptrons",
                   "3_7_weight_decay", "2_6_probability_and_statistics", "7_2_convolutions_for_images",
                   "3_6_generalization", "7_3_padding_and_stride", "8_5_batch_normalization", "8_2_vgg"]
# A reply that nbclient takes longer than this to notice is a stall (normally milliseconds).
STALL_SECONDS = 5.0


def widget_chapters():
    """The chapter notebooks that create an ipywidgets widget."""
    found = [p for p in notebooks.notebooks(CHAPTERS) if "import ipywidgets" in p.read_text(encoding="utf-8")]
    order = {stem: i for i, stem in enumerate(WIDGET_CHAPTERS)}
    return sorted(found, key=lambda p: order.get(p.stem, len(order)))


def parse_time(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def run_once(path, profile="quick"):
    """Execute a copy of path as the book build does (jupyter-cache's single_nb_execution,
    the book's timeout); returns (seconds, longest wait after a reply in seconds, error or None)."""
    nb = notebooks.read(path)
    waits = []

    def on_cell_executed(cell, cell_index, execute_reply):
        replied = parse_time(cell.metadata["execution"]["shell.execute_reply"])
        waits.append((datetime.now(timezone.utc) - replied).total_seconds())

    with execute.scratch_chapters("stall-check-") as work:
        os.environ["COURSE_PROFILE"] = profile
        # record_timing stores the reply's timestamp in the cell; nothing else differs from the build.
        result = single_nb_execution(nb, cwd=str(work), timeout=execute.CELL_TIMEOUT[profile],
                                     allow_errors=False, record_timing=True,
                                     on_cell_executed=on_cell_executed)
    error = None if result.err is None else f"{type(result.err).__name__}: {str(result.err).splitlines()[0][:200]}"
    return result.time, max(waits, default=0.0), error


def repeat_widget_cells(path, repeats, stop=None, profile="quick", timeout=60):
    """Run path from the top to its last widget cell, then each cell that makes a widget
    `repeats` times more in the same kernel: the moment the stall needs (a reply while
    nbclient relays a widget's output) many times over, without a kernel start each time.
    Yields the longest wait after a reply, in seconds, of each repeat; a stall waits out
    `timeout`."""
    nb = notebooks.read(path)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=True)
    widget_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "widgets." in c.source]

    def wait_after(i):
        client.execute_cell(nb.cells[i], i)
        replied = parse_time(nb.cells[i].metadata["execution"]["shell.execute_reply"])
        return (datetime.now(timezone.utc) - replied).total_seconds()

    with execute.scratch_chapters("stall-check-") as work:
        os.environ["COURSE_PROFILE"] = profile
        client.resources = {"metadata": {"path": str(work)}}
        with client.setup_kernel(cwd=str(work)):
            for i, cell in enumerate(nb.cells[: widget_cells[-1] + 1]):  # what the widgets need
                client.execute_cell(cell, i)
            for _ in range(repeats):
                if stop is not None and time.monotonic() > stop:
                    return
                yield max(wait_after(i) for i in widget_cells)


def summary(rows):
    """Per notebook: runs, median and max seconds, longest wait after a reply, stalls, errors."""
    table = {}
    for row in rows:
        table.setdefault(row["notebook"], []).append(row)
    lines = []
    for name, runs in table.items():
        seconds = [r["seconds"] for r in runs]
        stalls = sum(r["stall"] for r in runs)
        errors = sorted({r["error"] for r in runs if r["error"]})
        lines.append({"notebook": name, "runs": len(runs), "median_s": round(statistics.median(seconds), 1),
                      "max_s": round(max(seconds), 1), "max_reply_wait_s": round(max(r["reply_wait"] for r in runs), 2),
                      "stalls": stalls, "errors": "; ".join(errors)})
    return lines


def write(rows, out, note):
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "stall-check.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["notebook", "run", "seconds", "reply_wait", "stall", "error"])
        writer.writeheader()
        writer.writerows(rows)
    header = ["notebook", "runs", "median s", "max s", "longest wait after a reply, s", "stalls", "errors"]
    table = markdown_table(header, [[r["notebook"], r["runs"], r["median_s"], r["max_s"], r["max_reply_wait_s"],
                                     r["stalls"], r["errors"]] for r in summary(rows)], "lrrrrrl")
    lines = [f"# Stall check ({note})", "", table]
    (out / "stall-check.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course stall-check", description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", help="chapter stems (default: every chapter with a widget)")
    parser.add_argument("--runs", type=int, default=100, help="consecutive executions per notebook")
    parser.add_argument("--minutes", type=float, default=None, help="start no run after this long in all")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks executed at the same time (more load, more runs in the time)")
    parser.add_argument("--unpatched", action="store_true", help="without course/checking/upstream.py")
    parser.add_argument("--widget-cells", action="store_true",
                        help="one run per notebook, then its widget cells RUNS times more in the same kernel")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.unpatched:
        upstream.install_nbclient()
    paths = [CHAPTERS / f"{s}.ipynb" for s in args.stems] if args.stems else widget_chapters()
    if args.widget_cells:
        return widget_cells_main(paths, args)
    note = (f"{'without' if args.unpatched else 'with'} course/checking/upstream.py, quick profile, "
            f"{args.jobs} notebook{'s' if args.jobs > 1 else ''} at a time"
            f"{f' ({kernel_threads(args.jobs)} torch thread(s) each)' if args.jobs > 1 else ''}, "
            f"stall = a reply noticed more than {STALL_SECONDS:.0f} s late, "
            f"started {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    end = None if args.minutes is None else time.monotonic() + 60 * args.minutes
    rows = []
    # One worker process per job, each taking the next notebook and running its RUNS
    # consecutive executions; spawned, so no worker inherits the parent's zmq state.
    context = multiprocessing.get_context("spawn")
    started = context.Value("i", 0)
    with ProcessPoolExecutor(args.jobs, mp_context=context, initializer=_init_worker,
                             initargs=(args.unpatched, started, len(paths), end, args.jobs)) as pool:
        for runs in as_completed([pool.submit(run_series, path, args.runs) for path in paths]):
            rows += runs.result()
            write(rows, args.out, note)
    rows.sort(key=lambda r: [p.stem for p in paths].index(r["notebook"]))
    write(rows, args.out, note)
    print((args.out / "stall-check.md").read_text() if rows else "no run started")
    return int(any(r["stall"] or r["error"] for r in rows))


_worker = {}


def _init_worker(unpatched, started, count, end, jobs):
    if not unpatched:
        upstream.install_nbclient()
    if jobs > 1:  # inherited by the worker's kernels; a stall is a zmq matter, not arithmetic
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(kernel_threads(jobs))
    _worker.update(started=started, count=count, end=end, jobs=jobs, parent=os.getppid())


def _stop_time():
    """When a notebook starting now must start its last run: with a time limit, an equal share
    of the time left to each notebook not yet started (jobs share it), so light notebooks get
    more runs and time a notebook leaves unused goes to the later ones."""
    with _worker["started"].get_lock():
        left = _worker["count"] - _worker["started"].value  # this one included
        _worker["started"].value += 1
    if _worker["end"] is None:
        return None
    now = time.monotonic()
    return now + max(0.0, _worker["end"] - now) * min(_worker["jobs"], left) / left


def run_series(path, runs):
    """Up to `runs` consecutive executions of path (in a worker); returns their rows."""
    stop, rows = _stop_time(), []
    for run in range(1, runs + 1):
        if stop is not None and time.monotonic() > stop:
            break
        if os.getppid() != _worker["parent"]:
            # The check was stopped: nobody will read these rows, and a pool worker that
            # returned would wait for its next notebook for ever (seen: an idle orphan).
            os._exit(1)
        seconds, wait, error = run_once(path)
        stall = wait > STALL_SECONDS  # a cell that outlives its timeout is an error, not a stall
        rows.append({"notebook": path.stem, "run": run, "seconds": round(seconds, 2),
                     "reply_wait": round(wait, 3), "stall": int(stall), "error": error or ""})
        print(f"{path.stem} run {run}: {seconds:.1f} s, longest wait after a reply {wait:.2f} s"
              + (" STALL" if stall else "") + (f" {error}" if error else ""), flush=True)
    return rows


def widget_cells_main(paths, args):
    """--widget-cells: the widget cells of each notebook RUNS times, a table of their waits."""
    end = None if args.minutes is None else time.monotonic() + 60 * args.minutes
    lines = [f"# Widget cells repeated ({'without' if args.unpatched else 'with'} course/checking/upstream.py; "
             f"a stall waits out the 60 s cell timeout)", ""]
    header, rows, stalls = ["notebook", "repeats", "longest wait after a reply, s", "stalls"], [], 0
    for i, path in enumerate(paths):
        stop = None if end is None else time.monotonic() + (end - time.monotonic()) / (len(paths) - i)
        waits = []
        for wait in repeat_widget_cells(path, args.runs, stop):
            waits.append(wait)
            print(f"{path.stem} repeat {len(waits)}: longest wait after a reply {wait:.2f} s"
                  + (" STALL" if wait > STALL_SECONDS else ""), flush=True)
        stalled = sum(w > STALL_SECONDS for w in waits)
        stalls += stalled
        rows.append([path.stem, len(waits), f"{max(waits, default=0):.2f}", stalled])
        print(f"{path.stem}: {len(waits)} repeats, longest wait {rows[-1][2]} s, {stalled} stalls", flush=True)
        args.out.mkdir(parents=True, exist_ok=True)  # rewritten after each notebook: a stopped run keeps its rows
        (args.out / "widget-cells.md").write_text("\n".join(lines + [markdown_table(header, rows, "lrrr")]) + "\n")
    return int(stalls > 0)
