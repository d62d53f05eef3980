"""`make bench-grade`: how fast the grader grades a class, and where one submission's seconds go.

A class is generated for a section without training (2.1) and one that trains a model
(3.5): honest submissions (the solution's answers in the exercise notebook), wrong ones
(the untouched exercise notebook, one exercise left undone) and hostile ones (a kernel
that exits, a memory bomb, a process bomb, writes outside the sandbox). Each class is
graded with 1 and with 2 jobs; the table gives submissions per minute. A submission that
loops for ever costs its cell time limit by design, whatever the grader's speed, so the
class has none. The kernel template and the nbval server start once per batch (their
seconds are printed apart) and are started before the clock runs.

The profile grades one honest submission of each section a few times, with a pytest plugin
(course.grading.timings) recording when each phase of the nbval run began and ended.

Results: printed, and _build/bench-grade/results.json. The machine's load average is
printed before and after: other work on the cores slows every figure here.
"""

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from course.authoring import anatomy
from course.core import notebooks
from course.core.notebooks import EXERCISES, ROOT, SOLUTIONS

from . import cli, gradebook, nbval_server, run, sandbox

OUT = ROOT / "_build" / "bench-grade"
SECTIONS = {"2_1_data_manipulation": 8, "3_5_linear_regression_concise": 3}  # honest submissions
LIMITS = sandbox.Limits(cell_seconds=120, notebook_seconds=600, memory_bytes=6 * 2**30)

HOSTILE = {  # the answer to exercise 1
    "kernel-exit": "import os\nos._exit(1)",
    "memory-bomb": "hog = []\nwhile True:\n    hog.append(bytearray(256 * 2**20))",
    "process-bomb": ("import subprocess\nchildren = []\nwhile True:\n"
                     "    children.append(subprocess.Popen(['sleep', '30']))"),
    "writes-outside": ("import pathlib\nfor target in ['/sandbox/venv/x', '/sandbox/data/x', '/etc/x']:\n"
                       "    try:\n        pathlib.Path(target).write_text('x')\n    except OSError:\n"
                       "        pass"),
}


def with_answers(stem, answers):
    """The exercise notebook of `stem` with answers[(exercise, slot)] in its answer cells
    (the solution's where `answers` has none, the stub's where it maps to None)."""
    nb = notebooks.read(EXERCISES / f"{stem}.ipynb")
    solved = anatomy.solution_answers(stem)
    for key, i in anatomy.answer_slots(nb).items():
        answer = answers.get(key, solved[key])
        if answer is not None:
            nb.cells[i].source = answer
    return nb


def make_class(folder, stem, honest):
    """Write the class of one section under folder/<student>/<stem>.ipynb; its size."""
    slots = anatomy.answer_slots(notebooks.read(EXERCISES / f"{stem}.ipynb"))
    found = anatomy.exercises_of(notebooks.read(SOLUTIONS / f"{stem}.ipynb"), stem)
    last = [ex for ex, info in found.items() if not info["manual"]][-1]  # the last auto-checked one
    students = {f"honest-{n}": {} for n in range(honest)}
    students["untouched"] = {key: None for key in slots}
    students["one-wrong"] = {key: None for key in slots if key[0] == last}
    students.update({name: {("1", 1): answer} for name, answer in HOSTILE.items()})
    for student, answers in students.items():
        notebooks.write(with_answers(stem, answers), folder / student / f"{stem}.ipynb")
    return len(students)


def full_marks(outcome):
    rows = [r for r in gradebook.rows(outcome) if r["status"] != "manual"]
    return bool(rows) and all(r["points"] == r["max_points"] for r in rows)


def throughput(folder, jobs):
    """(submissions a minute, honest submissions with full marks, honest submissions)."""
    submissions = cli.find_submissions(folder)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        outcomes = cli.grade_all(submissions, folder, Path(out), jobs, LIMITS)
        seconds = time.perf_counter() - start
    honest = [o for o in outcomes if o.submission.startswith("honest-")]
    return 60 * len(submissions) / seconds, sum(map(full_marks, honest)), len(honest)


