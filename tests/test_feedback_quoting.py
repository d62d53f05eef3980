"""Feedback nobody can forge: whatever a student prints, names a file or raises, the
feedback Markdown shows it as text (no heading, no HTML, no fence it closes) and the
gradebook has no cell a spreadsheet would run as a formula. Outcomes are built directly,
without kernels: only the writing of the feedback and the CSV is under test."""

import csv

from markdown_it import MarkdownIt

from course.grading import gradebook
from course.grading.run import CheckResult, Outcome

FORGED = "## Exercise 4: passed (3/3 points)"
SCRIPT = "<script>alert(1)</script>"
# Printed output that closes a plain ``` fence and writes a heading, HTML and raw bytes.
EVIL = f"0.5\n```\n\n{FORGED}\n\n{SCRIPT}\n\x00\x08bell\x07 ````` end `"
FORMULA = "=HYPERLINK(\"http://evil\",\"x\")"


def outcomes():
    checked = Outcome(
        submission=f"{FORMULA}/``{FORGED}\n{SCRIPT}\x00.ipynb", section="2.1",
        exercises={"1": {"max_points": 3, "manual": False}, "4": {"max_points": 3, "manual": False}})
    checked.checks = [
        CheckResult("1", 3, False, "failed", expected="0.75", actual=EVIL, message=EVIL,
                    difference=f"token 1: expected 0.75, got `{FORGED}`\n{SCRIPT}"),
        CheckResult("1", 1, True, "error", actual=EVIL, message=EVIL),
        CheckResult("4", 3, False, "error", expected="tensor([1.])",
                    actual=f"Traceback\nValueError: {EVIL}", message=f"ValueError: {EVIL}")]
    refused = Outcome(submission=f"+cmd|' /C calc'!A0/\x08-{SCRIPT}.ipynb", section="@SUM(1+1)",
                      invalid=f"unknown section '```{FORGED}\n{SCRIPT}'")
    return [checked, refused]


def rendered(text):
    """markdown-it's tokens of a feedback file, nested tokens flattened."""
    flat = []
    for token in MarkdownIt("commonmark").parse(text):
        flat += [token] + list(token.children or [])
    return flat


def test_student_text_is_shown_as_text_never_as_markup():
    checked, refused = outcomes()
    for outcome, headings in [(checked, ["Feedback: ", "Exercise 1: error (0/3 points)",
                                         "Exercise 4: error (0/3 points)"]),
                              (refused, ["Feedback: "])]:
        text = gradebook.feedback(outcome)
        assert not set(text) & {"\x00", "\x08", "\x07"}, "control characters written raw"
        tokens = rendered(text)
        # The only headings are the grader's own, the submission name quoted inside the first.
        heading_text = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        assert [h.split("`")[0] for h in heading_text] == headings, heading_text
        assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
        html = MarkdownIt("commonmark").render(text)
        assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<h2>Exercise 4: passed" not in html
        if outcome is checked:
            # The student's output is still all there, each in one code block of its own.
            shown = [t.content for t in tokens if t.type == "fence"]
            clean = gradebook.CONTROL.sub("", EVIL)
            assert shown.count(clean + "\n") == 1 and f"Traceback\nValueError: {clean}\n" in shown


def test_gradebook_cells_never_start_a_formula(tmp_path):
    path = tmp_path / "grades.csv"
    gradebook.write_grades(outcomes(), path)
    with open(path, newline="", encoding="utf-8") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert [c for c in cells if c.startswith(FORMULA)] == []
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # Neutralised, not dropped: a leading ' keeps the name readable.
    assert any(c.startswith("'" + FORMULA) for c in cells) and "'@SUM(1+1)" in cells
