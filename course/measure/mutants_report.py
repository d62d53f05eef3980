"""`python -m course mutants [STEM ...]`: grade every recorded wrong answer and alternative,
print the kill rate per section and chapter and which check caught each mutant, and write
the recorded signatures the grader's feedback reads (solutions/<stem>.mutants.recorded.json)."""

import sys
import tempfile
from pathlib import Path

from course.authoring.wrong_answers import recorded_path, stems_with_mutants
from course.core import notebooks
from course.grading import sandbox
from course.grading.mutants import ROUND_STUDENT, entry_problems, grade_rounds, verdicts_by_stem, write_recorded


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
