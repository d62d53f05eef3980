"""Shared test settings: what nbval compares, and per-notebook timings in the summary."""

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from course import nbval_settings  # noqa: E402

collect_ignore_glob = ["tests/fixtures/*", "exercises/*", "_build/*", ".venv/*"]

_notebook_seconds = defaultdict(float)


def pytest_collection_modifyitems(session, config, items):
    nbval_settings.skip_svg(items)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    tr = terminalreporter
    tr.section("seconds per notebook (nbval: kernel start, every cell, comparison)")
    for path, seconds in sorted(_notebook_seconds.items()):
        tr.write_line(f"{seconds:7.1f}  {path}")
    tr.write_line(f"{sum(_notebook_seconds.values()):7.1f}  total over {len(_notebook_seconds)} notebooks")
