"""The recorded wrong answers and alternatives (course/authoring/wrong_answers.py) through
the real grader: each written into a submission, graded in rounds, judged against what its
entry declares; and the signatures the feedback matches a student's answer against.

Grading is batched in rounds: one submission per round holds one mutant or alternative of
each of several exercises, so a section needs about as many submissions as its busiest
exercise has entries. Exercises that share answers (`depends`) never share a round, so a
lost point is always the mutated exercise's own.
"""

import copy
import json
from dataclasses import dataclass
from pathlib import Path

from course.authoring import anatomy
from course.authoring.wrong_answers import Entry, load, recorded_path
from course.core import notebooks
from course.core.files import atomic_write
from course.core.notebooks import EXERCISES
from course.grading import cli, gradebook, sandbox
from course.grading.slips import check_labels

ROUND_STUDENT = "mutants-r{n}"  # the student folder of round n in a grading batch


def rounds(suite, hosted=()):
    """[[Entry, ...], ...]: each round holds at most one entry per group of related exercises.
    Entries in `hosted` are graded elsewhere (tests/grading_batch.py puts alternatives into
    another submission of the batch) and left out."""
    result = []
    for item in [e for e in suite.mutants + suite.alternatives if e not in hosted]:
        group = {item.exercise} | suite.depends.get(item.exercise, set())
        for existing in result:
            if not any(e.exercise in group for e in existing):
                existing.append(item)
                break
        else:
            result.append([item])
    return result


def submission(stem, entries):
    """The exercise stub answered with the solution, except the entries' answers."""
    stub = notebooks.read(EXERCISES / f"{stem}.ipynb")
    answers = anatomy.solution_answers(stem)
    for entry in entries:
        for slot, code in entry.answers.items():
            answers[(entry.exercise, slot)] = anatomy.replace_solution_blocks(answers[(entry.exercise, slot)], code)
    for key, i in anatomy.answer_slots(stub).items():
        stub.cells[i].source = answers[key]
    return stub


def hosted_alternatives(stem, busy_exercise):
    """The alternatives of a section that another submission of a batch can carry: all but
    those of `busy_exercise` (the exercise that submission answers wrongly)."""
    return [a for a in load(stem).alternatives if a.exercise != busy_exercise]


def with_entries(nb, stem, entries):
    """A graded-notebook-shaped copy (solution or stub layout) with the entries' answers in
    place of the solution blocks of their answer cells."""
    nb = copy.deepcopy(nb)
    cells = {(ex, slot): i for i, role, ex, slot in anatomy.parts(nb, stem) if role == "answer"}
    for entry in entries:
        for slot, code in entry.answers.items():
            cell = nb.cells[cells[(entry.exercise, slot)]]
            cell.source = anatomy.replace_solution_blocks(cell.source, code)
    return nb


def write_rounds(stems, folder, hosted=None):
    """Write every round of the stems' suites as <folder>/mutants-r<n>/<stem>.ipynb;
    {submission name: (stem, entries)}. `hosted` maps a stem to entries left out."""
    written = {}
    for stem in stems:
        for n, entries in enumerate(rounds(load(stem), (hosted or {}).get(stem, ())), 1):
            name = f"{ROUND_STUDENT.format(n=n)}/{stem}.ipynb"
            (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
            notebooks.write(submission(stem, entries), Path(folder) / name)
            written[name] = (stem, entries)
    return written


@dataclass


class Verdict:
    """What the grader did with one entry."""
    entry: Entry
    points: int
    max_points: int
    caught_by: str  # public, hidden, or '' (not caught)
    failing: list  # [(label, status, actual)] of the exercise's checks that did not pass
    seconds: float = 0.0  # the grading time of its round's submission
    submission: str = ""  # the round's submission name
    answer: str = ""  # how its answer cells ended: ran, timeout, raised <exception type>


def judge(outcome, entries, stubbed=()):
    """([Verdict per entry], [problems with exercises the round did not touch]); exercises in
    `stubbed` were left unanswered on purpose and may lose their points."""
    rows = {r["exercise"]: r for r in gradebook.rows(outcome)}
    labelled = check_labels(outcome)
    verdicts, touched, cascades = [], set(), set()
    for entry in entries:
        touched.add(entry.exercise)
        failing = [(label, c.status, c.actual) for label, c in labelled
                   if c.exercise == entry.exercise and c.status != "passed"]
        caught = "public" if any(not lb.startswith("hidden") for lb, _, _ in failing) else \
            "hidden" if failing else ""
        row = rows.get(entry.exercise, {})
        verdicts.append(Verdict(entry, row.get("points", 0), row.get("max_points", 0), caught, failing,
                                getattr(outcome, "seconds", 0.0), outcome.submission,
                                outcome.answers.get(entry.exercise, "")))
    problems = []
    if outcome.invalid:
        problems.append(f"{outcome.submission}: invalid: {outcome.invalid}")
    suite_depends = load(entries[0].stem).depends if entries else {}
    for entry in entries:
        if entry.is_mutant:
            cascades |= suite_depends.get(entry.exercise, set())
    for ex, row in rows.items():
        if ex in touched or ex in cascades or ex in stubbed or row["status"] == "manual":
            continue
        if row["points"] != row["max_points"]:
            problems.append(f"{outcome.submission}: exercise {ex}, answered with the solution, got "
                            f"{row['points']}/{row['max_points']} ({row['status']}): an undeclared "
                            "dependency on a mutated exercise?")
    return verdicts, problems


def recorded_entries(verdicts):
    """The generated file's content for one section's verdicts of mutants."""
    found = []
    for v in sorted((v for v in verdicts if v.entry.is_mutant), key=lambda v: v.entry.number):
        found.append({"exercise": v.entry.exercise, "mutant": v.entry.number, "slip": v.entry.slip,
                      "answer": v.answer, "outputs": [{"check": label, "status": status, "output": actual}
                                  for label, status, actual in v.failing]})
    return found


def write_recorded(stem, verdicts):
    text = json.dumps({"generated_by": "python -m course mutants", "mutants": recorded_entries(verdicts)},
                      indent=1, ensure_ascii=False) + "\n"
    atomic_write(recorded_path(stem), text)


def grade_rounds(stems, folder, out, jobs=2):
    """Grade every round of the stems with the real grader; {submission: Outcome}, {name: (stem, entries)}."""
    written = write_rounds(stems, folder)
    limits = sandbox.Limits(cell_seconds=300, notebook_seconds=900)
    outcomes = cli.grade_all(cli.find_submissions(folder), folder, out, jobs=jobs, limits=limits)
    return {o.submission: o for o in outcomes}, written


def verdicts_by_stem(outcomes, written):
    """{stem: [Verdict]}, [problem]."""
    by_stem, problems = {}, []
    for name, (stem, entries) in written.items():
        verdicts, trouble = judge(outcomes[name], entries)
        by_stem.setdefault(stem, []).extend(verdicts)
        problems += trouble
    return by_stem, problems


def entry_problems(verdict):
    """What is wrong with one entry's grading ('' when it behaves as declared)."""
    e = verdict.entry
    if e.is_mutant:
        if verdict.points >= verdict.max_points:
            return f"{e.name} ({e.slip}) got full marks: no check catches it"
        if verdict.caught_by != e.caught_by:
            return f"{e.name} ({e.slip}) is caught by a {verdict.caught_by} check, declared {e.caught_by}"
    elif verdict.points != verdict.max_points:
        labels = ", ".join(label for label, _, _ in verdict.failing)
        return f"{e.name}, a correct answer, got {verdict.points}/{verdict.max_points} (failed: {labels})"
    return ""
