"""A hidden check that changes something shared (data, a module's attribute) must put it
back even when the student's answer raises, or the later exercises are graded against the
changed state and a right answer loses its points."""

from course.core import notebooks
from course.grading import cli, gradebook, sandbox
from tests import grading_helpers as h

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
