"""The explorer-helper cell: the text of course/explorers.py, the same in every chapter with
an explorer (a notebook opened in Colab has no access to this package, so the helper
travels inside the notebook), placed just before the chapter's first explorer. Its code is
folded on the site, in JupyterLab and in Colab. Kept current by `make stamp`.
"""

import copy
from pathlib import Path

import nbformat

TAG = "explorer-helper"
TITLE = '# @title Explorer helper: live controls in a kernel, precomputed states on the web page { display-mode: "form" }\n'
SOURCE = TITLE + Path(__file__).with_name("explorers.py").read_text(encoding="utf-8").rstrip("\n")
METADATA = {"tags": [TAG, "hide-input"], "cellView": "form", "jupyter": {"source_hidden": True}}


def make_cell():
    cell = nbformat.v4.new_code_cell(SOURCE)
    cell.metadata.update(copy.deepcopy(METADATA))
    return cell


def find(nb):
    """Indices of the notebook's explorer-helper cells."""
    return [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])]


def is_current(cell):
    return cell.source == SOURCE and all(cell.metadata.get(k) == v for k, v in METADATA.items())


def stamp(nb):
    """Bring every explorer-helper cell of nb up to date; returns True if anything changed."""
    stale = [i for i in find(nb) if not is_current(nb.cells[i])]
    for i in stale:
        nb.cells[i].source = SOURCE
        nb.cells[i].metadata.update(copy.deepcopy(METADATA))
    return bool(stale)
