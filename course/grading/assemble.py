"""Build the notebook that is graded: the instructor's solution with the student's answer
cells in place of the solution cells.

Everything else (setup, data preparation, public and hidden checks, and their stored
outputs, which are nbval's reference) comes from the solution, so a student who deletes,
moves, edits or adds cells changes nothing but their own answers.

The answers still run first, in the kernel that runs the checks, and can replace anything
there (`print`, `torch.allclose`, the code of a later cell), so nothing is restored or
trusted in that kernel. The stored outputs never enter it: nbval sends only each cell's
code and compares what comes back outside. Hence a hidden check prints values computed on
inputs the student never saw, never a verdict (hidden_lint.py keeps them so).
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.authoring import anatomy, exercises
from course.core import notebooks
from course.core.notebooks import SOLUTIONS, section_of

SECTION_IN_NAME = re.compile(r"^(\d+)_(\d+)_")


class InvalidSubmission(Exception):
    """The file cannot be graded as a notebook; the message says why, for the gradebook."""


@dataclass
class Check:
    exercise: str
    points: int
    hidden: bool
    code_index: int  # position among code cells: nbval's "Cell N"
    expected: str  # the solution's stored output, as text


@dataclass
class Assembled:
    notebook: nbformat.NotebookNode
    section: str
    solution: Path
    exercises: dict  # anatomy.exercises_of() of the solution
    checks: list = field(default_factory=list)
    answer_code_index: dict = field(default_factory=dict)  # exercise -> [Cell N of its answers]
    answers_text: dict = field(default_factory=dict)  # exercise -> student's prose answers


def read_submission(path):
    """The submission as an nbformat 4 notebook, or InvalidSubmission."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise InvalidSubmission(f"unreadable file ({e.strerror})") from None
    if not raw.strip():
        raise InvalidSubmission("empty file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidSubmission(f"not a notebook: invalid JSON ({str(e)[:80]})") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise InvalidSubmission("not a notebook: no nbformat field")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as e:  # nbformat raises several types on malformed content
        raise InvalidSubmission(f"not a readable notebook ({type(e).__name__})") from None
    if not isinstance(nb.get("cells"), list):
        raise InvalidSubmission("not a notebook: no cells")
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise InvalidSubmission("not a notebook: a cell has no valid type")
        if not isinstance(cell.get("source", ""), str):
            raise InvalidSubmission("not a notebook: a cell's source is not text")
    return nb


def section_of_submission(nb, path):
    """From the notebook's metadata (written by the generator), else from its file name."""
    meta = nb.metadata.get("course", {}) if nb is not None else {}
    if isinstance(meta, dict) and isinstance(meta.get("section"), str) and meta["section"]:
        return meta["section"]
    m = SECTION_IN_NAME.match(Path(path).name)
    return f"{m[1]}.{m[2]}" if m else None


def solution_for(section, solutions=None):
    for path in notebooks.notebooks(solutions or SOLUTIONS):
        if section_of(path) == section:
            return path
    return None


def code_positions(nb):
    """{cell index: position among code cells}."""
    positions, n = {}, 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            positions[i] = n
            n += 1
    return positions


def find_answer(submission, stub, stub_index, exercise, slot):
    """The student's cell for one answer slot: by the generator's metadata, then by cell id
    (kept from the solution through the stub), then by position in the stub."""
    wanted = {"role": "answer", "exercise": exercise, "slot": slot}
    stub_cell = stub.cells[stub_index]
    tagged = [c for c in submission.cells if c.get("metadata", {}).get("course") == wanted]
    if not tagged:
        tagged = [c for c in submission.cells if c.get("id") == stub_cell.get("id")]
    if tagged:
        edited = [c for c in tagged if c.source != stub_cell.source]
        return (edited or tagged)[-1]
    if stub_index < len(submission.cells):
        cell = submission.cells[stub_index]
        if cell.cell_type == stub_cell.cell_type and "course" not in cell.get("metadata", {}):
            return cell
    return None


def assemble(submission, solution_path, section):
    """The graded notebook for a parsed submission."""
    solution = notebooks.read(solution_path)
    where = f"solutions/{Path(solution_path).name}"
    stub = exercises.generate(solution, where)
    stub_index = anatomy.answer_slots(stub)
    result = Assembled(notebook=solution, section=section, solution=Path(solution_path),
                       exercises=anatomy.exercises_of(solution, where))
    positions = code_positions(solution)
    for i, role, ex, extra in anatomy.parts(solution, where):
        cell = solution.cells[i]
        if role == "answer":
            theirs = find_answer(submission, stub, stub_index[(ex, extra)], ex, extra)
            cell.source = theirs.source if theirs is not None else stub.cells[stub_index[(ex, extra)]].source
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                # The answer's own output is the student's business; only checks are compared.
                cell.metadata["tags"] = sorted(set(cell.metadata.get("tags", [])) | {"nbval-ignore-output"})
                result.answer_code_index.setdefault(ex, []).append(positions[i])
            else:
                result.answers_text.setdefault(ex, []).append(cell.source)
        else:
            result.checks.append(Check(exercise=ex, points=extra, hidden=role == "hidden-check",
                                       code_index=positions[i],
                                       expected=anatomy.text_of(cell.get("outputs", []))))
    return result
