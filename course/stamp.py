"""`make stamp`: put the current setup cell at the top of every section notebook, and bring
every architecture-drawing helper cell and explorer helper cell up to date."""

from . import drawing_cell, explorer_cell, notebooks, setup_cell
from .notebooks import CHAPTERS, SOLUTIONS


def main(argv=None):
    for folder in (CHAPTERS, SOLUTIONS):
        for path in notebooks.notebooks(folder):
            nb = notebooks.read(path)
            if setup_cell.stamp(nb) | drawing_cell.stamp(nb) | explorer_cell.stamp(nb):  # `|`: all run
                notebooks.write(nb, path)
                print(f"stamped {notebooks.shown(path)}")
    return 0
