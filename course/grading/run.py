"""Grade one submission: assemble, run nbval with the sandboxed kernel, score each exercise."""

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from course.authoring import anatomy
from course.checking import nbval_settings
from course.core import notebooks
from course.core.notebooks import ROOT

from . import nbval_server, sandbox
from .assemble import InvalidSubmission, assemble, read_submission, section_of_submission, solution_for

# Status of a check, worst first: the exercise takes the worst status of its checks.
SEVERITY = ["timeout", "error", "failed", "passed"]


@dataclass
class CheckResult:
    exercise: str
    points: int
    hidden: bool
    status: str
    expected: str = ""
    actual: str = ""
    message: str = ""
    difference: str = ""  # the first differing token, both values and the tolerance
    cell: int = 0  # its position among the graded notebook's code cells (the order they ran in)
    line: str = ""  # for an error: the notebook code line nearest it (nbval_run.notebook_line)


@dataclass
class Outcome:
    """Everything the gradebook and the feedback need about one submission."""
    submission: str  # student/notebook.ipynb
    section: str = ""
    invalid: str = ""  # why the file could not be graded, if it could not
    exercises: dict = field(default_factory=dict)  # exercise -> {max_points, manual}
    checks: list = field(default_factory=list)
    answer_problems: dict = field(default_factory=dict)  # exercise -> status of its answer cell
    answers: dict = field(default_factory=dict)  # exercise -> answer_outcome() of its answer cells
    prose: dict = field(default_factory=dict)  # exercise -> the student's written answers
    # exercise -> {error, line, cell} of its first answer cell that raised: the student's own error
    answer_errors: dict = field(default_factory=dict)
    added: list = field(default_factory=list)  # [{cell, first_line, status, error}] of cells the student added
    skipped: list = field(default_factory=list)  # [(first line, why)] of added cells not run
    cells: dict = field(default_factory=dict)  # code cell number -> record, for tests
    seconds: float = 0.0  # wall time of the nbval run (the mutation suite's timings)


def classify(record):
    """A cell record from the nbval plugin -> passed, failed, error or timeout."""
    if record is None:
        return "timeout"  # the run was stopped before this cell finished
    if record["outcome"] == "passed":
        return "passed"
    message = record["message"]
    if "Timeout" in message or "timed out" in message:
        return "timeout"
    if "Traceback" in message or "kernel dead" in message.lower() or "kernel died" in message.lower() \
            or "exception" in message.lower():
        return "error"
    return "failed"


def mark_kernel_death(records):
    """nbval reports the cell that killed the kernel (os._exit, a crash) as a timeout, since
    no reply came; when the next cells find the kernel dead, call that cell an error."""
    dead = [n for n, r in records.items() if "Kernel dead" in r["message"] or "Kernel died" in r["message"]]
    if not dead:
        return
    first_dead = min(dead)
    for n in sorted(records):
        if n < first_dead and classify(records[n]) == "timeout":
            records[n]["message"] = "the kernel died while running this cell"
            records[n]["actual"] = records[n]["actual"] or "the kernel died"


def nbval_args(notebook, cell_seconds):
    """pytest's arguments for the grader's nbval run."""
    return [str(notebook), "-q", "-p", "no:cacheprovider",
            "-c", os.devnull, "--rootdir", str(Path(notebook).parent),
            "-p", "course.checking.nbval_plugin", "-p", "course.grading.nbval_run", "--nbval",
            "--nbval-kernel-name", sandbox.KERNEL_NAME,
            f"--nbval-cell-timeout={cell_seconds}",
            "--nbval-sanitize-with", str(nbval_settings.SANITIZE)]


def run_nbval(assembled, limits, uid=None, unsandboxed=False):
    """Run nbval on the assembled notebook; {code cell number: record}. Without a uid, one
    no other submission on this machine holds is claimed for the run."""
    if uid is None and not unsandboxed:
        with sandbox.claimed_uid() as uid:
            return run_nbval(assembled, limits, uid)
    if not unsandboxed:
        template = sandbox.template()
        with template.kernel_folder(uid) as kernel:
            sandbox.write_kernel_spec(kernel / "jupyter", kernel, limits, uid, template.socket_path)
            return run_nbval_with(assembled, limits, dict(JUPYTER_PATH=str(kernel / "jupyter"),
                                                          JUPYTER_RUNTIME_DIR=str(kernel / "runtime")))
    return run_nbval_with(assembled, limits, {}, current_env=True)


