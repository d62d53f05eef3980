"""Recorded wrong answers (mutants) and right-but-different answers (alternatives) of the
exercises, graded by the real grader to prove that each check rejects the mistakes it is
aimed at and accepts every correct answer.

Beside each solution, `solutions/<stem>.mutants.yml` (written by hand; see CONTRIBUTING.md):

    depends:                 # optional: exercise 3's answer uses exercise 2's
      "3": ["2"]
    mutants:
      - exercise: "2"
        slot: 1              # answer slot, counted from 1 as course.exercises.parts() does
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

import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import exercises, notebooks
from .notebooks import EXERCISES, SOLUTIONS
from .output_compare import first_mismatch

MUTANTS_SUFFIX = ".mutants.yml"
RECORDED_SUFFIX = ".mutants.recorded.json"
ROUND_STUDENT = "mutants-r{n}"  # the student folder of round n in a grading batch


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


def answer_slots(stem):
    """{(exercise, slot): answer source} of a solution."""
    sol = notebooks.read(SOLUTIONS / f"{stem}.ipynb")
    return {(ex, slot): sol.cells[i].source for i, role, ex, slot in exercises.parts(sol, stem)
            if role == "answer"}


def load(stem):
    """The Suite of a section, validated against its solution."""
    path = mutants_path(stem)
    where = notebooks.shown(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) - {"mutants", "alternatives", "depends"}:
        raise MutantFileError(f"{where}: top-level keys are mutants, alternatives, depends")
    sol = notebooks.read(SOLUTIONS / f"{stem}.ipynb")
    found = exercises.exercises_of(sol, stem)
    slots = answer_slots(stem)

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


def with_block(source, code):
    """An answer cell's source with its solution block replaced by `code` (the lines around
    the block stay, as in the student's stub)."""
    lines, out, inside = source.splitlines(), [], False
    for line in lines:
        if not inside and (m := exercises.BEGIN.match(line)):
            inside = True
            out += [m["indent"] + c if c else c for c in code.rstrip("\n").splitlines()]
        elif inside and exercises.END.match(line):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def submission(stem, entries):
    """The exercise stub answered with the solution, except the entries' answers."""
    stub = notebooks.read(EXERCISES / f"{stem}.ipynb")
    answers = answer_slots(stem)
    for entry in entries:
        for slot, code in entry.answers.items():
            answers[(entry.exercise, slot)] = with_block(answers[(entry.exercise, slot)], code)
    for key, i in exercises.answer_slots(stub).items():
        stub.cells[i].source = answers[key]
    return stub


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


def hosted_alternatives(stem, busy_exercise):
    """The alternatives of a section that another submission of a batch can carry: all but
    those of `busy_exercise` (the exercise that submission answers wrongly)."""
    return [a for a in load(stem).alternatives if a.exercise != busy_exercise]


def with_entries(nb, stem, entries):
    """A graded-notebook-shaped copy (solution or stub layout) with the entries' answers in
    place of the solution blocks of their answer cells."""
    nb = copy.deepcopy(nb)
    cells = {(ex, slot): i for i, role, ex, slot in exercises.parts(nb, stem) if role == "answer"}
    for entry in entries:
        for slot, code in entry.answers.items():
            cell = nb.cells[cells[(entry.exercise, slot)]]
            cell.source = with_block(cell.source, code)
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


def check_labels(outcome):
    """[(label, CheckResult)] with labels as the feedback numbers them: 'check 1', 'hidden check 1'."""
    labelled, counts = [], {}
    for check in outcome.checks:
        key = (check.exercise, check.hidden)
        counts[key] = counts.get(key, 0) + 1
        labelled.append((f"{'hidden check' if check.hidden else 'check'} {counts[key]}", check))
    return labelled


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
    from .grading import gradebook

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
    from .files import atomic_write
    atomic_write(recorded_path(stem), text)


def read_recorded(stem):
    path = recorded_path(stem)
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["mutants"]


ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def same_output(recorded, actual):
    """Whether two check outputs match by the grader's rule; memory addresses (an object's
    repr in an error message) differ from run to run and are not compared."""
    recorded, actual = ADDRESS.sub("0x", recorded), ADDRESS.sub("0x", actual)
    return recorded.strip() != "" and first_mismatch(recorded, actual) is None


def has_signature(mutant, answer, failing):
    """Whether an exercise fails exactly as a recorded mutant does: its answer cells ended the
    same way (`answer`), and `failing` ({check label: (status, output)} of the checks that did
    not pass) holds the same checks, with the same status and output; the rest passed."""
    recorded = {o["check"]: (o["status"], o["output"]) for o in mutant["outputs"]}
    if mutant.get("answer") != answer or recorded.keys() != failing.keys():
        return False
    return all(status == failing[label][0]
               and (output.strip() == failing[label][1].strip() == "" or same_output(output, failing[label][1]))
               for label, (status, output) in recorded.items())


