"""Exercises are generated from solutions, and the generator keeps what it promises."""

import nbformat
import pytest

from course.authoring import anatomy, exercises
from course.authoring.anatomy import ExerciseFormatError
from course.authoring.exercises import generate
from course.core import notebooks
from course.core.notebooks import CHAPTERS, EXERCISES, SOLUTIONS


def test_exercises_match_what_the_generator_writes():
    problems = exercises.stale_exercises()
    assert not problems, "run `make exercises`:\n" + "\n".join(
        f"  {notebooks.shown(p)}: {why}" for p, why in problems)


def test_every_section_has_chapter_solution_and_exercise():
    stems = {folder.name: {p.stem for p in notebooks.notebooks(folder)}
             for folder in (CHAPTERS, SOLUTIONS, EXERCISES)}
    assert stems["chapters"] == stems["solutions"] == stems["exercises"]


@pytest.mark.parametrize("path", notebooks.notebooks(SOLUTIONS), ids=lambda p: p.stem)
def test_solution_exercises_are_well_formed(path):
    nb = notebooks.read(path)
    found = anatomy.exercises_of(nb, path.name)
    checked = [ex for ex, info in found.items() if not info["manual"]]
    assert len(found) >= 4, f"{path.name}: at least four exercises"
    assert len(checked) > len(found) / 2, f"{path.name}: most exercises are auto-checked"
    assert any(info["manual"] for info in found.values()), f"{path.name}: one conceptual exercise"
    for ex, info in found.items():
        assert info["answers"] >= 1, f"{path.name}: exercise {ex} has no answer cell"
    for i, cell in enumerate(nb.cells):
        if anatomy.check_header(cell):
            assert cell.get("outputs"), f"{path.name}, cell {i}: a check with no stored output"
    assert all("id" in c for c in nb.cells), f"{path.name}: cells need ids (nbformat 4.5)"


def solution_fixture():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    answer = code("x = torch.ones(2)\n### BEGIN SOLUTION\ny = x * 2\n### END SOLUTION\nprint('after')")
    answer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="after\n")]
    answer.execution_count = 3
    check = code("# Check: exercise 1 (2 points)\nprint(y)")
    check.outputs = [nbformat.v4.new_output("stream", name="stdout", text="tensor([2., 2.])\n")]
    hidden = code("# Hidden check: exercise 1 (1 point)\nprint(y.sum())")
    prose = md("<!-- BEGIN SOLUTION -->\nBecause the model answer says so.\n<!-- END SOLUTION -->")
    cells = [md("# 9.9 Exercises"), md("## Exercise 1: double"), answer, check, hidden,
             md("## Exercise 2: why (3 points)"), prose]
    return nbformat.v4.new_notebook(cells=cells)


def test_generator_stubs_answers_drops_hidden_checks_and_clears_outputs():
    solution = solution_fixture()
    before = nbformat.writes(solution)
    nb = generate(solution, "solutions/9_9_fixture.ipynb")
    assert nbformat.writes(solution) == before, "the solution is not modified"
    assert nb.cells[1].source == exercises.HOW_TO_CHECK, "the note sits under the title"
    del nb.cells[1]
    sources = [c.source for c in nb.cells]
    assert sources[2] == ("x = torch.ones(2)\n# YOUR CODE HERE\n"
                          "raise NotImplementedError(\"Exercise 1: write your answer here\")\nprint('after')")
    assert "y = x * 2" not in "".join(sources)
    assert not any("Hidden check" in s for s in sources)
    assert sources[3] == ("# Check: exercise 1 (2 points)\n# Expected output:\n"
                          "#   tensor([2., 2.])\nprint(y)")
    assert "model answer" not in sources[5] and "graded by hand" in sources[5]
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")
    assert nb.cells[2].metadata["course"] == {"role": "answer", "exercise": "1", "slot": 1}
    assert nb.cells[3].metadata["course"] == {"role": "check", "exercise": "1", "points": 2}
    assert nb.metadata["course"] == {"section": "9.9", "kind": "exercise"}
    assert [c.id for c in nb.cells] == [c.id for i, c in enumerate(solution.cells) if i != 4]
    assert generate(solution, "solutions/9_9_fixture.ipynb") == generate(solution, "solutions/9_9_fixture.ipynb")


def test_exercise_summary_counts_points_and_manual_exercises():
    found = anatomy.exercises_of(solution_fixture())
    assert found["1"]["max_points"] == 3 and not found["1"]["manual"]
    assert found["2"] == {"max_points": 3, "manual": True, "checks": [], "answers": 1}


def test_unclosed_solution_block_names_the_cell():
    nb = solution_fixture()
    nb.cells[2].source = "### BEGIN SOLUTION\ny = 1"
    with pytest.raises(ExerciseFormatError, match=r"9_9_fixture.ipynb, cell 2: BEGIN SOLUTION without END"):
        generate(nb, "solutions/9_9_fixture.ipynb")


def test_answer_outside_an_exercise_is_refused():
    nb = solution_fixture()
    nb.cells.insert(1, nbformat.v4.new_code_cell("### BEGIN SOLUTION\nz = 1\n### END SOLUTION"))
    with pytest.raises(ExerciseFormatError, match="before any '## Exercise' heading"):
        generate(nb, "solutions/9_9_fixture.ipynb")


def test_stale_exercise_report_names_file_and_cell(tmp_path, monkeypatch):
    solutions, stubs = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir(), stubs.mkdir()
    notebooks.write(solution_fixture(), solutions / "9_9_fixture.ipynb")
    monkeypatch.setattr(exercises, "SOLUTIONS", solutions)
    monkeypatch.setattr(exercises, "EXERCISES", stubs)
    assert exercises.stale_exercises() == [(stubs / "9_9_fixture.ipynb", "missing")]
    assert exercises.main([]) == 0
    assert exercises.stale_exercises() == []
    edited = notebooks.read(stubs / "9_9_fixture.ipynb")
    edited.cells[4].source += "\nprint('extra')"
    notebooks.write(edited, stubs / "9_9_fixture.ipynb")
    [(path, reason)] = exercises.stale_exercises()
    assert path.name == "9_9_fixture.ipynb" and reason.startswith("cell 4 (code) differs")
