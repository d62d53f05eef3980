"""The mutation suite: every recorded wrong answer (solutions/<stem>.mutants.yml) must lose
its exercise's points, caught by the kind of check it declares; every recorded
right-but-different answer must get full marks. Graded with the real grader in the shared
batch (tests/grading_batch.py), several exercises' mutants to a submission.

Also: the recorded outputs the feedback reads are what the mutants print now, feedback
names the slip and leaks nothing, and no exercise is answered by a line of its chapter."""

import re

import pytest

from course.authoring import anatomy, exercises, wrong_answers
from course.core import notebooks
from course.core.notebooks import CHAPTERS
from course.grading import gradebook, mutants, slips
from course.measure import mutants_report
from tests import grading_helpers as h
from tests.grading_batch import STEMS, wrong_exercise

MUTATED = wrong_answers.stems_with_mutants()


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
    assert wrong_answers.mutants_path(stem).exists(), f"no {notebooks.shown(wrong_answers.mutants_path(stem))}"
    suite = wrong_answers.load(stem)
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
    stored = wrong_answers.read_recorded(stem)
    hint = f"run `.venv/bin/python -m course mutants {stem}` and commit {notebooks.shown(wrong_answers.recorded_path(stem))}"
    assert [(m["exercise"], m["slip"], m.get("answer"), [o["check"] for o in m["outputs"]]) for m in stored] == \
        [(m["exercise"], m["slip"], m["answer"], [o["check"] for o in m["outputs"]]) for m in now], hint
    for old, new in zip(stored, now):
        for a, b in zip(old["outputs"], new["outputs"]):
            assert a["output"].strip() == b["output"].strip() == "" or slips.same_output(a["output"], b["output"]), \
                (old["slip"], a["check"], a["output"][:300], b["output"][:300], hint)


@pytest.mark.parametrize("stem", MUTATED)
def test_feedback_names_the_slip_and_leaks_nothing(graded, stem):
    secrets = h.secrets(stem)
    for m in wrong_answers.load(stem).mutants:
        leaked = [s for s in secrets if s in m.slip]
        assert not leaked, f"{m.name}: the slip shows {leaked}"
    for name, (s, entries) in graded.rounds.items():
        if s != stem:
            continue
        text = gradebook.feedback(graded[name])
        for entry in entries:
            for slip in expected_hints(stem, entry) if entry.is_mutant else []:
                assert f"Likely slip: {slip}" in text, f"{name}: feedback misses '{slip}'"
        leaked = h.leaked_into_feedback(stem, graded[name], text)
        assert not leaked, f"{name}: feedback shows {leaked}"


def expected_hints(stem, entry):
    """The hints grading a recorded mutant must print: its own slip and those of any mutant of
    the exercise with the same whole signature; none when its answer raised."""
    recorded = wrong_answers.read_recorded(stem)
    own = next(m for m in recorded if m["mutant"] == entry.number)
    assert "answer" in own, f"recorded before answers' outcomes were: run `python -m course mutants {stem}`"
    if own["answer"] != "ran":
        return []
    failing = {o["check"]: (o["status"], o["output"]) for o in own["outputs"]}
    return [m["slip"] for m in recorded
            if m["exercise"] == entry.exercise and slips.has_signature(m, own["answer"], failing)]


def hint_kind(entry, expected, printed):
    """For one entry: exact (the expected hints), none (none expected or printed), missing (none
    printed), padded (its own slip and others) or wrong (others, not its own slip)."""
    if sorted(printed) == sorted(expected):
        return "exact" if printed else "none"
    if not printed:
        return "missing"
    return "padded" if entry.slip in printed else "wrong"


def hint_kinds(graded, stem):
    """[(entry, kind, printed)] for the stem's mutants and alternatives."""
    found = []
    for name, (s, entries) in graded.rounds.items():
        if s != stem:
            continue
        printed = slips.feedback_slips(graded[name])
        for entry in entries:
            expected = expected_hints(stem, entry) if entry.is_mutant else []
            found.append((entry, hint_kind(entry, expected, printed.get(entry.exercise, [])),
                          printed.get(entry.exercise, [])))
        stray = set(printed) - {e.exercise for e in entries}
        assert not stray, f"{name}: hints for exercises it answers right: {stray}"
    return found


