"""The setup cell: the first code cell of every notebook, stamped from SOURCE below.

Edit SOURCE here, then run `make stamp`; tests/test_setup_cell.py fails on any notebook
whose first code cell has drifted. The cell must work on its own on Colab, where this
package is not installed, so everything the notebooks share lives in its text.
"""

import copy

import nbformat

TAG = "course-setup"
# hide-cell folds the cell away on the site; its output (profile, versions, device) differs
# between machines, so nbval does not compare it.
TAGS = [TAG, "hide-cell", "nbval-ignore-output"]
# Colab ignores tags: it folds a cell to its `@title` line (SOURCE's first) when the cell
# carries this form metadata. JupyterLab folds the code by `source_hidden`.
FOLDED = {"cellView": "form", "jupyter": {"source_hidden": True}}

SOURCE = '''\
# @title Course setup: run this cell first { display-mode: "form" }
# The same in every notebook: edit course/setup_cell.py and run `make stamp`.
import os, random, subprocess, sys, time
if "google.colab" in sys.modules:  # Colab ships torch, torchvision, pandas and matplotlib
    # d2l without its obsolete pins (--no-deps, which also skips pip's conflict report),
    # and without pip's notices about running as root and about newer pips.
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--root-user-action=ignore", "--disable-pip-version-check",
                    "d2l==1.0.3"], check=True)
    print("installed d2l 1.0.3")
import numpy as np
import torch
from d2l import torch as d2l

# Run profile: `quick` trains on a subset for about a minute on a CPU; `full` uses the
# book's settings. Unset means full where CUDA is available, quick otherwise.
PROFILE = os.environ.get("COURSE_PROFILE") or ("full" if torch.cuda.is_available() else "quick")
if PROFILE not in ("quick", "full"):
    raise ValueError(f"COURSE_PROFILE must be 'quick' or 'full', not {PROFILE!r}")
DEVICE = d2l.try_gpu()

def by_profile(quick, full):
    """The setting for the current run profile."""
    return quick if PROFILE == "quick" else full

def for_profile(data, quick_train, quick_val):
    """Trim a d2l data module to the profile and say what it will train on."""
    sizes = len(data.train), len(data.val)
    if PROFILE == "quick":
        data.train = torch.utils.data.Subset(data.train, range(min(quick_train, sizes[0])))
        data.val = torch.utils.data.Subset(data.val, range(min(quick_val, sizes[1])))
        data.num_workers = 0  # worker start-up costs more than it saves on small subsets
    else:
        data.num_workers = min(data.num_workers, os.cpu_count() or 1)
    print(f"{PROFILE} profile: training on {len(data.train):,} of {sizes[0]:,} examples, "
          f"validating on {len(data.val):,} of {sizes[1]:,}")
    return data

def fit_and_time(trainer, model, data):
    """trainer.fit, then one line with the wall time and the device."""
    start = time.perf_counter()
    trainer.fit(model, data)
    epochs = f"{trainer.max_epochs} epoch" + ("s" if trainer.max_epochs != 1 else "")
    print(f"{PROFILE} profile: {epochs} in {time.perf_counter() - start:.1f} s on {DEVICE}")

def final_metrics(model):
    """The last value of every curve the trainer plotted (train_loss, val_loss, val_acc)."""
    return {name: round(float(points[-1].y), 3) for name, points in model.board.data.items()}

random.seed(0); np.random.seed(0); torch.manual_seed(0)
print(f"profile {PROFILE}, torch {torch.__version__}, device {DEVICE}")'''


def make_cell():
    """A fresh setup cell."""
    cell = nbformat.v4.new_code_cell(SOURCE)
    set_metadata(cell)
    return cell


def set_metadata(cell):
    """The setup cell's tags and folding metadata, on cell."""
    cell.metadata["tags"] = list(TAGS)
    cell.metadata.update(copy.deepcopy(FOLDED))


def find(nb):
    """Index of the notebook's first code cell, or None."""
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)


def is_current(nb):
    """True when the first code cell is the setup cell exactly as stamped."""
    i = find(nb)
    if i is None:
        return False
    cell = nb.cells[i]
    return (cell.source == SOURCE and cell.metadata.get("tags", []) == TAGS
            and all(cell.metadata.get(key) == value for key, value in FOLDED.items()))


def stamp(nb):
    """Make the first code cell the current setup cell; returns True if anything changed.

    A first code cell that already carries the setup tag is rewritten in place (its outputs
    kept, since they only say which profile and device ran); otherwise a new setup cell is
    inserted before it.
    """
    if is_current(nb):
        return False
    i = find(nb)
    if i is not None and TAG in nb.cells[i].metadata.get("tags", []):
        nb.cells[i].source = SOURCE
        set_metadata(nb.cells[i])
    else:
        first_code = len(nb.cells) if i is None else i
        nb.cells.insert(first_code, make_cell())
    return True
