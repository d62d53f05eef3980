"""Hidden checks print values on unseen inputs, never a verdict decided in the student's
kernel (course/grading/hidden_lint.py says why). The first test holds every solution to
the rule; the others show what the lint flags and that its message names the cell."""

import nbformat
import pytest

from course.grading import hidden_lint

CODE, MARKDOWN = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell


def test_every_hidden_check_prints_values_not_verdicts():
    findings = hidden_lint.lint()
    assert not findings, "hidden checks that a tampered kernel could pass:\n" + "\n".join(
        f"  {f}" for f in findings)


@pytest.mark.parametrize("source, output, problem", [
    ("print(torch.allclose(f(x), reference))", "True", "prints only booleans"),
    ("print(torch.allclose(f(x), reference))", "True", "compares in the student's kernel with allclose()"),
    ("print('untouched:', torch.equal(w, before))", "untouched: True", "prints only booleans"),
    ("print(f(x).tolist(), (f(x) == -f(x).T).all().item())", "[1.0, 2.0] True", "with ==, all()"),
    ("print(abs(f(2.0) - 4.0) < 1e-6)", "True", "with <"),
    ("print(f(x).dtype in (torch.int32, torch.int64))", "True", "with in"),
    ("print(np.array_equal(f(x), y), math.isclose(g(1), 2))", "True True", "array_equal(), isclose()"),
    ("print(torch.tensor([f(1), f(2)]))", "tensor([True, False])", "prints only booleans"),
    ("print(f(x).round(decimals=4).tolist())", "[0.10000000149011612]", "floating-point noise"),
    ("print(f(x))", "", "prints nothing"),
    ("print(g(x))", "(3, 4) torch.float32", "same text as a public check"),
])
def test_flags(source, output, problem):
    problems = hidden_lint.problems_of(source, output, public_outputs={"(3, 4) torch.float32"})
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("source, output", [
    ("print(f(x).round(decimals=4))", "tensor([0.1000, 0.2000])"),
    ("print('block afterwards:', block.tolist())", "block afterwards: [0.0, 1.0]"),
    # A boolean property is fine beside values that only a correct answer prints.
    ("print(out.tolist(), 'training:', net.training)", "[2, 0, 1] training: False"),
    # Names chosen by the answer are values, though they come from literals in the cell.
    ("print([n for n, t in {'a': x, 'b': y}.items() if shares(t, x)])", "['a']"),
    ("print(type(f(1)).__name__, mm is not a)", "float True"),
])
def test_accepts_values(source, output):
    assert hidden_lint.problems_of(source, output, public_outputs=set()) == []


def test_a_finding_names_the_notebook_cell_and_exercise(tmp_path):
    verdict = CODE("# Hidden check: exercise 1 (1 point)\nprint(torch.allclose(twice(x), 2 * x))")
    verdict.outputs = [nbformat.v4.new_output("stream", name="stdout", text="True\n")]
    nb = nbformat.v4.new_notebook(cells=[
        MARKDOWN("# 9.9 Exercises"), MARKDOWN("## Exercise 1: twice"),
        CODE("### BEGIN SOLUTION\ndef twice(x):\n    return 2 * x\n### END SOLUTION"), verdict])
    nbformat.write(nb, str(tmp_path / "9_9_fixture.ipynb"))
    findings = hidden_lint.lint(tmp_path)
    assert {(f.cell, f.exercise) for f in findings} == {(3, "1")}
    assert str(findings[0]).startswith(f"{tmp_path / '9_9_fixture.ipynb'}, cell 3 (hidden check of exercise 1): ")
