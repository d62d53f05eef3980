"""What nbval compares, shared by `make test` (conftest.py) and the grader."""

from course.core.notebooks import ROOT

SANITIZE = ROOT / "course" / "checking" / "nbval_sanitize.cfg"


def skip_svg(items):
    """Figures are not compared: matplotlib's SVG carries random ids (nbval already skips
    PNG). Their text/plain form ('<Figure size ... with 1 Axes>') still is."""
    for item in items:
        parent = getattr(item, "parent", None)
        if hasattr(parent, "skip_compare") and "image/svg+xml" not in parent.skip_compare:
            parent.skip_compare = parent.skip_compare + ("image/svg+xml",)
