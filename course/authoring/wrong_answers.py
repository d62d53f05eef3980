"""The exercises' recorded wrong answers (mutants) and right-but-different answers
(alternatives): their file format, loading and validating it, and reading what the grader
recorded for them. Running them through the grader is course/grading/mutants.py; the
report `python -m course mutants` prints is course/measure/mutants_report.py.

Beside each solution, `solutions/<stem>.mutants.yml` (written by hand; see CONTRIBUTING.md):

    depends:                 # optional: exercise 3's answer uses exercise 2's
      "3": ["2"]
    mutants:
      - exercise: "2"
        slot: 1              # answer slot, counted from 1 as course.authoring.anatomy.parts() does
        slip: "a slice leaves out its end: rows 1 to 3 are 1:4"
        caught_by: public    # or hidden: the first kind of check that fails
        hint: true           # optional: the exercise stub names this slip under the check
        code: |              # replaces the solution block of that answer cell
          block = board[1:3, 2:4]
    alternatives:            # correct answers written differently: full marks
      - exercise: "1"
        slot: 1
        code: |
          grid = torch.tensor(range(12)).float().view(3, 4)

An entry may give `answers: {slot: code, ...}` instead of slot and code, for an exercise
with several answer cells.

`python -m course mutants [STEM ...]` grades them (as `make test` does) and writes each
mutant's signature to `solutions/<stem>.mutants.recorded.json`, a generated file: how its
answer cells ended (ran, or raised which exception) and what each of its exercise's failing
checks printed. The grader reads it: when a student's exercise has a mutant's whole
signature, the feedback names the mutant's slip (feedback_slips).

Grading is batched in rounds: one submission per round holds one mutant or alternative of
each of several exercises, so a section needs about as many submissions as its busiest
exercise has entries. Exercises that share answers (`depends`) never share a round, so a
lost point is always the mutated exercise's own.
"""

import json
from dataclasses import dataclass, field

import yaml

from course.authoring import anatomy
from course.core import notebooks
from course.core.notebooks import SOLUTIONS

MUTANTS_SUFFIX = ".mutants.yml"


RECORDED_SUFFIX = ".mutants.recorded.json"


class MutantFileError(ValueError):
    """A mutants file that does not describe its solution's exercises; the message says where."""


@dataclass


class Entry:
    """One mutant (slip set) or alternative (slip empty) of one exercise."""
    stem: str
    exercise: str
    answers: dict  # slot -> code of the solution block
    slip: str = ""
    caught_by: str = ""
    number: int = 0  # position in its list, for messages
    hint: bool = False  # the exercise stub names this slip under the check's expected output

    @property
    def is_mutant(self):
        return bool(self.slip)

    @property
    def name(self):
        kind = "mutant" if self.is_mutant else "alternative"
        return f"{self.stem} exercise {self.exercise} {kind} {self.number}"


@dataclass


class Suite:
    stem: str
    mutants: list
    alternatives: list
    depends: dict = field(default_factory=dict)  # exercise -> set of related exercises
    uses: dict = field(default_factory=dict)  # exercise -> exercises its answers build on


def mutants_path(stem):
    return SOLUTIONS / f"{stem}{MUTANTS_SUFFIX}"


def recorded_path(stem):
    return SOLUTIONS / f"{stem}{RECORDED_SUFFIX}"


def stems_with_mutants():
    return [p.stem for p in notebooks.notebooks(SOLUTIONS) if mutants_path(p.stem).exists()]



def load(stem):
    """The Suite of a section, validated against its solution."""
    path = mutants_path(stem)
    where = notebooks.shown(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) - {"mutants", "alternatives", "depends"}:
        raise MutantFileError(f"{where}: top-level keys are mutants, alternatives, depends")
    sol = notebooks.read(SOLUTIONS / f"{stem}.ipynb")
    found = anatomy.exercises_of(sol, stem)
    slots = anatomy.solution_answers(stem)

    def entry(raw, number, mutant):
        here = f"{where}: {'mutants' if mutant else 'alternatives'}[{number}]"
        if not isinstance(raw, dict):
            raise MutantFileError(f"{here}: not a mapping")
        exercise = str(raw.get("exercise", ""))
        if exercise not in found or found[exercise]["manual"]:
            raise MutantFileError(f"{here}: exercise {exercise!r} is not an auto-checked exercise of {stem}")
        if "answers" in raw:
            answers = {int(k): v for k, v in (raw["answers"] or {}).items()}
        else:
            answers = {int(raw.get("slot", 1)): raw.get("code")}
        for slot, code in answers.items():
            if (exercise, slot) not in slots:
                raise MutantFileError(f"{here}: exercise {exercise} has no answer slot {slot}")
            if not isinstance(code, str) or not code.strip():
                raise MutantFileError(f"{here}: slot {slot} has no code")
        slip = str(raw.get("slip", "")).strip()
        caught_by = raw.get("caught_by", "")
        if mutant:
            if not slip or "\n" in slip:
                raise MutantFileError(f"{here}: a mutant needs a one-line slip")
            if caught_by not in ("public", "hidden"):
                raise MutantFileError(f"{here}: caught_by must be public or hidden")
        elif slip or caught_by:
            raise MutantFileError(f"{here}: an alternative has no slip or caught_by")
        hint = raw.get("hint", False)
        if hint not in (True, False) or (hint and not mutant):
            raise MutantFileError(f"{here}: hint is true or false, and only for a mutant")
        return Entry(stem, exercise, answers, slip, caught_by, number, hint)

    mutants = [entry(r, n, True) for n, r in enumerate(data.get("mutants") or [])]
    alternatives = [entry(r, n, False) for n, r in enumerate(data.get("alternatives") or [])]
    depends = data.get("depends") or {}
    return Suite(stem, mutants, alternatives, related(depends, found, where), built_on(depends))


def related(depends, found, where):
    """{exercise: exercises whose answers it shares, directly or through others}."""
    links = {ex: set() for ex in found}
    for ex, uses in depends.items():
        for other in ([uses] if isinstance(uses, str) else uses):
            if str(ex) not in found or str(other) not in found:
                raise MutantFileError(f"{where}: depends names an unknown exercise ({ex} -> {other})")
            links[str(ex)].add(str(other))
            links[str(other)].add(str(ex))
    closed = {}
    for ex in links:  # connected components: a mutant of 1 can reach 3 through 2
        seen, todo = set(), [ex]
        while todo:
            for nxt in links[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        closed[ex] = seen - {ex}
    return closed


def built_on(depends):
    """{exercise: the exercises its answers use, directly or through others} (depends says
    only which; related() has already checked the names)."""
    direct = {str(ex): {str(o) for o in ([uses] if isinstance(uses, str) else uses)} for ex, uses in depends.items()}
    closed = {}
    for ex in direct:
        seen, todo = set(), [ex]
        while todo:
            for nxt in direct.get(todo.pop(), set()) - seen:
                seen.add(nxt)
                todo.append(nxt)
        closed[ex] = seen - {ex}
    return closed


def stub_hints(stem):
    """{exercise: [slip, ...]} of the mutants marked `hint: true`: exercise generation prints
    them in the stub under the first public check's expected output ({} without a file)."""
    if not stem or not mutants_path(stem).exists():
        return {}
    hints = {}
    for m in load(stem).mutants:
        if m.hint:
            hints.setdefault(m.exercise, []).append(m.slip)
    return hints


def read_recorded(stem):
    path = recorded_path(stem)
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["mutants"]
