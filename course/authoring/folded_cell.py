"""A folded helper cell: the text of one of the course's modules, carried inside every
notebook that needs it (a notebook opened in Colab has no access to this package). Its code
is folded on the site, in JupyterLab and in Colab; `make stamp` keeps it current."""

import copy
from pathlib import Path

import nbformat


class FoldedHelperCell:
    """The cell that carries course/<module_file>, marked by `tag` and headed by `title`."""

    def __init__(self, tag, title, module_file):
        self.TAG = tag
        self.SOURCE = (f'# @title {title} {{ display-mode: "form" }}\n'
                       + (Path(__file__).parents[1] / module_file).read_text(encoding="utf-8").rstrip("\n"))
        self.METADATA = {"tags": [tag, "hide-input"], "cellView": "form",
                         "jupyter": {"source_hidden": True}}

    def make_cell(self):
        cell = nbformat.v4.new_code_cell(self.SOURCE)
        cell.metadata.update(copy.deepcopy(self.METADATA))
        return cell

    def find(self, nb):
        """Indices of the notebook's cells of this helper."""
        return [i for i, c in enumerate(nb.cells) if self.TAG in c.metadata.get("tags", [])]

    def is_current(self, cell):
        return cell.source == self.SOURCE and all(cell.metadata.get(k) == v for k, v in self.METADATA.items())

    def stamp(self, nb):
        """Bring every cell of this helper in nb up to date; returns True if anything changed."""
        stale = [i for i in self.find(nb) if not self.is_current(nb.cells[i])]
        for i in stale:
            nb.cells[i].source = self.SOURCE
            nb.cells[i].metadata.update(copy.deepcopy(self.METADATA))
        return bool(stale)
