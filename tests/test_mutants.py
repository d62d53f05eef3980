"""The mutation suite: every recorded wrong answer (solutions/<stem>.mutants.yml) must lose
its exercise's points, caught by the kind of check it declares; every recorded
right-but-different answer must get full marks. Graded with the real grader in the shared
batch (tests/grading_batch.py), several exercises' mutants to a submission.

Also: the recorded outputs the feedback reads are what the mutants print now, feedback
names the slip and leaks nothing, and no exercise is answered by a line of its chapter."""

import re

import pytest

from course import exercises, mutants, notebooks
from course.grading import gradebook
from course.notebooks import CHAPTERS
from tests import grading_helpers as h
from tests.grading_batch import STEMS, wrong_exercise

MUTATED = mutants.stems_with_mutants()


def judged(graded, name, entries):
    stubbed = {wrong_exercise(entries[0].stem)} if name.startswith("one-wrong/") else set()
    return mutants.judge(graded[name], entries, stubbed)


def verdicts(graded, stem):
    found = []
    for name, (s, entries) in graded.rounds.items():
        if s == stem:
            v, problems = judged(graded, name, entries)
            found.append((v, problems))
    return [v for vs, _ in found for v in vs], [p for _, ps in found for p in ps]


@pytest.mark.parametrize("stem", STEMS)
def test_every_auto_checked_exercise_has_three_mutants_and_the_section_an_alternative(stem):
    assert mutants.mutants_path(stem).exists(), f"no {notebooks.shown(mutants.mutants_path(stem))}"
    suite = mutants.load(stem)
    counts = {ex: 0 for ex in h.auto_exercises(stem)}
    for m in suite.mutants:
        counts[m.exercise] += 1
    assert all(n >= 3 for n in counts.values()), f"mutants per exercise: {counts}"
    assert suite.alternatives, "no correct-but-different answer"


@pytest.mark.parametrize("stem", MUTATED)
def test_mutants_lose_their_points_and_alternatives_get_full_marks(graded, stem):
    found, problems = verdicts(graded, stem)
    problems += [p for v in found if (p := mutants.entry_problems(v))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("stem", MUTATED)
def test_recorded_outputs_are_what_the_mutants_print(graded, stem):
    found, _ = verdicts(graded, stem)
    now = mutants.recorded_entries(found)
    stored = mutants.read_recorded(stem)
    hint = f"run `.venv/bin/python -m course mutants {stem}` and commit {notebooks.shown(mutants.recorded_path(stem))}"
    assert [(m["exercise"], m["slip"], [o["check"] for o in m["outputs"]]) for m in stored] == \
        [(m["exercise"], m["slip"], [o["check"] for o in m["outputs"]]) for m in now], hint
    for old, new in zip(stored, now):
        for a, b in zip(old["outputs"], new["outputs"]):
            assert a["output"].strip() == b["output"].strip() == "" or mutants.same_output(a["output"], b["output"]), \
                (old["slip"], a["check"], a["output"][:300], b["output"][:300], hint)


@pytest.mark.parametrize("stem", MUTATED)
def test_feedback_names_the_slip_and_leaks_nothing(graded, stem):
    secrets = h.secrets(stem)
    for m in mutants.load(stem).mutants:
        leaked = [s for s in secrets if s in m.slip]
        assert not leaked, f"{m.name}: the slip shows {leaked}"
    for name, (s, entries) in graded.rounds.items():
        if s != stem:
            continue
        text = gradebook.feedback(graded[name])
        for entry in entries:
            if entry.is_mutant:
                assert f"Likely slip: {entry.slip}" in text, f"{name}: feedback misses '{entry.slip}'"
        leaked = h.leaked_into_feedback(stem, graded[name], text)
        assert not leaked, f"{name}: feedback shows {leaked}"


def test_report_kill_rate_and_times(graded, capsys):
    by_stem = {}
    for name, (stem, entries) in graded.rounds.items():
        by_stem.setdefault(stem, []).extend(judged(graded, name, entries)[0])
    assert by_stem or not set(graded.stems) & set(MUTATED)
    with capsys.disabled():
        print("\nmutation suite:")
        for line in mutants.report(by_stem):
            print("  " + line)
        names = [n for n in graded.rounds if n.startswith("mutants-")]
        seconds = sum(graded[name].seconds for name in names)
        print(f"  mutant rounds: {len(names)} submissions, {seconds:.0f} s of grading "
              f"(2 at a time); whole batch {graded.seconds:.0f} s")


# Solution lines that may appear in their chapter: {stem: {line: why it must repeat}}.
COPY_ALLOWED = {
    "3_2_object_oriented_design": {
        "return self.get_tensorloader((self.X, self.y), train, rows)":
            "the one call of d2l's DataModule API every data module ends with; the exercise asks "
            "for the split (which rows), which the chapter does not give",
    },
    "3_5_linear_regression_concise": {
        "return torch.optim.SGD(self.parameters(), lr=self.lr)":
            "d2l's one-line configure_optimizers; the exercise asks for the loss passed in and "
            "the comparison of two losses on corrupted labels",
    },
    "6_5_custom_layers": {
        "def __init__(self, in_features, out_features):":
            "the constructor signature the exercise prescribes; the layer (a quadratic form) is not the chapter's",
    },
    "7_6_lenet": {
        "def __init__(self, lr=0.1, num_classes=10):":
            "LeNetReLU must take LeNet's constructor arguments; its layers are the exercise",
    },
    "8_6_resnet": {
        "def __init__(self, num_channels, groups, bot_mul, use_1x1conv=False, strides=1):":
            "the signature of d2l's ResNeXt block, prescribed so the block is a drop-in; the exercise "
            "is the corrected number of groups",
    },
}
MIN_COPIED = 40


def copied_lines(stem):
    """Solution answer lines of MIN_COPIED+ characters found verbatim in the chapter's code."""
    chapter = notebooks.read(CHAPTERS / f"{stem}.ipynb")
    text = "\n".join(c.source for c in chapter.cells if c.cell_type == "code")
    lines = {re.sub(r"\s+", " ", l.strip()) for l in text.splitlines()}
    found = []
    for source in h.solution_answers(stem).values():
        inside = False
        for line in source.splitlines():
            if exercises.BEGIN.match(line):
                inside = True
            elif exercises.END.match(line):
                inside = False
            elif inside:
                norm = re.sub(r"\s+", " ", line.strip())
                if len(norm) >= MIN_COPIED and norm in lines and norm not in COPY_ALLOWED.get(stem, {}):
                    found.append(norm)
    return found


@pytest.mark.parametrize("stem", STEMS)
def test_no_solution_line_is_copied_from_the_chapter(stem):
    assert not copied_lines(stem), "answer lines the chapter hands over verbatim"


@pytest.mark.parametrize("stem", [s for s in MUTATED if mutants.stub_hints(s)])
def test_stub_names_the_slips_marked_as_hints(stem):
    stub = exercises.generate(h.solution(stem), f"solutions/{stem}.ipynb")
    checks = {c.metadata["course"]["exercise"]: c.source for c in stub.cells
              if c.get("metadata", {}).get("course", {}).get("role") == "check"}
    for exercise, slips in mutants.stub_hints(stem).items():
        for slip in slips:
            assert f"# A common slip here: {slip}" in checks[exercise], (stem, exercise)
