"""The setup cell: identical in every notebook, and correct on Colab and locally."""

import re
import subprocess
import sys
import types

import nbformat
import pytest

from course import notebooks, setup_cell
from course.notebooks import CHAPTERS, EXERCISES, SOLUTIONS

ALL = [p for folder in (CHAPTERS, SOLUTIONS, EXERCISES) for p in notebooks.notebooks(folder)]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_first_code_cell_is_the_current_setup_cell(path):
    nb = notebooks.read(path)
    assert setup_cell.is_current(nb), (
        f"{path.parent.name}/{path.name}: the first code cell differs from course/setup_cell.py; "
        "run `make stamp` (and re-execute the notebook)")


def run_setup(monkeypatch, env=None, colab=False):
    """Execute the setup cell's text in a fresh namespace; returns (namespace, pip calls)."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    namespace = {}
    exec(compile(setup_cell.SOURCE, "setup-cell", "exec"), namespace)
    return namespace, calls


COLAB_PIP = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--root-user-action=ignore",
             "--disable-pip-version-check", "d2l==1.0.3"]


def test_on_colab_it_installs_d2l_without_its_pins_and_says_so_in_one_line(monkeypatch, capsys):
    _, calls = run_setup(monkeypatch, colab=True)
    assert calls == [(COLAB_PIP, {"check": True})]
    assert capsys.readouterr().out.splitlines()[0] == "installed d2l 1.0.3"


def test_every_pip_option_of_the_colab_install_exists_in_current_pip():
    """An option pip does not know fails the install, so the first cell on Colab would raise."""
    help_text = subprocess.run([sys.executable, "-m", "pip", "install", "--help"],
                               capture_output=True, text=True, check=True).stdout
    for option in (arg.split("=")[0] for arg in COLAB_PIP if arg.startswith("--")):
        assert option in help_text.split(), option


def test_the_cell_folds_on_colab_in_jupyterlab_and_on_the_site():
    cell = setup_cell.make_cell()
    title = cell.source.splitlines()[0]
    # Colab's form syntax: the title line first, with the code hidden ("form" mode).
    assert re.fullmatch(r'# @title [^{}]+ \{ display-mode: "form" \}', title), title
    assert cell.metadata["cellView"] == "form"
    assert cell.metadata["jupyter"] == {"source_hidden": True}
    assert "hide-cell" in cell.metadata["tags"]


def test_outside_colab_it_installs_nothing(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    _, calls = run_setup(monkeypatch)
    assert calls == []


def test_profile_defaults_to_quick_without_cuda(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    ns, _ = run_setup(monkeypatch)
    import torch
    assert ns["PROFILE"] == ("full" if torch.cuda.is_available() else "quick")


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_profile_from_environment(monkeypatch, profile):
    ns, _ = run_setup(monkeypatch, env={"COURSE_PROFILE": profile})
    assert ns["PROFILE"] == profile
    assert ns["by_profile"]("q", "f") == profile[0]


def test_unknown_profile_is_a_clear_error(monkeypatch):
    with pytest.raises(ValueError, match="COURSE_PROFILE must be 'quick' or 'full', not 'fast'"):
        run_setup(monkeypatch, env={"COURSE_PROFILE": "fast"})


def test_seeds_make_random_draws_repeat(monkeypatch):
    first, _ = run_setup(monkeypatch, env={"COURSE_PROFILE": "quick"})
    a = first["torch"].randn(3)
    second, _ = run_setup(monkeypatch, env={"COURSE_PROFILE": "quick"})
    assert (a == second["torch"].randn(3)).all()


def test_for_profile_trims_only_in_quick(monkeypatch, capsys):

    class Data:  # the two attributes of a d2l DataModule that for_profile touches
        def __init__(self):
            self.train, self.val, self.num_workers = list(range(100)), list(range(40)), 4

    ns, _ = run_setup(monkeypatch, env={"COURSE_PROFILE": "quick"})
    data = ns["for_profile"](Data(), quick_train=10, quick_val=5)
    assert (len(data.train), len(data.val), data.num_workers) == (10, 5, 0)
    assert "quick profile: training on 10 of 100 examples, validating on 5 of 40" in capsys.readouterr().out
    ns, _ = run_setup(monkeypatch, env={"COURSE_PROFILE": "full"})
    data = ns["for_profile"](Data(), quick_train=10, quick_val=5)
    assert (len(data.train), len(data.val)) == (100, 40)


def test_stamp_inserts_then_replaces_in_place():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
                                         nbformat.v4.new_code_cell("x = 1")])
    assert setup_cell.stamp(nb) is True
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert setup_cell.is_current(nb) and nb.cells[2].source == "x = 1"
    nb.cells[1].source = "# an old version of the setup cell"
    del nb.cells[1].metadata["cellView"]  # as stamped before the cell folded on Colab
    assert not setup_cell.is_current(nb)
    assert setup_cell.stamp(nb) is True
    assert len(nb.cells) == 3 and setup_cell.is_current(nb)
    assert nb.cells[1].metadata["cellView"] == "form"
    assert setup_cell.stamp(nb) is False
