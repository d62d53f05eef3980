"""A pytest plugin for the grader's nbval run that records when each phase happened, for
`make bench-grade`'s profile. Loaded with -p only when COURSE_GRADE_TIMINGS names a file;
each line it appends is a JSON object with a phase and wall-clock times."""

import json
import os
import time


def record(**event):
    with open(os.environ["COURSE_GRADE_TIMINGS"], "a", encoding="utf-8") as f:
        f.write(json.dumps(event) + "\n")


def pytest_configure(config):
    record(phase="pytest ready", at=time.time())


def pytest_runtest_logreport(report):
    # nbval starts the kernel in the first cell's setup and stops it in the last teardown.
    record(phase=report.when, node=report.nodeid, start=report.start, stop=report.stop)
