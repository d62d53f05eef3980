"""`make exercises`: write exercises/ from solutions/, the one source of both.

A solution notebook marks its parts in plain text (read by course/authoring/anatomy.py), so
authors and students see them:

* `## Exercise 3: ...`, a markdown heading, starts exercise 3; `(2 points)` in a heading
  whose exercise is answered in prose gives its hand-graded points.
* An answer is a code cell holding `### BEGIN SOLUTION` ... `### END SOLUTION`, or a
  markdown cell holding `<!-- BEGIN SOLUTION -->` ... `<!-- END SOLUTION -->`. In the
  exercise the block becomes a stub: `raise NotImplementedError` in code, a prompt in prose.
* A check is a code cell whose first line is `# Check: exercise 3 (2 points)`. It prints a
  canonical form of the answer; its stored output in the solution is the reference. The
  exercise shows that output as a comment, so a student can compare without any tooling.
* A recorded wrong answer marked `hint: true` in `solutions/<stem>.mutants.yml`
  (course/authoring/wrong_answers.py) is named under the expected output: "# A common slip here: ...".
* `# Hidden check: exercise 3 (1 point)` is the same, but lives only in solutions/ and is
  added back when grading.

Under the title the exercise gets a note on how to work and check answers. Outputs are
cleared, cell ids are kept, and the parts are recorded in cell metadata
(`course`) so the grader can find a student's answers however they rearranged the notebook.
"""

import copy
import sys

import nbformat

from course.authoring.anatomy import (
    answer_slots,
    exercises_of,
    parts,
    replace_solution_blocks,
    section_stem,
    solution_answers,
    text_of,
)
from course.authoring.wrong_answers import stub_hints
from course.core import notebooks
from course.core.notebooks import EXERCISES, SOLUTIONS, section_of

HOW_TO_CHECK = """\
**How to work and check your answers.** Run the setup cell first, then the exercises in
order. Replace each `raise NotImplementedError(...)` line with your answer, keeping the
names the exercise asks for. Then run the `# Check` cell below it: the output a correct
answer prints is shown there as a comment, so compare yours with it. Your instructor grades
these checks, and hidden ones on other inputs, so make your answer work in general, not
only for the case shown. Exercises answered in prose are graded by hand."""

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError(\"Exercise {id}: write your answer here\")"
PROSE_STUB = "**Your answer (exercise {id}, graded by hand):** replace this line with your answer."


def stub_source(cell, exercise, where):
    """The cell's text with every solution block replaced by a stub."""
    template = CODE_STUB if cell.cell_type == "code" else PROSE_STUB
    return replace_solution_blocks(cell.source, template.format(id=exercise), where)


def clear(cell):
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None


def generate(solution, where="solution"):
    """The exercise notebook for a solution notebook (the solution is not modified)."""
    exercises_of(solution, where)  # validates headings, answers and checks together
    roles = {i: (role, ex, extra) for i, role, ex, extra in parts(solution, where)}
    hints = stub_hints(section_stem(where))
    nb = copy.deepcopy(solution)
    cells = []
    for i, cell in enumerate(nb.cells):
        role, ex, extra = roles.get(i, (None, None, None))
        if role == "hidden-check":
            continue
        if role == "answer":
            cell.source = stub_source(cell, ex, f"{where}, cell {i}")
            cell.metadata["course"] = {"role": "answer", "exercise": ex, "slot": extra}
        elif role == "check":
            expected = text_of(cell.get("outputs", []))
            shown = "\n".join(f"#   {line}".rstrip() for line in expected.splitlines()) or "#   (nothing)"
            shown += "".join(f"\n# A common slip here: {slip}" for slip in hints.pop(ex, []))
            first, _, rest = cell.source.lstrip().partition("\n")
            cell.source = f"{first}\n# Expected output:\n{shown}\n{rest}"
            cell.metadata["course"] = {"role": "check", "exercise": ex, "points": extra}
        clear(cell)
        cells.append(cell)
    note = nbformat.v4.new_markdown_cell(HOW_TO_CHECK)
    note.id = "how-to-check-answers"
    at_title = 1 if cells and cells[0].cell_type == "markdown" else 0
    cells.insert(at_title, note)
    nb.cells = cells
    nb.metadata["course"] = {"section": section_of(where), "kind": "exercise"}
    return nb


def expected_exercises():
    """{exercise path: generated notebook} for every solution."""
    return {EXERCISES / path.name: generate(notebooks.read(path), f"solutions/{path.name}")
            for path in notebooks.notebooks(SOLUTIONS)}


def first_difference(expected_text, actual_text):
    """A short description of where two notebook texts first differ."""
    import json

    try:
        exp, act = json.loads(expected_text), json.loads(actual_text)
    except ValueError:
        return "the file is not valid JSON"
    exp_cells, act_cells = exp.get("cells", []), act.get("cells", [])
    for i, (e, a) in enumerate(zip(exp_cells, act_cells)):
        if e != a:
            return f"cell {i} ({e.get('cell_type')}) differs: {''.join(e.get('source', ''))[:60]!r}"
    if len(exp_cells) != len(act_cells):
        return f"{len(act_cells)} cells where the generator writes {len(exp_cells)}"
    return "notebook metadata differs"


def stale_exercises():
    """[(path, reason)] for exercise files that differ from what `generate` writes."""
    problems = []
    expected = expected_exercises()
    for path, nb in expected.items():
        text = notebooks.dumps(nb)
        if not path.exists():
            problems.append((path, "missing"))
        elif path.read_text(encoding="utf-8") != text:
            problems.append((path, first_difference(text, path.read_text(encoding="utf-8"))))
    for path in notebooks.notebooks(EXERCISES):
        if path not in expected:
            problems.append((path, "has no solution in solutions/"))
    return problems


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        problems = stale_exercises()
        for path, reason in problems:
            print(f"{notebooks.shown(path)}: {reason}")
        return 1 if problems else 0
    EXERCISES.mkdir(exist_ok=True)
    for path, nb in expected_exercises().items():
        if not path.exists() or path.read_text(encoding="utf-8") != notebooks.dumps(nb):
            notebooks.write(nb, path)
            print(f"wrote {notebooks.shown(path)}")
    return 0


def solved_stub(stem, replace=None):
    """The exercise stub of stem with the solution's answers in its answer cells, as a good
    student would fill it in; `replace` maps (exercise, slot) to other answer text."""
    answers = solution_answers(stem)
    answers.update(replace or {})
    nb = notebooks.read(EXERCISES / f"{stem}.ipynb")
    for key, i in answer_slots(nb).items():
        nb.cells[i].source = answers[key]
    return nb
