"""Turn graded outcomes into grades.csv rows and per-student feedback, written atomically."""

import csv
import functools
import io
import re
from pathlib import Path

from course.authoring import anatomy
from course.authoring.exercises import PROSE_STUB
from course.core import notebooks
from course.core.files import atomic_write
from course.core.notebooks import SOLUTIONS

from .run import SEVERITY
from .slips import feedback_slips

COLUMNS = ["submission", "section", "exercise", "points", "max_points", "status"]

# Control characters (all but newline and tab) can move a terminal's cursor or hide text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A spreadsheet runs a text cell that starts with one of these as a formula (OWASP's
# CSV-injection rule); a leading ' makes it text again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


AFTER_HIDDEN = ("Your output is not quoted here: this check runs after a hidden check, and what it "
                "prints could carry that check's inputs. Run your notebook to see it.")


FOLLOWS = " (probably a consequence of your answer cell's error above)"


def added_cell_lines(outcome):
    """What happened to the code cells the student added: they run where they were put."""
    if not outcome.added and not outcome.skipped:
        return []
    first_hidden = min((c.cell for c in outcome.checks if c.hidden), default=None)
    lines = [f"Cells you added: {len(outcome.added)} ran where you put them"
             + (f", {len(outcome.skipped)} did not run" if outcome.skipped else "") + "."]
    for added in outcome.added:
        if added["status"] == "passed":
            continue
        if first_hidden is not None and added["cell"] > first_hidden:
            lines.append(f"- the cell starting {quoted(added['first_line'])} raised an error (not quoted: it ran "
                         "after a hidden check; run your notebook to see it)")
        else:
            lines.append(f"- the cell starting {quoted(added['first_line'])} {'raised' if added['status'] == 'error' else 'ended with'}: "
                         f"{quoted(added['error'] or added['status'])}")
    for line, why in outcome.skipped:
        lines.append(f"- the cell starting {quoted(line)} did not run: {why}")
    return lines + [""]


@functools.lru_cache(maxsize=None)  # read once per section, not once per quoted line
def model_answer_lines(section):
    """The lines of the section's model answers: never quoted back, even where a student's
    own code holds the same line (the feedback must not hand out the solution)."""
    for path in notebooks.notebooks(SOLUTIONS):
        if notebooks.section_of(path) == section:
            return {line.strip() for source in anatomy.solution_answers(path.stem).values()
                    for line in source.splitlines() if line.strip()}
    return set()


def shown_line(line, section):
    """A line of the student's code to quote, or '' when it is also a line of the model answer."""
    return "" if not line or line.strip() in model_answer_lines(section) else line


def answer_error_lines(raised, first_hidden, line=""):
    """The student's own error, before anything a check raised because of it; not quoted if
    the answer cell ran after a hidden check (then its message could carry that check)."""
    if first_hidden is not None and raised["cell"] > first_hidden:
        return ["Your answer cell raised an error, so the checks below ran without it. (Its message "
                "is not quoted: the cell ran after a hidden check. Run your notebook to see it.)", ""]
    lines = ["Your answer cell raised an error, so the checks below ran without it:", "", fenced(raised["error"]), ""]
    if line:
        lines += [f"It came from this line of your code: {quoted(line)}", ""]
    return lines


def exercise_status(outcome, exercise):
    """(points, status) of one exercise of a graded submission."""
    info = outcome.exercises[exercise]
    if outcome.invalid:
        return 0, "invalid"
    if info["manual"]:
        return "", "manual"
    checks = [c for c in outcome.checks if c.exercise == exercise]
    points = sum(c.points for c in checks if c.status == "passed")
    status = min((c.status for c in checks), key=SEVERITY.index, default="failed")
    if outcome.answer_problems.get(exercise) == "timeout":
        status = "timeout"
    return points, status


def rows(outcome):
    if not outcome.exercises:
        return [{"submission": outcome.submission, "section": outcome.section, "exercise": "",
                 "points": 0, "max_points": "", "status": "invalid"}]
    result = []
    for exercise, info in outcome.exercises.items():
        points, status = exercise_status(outcome, exercise)
        result.append({"submission": outcome.submission, "section": outcome.section,
                       "exercise": exercise, "points": points, "max_points": info["max_points"],
                       "status": status})
    return result


