"""The setup cell: identical in every notebook, and correct on Colab and locally."""

import re
import subprocess
import sys
import types

import nbformat
import pytest

from course import setup_cell
from course.core import notebooks
from course.core.notebooks import CHAPTERS, EXERCISES, SOLUTIONS

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


class FakeFashion:
    """What for_profile touches of a d2l.FashionMNIST: two torchvision-style datasets (uint8
    images in .data, labels in .targets), the resize and batch size, and the worker count."""

    def __init__(self, torch):
        self.train, self.val = FakeImages(torch, 100), FakeImages(torch, 40)
        self.resize, self.batch_size, self.num_workers = (224, 224), 128, 4


class FakeImages:
    def __init__(self, torch, n):
        self.data = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8)
        self.targets = torch.arange(n) % 10

    def __len__(self):
        return len(self.data)


def test_for_profile_quick_holds_resized_images_in_memory(monkeypatch, capsys):
    ns, _ = run_setup(monkeypatch, env={"COURSE_PROFILE": "quick"})
    torch = ns["torch"]
    fake = FakeFashion(torch)
    first = fake.train.data[0].float() / 255
    data = ns["for_profile"](fake, quick_train=10, quick_val=5, quick_resize=(32, 32), quick_batch_size=16)
    assert (len(data.train), len(data.val), data.num_workers) == (10, 5, 0)
    assert (data.resize, data.batch_size) == ((32, 32), 16)
    X, y = data.train[:]
    assert X.shape == (10, 1, 32, 32) and X.dtype == torch.float32 and y.tolist() == list(range(10))
    # bilinear resizing keeps the image's range and mean brightness
    assert 0 <= X.min() and X.max() <= 1 and abs(X[0].mean() - first.mean()) < 0.02
    assert ("quick profile: 10 of 100 training images and 5 of 40 validation images, held in memory; "
            "size 32 x 32 (book 224 x 224), batch size 16 (book 128)") in capsys.readouterr().out


def test_for_profile_full_keeps_the_books_data(monkeypatch, capsys):
    ns, _ = run_setup(monkeypatch, env={"COURSE_PROFILE": "full"})
    fake = FakeFashion(ns["torch"])
    train = fake.train
    data = ns["for_profile"](fake, quick_train=10, quick_val=5, quick_resize=(32, 32), quick_batch_size=16)
    assert data.train is train and (data.resize, data.batch_size) == ((224, 224), 128)
    assert data.num_workers <= 4
    assert ("full profile: 100 of 100 training images and 40 of 40 validation images; "
            "size 224 x 224, batch size 128") in capsys.readouterr().out


def test_fit_and_time_reports_speed_and_what_quick_changed(monkeypatch, capsys):
    import matplotlib
    matplotlib.use("Agg")
    ns, _ = run_setup(monkeypatch, env={"COURSE_PROFILE": "quick"})
    d2l, torch = ns["d2l"], ns["torch"]
    capsys.readouterr()  # the setup cell's own line
    lr = ns["by_profile"](0.05, 0.01, "learning rate")
    epochs = ns["by_profile"](2, 10, "epochs")
    assert (lr, epochs) == (0.05, 2) and ns["by_profile"](3, 3, "same") == 3
    data = d2l.SyntheticRegressionData(w=torch.tensor([2.0, -3.4]), b=4.2, num_train=100, num_val=20)
    model = d2l.LinearRegression(lr=lr)
    ns["fit_and_time"](d2l.Trainer(max_epochs=epochs), model, data)
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"quick profile: 2 epochs of 100 examples in [\d.]+ s on cpu \([\d,]+ examples/s\)", lines[0])
    assert lines[1] == "changed from the book: learning rate 0.05 (book 0.01), epochs 2 (book 10)"
    assert model.board.display and set(ns["final_metrics"](model)) == {"train_loss", "val_loss"}
    ns["fit_and_time"](d2l.Trainer(max_epochs=1), d2l.LinearRegression(lr=0.03), data)
    assert "changed from the book" not in capsys.readouterr().out  # reported once, then forgotten


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
