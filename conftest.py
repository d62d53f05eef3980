"""Shared test settings: what nbval compares, and per-notebook timings in the summary."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from course import nbval_compare, nbval_settings  # noqa: E402,F401  (nbval_compare: tolerant comparison)
from tests import nbval_record  # noqa: E402

collect_ignore_glob = ["tests/fixtures/*", "exercises/*", "_build/*", ".venv/*"]

def pytest_collection_modifyitems(session, config, items):
    nbval_settings.skip_svg(items)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        nbval_record.seconds[path] += report.duration
        if report.failed:
            nbval_record.failed.add(path)


def pytest_terminal_summary(terminalreporter):
    if not nbval_record.seconds:
        return
    tr = terminalreporter
    tr.section("seconds per notebook (nbval: kernel start, every cell, comparison)")
    for path, seconds in sorted(nbval_record.seconds.items()):
        tr.write_line(f"{seconds:7.1f}  {path}")
    tr.write_line(f"{sum(nbval_record.seconds.values()):7.1f}  total over {len(nbval_record.seconds)} notebooks")