def spreadsheet_safe(value):
    """A gradebook cell that a spreadsheet shows as it is: student text (a file name, a
    section from the notebook's metadata) never runs as a formula. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_grades(outcomes, path):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for outcome in sorted(outcomes, key=lambda o: o.submission):
        writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows(outcome))
    atomic_write(path, buffer.getvalue())


def student_of(outcome):
    """The student's id: the submission's folder name (submissions/<student>/<notebook>)."""
    return outcome.submission.rpartition("/")[0] or outcome.submission


def lms_rows(outcomes):
    """(header, rows) of the gradebook for a learning-management system: one row per student,
    one column per section with the auto-graded points; the column header gives the section's
    auto-graded maximum, and hand-graded points are left to hand_graded.csv. A section the
    student did not submit is empty, an invalid submission scores 0."""
    sections, totals = {}, {}
    for outcome in outcomes:
        if not outcome.section:
            continue
        auto_max = sum(i["max_points"] for i in outcome.exercises.values() if not i["manual"])
        sections[outcome.section] = max(sections.get(outcome.section, 0), auto_max)
        points = sum(r["points"] for r in rows(outcome) if isinstance(r["points"], int))
        mine = totals.setdefault(student_of(outcome), {})
        mine[outcome.section] = max(mine.get(outcome.section, 0), points)
    order = sorted(sections, key=lambda s: tuple(int(n) for n in s.split(".")))
    header = ["Student", "SIS Login ID", "Section"] + [f"Section {s} auto-graded ({sections[s]} points)" for s in order]
    body = [[student, student, ""] + [totals[student].get(s, "") for s in order] for student in sorted(totals)]
    return header, body


def write_lms(outcomes, path):
    """lms.csv: lms_rows as CSV, every student-chosen cell made spreadsheet-safe."""
    header, body = lms_rows(outcomes)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(v) for v in row] for row in body)
    atomic_write(path, buffer.getvalue())


HAND_GRADED = ["student", "submission", "section", "exercise", "max_points", "points", "answer"]


def write_hand_graded(outcomes, path):
    """hand_graded.csv: every exercise answered in prose, with the student's text beside an
    empty points column for the instructor to fill in."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HAND_GRADED, lineterminator="\n")
    writer.writeheader()
    for outcome in sorted(outcomes, key=lambda o: o.submission):
        if outcome.invalid:
            continue
        for exercise, info in outcome.exercises.items():
            if info["manual"]:
                text = CONTROL.sub("", "\n\n".join(outcome.prose.get(exercise, []))).strip()
                if text == PROSE_STUB.format(id=exercise):
                    text = ""  # the stub's prompt, untouched
                writer.writerow({k: spreadsheet_safe(v) for k, v in {
                    "student": student_of(outcome), "submission": outcome.submission, "section": outcome.section,
                    "exercise": exercise, "max_points": info["max_points"], "points": "",
                    "answer": text or "(no answer)"}.items()})
    atomic_write(path, buffer.getvalue())


def longest_backtick_run(text):
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def fenced(text):
    """A code block whose fence is longer than any backtick run in text, so nothing the
    student printed can close it and be read as Markdown or HTML."""
    text = CONTROL.sub("", text).rstrip("\n") or "(no output)"
    fence = "`" * max(3, longest_backtick_run(text) + 1)
    return f"{fence}\n{text}\n{fence}"


def quoted(text):
    """Student text on one line (a file name, an exception's message) as inline code:
    newlines would start a heading or a list, a shorter backtick run would end the span."""
    text = CONTROL.sub("", str(text)).replace("\n", " ").replace("\t", " ")
    ticks = "`" * (longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def feedback(outcome):
    """The student's feedback: what passed, and for failed public checks expected vs actual
    (the actual output only for checks that ran before any hidden check). Hidden checks are
    reported by outcome alone, never by content or output. Where an
    exercise fails exactly as a recorded mutant does (its whole signature, course/grading/slips.py),
    the mutant's slip line is named: a sentence its author wrote, never check source or output."""
    lines = [f"# Feedback: {quoted(outcome.submission)}", ""]
    if outcome.invalid:
        lines += [f"This file could not be graded: {quoted(outcome.invalid)}.",
                  "Submit the exercise notebook (.ipynb) saved from Jupyter or Colab."]
        return "\n".join(lines) + "\n"
    total = sum(r["points"] for r in rows(outcome) if isinstance(r["points"], int))
    auto_max = sum(i["max_points"] for i in outcome.exercises.values() if not i["manual"])
    lines += [f"Section {outcome.section}: {total} of {auto_max} auto-graded points.", ""]
    slips = feedback_slips(outcome)
    lines += added_cell_lines(outcome)
    # Nothing that ran after the first hidden check is quoted: the student's code can rewrite
    # any later cell (IPython's input transformers) to print what the hidden checks ran.
    first_hidden = min((c.cell for c in outcome.checks if c.hidden), default=None)
    for exercise, info in outcome.exercises.items():
        points, status = exercise_status(outcome, exercise)
        lines.append(f"## Exercise {exercise}: {status}"
                     + ("" if info["manual"] else f" ({points}/{info['max_points']} points)"))
        lines.append("")
        if info["manual"]:
            lines += [f"Graded by hand: your instructor reads your written answer and awards up to "
                      f"{info['max_points']} points; they are not in the total above.", ""]
            continue
        if outcome.answer_problems.get(exercise) == "timeout":
            lines += ["Your answer cell ran past the time limit and was stopped.", ""]
        raised = outcome.answer_errors.get(exercise)
        if raised:
            lines += answer_error_lines(raised, first_hidden, shown_line(raised["line"], outcome.section))
        for slip in slips.get(exercise, []):
            lines += [f"Likely slip: {slip}", "(Your answer fails these checks exactly as an answer with this mistake does.)", ""]
        public = [c for c in outcome.checks if c.exercise == exercise and not c.hidden]
        hidden = [c for c in outcome.checks if c.exercise == exercise and c.hidden]
        for n, check in enumerate(public, 1):
            lines.append(f"- check {n} ({check.points} points): {check.status}"
                         + (FOLLOWS if raised and check.status == "error" else ""))
            if check.status != "passed":
                lines += ["", "  Expected output:", "", fenced(check.expected), ""]
                if first_hidden is not None and check.cell > first_hidden:
                    lines += [f"  {AFTER_HIDDEN}", ""]
                    continue
                lines += ["  Your output:", "", fenced(check.actual), ""]
                if check.status == "error" and not raised and (line := shown_line(check.line, outcome.section)):
                    lines += [f"  The error came from this line: {quoted(line)}", ""]
                if check.difference:
                    lines += [f"  First difference: {quoted(check.difference)}", ""]
        for n, check in enumerate(hidden, 1):
            lines.append(f"- hidden check {n} ({check.points} points): {check.status}")
        lines.append("")
    return "\n".join(lines) + "\n"


def write_feedback(outcome, folder):
    student, _, notebook = outcome.submission.rpartition("/")
    target = Path(folder) / student / (Path(notebook).stem + ".md")
    atomic_write(target, feedback(outcome))
    return target
