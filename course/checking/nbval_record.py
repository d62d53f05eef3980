"""What nbval did to each notebook in this pytest session: filled by conftest.py, read by
the site tests (the status page is built from these runs rather than a second execution)."""

from collections import defaultdict

seconds = defaultdict(float)  # notebook path (relative) -> seconds over all its cells
failed = set()  # notebooks with a cell that failed
collected = defaultdict(int)  # notebook path -> cells collected
finished = defaultdict(int)  # notebook path -> cells that passed or were skipped
from_cache = {}  # notebook path -> when the cached execution it was compared from ran


def executed_and_matched():
    """{path: seconds} of notebooks whose every cell nbval ran in a kernel and found to match."""
    return {path: t for path, t in seconds.items()
            if path not in failed and path not in from_cache and finished[path] == collected[path]}
