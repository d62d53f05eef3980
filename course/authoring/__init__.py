"""What goes into the notebooks: their exercise anatomy (anatomy), exercise stubs generated
from solutions (exercises), the recorded wrong answers' format (wrong_answers), and the
helper cells `make stamp` keeps current (stamp; folded_cell, drawing_cell and explorer_cell
carry course/network_drawing.py and course/explorers.py, setup_cell is course/setup_cell.py).

May import course.core and the stamped sources (course.setup_cell, course.explorers,
course.network_drawing).
"""
