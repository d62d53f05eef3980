"""`make colab-check`'s parts, cheaply: the whole check (a Python 3.13 virtualenv with torch's
6 GB CUDA build, every notebook) is too heavy for `make test`; this runs the setup cell's
Colab branch for real in a kernel that the check's stand-in google.colab sets up, with the
course's own environment, and checks how exercises are filled in and errors reported."""

import nbformat
import pytest
from nbclient import NotebookClient

from course import setup_cell
from course.authoring import anatomy
from course.core import notebooks
from course.core.notebooks import EXERCISES, ROOT
from course.measure import colab_check
from tests import grading_helpers


def test_the_setup_cell_takes_its_colab_branch_in_the_checks_kernel(tmp_path, monkeypatch):
    """The kernelspec imports the stand-in google.colab at start, so the setup cell runs its
    real pip command (d2l 1.0.3 is already in .venv: pip finds it there and changes nothing)."""
    monkeypatch.setenv("JUPYTER_PATH", str(colab_check.make_kernel(venv=ROOT / ".venv", work=tmp_path)))
    nb = nbformat.v4.new_notebook(cells=[setup_cell.make_cell(),
                                         nbformat.v4.new_code_cell("import sys; print('google.colab' in sys.modules)")])
    NotebookClient(nb, timeout=300, kernel_name=colab_check.KERNEL, record_timing=False,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = anatomy.text_of(nb.cells[0].outputs)
    assert printed.splitlines()[0] == colab_check.COLAB_LINE
    assert "profile " in printed and not colab_check.stderr_text(nb)
    assert anatomy.text_of(nb.cells[1].outputs).strip() == "True"


def test_a_solved_exercise_is_the_stub_with_the_solutions_answers():
    for path in notebooks.notebooks(EXERCISES):
        solved = colab_check.solved_exercise(path.stem)
        assert [c.source for c in solved.cells] == [c.source for c in grading_helpers.solved_stub(path.stem).cells]
        assert "raise NotImplementedError" not in "".join(c.source for c in solved.cells if c.cell_type == "code"), path.stem


def test_the_first_error_names_the_code_cell_and_the_exception():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.cells[2].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                                  traceback=[])]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stderr", text="\x1b[33mWARNING: careful\x1b[0m\n")]
    assert colab_check.first_error(nb, RuntimeError("unused")) == "code cell 2: ZeroDivisionError: division by zero"
    assert colab_check.stderr_text(nb) == ["WARNING: careful"]


def test_a_python313_on_path_that_cannot_run_is_skipped(tmp_path, monkeypatch):
    """A pyenv shim named python3.13 is on PATH whenever pyenv has 3.13, and exits 127 unless
    that version is selected: the check looks for one that runs."""
    shim = tmp_path / "python3.13"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    real = tmp_path / "real" / "python"
    real.parent.mkdir()
    real.write_text("#!/bin/sh\necho 'Python 3.13.0'\n")
    real.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert colab_check.find_python313(["python3.13", str(real)]) == str(real)
    with pytest.raises(SystemExit, match="none of python3.13 runs here"):
        colab_check.find_python313(["python3.13"])
