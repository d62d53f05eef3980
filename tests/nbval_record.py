"""What nbval did to each notebook in this pytest session: filled by conftest.py, read by
the site tests (the status page is built from these runs rather than a second execution)."""

from collections import defaultdict

seconds = defaultdict(float)  # notebook path (relative) -> seconds over all its cells
failed = set()  # notebooks with a cell that failed
