"""make bench-grade's generated class is what its table says it grades."""

from course.authoring import anatomy
from course.core import notebooks
from course.core.notebooks import SOLUTIONS
from course.grading import bench

STEM = "2_1_data_manipulation"


def answers(path):
    nb = notebooks.read(path)
    return {key: nb.cells[i].source for key, i in anatomy.answer_slots(nb).items()}


def test_the_class_has_honest_wrong_and_hostile_students(tmp_path):
    size = bench.make_class(tmp_path, STEM, honest=2)
    students = sorted(p.name for p in tmp_path.iterdir())
    assert size == len(students) == 2 + 2 + len(bench.HOSTILE)
    assert students == sorted(["honest-0", "honest-1", "untouched", "one-wrong", *bench.HOSTILE])
    solved = anatomy.solution_answers(STEM)
    honest = answers(tmp_path / "honest-0" / f"{STEM}.ipynb")
    assert honest == solved
    untouched = answers(tmp_path / "untouched" / f"{STEM}.ipynb")
    assert all(untouched[key] != solved[key] for key in solved)
    one_wrong = answers(tmp_path / "one-wrong" / f"{STEM}.ipynb")
    auto = [ex for ex, info in anatomy.exercises_of(notebooks.read(SOLUTIONS / f"{STEM}.ipynb"), STEM).items() if not info["manual"]]
    assert {key for key in solved if one_wrong[key] != solved[key]} == {k for k in solved if k[0] == auto[-1]}
    exiting = answers(tmp_path / "kernel-exit" / f"{STEM}.ipynb")
    assert exiting[("1", 1)] == bench.HOSTILE["kernel-exit"] and exiting[("2", 1)] == solved[("2", 1)]
