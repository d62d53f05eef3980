"""`make stamp`: put the current setup cell at the top of every section notebook, and bring
every architecture-drawing helper cell and explorer helper cell up to date."""

from course import setup_cell
from course.core import notebooks
from course.core.notebooks import CHAPTERS, SOLUTIONS

from . import drawing_cell, explorer_cell


def main(argv=None):
    for folder in (CHAPTERS, SOLUTIONS):
        for path in notebooks.notebooks(folder):
            nb = notebooks.read(path)
            if setup_cell.stamp(nb) | drawing_cell.stamp(nb) | explorer_cell.stamp(nb):  # `|`: all run
                notebooks.write(nb, path)
                print(f"stamped {notebooks.shown(path)}")
    return 0
