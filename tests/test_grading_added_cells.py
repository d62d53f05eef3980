"""Code cells a student adds run where the student put them (course/grading/assemble.py): a
helper defined in an added cell above an answer is there for the answer and its checks; an
added cell that raises is named in the feedback; one that would read as a check is not run,
and says why, so it cannot grade itself."""

import nbformat
import pytest

from course.core import notebooks
from course.grading import cli, gradebook, sandbox
from tests import grading_helpers as h

STEM = "2_1_data_manipulation"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    nb = h.solved_stub(STEM)
    answer = h.answer_cells(nb)[("1", 1)]
    answer.source = answer.source.replace("### BEGIN SOLUTION", "### BEGIN SOLUTION\nassert my_helper() == 'helped'")
    at = nb.cells.index(answer)
    nb.cells[at:at] = [nbformat.v4.new_code_cell("def my_helper():\n    return 'helped'")]
    nb.cells[at + 2:at + 2] = [nbformat.v4.new_code_cell("[1, 2].item()"),
                               nbformat.v4.new_code_cell("# Check: exercise 1 (5 points)\npass")]
    folder = tmp_path_factory.mktemp("added")
    notebooks.write(nb, folder / "student" / f"{STEM}.ipynb")
    [outcome] = cli.grade_all(cli.find_submissions(folder), folder, tmp_path_factory.mktemp("added-out"), jobs=1,
                              limits=sandbox.Limits(cell_seconds=120, notebook_seconds=600))
    return outcome


def test_a_helper_in_an_added_cell_serves_the_answer_below_it(graded):
    points = {r["exercise"]: (r["points"], r["max_points"]) for r in gradebook.rows(graded)}
    assert points["1"] == (3, 3)
    assert all(p == m for p, m in points.values() if p != ""), points  # the added check gained nothing


def test_the_feedback_names_an_added_cell_that_raised_and_one_that_did_not_run(graded):
    text = gradebook.feedback(graded)
    assert "Cells you added: 2 ran where you put them, 1 did not run." in text
    assert "`[1, 2].item()` raised: `AttributeError: 'list' object has no attribute 'item'`" in text
    assert "`# Check: exercise 1 (5 points)` did not run: it starts like a check cell" in text
