"""The Markdown tables of the measurement reports (bench, spread, stall check, Colab check),
written by tabulate so that every report escapes and aligns cells the same way."""

import re

from tabulate import tabulate

ALIGN = {"l": "left", "r": "right"}


def markdown_table(header, rows, align=None):
    """A Markdown (pipe) table. `align` is one letter per column, 'l' or 'r'
    (default: all left). A `|` or line break in a cell is escaped, so a cell never splits
    its row; cells are printed as given (numbers are not reformatted)."""
    def cell(value):
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    return tabulate([[cell(v) for v in row] for row in rows], headers=list(header), tablefmt="pipe",
                    colalign=[ALIGN[a] for a in align] if align else None, disable_numparse=True)


def rows_of(table):
    """The cells of a Markdown table's body rows, stripped: what a reader of the report sees
    (tests compare these rather than the padding)."""
    lines = [line for line in table.splitlines() if line.startswith("|")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])] for line in lines[2:]]