def run_nbval_with(assembled, limits, kernel_env, current_env=False):
    """nbval in a process of its own, with the kernel spec that kernel_env points to (or the
    grader's own environment); {code cell number: record}."""
    scratch = Path(tempfile.mkdtemp(prefix="course-grade-"))
    try:
        private = scratch / "private"  # the reference notebook: never mounted in the sandbox
        private.mkdir(mode=0o700)
        notebook = private / "graded.ipynb"
        notebooks.write(assembled.notebook, notebook)
        results = private / "cells.jsonl"
        env = dict(os.environ, **sandbox.KERNEL_ENV, COURSE_GRADE_RESULTS=str(results),
                   PYTHONPATH=str(ROOT), JUPYTER_PLATFORM_DIRS="1", **kernel_env)
        args = nbval_args(notebook, limits.cell_seconds)
        if current_env:
            args[args.index("--nbval-kernel-name"):args.index("--nbval-kernel-name") + 2] = ["--nbval-current-env"]
        if os.environ.get("COURSE_GRADE_TIMINGS"):  # make bench-grade's profile
            args += ["-p", "course.grading.timings"]
        # Killed at the notebook time limit; the kernel dies with it.
        nbval_server.server().run(args, env, private, limits.notebook_seconds)
        records = {}
        if results.exists():
            for line in results.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                records[record["cell"]] = record
        return records
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def refusal(path, submissions_root):
    """Why the file at path is not graded, or None. Only real files inside the submissions
    folder are: a link (or a linked folder) could have the grader read a solution or
    another student's notebook and grade it, and show its output, as this student's."""
    root = Path(submissions_root)
    parts = Path(path).relative_to(root).parts
    if any(root.joinpath(*parts[:n]).is_symlink() for n in range(1, len(parts) + 1)):
        return "a symbolic link, not a file: submit the notebook itself"
    if not Path(path).resolve().is_relative_to(root.resolve()):
        return "outside the submissions folder"
    if not Path(path).is_file():
        return "not a regular file"
    return None


def grade(path, submissions_root, limits, uid=None, unsandboxed=False, solutions=None):
    """The Outcome for one submitted file."""
    name = Path(path).relative_to(submissions_root).as_posix()
    outcome = Outcome(submission=name)
    try:
        refused = refusal(path, submissions_root)
        if refused:
            raise InvalidSubmission(refused)
        nb = read_submission(path)
    except InvalidSubmission as e:
        outcome.invalid = str(e)
        section = section_of_submission(None, path)
        if section:
            add_exercises(outcome, section, solutions)
        return outcome
    section = section_of_submission(nb, path)
    solution = solution_for(section, solutions) if section else None
    if solution is None:
        outcome.section = section or ""
        outcome.invalid = f"unknown section {section!r}" if section else "no section in metadata or file name"
        return outcome
    outcome.section = section
    assembled = assemble(nb, solution, section)
    outcome.exercises = exercise_table(assembled.exercises)
    outcome.prose = assembled.answers_text
    start = time.perf_counter()
    records = run_nbval(assembled, limits, uid, unsandboxed)
    outcome.seconds = time.perf_counter() - start
    mark_kernel_death(records)
    outcome.cells = records
    for ex, cells in assembled.answer_code_index.items():
        outcome.answers[ex] = answer_outcome([records.get(c) for c in cells])
        if outcome.answers[ex] == "timeout":
            outcome.answer_problems[ex] = "timeout"
        raised = next((c for c in cells if classify(records.get(c)) == "error"), None)
        if raised is not None:
            record = records[raised]
            error = [line for line in record.get("actual", "").splitlines() if line.strip()]
            outcome.answer_errors[ex] = {"error": error[-1] if error else record.get("error", ""),
                                         "line": record.get("line", ""), "cell": raised}
    outcome.skipped = assembled.skipped
    for cell, line in assembled.added:
        record = records.get(cell) or {}
        error = [text for text in record.get("actual", "").splitlines() if text.strip()]
        outcome.added.append({"cell": cell, "first_line": line, "status": classify(records.get(cell)),
                              "error": error[-1] if error else ""})
    for check in assembled.checks:
        record = records.get(check.code_index)
        outcome.checks.append(CheckResult(
            exercise=check.exercise, points=check.points, hidden=check.hidden,
            status=classify(record), expected=check.expected,
            actual=(record or {}).get("actual", ""), message=last_line(record),
            difference=(record or {}).get("difference", ""), cell=check.code_index,
            line=(record or {}).get("line", "")))
    return outcome


def answer_outcome(records):
    """How an exercise's answer cells ended: 'ran', 'timeout', or 'raised <exception type>'
    for the first that raised (answer cells ignore their output, so failing is raising)."""
    statuses = [classify(r) for r in records]
    if "timeout" in statuses:
        return "timeout"
    raised = next((r for r, status in zip(records, statuses) if status != "passed"), None)
    return f"raised {raised.get('error') or 'an error'}" if raised else "ran"


def add_exercises(outcome, section, solutions):
    """Fill the exercise list of an invalid submission whose section is known."""
    solution = solution_for(section, solutions)
    if solution is None:
        outcome.invalid += f"; unknown section {section!r}"
        return
    outcome.section = section
    outcome.exercises = exercise_table(anatomy.exercises_of(notebooks.read(solution), solution.name))


def exercise_table(found):
    """{exercise: {max_points, manual}} from anatomy.exercises_of()."""
    return {ex: {"max_points": info["max_points"], "manual": info["manual"]} for ex, info in found.items()}


def last_line(record):
    """The last line of a cell's failure message ('' for none)."""
    lines = ((record or {}).get("message") or "").strip().splitlines()
    return lines[-1] if lines else ""
