"""Every tolerance a chapter or solution declares must be able to fail.

A cell that prints a trained model's accuracy may widen nbval's comparison
(course/checking/output_compare.py) by a declared tolerance. Too wide, and the check is a formality:
a network that never leaves chance (validation accuracy 0.1 on Fashion-MNIST's ten classes)
would still pass. So for every stored float in a cell with a declared tolerance:

* the tolerance applied to it is at most 0.1 absolute (run-to-run variation of a model that
  learns is a few hundredths; more means the run itself is not settled), and
* an accuracy is never within that tolerance of chance, 0.1.

The reason beside each tolerance must also say what was measured: a number is required.
"""

import re
from pathlib import Path

import nbformat
import pytest

from course.checking.output_compare import Tolerance, floats_match, is_float, last_digit_unit, tokens
from course.core.notebooks import read

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))

CHANCE_ACCURACY = "0.1"   # ten balanced classes
WIDEST_TOLERANCE = 0.1
# A stored accuracy at chance is itself the lesson (solution 5.2's learning rate 2.0
# collapses the model); its check guards that it stays there, so the chance rule skips it.
AT_CHANCE = 0.12

# Entries here are cells whose declared tolerance is known to be too wide, each with why.
# Strict: fixing one makes its entry fail here, so the list cannot outlive the problem.
# (Chapter 8's five entries went when its quick runs were made to settle.)
TOO_WIDE_TODAY = {}

# An accuracy is a float printed right after a word that names one ("val_acc': 0.74",
# "validation accuracy 0.72", "(validation 0.794)", "mean accuracy 0.737").
ACCURACY = re.compile(r"(?:acc\w*|accuracy|validation)['\"]?\s*[:=]?\s*\(?\s*(\d*\.\d+)", re.IGNORECASE)


def stored_text(cell):
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        elif "text/plain" in output.get("data", {}):
            parts.append(output["data"]["text/plain"])
    return "".join(parts)


def declared_cells():
    for path in NOTEBOOKS:
        for number, cell in enumerate(read(path).cells, 1):
            if cell.cell_type == "code" and "tolerance" in cell.get("metadata", {}):
                name = f"{path.parent.name}/{path.stem}"
                marks = ([pytest.mark.xfail(strict=True, reason=TOO_WIDE_TODAY[name])]
                         if name in TOO_WIDE_TODAY else [])
                yield pytest.param(path, number, cell, id=f"{name}:cell{number}", marks=marks)


def problems(cell):
    """What is wrong with one cell's declared tolerance, as sentences (empty: nothing)."""
    tolerance = Tolerance.of_cell(cell.metadata)
    text = stored_text(cell)
    found = []
    if not re.search(r"\d", tolerance.reason):
        found.append("its reason names no measurement")
    for token in filter(is_float, tokens(text)):
        allowed = max(last_digit_unit(token), tolerance.abs, tolerance.rel * abs(float(token)))
        if allowed > WIDEST_TOLERANCE * (1 + 1e-9):
            found.append(f"{token} may move by {allowed:g}, more than {WIDEST_TOLERANCE}")
    for accuracy in ACCURACY.findall(text):
        if float(accuracy) > AT_CHANCE and floats_match(accuracy, CHANCE_ACCURACY, tolerance):
            found.append(f"accuracy {accuracy} within its tolerance of chance ({CHANCE_ACCURACY})")
    return found


def test_there_are_declared_tolerances_to_check():
    assert len(list(declared_cells())) >= 10


@pytest.mark.parametrize("path, number, cell", declared_cells())
def test_declared_tolerance_can_fail(path, number, cell):
    found = problems(cell)
    assert not found, f"{path.relative_to(ROOT)} cell {number}: " + "; ".join(found)


def test_the_rules_reject_a_vacuous_tolerance():
    """The checks above on made-up cells: a tolerance wide enough to pass chance fails both
    rules, a measured one passes."""
    def cell(abs_, text, reason="measured 0.02 over 4 runs"):
        return {"cell_type": "code", "outputs": [{"output_type": "stream", "text": text}],
                "metadata": {"tolerance": {"abs": abs_, "reason": reason}}}

    metrics = "{'train_loss': 2.0, 'val_loss': 1.924, 'val_acc': 0.209}"
    vacuous = nbformat.from_dict(cell(0.8, metrics))
    assert any("more than 0.1" in p for p in problems(vacuous))
    assert any("within its tolerance of chance" in p for p in problems(vacuous))
    near_chance = nbformat.from_dict(cell(0.1, "validation accuracy 0.19"))
    assert problems(near_chance) == ["accuracy 0.19 within its tolerance of chance (0.1)"]
    assert problems(nbformat.from_dict(cell(0.03, "{'val_acc': 0.812}"))) == []
    assert problems(nbformat.from_dict(cell(0.03, "lr 2.0: validation accuracy 0.09"))) == []
    assert problems(nbformat.from_dict(cell(0.03, "{'val_acc': 0.812}", reason="varies"))) == [
        "its reason names no measurement"]