@pytest.mark.parametrize("stem", MUTATED)
def test_each_wrong_answer_prints_exactly_its_own_hint(graded, stem):
    """A hint only when the answer has a mutant's whole signature: every recorded mutant
    whose answer ran prints its own slip and no other (a mutant with the very same
    signature excepted), one whose answer raised prints none, nor does a correct answer."""
    bad = [(e.name, kind, printed) for e, kind, printed in hint_kinds(graded, stem) if kind not in ("exact", "none")]
    assert not bad, bad
    for name in (f"solution/{stem}.ipynb", f"right-but-different/{stem}.ipynb"):
        if name in graded.outcomes:
            assert slips.feedback_slips(graded[name]) == {}, name


def test_report_kill_rate_and_times(graded, capsys):
    by_stem = {}
    for name, (stem, entries) in graded.rounds.items():
        by_stem.setdefault(stem, []).extend(judged(graded, name, entries)[0])
    assert by_stem or not set(graded.stems) & set(MUTATED)
    with capsys.disabled():
        print("\nmutation suite:")
        for line in mutants_report.report(by_stem):
            print("  " + line)
        kinds = {}
        for stem in by_stem:
            for entry, kind, _ in hint_kinds(graded, stem):
                if entry.is_mutant:
                    kinds[kind] = kinds.get(kind, 0) + 1
        print(f"  hints of the mutants: {kinds} (none: its answer raised)")
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
        for line in anatomy.solution_block_lines(source):
            norm = re.sub(r"\s+", " ", line.strip())
            if len(norm) >= MIN_COPIED and norm in lines and norm not in COPY_ALLOWED.get(stem, {}):
                found.append(norm)
    return found


@pytest.mark.parametrize("stem", STEMS)
def test_no_solution_line_is_copied_from_the_chapter(stem):
    assert not copied_lines(stem), "answer lines the chapter hands over verbatim"


@pytest.mark.parametrize("stem", [s for s in MUTATED if wrong_answers.stub_hints(s)])
def test_stub_names_the_slips_marked_as_hints(stem):
    stub = exercises.generate(h.solution(stem), f"solutions/{stem}.ipynb")
    checks = {c.metadata["course"]["exercise"]: c.source for c in stub.cells
              if c.get("metadata", {}).get("course", {}).get("role") == "check"}
    for exercise, hinted in wrong_answers.stub_hints(stem).items():
        for slip in hinted:
            assert f"# A common slip here: {slip}" in checks[exercise], (stem, exercise)


def outcome_failing_as(stem, mutant, answer, only=None):
    """An Outcome of the stem's section whose exercise fails the checks the recorded mutant
    fails (only those labelled in `only`, if given), printing what it printed."""
    from course.grading.run import CheckResult, Outcome

    outcome = Outcome(submission=f"student/{stem}.ipynb", section=notebooks.section_of(wrong_answers.SOLUTIONS / f"{stem}.ipynb"),
                      answers={mutant["exercise"]: answer})
    for o in mutant["outputs"]:
        failed = only is None or o["check"] in only
        outcome.checks.append(CheckResult(mutant["exercise"], 1, o["check"].startswith("hidden"),
                                          o["status"] if failed else "passed", actual=o["output"]))
    return outcome


def test_a_hint_needs_the_whole_signature_and_an_answer_that_ran():
    stem = "2_1_data_manipulation"
    mutant = next(m for m in wrong_answers.read_recorded(stem) if len(m["outputs"]) == 2)
    assert slips.feedback_slips(outcome_failing_as(stem, mutant, "ran")) == {mutant["exercise"]: [mutant["slip"]]}
    # One of its two failing checks is a partial overlap, not the slip.
    assert slips.feedback_slips(outcome_failing_as(stem, mutant, "ran", only=[mutant["outputs"][0]["check"]])) == {}
    # The same outputs after an answer that raised are fallout: its own error, no hint.
    assert slips.feedback_slips(outcome_failing_as(stem, mutant, "raised TypeError")) == {}
