"""What the instructor takes from a graded batch besides grades.csv: lms.csv (one row per
student, a column per section, in the shape Canvas and Moodle import) and hand_graded.csv
(every prose answer with the student's text and an empty points column), and what the
feedback says about a prose exercise."""

import csv

from course.grading import gradebook
from course.grading.run import CheckResult, Outcome

EXERCISES = {"1": {"max_points": 2, "manual": False}, "2": {"max_points": 3, "manual": True}}


def outcome(student, section="2.1", passed=True, prose="Because broadcasting copies the row."):
    return Outcome(submission=f"{student}/2_1_data_manipulation.ipynb", section=section, exercises=EXERCISES,
                   checks=[CheckResult("1", 2, False, "passed" if passed else "failed")],
                   prose={"2": [prose]})


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_lms_csv_has_a_row_per_student_and_a_column_per_section(tmp_path):
    outcomes = [outcome("ada"), outcome("=cmd"), outcome("bo", passed=False),
                Outcome(submission="bo/3_1_linear_regression.ipynb", section="3.1",
                        exercises={"1": {"max_points": 4, "manual": False}},
                        checks=[CheckResult("1", 4, False, "passed")])]
    gradebook.write_lms(outcomes, tmp_path / "lms.csv")
    table = read(tmp_path / "lms.csv")
    assert table[0] == ["Student", "SIS Login ID", "Section", "Section 2.1 auto-graded (2 points)",
                        "Section 3.1 auto-graded (4 points)"]
    assert table[1:] == [["'=cmd", "'=cmd", "", "2", ""], ["ada", "ada", "", "2", ""], ["bo", "bo", "", "0", "4"]]


def test_hand_graded_csv_holds_each_prose_answer_beside_an_empty_points_column(tmp_path):
    untouched = outcome("cy", prose="**Your answer (exercise 2, graded by hand):** replace this line with your answer.")
    gradebook.write_hand_graded([outcome("ada", prose="=1+1 is not a formula here\x07"), untouched], tmp_path / "h.csv")
    table = read(tmp_path / "h.csv")
    assert table[0] == gradebook.HAND_GRADED
    assert table[1] == ["ada", "ada/2_1_data_manipulation.ipynb", "2.1", "2", "3", "", "'=1+1 is not a formula here"]
    assert table[2][-1] == "(no answer)"


def test_feedback_says_a_prose_exercise_is_graded_by_hand_and_not_in_the_total():
    text = gradebook.feedback(outcome("ada"))
    assert "Section 2.1: 2 of 2 auto-graded points." in text
    assert "## Exercise 2: manual" in text and "Graded by hand" in text and "up to 3 points" in text
