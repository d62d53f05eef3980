"""Shared test settings: what nbval compares, chapters compared from the execution cache
when a build already ran them, and per-notebook timings in the summary."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from course.checking import nbval_record  # noqa: E402
from course.core import notebooks  # noqa: E402
from course.execution import execution_cache  # noqa: E402

# The course's nbval plugin: version check, tolerant comparison, figures skipped.
pytest_plugins = ["course.checking.nbval_plugin"]

collect_ignore_glob = ["tests/fixtures/*", "exercises/*", "_build/*", ".venv/*"]


def pytest_addoption(parser):
    parser.addoption("--fresh-kernels", action="store_true",
                     help="execute every notebook, even one whose code the execution cache holds a run of "
                          "(make test-portable: the point is this machine's own execution)")


def fresh_kernels(config):
    """A run that must execute every notebook: `make warnings` (kernel warnings as errors,
    outputs not compared) and `make test-portable` (another processor's arithmetic). It
    neither compares from the execution cache nor seeds it."""
    return (config.getoption("nbval_lax") or config.getoption("fresh_kernels")
            or config.pluginmanager.hasplugin("course.checking.kernel_warnings"))


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if hasattr(item, "cell_num"):
            nbval_record.collected[item.nodeid.split("::")[0]] += 1
    if fresh_kernels(config):
        return
    used = execution_cache.compare_from_cache(items)
    nbval_record.from_cache.update({notebooks.shown(p): ran_at for p, ran_at in used.items()})


# Seconds of each full-profile smoke run (tests/test_full_profile_smoke.py), by test id.
SMOKE_SECONDS = {}


def pytest_runtest_logreport(report):
    for name, value in report.user_properties:
        if name == "smoke_seconds":
            SMOKE_SECONDS[report.nodeid.split("[")[-1].rstrip("]")] = value
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        nbval_record.seconds[path] += report.duration
        if report.failed:
            nbval_record.failed.add(path)
        elif report.skipped or (report.when == "call" and report.passed):
            nbval_record.finished[path] += 1


def pytest_sessionfinish(session):
    """Chapters nbval executed and matched go into the execution cache: `make book` then
    shows them without executing them again."""
    matched = {ROOT / p: t for p, t in nbval_record.executed_and_matched().items()
               if (ROOT / p).parent == notebooks.CHAPTERS}
    if matched and not fresh_kernels(session.config):
        execution_cache.seed(matched)


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    if SMOKE_SECONDS:
        tr.section("seconds per chapter (full-profile smoke run: a few batches at the book's sizes)")
        for stem, seconds in SMOKE_SECONDS.items():
            tr.write_line(f"{seconds:7.1f}  chapters/{stem}.ipynb")
        tr.write_line(f"{sum(SMOKE_SECONDS.values()):7.1f}  total over {len(SMOKE_SECONDS)} chapters")
    if not nbval_record.seconds:
        return
    tr.section("seconds per notebook (nbval: kernel start, every cell, comparison)")
    for path, seconds in sorted(nbval_record.seconds.items()):
        ran_at = nbval_record.from_cache.get(path)
        note = f"  (no kernel: compared the execution cached at {ran_at:%Y-%m-%d %H:%M})" if ran_at else ""
        tr.write_line(f"{seconds:7.1f}  {path}{note}")
    tr.write_line(f"{sum(nbval_record.seconds.values()):7.1f}  total over {len(nbval_record.seconds)} notebooks"
                  + (f", {len(nbval_record.from_cache)} compared from the execution cache" if nbval_record.from_cache else ""))
