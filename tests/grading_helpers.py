"""Building submissions for the grader's tests."""

import ast
import copy

from course.authoring import anatomy, exercises
from course.core import notebooks
from course.core.notebooks import EXERCISES, SOLUTIONS


def stub(stem):
    return notebooks.read(EXERCISES / f"{stem}.ipynb")


def solution(stem):
    return notebooks.read(SOLUTIONS / f"{stem}.ipynb")


def answer_cells(nb):
    """{(exercise, slot): cell} of an exercise stub (or a student's copy of it)."""
    return {key: nb.cells[i] for key, i in anatomy.answer_slots(nb).items()}


def solution_answers(stem):
    """{(exercise, slot): source} of the solution's answer cells."""
    return anatomy.solution_answers(stem)


solved_stub = exercises.solved_stub


def auto_exercises(stem):
    found = anatomy.exercises_of(solution(stem), stem)
    return {ex: info for ex, info in found.items() if not info["manual"]}


def with_stub_answer(stem, exercise):
    """The solution notebook with one exercise's answers put back to the stub."""
    nb = copy.deepcopy(solution(stem))
    stubs = answer_cells(stub(stem))
    for i, role, ex, slot in anatomy.parts(nb, stem):
        if role == "answer" and ex == exercise:
            nb.cells[i].source = stubs[(ex, slot)].source
    return nb


def secrets(stem):
    """What no feedback may show: solution answer lines, hidden-check source and output."""
    found = [line.strip() for ans in solution_answers(stem).values() for line in ans.splitlines()
             if len(line.strip()) > 15 and "SOLUTION" not in line]
    for cell in solution(stem).cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# Hidden check"):
            found += [l.strip() for l in cell.source.splitlines()[1:] if len(l.strip()) > 15]
            found += [l.strip() for l in anatomy.text_of(cell.outputs).splitlines() if len(l.strip()) > 8]
    return found


def leaked_into_feedback(stem, outcome, text):
    """The secrets of the section that a feedback text shows, except lines a public check's
    expected output (which the exercise shows anyway) also holds."""
    public = [c.expected for c in outcome.checks if not c.hidden]
    return [s for s in secrets(stem) if s in text and not any(s in e for e in public)]


def defined_names(source, kinds=(ast.FunctionDef, ast.ClassDef)):
    """The functions (and classes) an answer defines at its top level; none for an answer in
    IPython syntax that ast cannot read."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body if isinstance(node, kinds)]
