"""One graded batch for all grading tests of the sections (tests/test_grading_sections.py,
tests/test_mutants.py and tests/test_grading_state.py): the solution, the untouched stub, a
one-wrong submission (which also carries the section's correct-but-different answers,
tests/test_mutants.py), the sabotaged submission (tests/sabotage.py) and the
right-but-different answers of every section, and every round of its mutants, graded
two at a time by the real grader. One batch shares the kernel template and keeps both
cores busy to the end.

Only the sections whose tests were selected are graded (`pytest -k 2_1` grades 2.1)."""

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from course.authoring import wrong_answers
from course.core import notebooks
from course.core.notebooks import EXERCISES, SOLUTIONS
from course.grading import cli, mutants, sandbox
from tests import grading_helpers as h
from tests import sabotage

STEMS = [p.stem for p in notebooks.notebooks(SOLUTIONS)]

# Correct answers that print differently from the solution, within the comparison's rules.
RIGHT_BUT_DIFFERENT = {
    # X * (X > 0) is -0.0 where X < 0: printed "-0.0", as right as the solution's 0.0.
    "5_2_mlp_implementation": {("1", 1): "def relu_and_slope(X):\n    return X * (X > 0), (X > 0).to(X.dtype)"},
}


def wrong_exercise(stem):
    """The exercise the one-wrong submission leaves as a stub: the last auto-checked one, since
    some sections build later answers on earlier ones (a wrong exercise 1 in 8.2 also breaks
    exercise 2, which uses its block), and that cascade is the content's, not the grader's."""
    return list(h.auto_exercises(stem))[-1]


@dataclass
class Batch:
    outcomes: dict  # submission name -> Outcome
    rounds: dict  # submission name -> (stem, entries): the mutant rounds, and the one-wrong
    # submissions, which carry the alternatives of the exercises they answer right
    out: Path  # grades.csv and feedback/
    stems: list
    seconds: float
    problems: list = field(default_factory=list)

    def __getitem__(self, name):
        return self.outcomes[name]


GRADING_TESTS = ("test_grading_sections.py", "test_mutants.py", "test_grading_state.py")


def selected_stems(session):
    """The sections whose grading tests this session runs (all when none names one)."""
    wanted = {item.callspec.params["stem"] for item in session.items
              if getattr(item, "callspec", None) and "stem" in item.callspec.params
              and Path(str(item.fspath)).name in GRADING_TESTS}
    return [s for s in STEMS if s in wanted] or STEMS


@pytest.fixture(scope="session")
def graded(request, tmp_path_factory):
    stems = selected_stems(request.session)
    folder = tmp_path_factory.mktemp("sections")
    hosted = {}  # stem -> alternatives graded in its one-wrong submission, not in a round
    for stem in stems:
        for who, source in (("solution", SOLUTIONS), ("untouched", EXERCISES)):
            (folder / who).mkdir(exist_ok=True)
            shutil.copy(source / f"{stem}.ipynb", folder / who / f"{stem}.ipynb")
        (folder / "one-wrong").mkdir(exist_ok=True)
        one_wrong = h.with_stub_answer(stem, wrong_exercise(stem))
        if wrong_answers.mutants_path(stem).exists():  # it also carries the right-but-different answers
            hosted[stem] = mutants.hosted_alternatives(stem, wrong_exercise(stem))
            one_wrong = mutants.with_entries(one_wrong, stem, hosted[stem])
        notebooks.write(one_wrong, folder / "one-wrong" / f"{stem}.ipynb")
        if (sabotaged := sabotage.submission(stem)) is not None:
            (folder / "sabotaged").mkdir(exist_ok=True)
            notebooks.write(sabotaged, folder / "sabotaged" / f"{stem}.ipynb")
    (folder / "right-but-different").mkdir()
    for stem, answers in RIGHT_BUT_DIFFERENT.items():
        if stem in stems:
            notebooks.write(h.solved_stub(stem, answers), folder / "right-but-different" / f"{stem}.ipynb")
    rounds = mutants.write_rounds([s for s in stems if wrong_answers.mutants_path(s).exists()], folder, hosted)
    out = tmp_path_factory.mktemp("gradebook")
    limits = sandbox.Limits(cell_seconds=300, notebook_seconds=900)
    start = time.perf_counter()
    outcomes = cli.grade_all(cli.find_submissions(folder), folder, out, jobs=2, limits=limits)
    rounds.update({f"one-wrong/{stem}.ipynb": (stem, entries) for stem, entries in hosted.items() if entries})
    return Batch({o.submission: o for o in outcomes}, rounds, out, stems, time.perf_counter() - start)
