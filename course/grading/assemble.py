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
    added: list = field(default_factory=list)  # [(Cell N, first line)] of code cells the student added
    skipped: list = field(default_factory=list)  # [(first line, why)] of added cells not run


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


def added_cells(submission, stub):
    """{student's answer cell or None: [code cells the student added after it]}: code cells
    that are no cell of the stub (no course metadata, no stub cell's id, not a stub cell's
    text). None holds those above the student's first answer cell."""
    ids = {c.get("id") for c in stub.cells}
    texts = {c.source.strip() for c in stub.cells}
    added, after = {}, None
    for cell in submission.cells:
        role = cell.get("metadata", {}).get("course", {})
        if isinstance(role, dict) and role.get("role") == "answer":
            after = id(cell)
        elif (cell.cell_type == "code" and not role and cell.get("id") not in ids
              and cell.source.strip() and cell.source.strip() not in texts):
            added.setdefault(after, []).append(cell)
    return added


def with_added_cells(solution, placed, added):
    """The solution's cells with the student's added cells after the answer cell they follow
    in the submission (those above every answer: before the first answer cell)."""
    cells, first_answer = [], min(placed, default=None)
    for i, cell in enumerate(solution.cells):
        if i == first_answer:
            cells += [new_added_cell(c) for c in added.get(None, [])]
        cells.append(cell)
        if i in placed:
            cells += [new_added_cell(c) for c in added.get(placed[i], [])]
    solution.cells = cells
    return solution


def first_line(cell):
    return cell.source.strip().splitlines()[0][:80]


def not_runnable(cell):
    """Why an added cell is not run ('' when it runs): one that reads as a check or a solution
    block would be graded as one (a check of its own with an empty expected output)."""
    if anatomy.check_header(cell) or cell.source.lstrip().startswith(("# Check", "# Hidden check")):
        return "it starts like a check cell, and only the exercise's own checks are graded"
    if anatomy.has_solution(cell):
        return "it holds a BEGIN SOLUTION marker, which only the exercise's answer cells may hold"
    return ""


def new_added_cell(cell):
    # Its output is the student's business, as an answer cell's is; it is marked so that the
    # feedback can name it.
    return nbformat.v4.new_code_cell(cell.source, metadata={"tags": ["nbval-ignore-output"], "course_added": True})


def assemble(submission, solution_path, section):
    """The graded notebook for a parsed submission. Code cells the student added run where
    the student put them: after the answer cell they follow (instructors.md)."""
    solution = notebooks.read(solution_path)
    where = f"solutions/{Path(solution_path).name}"
    stub = exercises.generate(solution, where)
    stub_index = anatomy.answer_slots(stub)
    # The solution's structure is read once, before any answer replaces a solution block
    # (an answer has no BEGIN SOLUTION marker, so a second reading would miss it).
    parts = list(anatomy.parts(solution, where))
    found = anatomy.exercises_of(solution, where)
    placed = {}  # solution cell index -> id() of the student's cell answering it
    for i, role, ex, extra in parts:
        if role == "answer":
            theirs = find_answer(submission, stub, stub_index[(ex, extra)], ex, extra)
            solution.cells[i].source = theirs.source if theirs is not None else stub.cells[stub_index[(ex, extra)]].source
            if theirs is not None:
                placed[i] = id(theirs)
    extra_cells, skipped = {}, []
    for after, cells in added_cells(submission, stub).items():
        for cell in cells:
            why = not_runnable(cell)
            if why:
                skipped.append((first_line(cell), why))
            else:
                extra_cells.setdefault(after, []).append(cell)
    graded = [solution.cells[i] for i, *_ in parts]
    if extra_cells:
        solution = with_added_cells(solution, placed, extra_cells)
    moved = {id(cell): n for n, cell in enumerate(solution.cells)}
    parts = [(moved[id(cell)], role, ex, extra) for cell, (_, role, ex, extra) in zip(graded, parts)]
    result = Assembled(notebook=solution, section=section, solution=Path(solution_path), exercises=found)
    positions = code_positions(solution)
    result.skipped = skipped
    result.added = [(positions[i], first_line(c)) for i, c in enumerate(solution.cells)
                    if c.get("metadata", {}).get("course_added")]
    for i, role, ex, extra in parts:
        cell = solution.cells[i]
        if role == "answer":
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
