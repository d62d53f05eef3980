"""Every section, graded as an instructor would: the solution gets full marks (and every
one of its cells reproduces its stored output, so this run is also the solutions' nbval),
the untouched stub gets zero, and one wrong exercise loses exactly its points.

All submissions of all sections are graded in one batch, two at a time, with the mutants of
tests/test_mutants.py (the `graded` fixture of tests/grading_batch.py)."""

import pytest

from course.grading import gradebook
from tests.grading_batch import RIGHT_BUT_DIFFERENT, STEMS, wrong_exercise


def table(outcome):
    return {r["exercise"]: r for r in gradebook.rows(outcome)}


@pytest.mark.parametrize("stem", STEMS)
def test_solution_gets_full_marks_and_reproduces(graded, stem):
    outcome = graded[f"solution/{stem}.ipynb"]
    assert not outcome.invalid, outcome.invalid
    # nbval's message alone ("Cell outputs differ") does not say which output moved.
    drifted = {n: f"{r['message'][:1500]}\n    difference: {r.get('difference', '')}\n"
                  f"    actual output: {r.get('actual', '')[:1500]!r}"
               for n, r in outcome.cells.items() if r["outcome"] != "passed"}
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