def profile_once(path, folder):
    """{phase: seconds} of grading one submission, from the timings plugin's events."""
    events_file = Path(tempfile.mktemp(prefix="course-timings-"))
    os.environ["COURSE_GRADE_TIMINGS"] = str(events_file)
    marks = {}
    run_nbval_with = run.run_nbval_with

    def timed(*args, **kwargs):
        marks["nbval start"] = time.time()
        try:
            return run_nbval_with(*args, **kwargs)
        finally:
            marks["nbval end"] = time.time()

    run.run_nbval_with = timed
    try:
        start = time.time()
        outcome = run.grade(path, folder, LIMITS)
        graded = time.time()
        with tempfile.TemporaryDirectory() as out:
            gradebook.write_feedback(outcome, Path(out) / "feedback")
            gradebook.write_grades([outcome], Path(out) / "grades.csv")
        end = time.time()
        events = [json.loads(line) for line in events_file.read_text().splitlines()]
    finally:
        run.run_nbval_with = run_nbval_with
        del os.environ["COURSE_GRADE_TIMINGS"]
        events_file.unlink(missing_ok=True)
    ready = next(e["at"] for e in events if e["phase"] == "pytest ready")
    reports = [e for e in events if e["phase"] in ("setup", "call", "teardown")]
    calls = [e for e in reports if e["phase"] == "call"]
    phases = {
        "assemble the graded notebook": marks["nbval start"] - start,
        "nbval process start (pytest, nbval)": ready - marks["nbval start"],
        "collect the notebook": reports[0]["start"] - ready,
        "kernel start (sandbox, ipykernel)": reports[0]["stop"] - reports[0]["start"],
        "setup cell (torch, d2l imports)": calls[0]["stop"] - calls[0]["start"],
        "the other cells": sum(c["stop"] - c["start"] for c in calls[1:]),
        "kernel stop": reports[-1]["stop"] - reports[-1]["start"],
        "nbval exit, clean-up, classify": graded - reports[-1]["stop"],
        "gradebook and feedback": end - graded,
    }
    phases["nbval between cells"] = (end - start) - sum(phases.values())
    phases["total"] = end - start
    return phases


def profile(path, folder, repeats):
    runs = [profile_once(path, folder) for _ in range(repeats)]
    return {phase: statistics.median(r[phase] for r in runs) for phase in runs[0]}


def load():
    return "load average {:.2f} {:.2f} {:.2f} (1, 5, 15 min) on {} cores".format(*os.getloadavg(), os.cpu_count())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.grading.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3, help="profile runs per section (median)")
    args = parser.parse_args(argv)
    reason = sandbox.available()
    if reason:
        print(f"bench-grade: cannot sandbox student code: {reason}")
        return 2
    results = {"before": load(), "start-up": {}, "throughput": {}, "profile": {}}
    print(results["before"])
    started = time.perf_counter()
    sandbox.template()
    results["start-up"]["kernel template (torch, d2l, ipykernel imports)"] = time.perf_counter() - started
    started = time.perf_counter()
    nbval_server.server()
    results["start-up"]["nbval server (pytest, nbval, jupyter_client imports)"] = time.perf_counter() - started
    for what, seconds in results["start-up"].items():
        print(f"once per batch: {what}: {seconds:.1f} s")
    work = Path(tempfile.mkdtemp(prefix="course-bench-grade-"))
    try:
        for stem, honest in SECTIONS.items():
            folder = work / stem
            size = make_class(folder, stem, honest)
            results["throughput"][stem] = {"submissions": size}
            for jobs in args.jobs:
                per_minute, right, count = throughput(folder, jobs)
                results["throughput"][stem][str(jobs)] = per_minute
                print(f"{stem}: {size} submissions, {jobs} job{'s' * (jobs > 1)}: "
                      f"{per_minute:.1f} submissions a minute ({right}/{count} honest ones with full marks)")
            honest_one = folder / "honest-0" / f"{stem}.ipynb"
            results["profile"][stem] = profile(honest_one, folder, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["after"] = load()
    print_report(results, args.jobs)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {(OUT / 'results.json').relative_to(ROOT)}")
    return 0


def print_report(results, jobs):
    print("\nsubmissions a minute")
    print(f"{'section':<34}{'class':>6}" + "".join(f"{f'{j} job' + 's' * (j > 1):>10}" for j in jobs))
    for stem, row in results["throughput"].items():
        print(f"{stem:<34}{row['submissions']:>6}" + "".join(f"{row[str(j)]:>10.1f}" for j in jobs))
    print("\nwhere one honest submission's seconds go (median, wall clock, 1 job)")
    stems = list(results["profile"])
    print(f"{'phase':<38}" + "".join(f"{stem[:3]:>10}" for stem in stems))
    for phase in results["profile"][stems[0]]:
        print(f"{phase:<38}" + "".join(f"{results['profile'][stem][phase]:>10.2f}" for stem in stems))
    print(f"\nbefore: {results['before']}\nafter:  {results['after']}")


if __name__ == "__main__":
    raise SystemExit(main())
