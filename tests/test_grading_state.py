"""A hidden check that changes something shared (data, a module's attribute) must put it
back even when the student's answer raises, or the later exercises are graded against the
changed state and a right answer loses its points. The sweep over every section tries each
hidden check after a raising and a mutating answer (tests/sabotage.py)."""

import pytest

import copy

from course.authoring import anatomy
from course.core import notebooks
from course.grading import cli, gradebook, run, sandbox
from tests import grading_helpers as h
from tests import sabotage
from tests.grading_batch import STEMS

STEM = "4_4_softmax_regression_scratch"
RAISES = "def train_and_evaluate(lr, num_epochs):\n    raise RuntimeError('not done yet')"


def test_a_raising_answer_leaves_the_next_exercise_its_points(tmp_path):
    folder = tmp_path / "submissions"
    (folder / "student").mkdir(parents=True)
    notebooks.write(h.solved_stub(STEM, {("3", 1): RAISES}), folder / "student" / f"{STEM}.ipynb")
    [outcome] = cli.grade_all(cli.find_submissions(folder), folder, tmp_path / "out", jobs=1,
                              limits=sandbox.Limits(cell_seconds=300, notebook_seconds=900))
    rows = {r["exercise"]: r for r in gradebook.rows(outcome)}
    assert rows["3"]["points"] == 0, rows["3"]
    assert (rows["4"]["status"], rows["4"]["points"]) == ("passed", rows["4"]["max_points"]), rows["4"]


@pytest.mark.parametrize("stem", [s for s in STEMS if sabotage.names_by_exercise(s)])
def test_no_hidden_check_leaves_a_change_after_a_raising_or_mutating_answer(graded, stem):
    """Every hidden check, tried first against the answer's functions made to raise and then
    made to change their arguments in place (tests/sabotage.py), leaves the section as it
    found it: the same submission then scores full marks in every exercise."""
    outcome = graded[f"sabotaged/{stem}.ipynb"]
    assert not outcome.invalid, outcome.invalid
    assert [a["status"] for a in outcome.added] == ["passed"], outcome.added  # the hook is in place
    lost = {r["exercise"]: (r["points"], r["max_points"], r["status"]) for r in gradebook.rows(outcome)
            if r["status"] != "manual" and r["points"] != r["max_points"]}
    tried = sabotage.names_by_exercise(stem)
    assert not lost, (f"exercises that lost points after the hidden checks of {sorted(tried)} met a raising "
                      f"and a mutating answer: {lost}\n" + gradebook.feedback(outcome)[:3000])


def test_the_sweep_finds_a_check_that_restores_only_on_success(tmp_path):
    """The control: 4.4's exercise 3 check as it was before its `finally`. The sabotaged
    submission then loses points, so the sweep above can fail."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    sol = copy.deepcopy(h.solution(STEM))
    check = next(sol.cells[i] for i, role, ex, _ in anatomy.parts(sol, STEM) if role == "hidden-check" and ex == "3")
    assert "finally:" in check.source
    check.source = check.source.replace("try:\n    ", "").replace("finally:", "if True:")
    notebooks.write(sol, solutions / f"{STEM}.ipynb")
    folder = tmp_path / "submissions"
    (folder / "sabotaged").mkdir(parents=True)
    notebooks.write(sabotage.submission(STEM), folder / "sabotaged" / f"{STEM}.ipynb")
    [path] = cli.find_submissions(folder)
    outcome = run.grade(path, folder, sandbox.Limits(cell_seconds=300, notebook_seconds=900), solutions=solutions)
    lost = {r["exercise"] for r in gradebook.rows(outcome) if r["status"] != "manual" and r["points"] != r["max_points"]}
    assert "3" in lost, gradebook.rows(outcome)
