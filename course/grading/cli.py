"""`make grade SUBMISSIONS=<dir> [OUT=<dir>] [JOBS=<n>] [SCHEDULER=tcp://host:8786]`, or
`python -m course grade <dir> [--out DIR] [--jobs N] [--scheduler ADDRESS] ...`.

Grades every <dir>/<student>/*.ipynb and writes OUT/grades.csv and
OUT/feedback/<student>/<notebook>.md. One bad submission never stops the batch.
"""

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from . import cluster, gradebook, sandbox
from .run import Outcome, grade


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m course grade", description=__doc__.split("\n\n")[0])
    p.add_argument("submissions", type=Path, help="folder of <student>/<notebook>.ipynb")
    p.add_argument("--out", type=Path, default=Path("grading"), help="where grades.csv and feedback/ go")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel")
    p.add_argument("--cell-timeout", type=int, default=sandbox.Limits.cell_seconds)
    p.add_argument("--notebook-timeout", type=int, default=sandbox.Limits.notebook_seconds)
    p.add_argument("--memory-gb", type=float, default=sandbox.Limits.memory_bytes / 2**30)
    p.add_argument("--unsandboxed", action="store_true",
                   help="run student code without the sandbox (only for code you trust)")
    p.add_argument("--scheduler", help="grade on the Dask cluster of this scheduler (tcp://host:8786)")
    return p.parse_args(argv)


def find_submissions(folder):
    """Every <student>/<notebook>.ipynb, links included: grade() refuses those, and the
    gradebook says so rather than leaving the student out."""
    return sorted(p for p in Path(folder).glob("*/*.ipynb") if p.is_file() or p.is_symlink())


def progress(done, total, start):
    if sys.stderr.isatty():
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} graded, "
                         f"{time.perf_counter() - start:.0f} s")
        sys.stderr.flush()


def grade_locally(submissions, folder, limits, jobs, unsandboxed=False):
    """Outcomes of the submissions graded `jobs` at a time on this machine, as they finish."""

    def safe_grade(path):
        try:
            return grade(path, folder, limits, unsandboxed=unsandboxed)
        except Exception as e:  # a grader fault on one file must not stop the batch
            return Outcome(submission=path.relative_to(folder).as_posix(),
                           invalid=f"grader error ({type(e).__name__}: {e})")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in as_completed([pool.submit(safe_grade, p) for p in submissions]):
            yield future.result()


def grade_all(submissions, folder, out, jobs, limits, unsandboxed=False, scheduler=None):
    """Grade, here or on the Dask cluster at `scheduler`, and write the feedback as outcomes
    come in and the gradebook once all are in; returns the outcomes."""
    outcomes, start = [], time.perf_counter()
    if scheduler:
        results = cluster.grade_on_cluster(submissions, folder, limits, scheduler, unsandboxed)
    else:
        results = grade_locally(submissions, folder, limits, jobs, unsandboxed)
    for outcome in results:
        outcomes.append(outcome)
        gradebook.write_feedback(outcome, out / "feedback")
        progress(len(outcomes), len(submissions), start)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    gradebook.write_grades(outcomes, out / "grades.csv")
    gradebook.write_lms(outcomes, out / "lms.csv")
    gradebook.write_hand_graded(outcomes, out / "hand_graded.csv")
    return outcomes


def summary(outcomes, seconds):
    rows = [r for o in outcomes for r in gradebook.rows(o)]
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    points = sum(r["points"] for r in rows if isinstance(r["points"], int))
    auto_max = sum(r["max_points"] for r in rows if r["status"] != "manual" and isinstance(r["max_points"], int))
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return (f"graded {len(outcomes)} submissions in {seconds:.1f} s: {points}/{auto_max} "
            f"auto-graded points; exercises: {statuses}")


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if not args.submissions.is_dir():
        print(f"grade: {args.submissions} is not a folder", file=sys.stderr)
        return 2
    reason = None if args.scheduler else sandbox.available()  # workers check their own
    if reason and not args.unsandboxed:
        print(f"grade: cannot sandbox student code: {reason}.\n"
              "Refusing to run it unsandboxed; pass --unsandboxed (make grade UNSANDBOXED=1) "
              "only for code you trust.", file=sys.stderr)
        return 2
    if args.unsandboxed:
        print("grade: WARNING: running student code without a sandbox", file=sys.stderr)
    limits = sandbox.Limits(cell_seconds=args.cell_timeout, notebook_seconds=args.notebook_timeout,
                            memory_bytes=int(args.memory_gb * 2**30))
    submissions = find_submissions(args.submissions)
    start = time.perf_counter()
    outcomes = grade_all(submissions, args.submissions, args.out, args.jobs, limits, args.unsandboxed,
                         args.scheduler)
    print(summary(outcomes, time.perf_counter() - start))
    print(f"gradebook: {args.out / 'grades.csv'}; feedback: {args.out / 'feedback'}/")
    return 0
