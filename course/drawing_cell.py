"""The drawing-helper cell: the text of course/network_drawing.py, the same in every chapter
that draws a network (a notebook opened in Colab has no access to this package, so the
helper travels inside the notebook). Its code is folded on the site, in JupyterLab and in
Colab; the figures are the stored outputs of the cells that call it.
"""

import copy
from pathlib import Path

import nbformat

TAG = "network-drawing"
TITLE = '# @title Drawing helper for the architecture figures { display-mode: "form" }\n'
SOURCE = TITLE + (Path(__file__).with_name("network_drawing.py")).read_text(encoding="utf-8").rstrip("\n")
METADATA = {"tags": [TAG, "hide-input"], "cellView": "form", "jupyter": {"source_hidden": True}}


def make_cell():
    cell = nbformat.v4.new_code_cell(SOURCE)
    cell.metadata.update(copy.deepcopy(METADATA))
    return cell


def find(nb):
    """Indices of the notebook's drawing-helper cells."""
    return [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])]


def is_current(cell):
    return cell.source == SOURCE and all(cell.metadata.get(k) == v for k, v in METADATA.items())


def stamp(nb):
    """Bring every drawing-helper cell of nb up to date; returns True if anything changed."""
    stale = [i for i in find(nb) if not is_current(nb.cells[i])]
    for i in stale:
        nb.cells[i].source = SOURCE
        nb.cells[i].metadata.update(copy.deepcopy(METADATA))
    return bool(stale)