def feedback_slips(outcome):
    """{exercise: [slip, ...]}: the mutants of each exercise whose whole signature the
    student's answer has. An answer that raised gets none: the checks after it fail with
    its fallout (a NameError for what it never defined), which many slips share, so the
    student reads their own error instead of a guess. Nor does an exercise whose answer
    builds on one that failed: its mutants were recorded with those right, and a correct
    answer run on a wrong one can print what a mutant prints. A recorded mutant from before
    the answer outcome was recorded has no signature to match and gives no hint."""
    stem = next((p.stem for p in notebooks.notebooks(SOLUTIONS) if notebooks.section_of(p) == outcome.section), None)
    if not stem or not mutants_path(stem).exists():
        return {}
    recorded, uses = read_recorded(stem), load(stem).uses
    failing = {}
    for label, check in check_labels(outcome):
        if check.status != "passed":
            failing.setdefault(check.exercise, {})[label] = (check.status, check.actual)
    slips = {}
    for exercise, theirs in failing.items():
        answer = outcome.answers.get(exercise, "")
        if answer != "ran" or uses.get(exercise, set()) & failing.keys():
            continue
        for mutant in recorded:
            if mutant["exercise"] != exercise or mutant["slip"] in slips.get(exercise, []):
                continue
            if has_signature(mutant, answer, theirs):
                slips.setdefault(exercise, []).append(mutant["slip"])
    return slips


def grade_rounds(stems, folder, out, jobs=2):
    """Grade every round of the stems with the real grader; {submission: Outcome}, {name: (stem, entries)}."""
    from .grading import cli, sandbox

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


def report(by_stem):
    """Lines: kill rate per chapter and section, which check caught each mutant, seconds."""
    lines, chapters = [], {}
    for stem, verdicts in by_stem.items():
        mutants = [v for v in verdicts if v.entry.is_mutant]
        killed = [v for v in mutants if v.points < v.max_points]
        public = [v for v in killed if v.caught_by == "public"]
        # Only the rounds' own submissions count: alternatives hosted elsewhere cost nothing extra.
        seconds = sum({v.submission: v.seconds for v in verdicts
                       if v.submission.startswith(ROUND_STUDENT.split("{")[0])}.values())
        chapter = chapters.setdefault(stem.split("_")[0], [0, 0, 0])
        chapter[0] += len(killed)
        chapter[1] += len(mutants)
        chapter[2] += len(public)
        lines.append(f"{stem}: killed {len(killed)}/{len(mutants)} (public {len(public)}), "
                     f"{len(verdicts) - len(mutants)} alternatives, {seconds:.1f} s of grading")
        for v in mutants:
            lines.append(f"    ex {v.entry.exercise} #{v.entry.number} [{v.caught_by or 'ALIVE'}"
                         f"{': ' + ', '.join(lb for lb, _, _ in v.failing) if v.failing else ''}] {v.entry.slip}")
    for chapter, (killed, total, public) in sorted(chapters.items(), key=lambda kv: int(kv[0])):
        lines.append(f"chapter {chapter}: kill rate {killed}/{total} = {killed / max(total, 1):.0%}, "
                     f"{public} by a public check")
    return lines


def main(argv=None):
    """python -m course mutants [STEM ...]: grade the mutants, print the report, write the
    recorded outputs the feedback reads."""
    import tempfile

    from .grading import sandbox

    argv = sys.argv[1:] if argv is None else argv
    wanted = [a for a in argv if not a.startswith("-")]
    stems = [s for s in stems_with_mutants() if not wanted or any(s.startswith(w) for w in wanted)]
    if not stems:
        print("mutants: no solutions/<stem>.mutants.yml matches", file=sys.stderr)
        return 2
    reason = sandbox.available()
    if reason:
        print(f"mutants: cannot sandbox the grader's kernels: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="course-mutants-") as tmp:
        outcomes, written = grade_rounds(stems, Path(tmp) / "submissions", Path(tmp) / "out")
    by_stem, problems = verdicts_by_stem(outcomes, written)
    for line in report(by_stem):
        print(line)
    problems += [p for vs in by_stem.values() for v in vs if (p := entry_problems(v))]
    for stem, verdicts in by_stem.items():
        write_recorded(stem, verdicts)
        print(f"wrote {notebooks.shown(recorded_path(stem))}")
    for p in problems:
        print(f"PROBLEM: {p}", file=sys.stderr)
    return 1 if problems else 0
