"""Every section, graded as an instructor would: the solution gets full marks (and every
one of its cells reproduces its stored output, so this run is also the solutions' nbval),
the untouched stub gets zero, and one wrong exercise loses exactly its points.

All submissions of all sections are graded in one batch, two at a time."""

import shutil

import pytest

from course import notebooks
from course.grading import cli, gradebook, sandbox
from course.notebooks import EXERCISES, SOLUTIONS
from tests import grading_helpers as h

STEMS = [p.stem for p in notebooks.notebooks(SOLUTIONS)]


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sections")
    for stem in STEMS:
        for who, source in (("solution", SOLUTIONS), ("untouched", EXERCISES)):
            (folder / who).mkdir(exist_ok=True)
            shutil.copy(source / f"{stem}.ipynb", folder / who / f"{stem}.ipynb")
        (folder / "one-wrong").mkdir(exist_ok=True)
        notebooks.write(h.with_stub_answer(stem, wrong_exercise(stem)), folder / "one-wrong" / f"{stem}.ipynb")
    (folder / "right-but-different").mkdir()
    for stem, answers in RIGHT_BUT_DIFFERENT.items():
        notebooks.write(h.solved_stub(stem, answers), folder / "right-but-different" / f"{stem}.ipynb")
    out = tmp_path_factory.mktemp("gradebook")
    limits = sandbox.Limits(cell_seconds=300, notebook_seconds=900)
    outcomes = cli.grade_all(cli.find_submissions(folder), folder, out, jobs=2, limits=limits)
    return {o.submission: o for o in outcomes}


# Correct answers that print differently from the solution, within the comparison's rules.
RIGHT_BUT_DIFFERENT = {
    # X * (X > 0) is -0.0 where X < 0: printed "-0.0", as right as the solution's 0.0.
    "5_2_mlp_implementation": {("1", 1): "def relu_copy(X):\n    return X * (X > 0)"},
}


def wrong_exercise(stem):
    """The exercise the one-wrong submission leaves as a stub: the last auto-checked one, since
    some sections build later answers on earlier ones (a wrong exercise 1 in 8.2 also breaks
    exercise 2, which uses its block), and that cascade is the content's, not the grader's."""
    return list(h.auto_exercises(stem))[-1]


def table(outcome):
    return {r["exercise"]: r for r in gradebook.rows(outcome)}


@pytest.mark.parametrize("stem", STEMS)
def test_solution_gets_full_marks_and_reproduces(graded, stem):
    outcome = graded[f"solution/{stem}.ipynb"]
    assert not outcome.invalid, outcome.invalid
    drifted = {n: r["message"][:1500] for n, r in outcome.cells.items() if r["outcome"] != "passed"}
    assert not drifted, f"solutions/{stem}.ipynb: cells that did not reproduce:\n" + "\n".join(
        f"  Cell {n}: {message}" for n, message in sorted(drifted.items()))
    for exercise, row in table(outcome).items():
        if row["status"] == "manual":
            continue
        assert (row["status"], row["points"]) == ("passed", row["max_points"]), (stem, exercise, row)


@pytest.mark.parametrize("stem", STEMS)
def test_untouched_exercise_gets_zero(graded, stem):
    rows = table(graded[f"untouched/{stem}.ipynb"])
    auto = {ex: r for ex, r in rows.items() if r["status"] != "manual"}
    assert auto and all(r["points"] == 0 for r in auto.values()), {ex: r["points"] for ex, r in auto.items()}
    assert all(r["status"] in ("error", "failed") for r in auto.values())
    assert [r["exercise"] for r in rows.values() if r["status"] == "manual"]


@pytest.mark.parametrize("stem", STEMS)
def test_one_wrong_exercise_loses_exactly_its_points(graded, stem):
    broken = wrong_exercise(stem)
    right, wrong = table(graded[f"solution/{stem}.ipynb"]), table(graded[f"one-wrong/{stem}.ipynb"])
    for exercise, row in wrong.items():
        expected = 0 if exercise == broken else right[exercise]["points"]
        assert row["points"] == expected, (stem, exercise, row)


@pytest.mark.parametrize("stem", sorted(RIGHT_BUT_DIFFERENT))
def test_right_but_different_answers_get_full_marks(graded, stem):
    rows = table(graded[f"right-but-different/{stem}.ipynb"])
    assert all(r["points"] == r["max_points"] for r in rows.values() if r["status"] != "manual"), rows
