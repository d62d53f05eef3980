"""The student's own error comes first in the feedback: the answer cell's exception and the
line of their code, with the checks' errors that follow from it marked as such; and none of
it is quoted when the cell ran after a hidden check."""

from course.grading import gradebook
from course.grading.nbval_run import notebook_line
from course.grading.run import CheckResult, Outcome

EXERCISES = {"1": {"max_points": 3, "manual": False}, "2": {"max_points": 2, "manual": False}}
ERROR = {"error": "AttributeError: 'list' object has no attribute 'item'", "line": "values.item()"}


def outcome(answer_cell):
    return Outcome(
        submission="s/3_4_linear_regression_scratch.ipynb", section="3.4", exercises=EXERCISES,
        checks=[CheckResult("1", 2, False, "passed", cell=2), CheckResult("1", 1, True, "passed", cell=3),
                CheckResult("2", 2, False, "error", expected="3 epochs", actual="NameError: name 'fit' is not defined",
                            cell=6, line="print(fit(X))")],
        answer_errors={"2": {**ERROR, "cell": answer_cell}})


def test_the_answer_cells_error_and_line_come_before_the_checks_fallout():
    text = gradebook.feedback(outcome(answer_cell=1))  # ran before the hidden check at cell 3
    section = text[text.index("## Exercise 2"):]
    assert section.index("AttributeError: 'list' object has no attribute 'item'") < section.index("- check 1")
    assert "It came from this line of your code: `values.item()`" in section
    assert "- check 1 (2 points): error (probably a consequence of your answer cell's error above)" in section


def test_an_answer_cell_after_a_hidden_check_is_not_quoted():
    text = gradebook.feedback(outcome(answer_cell=5))
    assert "AttributeError" not in text and "values.item()" not in text and "NameError" not in text
    assert "Its message is not quoted: the cell ran after a hidden check" in text


def test_the_line_is_the_deepest_frame_in_the_notebook():
    traceback = ["\x1b[0;31mTypeError\x1b[0m   Traceback (most recent call last)",
                 "Cell \x1b[0;32mIn[7], line 2\x1b[0m\n      1 # Check: exercise 1\n\x1b[0;32m----> 2\x1b[0m print(train(X, y, lr=0.1))",
                 "Cell \x1b[0;32mIn[5], line 4\x1b[0m, in train(X, y)\n      3 def train(X, y):\n----> 4     return torch.zeros(3) @ y",
                 "File \x1b[0;32m/lib/torch/x.py:10\x1b[0m, in f\n---> 10     raise TypeError('x')",
                 "\x1b[0;31mTypeError\x1b[0m: x"]
    assert notebook_line(traceback) == "return torch.zeros(3) @ y"
    assert notebook_line([]) == ""
