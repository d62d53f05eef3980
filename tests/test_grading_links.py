"""Only real files inside the submissions folder are graded: a link could have the grader
grade a solution, or another student's notebook, as this student's work."""

import shutil

from course.core.notebooks import EXERCISES, SOLUTIONS
from course.grading import cli, gradebook, sandbox

STEM = "2_1_data_manipulation"


def test_links_and_linked_folders_are_refused(tmp_path):
    folder, elsewhere = tmp_path / "submissions", tmp_path / "elsewhere"
    for student in ("honest", "to_solution", "to_classmate", "linked_folder"):
        (folder / student).mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(EXERCISES / f"{STEM}.ipynb", folder / "honest" / f"{STEM}.ipynb")
    shutil.copy(SOLUTIONS / f"{STEM}.ipynb", elsewhere / f"{STEM}.ipynb")
    (folder / "to_solution" / f"{STEM}.ipynb").symlink_to(SOLUTIONS / f"{STEM}.ipynb")
    (folder / "to_classmate" / f"{STEM}.ipynb").symlink_to(folder / "honest" / f"{STEM}.ipynb")
    (folder / "linked_folder").rmdir()
    (folder / "linked_folder").symlink_to(elsewhere, target_is_directory=True)
    (folder / "honest" / "broken.ipynb").symlink_to(tmp_path / "missing.ipynb")

    refused = [p for p in cli.find_submissions(folder) if p.parent.name != "honest" or p.name == "broken.ipynb"]
    out = tmp_path / "out"
    outcomes = {o.submission: o for o in cli.grade_all(refused, folder, out, jobs=1, limits=sandbox.Limits())}

    assert sorted(outcomes) == ["honest/broken.ipynb", f"linked_folder/{STEM}.ipynb",
                                f"to_classmate/{STEM}.ipynb", f"to_solution/{STEM}.ipynb"]
    for name, outcome in outcomes.items():
        assert "symbolic link" in outcome.invalid, (name, outcome.invalid)
        assert {r["status"] for r in gradebook.rows(outcome)} == {"invalid"}
        assert not any(r["points"] for r in gradebook.rows(outcome))
        assert not outcome.cells  # nothing of it ran
        assert "symbolic link" in (out / "feedback" / (name.removesuffix(".ipynb") + ".md")).read_text()
    assert cli.find_submissions(folder)[0] == folder / "honest" / f"{STEM}.ipynb"
