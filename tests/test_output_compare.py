"""The numeric-aware output comparison: its rules, and nbval using it on a real kernel."""

import os
import subprocess
import sys

import nbformat
import pytest

from course.checking.output_compare import Tolerance, first_mismatch, last_digit_unit, tokens
from course.core.notebooks import ROOT


def matches(reference, actual, **declared):
    tolerance = Tolerance.of_cell({"tolerance": {**declared, "reason": "test"}} if declared else {})
    return first_mismatch(reference, actual, tolerance) is None


@pytest.mark.parametrize("token, unit", [("0.745", 0.001), ("6.0e-08", 1e-09), ("12.5", 0.1),
                                         ("2.", 0.0), ("1e-3", 0.001), ("-0.0000", 1e-4)])
def test_last_digit_unit(token, unit):
    assert last_digit_unit(token) == pytest.approx(unit, rel=1e-12, abs=0)


def test_one_unit_in_the_last_digit_either_way_and_no_more():
    assert matches("acc 0.745", "acc 0.744") and matches("acc 0.745", "acc 0.746")
    assert not matches("acc 0.745", "acc 0.747")
    assert not matches("acc 0.745", "acc 0.743")


def test_negative_zero_equals_zero():
    assert matches("tensor([0.0000, 1.5000])", "tensor([-0.0000, 1.5000])")
    assert matches("tensor([0., 2.])", "tensor([-0., 2.])")
    assert matches("0.0", "-0.0")


def test_integral_floats_integers_words_and_shapes_are_exact():
    assert not matches("tensor([1., 2.])", "tensor([1., 3.])")
    assert not matches("count 7", "count 8")
    assert not matches("torch.Size([2, 3])", "torch.Size([3, 2])")
    assert not matches("torch.float32", "torch.float64")
    assert not matches("True", "False")
    assert not matches("conv2d", "conv3d")


def test_whitespace_between_tokens_is_not_compared():
    assert matches("tensor([ 0.5000,  1.0000])", "tensor([-0.5000,  1.0000])") is False
    assert matches("a  =  1.5\n", "a = 1.5")
    assert matches("tensor([[ 1.0000, -0.0000]])", "tensor([[1.0000, 0.0000]])")


def test_missing_or_extra_text_fails():
    assert not matches("0.5 0.6", "0.5")
    assert not matches("0.5", "0.5 0.6")
    assert not matches("loss 0.5", "loss nan")


def test_declared_tolerance_widens_floats_only():
    assert matches("{'val_acc': 0.745}", "{'val_acc': 0.760}", abs=0.02)
    assert not matches("{'val_acc': 0.745}", "{'val_acc': 0.770}", abs=0.02)
    assert not matches("epoch 10 0.745", "epoch 11 0.745", abs=0.02)
    assert matches("loss 200.0", "loss 201.5", rel=0.01)


def test_declared_integer_tolerance_lets_counts_move_only_that_far():
    assert matches("keep epoch 8 (0.794)", "keep epoch 9 (0.790)", abs=0.01, integers=1)
    assert not matches("keep epoch 8 (0.794)", "keep epoch 10 (0.794)", abs=0.01, integers=1)
    assert not matches("keep epoch 8", "keep epoch 8.5", integers=1)


def test_a_declaration_needs_a_reason_and_sane_bounds():
    with pytest.raises(ValueError, match="reason"):
        Tolerance.of_cell({"tolerance": {"abs": 0.1}})
    with pytest.raises(ValueError, match=">= 0"):
        Tolerance.of_cell({"tolerance": {"abs": -1, "reason": "x"}})
    with pytest.raises(ValueError, match="whole number"):
        Tolerance.of_cell({"tolerance": {"integers": 1.5, "reason": "x"}})
    with pytest.raises(ValueError, match="unknown"):
        Tolerance.of_cell({"tolerance": {"absolute": 1, "reason": "x"}})
    assert Tolerance.of_cell({}) == Tolerance()


def test_the_message_names_the_token_both_values_and_the_tolerance():
    message = first_mismatch("val_acc 0.745 val_loss 0.5", "val_acc 0.751 val_loss 0.5")
    assert "expected 0.745, got 0.751" in message and "0.001" in message and "val_acc" in message
    message = first_mismatch("x 0.745", "x 0.9", Tolerance(abs=0.02, reason="CPUs differ"))
    assert "abs 0.02" in message and "CPUs differ" in message
    assert "expected integer '7', got '8'" in first_mismatch("n 7", "n 8")


def test_tokens_keep_identifiers_and_signs_apart():
    assert tokens("conv2d x1.5 -0.25 5-3") == ["conv2d", "x1", ".", "5", "-0.25", "5", "-", "3"]


def notebook_with(stored, source, metadata=None):
    cell = nbformat.v4.new_code_cell(source, execution_count=1, metadata=metadata or {})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored)]
    return nbformat.v4.new_notebook(cells=[cell])


def run_nbval(tmp_path, nb):
    path = tmp_path / "check.ipynb"
    nbformat.write(nb, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider",
                           "-c", os.devnull, "--rootdir", str(tmp_path), "-p", "course.checking.nbval_plugin",
                           "--nbval", "--nbval-current-env"],
                          capture_output=True, text=True, env=env, timeout=300)


def test_nbval_uses_the_tolerant_comparison(tmp_path):
    """One kernel run per case, through nbval itself: one digit off passes, two fail with a
    message naming the token, and a declared tolerance is honoured."""
    assert run_nbval(tmp_path, notebook_with("acc 0.745\n", "print('acc 0.746')")).returncode == 0
    assert run_nbval(tmp_path, notebook_with("relu 0.0\n", "print('relu', -0.0)")).returncode == 0
    failed = run_nbval(tmp_path, notebook_with("acc 0.745\n", "print('acc 0.747')"))
    assert failed.returncode == 1 and "expected 0.745, got 0.747" in failed.stdout
    declared = {"tolerance": {"abs": 0.01, "reason": "training differs between CPUs"}}
    assert run_nbval(tmp_path, notebook_with("acc 0.745\n", "print('acc 0.752')", declared)).returncode == 0


def declared_tolerances():
    """(notebook, code cell number, cell) for every cell that declares a tolerance."""
    from course.core import notebooks

    for folder in (notebooks.CHAPTERS, notebooks.SOLUTIONS):
        for path in notebooks.notebooks(folder):
            code = [c for c in notebooks.read(path).cells if c.cell_type == "code"]
            for n, cell in enumerate(code):
                if "tolerance" in cell.metadata:
                    yield notebooks.shown(path), n, cell


def test_declared_tolerances_have_reasons_and_stay_off_graded_checks():
    """Every declaration parses (bounds and a reason); none sits on a check cell, where a
    wide tolerance could let a wrong answer through."""
    for path, n, cell in declared_tolerances():
        Tolerance.of_cell(cell.metadata)  # raises, naming the problem
        first_line = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
        assert not first_line.lstrip("# ").lower().startswith(("check", "hidden check")), \
            f"{path} cell {n}: a check cell declares a tolerance"
