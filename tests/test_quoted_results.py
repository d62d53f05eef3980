"""A result the prose quotes must be a result the page prints.

Chapters state their quick run's outcome in words ("ends at about 0.86 (printed above)").
When a re-execution moves the stored accuracy, nothing else notices that the sentence has
gone stale, so every number quoted that way must round to an accuracy printed by a code
cell above it: within half a unit of the quoted number's last digit.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from course.core.notebooks import read

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

# "about 0.86 (printed above)", "about 0.83 and 0.84 (printed above)"
QUOTED = re.compile(r"about\s+(0\.\d+)(?:\s+and\s+(0\.\d+))?\s+\(printed above\)")
# the accuracies final_metrics prints: {'train_loss': ..., 'val_acc': 0.864}
PRINTED = re.compile(r"'val_acc':\s*(0\.\d+)")


def printed_text(cell):
    return "".join(out.get("text", "") for out in cell.get("outputs", []))


def quotes_with_printed_accuracies(notebook):
    """(cell number, quoted number, accuracies printed above it) for every quote."""
    printed = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            printed += PRINTED.findall(printed_text(cell))
        else:
            for match in QUOTED.finditer(cell.source):
                for quoted in filter(None, match.groups()):
                    yield number, quoted, list(printed)


def rounds_to(quoted, printed):
    half_unit = Decimal(1).scaleb(Decimal(quoted).as_tuple().exponent) / 2
    return abs(Decimal(printed) - Decimal(quoted)) <= half_unit


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_quoted_accuracy_is_one_the_page_prints(path):
    for cell, quoted, printed in quotes_with_printed_accuracies(read(path)):
        assert any(rounds_to(quoted, value) for value in printed), (
            f"{path.name} cell {cell} quotes a validation accuracy of about {quoted}, "
            f"but the accuracies printed above it are {printed or 'none'}")


def test_the_quotes_of_chapter_8_are_found():
    # The check reads the chapters where the quick runs are described; if the wording moved
    # away from the pattern, the test above would pass on nothing.
    found = {path.stem[:3] for path in CHAPTERS
             for _ in quotes_with_printed_accuracies(read(path))}
    assert {"8_1", "8_2", "8_3", "8_4", "8_5", "8_6"} <= found


def test_a_quote_the_page_does_not_print_is_caught():
    assert rounds_to("0.73", "0.727") and rounds_to("0.87", "0.865")
    assert not rounds_to("0.78", "0.727") and not rounds_to("0.8", "0.74")
