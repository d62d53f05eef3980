"""Grade one submission: assemble, run nbval with the sandboxed kernel, score each exercise."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import exercises, nbval_settings, notebooks
from ..notebooks import ROOT
from . import sandbox
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


@dataclass
class Outcome:
    """Everything the gradebook and the feedback need about one submission."""
    submission: str  # student/notebook.ipynb
    section: str = ""
    invalid: str = ""  # why the file could not be graded, if it could not
    exercises: dict = field(default_factory=dict)  # exercise -> {max_points, manual}
    checks: list = field(default_factory=list)
    answer_problems: dict = field(default_factory=dict)  # exercise -> status of its answer cell
    prose: dict = field(default_factory=dict)  # exercise -> the student's written answers
    cells: dict = field(default_factory=dict)  # code cell number -> record, for tests


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


def nbval_command(notebook, cell_seconds):
    return [sys.executable, "-m", "pytest", str(notebook), "-q", "-p", "no:cacheprovider",
            "-c", os.devnull, "--rootdir", str(Path(notebook).parent),
            "-p", "course.grading.nbval_plugin", "--nbval",
            "--nbval-kernel-name", sandbox.KERNEL_NAME,
            f"--nbval-cell-timeout={cell_seconds}",
            "--nbval-sanitize-with", str(nbval_settings.SANITIZE)]


def run_nbval(assembled, limits, uid, unsandboxed=False):
    """Run nbval on the assembled notebook; {code cell number: record}."""
    scratch = Path(tempfile.mkdtemp(prefix="course-grade-"))
    try:
        private = scratch / "private"  # the reference notebook: never mounted in the sandbox
        private.mkdir(mode=0o700)
        notebook = private / "graded.ipynb"
        notebooks.write(assembled.notebook, notebook)
        results = private / "cells.jsonl"
        env = dict(os.environ, **sandbox.KERNEL_ENV, COURSE_GRADE_RESULTS=str(results),
                   PYTHONPATH=str(ROOT), JUPYTER_PLATFORM_DIRS="1")
        cmd = nbval_command(notebook, limits.cell_seconds)
        if unsandboxed:
            cmd[cmd.index("--nbval-kernel-name"):cmd.index("--nbval-kernel-name") + 2] = ["--nbval-current-env"]
        else:
            work = sandbox.prepare_folder(scratch / "work", uid)
            runtime = sandbox.prepare_folder(scratch / "runtime", uid)
            runtime.chmod(0o711)
            sandbox.write_kernel_spec(private / "jupyter", work, runtime, limits, uid)
            env.update(JUPYTER_PATH=str(private / "jupyter"), JUPYTER_RUNTIME_DIR=str(runtime))
        proc = subprocess.Popen(cmd, cwd=private, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.communicate(timeout=limits.notebook_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the sandbox dies with its parent
            proc.communicate()
        records = {}
        if results.exists():
            for line in results.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                records[record["cell"]] = record
        return records
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def grade(path, submissions_root, limits, uid=sandbox.FIRST_UID, unsandboxed=False, solutions=None):
    """The Outcome for one submitted file."""
    name = Path(path).relative_to(submissions_root).as_posix()
    outcome = Outcome(submission=name)
    try:
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
    records = run_nbval(assembled, limits, uid, unsandboxed)
    mark_kernel_death(records)
    outcome.cells = records
    for ex, cells in assembled.answer_code_index.items():
        statuses = [classify(records.get(c)) for c in cells]
        if "timeout" in statuses:
            outcome.answer_problems[ex] = "timeout"
    for check in assembled.checks:
        record = records.get(check.code_index)
        outcome.checks.append(CheckResult(
            exercise=check.exercise, points=check.points, hidden=check.hidden,
            status=classify(record), expected=check.expected,
            actual=(record or {}).get("actual", ""), message=last_line(record),
            difference=(record or {}).get("difference", "")))
    return outcome


def add_exercises(outcome, section, solutions):
    """Fill the exercise list of an invalid submission whose section is known."""
    solution = solution_for(section, solutions)
    if solution is None:
        outcome.invalid += f"; unknown section {section!r}"
        return
    outcome.section = section
    outcome.exercises = exercise_table(exercises.exercises_of(notebooks.read(solution), solution.name))


def exercise_table(found):
    """{exercise: {max_points, manual}} from exercises.exercises_of()."""
    return {ex: {"max_points": info["max_points"], "manual": info["manual"]} for ex, info in found.items()}


def last_line(record):
    """The last line of a cell's failure message ('' for none)."""
    lines = ((record or {}).get("message") or "").strip().splitlines()
    return lines[-1] if lines else ""
