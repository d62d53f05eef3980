"""The drawing-helper cell: course/network_drawing.py, folded into every chapter that draws
a network; the figures are the stored outputs of the cells that call it."""

from .folded_cell import FoldedHelperCell

_CELL = FoldedHelperCell("network-drawing", "Drawing helper for the architecture figures",
                         "network_drawing.py")
TAG, SOURCE, METADATA = _CELL.TAG, _CELL.SOURCE, _CELL.METADATA
make_cell, find, is_current, stamp = _CELL.make_cell, _CELL.find, _CELL.is_current, _CELL.stamp
