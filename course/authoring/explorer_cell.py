"""The explorer-helper cell: course/explorers.py, folded into every chapter with an explorer,
just before its first one."""

from .folded_cell import FoldedHelperCell

_CELL = FoldedHelperCell(
    "explorer-helper",
    "Explorer helper: live controls in a kernel, precomputed states on the web page",
    "explorers.py")
TAG, SOURCE, METADATA = _CELL.TAG, _CELL.SOURCE, _CELL.METADATA
make_cell, find, is_current, stamp = _CELL.make_cell, _CELL.find, _CELL.is_current, _CELL.stamp
