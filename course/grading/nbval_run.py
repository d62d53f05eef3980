"""The grader's own pytest plugin for its nbval runs (loaded with -p, after the course's
nbval plugin, course/checking/nbval_plugin.py, which compares outputs as `make test` does).

* The kernel talks to nbval over Unix sockets, since the sandbox has no network, and a dead
  kernel is noticed at once (both installed by course/checking/upstream.py).
* Each cell's outcome is appended to the JSON-lines file named by COURSE_GRADE_RESULTS as
  soon as it is known, so a run killed at the notebook time limit still leaves the cells
  that finished.
"""

import json
import os
import re
import uuid

from jupyter_client.manager import KernelManager
from traitlets import CaselessStrEnum

from course.authoring import anatomy
from course.checking import upstream


class IpcKernelManager(KernelManager):
    """Unix-socket transport, with the connection file (and so the sockets) in the runtime
    folder that the sandbox mounts at the same path."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc")

    def __init__(self, **kwargs):
        runtime = os.environ.get("JUPYTER_RUNTIME_DIR")
        if runtime:
            kwargs.setdefault("connection_file", os.path.join(runtime, f"kernel-{uuid.uuid4().hex[:12]}.json"))
        super().__init__(**kwargs)


def pytest_configure(config):
    upstream.install_grader_kernels(IpcKernelManager)


ANSI = re.compile(r"\x1b\[[0-9;]*m")
ARROW = re.compile(r"^-*>\s*(\d+)\s?(?P<code>.*)$")


def notebook_line(traceback):
    """The line of notebook code nearest the error: IPython's traceback marks each frame's
    line with `---->`, and a frame in a cell starts `Cell In[n], line k`; the last such frame
    is where the notebook's own code (the student's function, say) called what raised."""
    line, in_cell = "", False
    for text in ANSI.sub("", "\n".join(traceback)).splitlines():
        if text.startswith(("Cell In[", "File ")):
            in_cell = text.startswith("Cell In[")
        elif in_cell and (m := ARROW.match(text)):
            line = m["code"].strip()
    return line[:200]


def pytest_runtest_makereport(item, call):
    # A failed setup (the kernel did not start) counts for the cell, as does the call.
    if not hasattr(item, "cell_num") or call.when == "teardown" or (call.when == "setup" and call.excinfo is None):
        return
    if call.excinfo is None:
        outcome, message = "passed", ""
    elif call.excinfo.errisinstance(BaseException) and call.excinfo.typename == "Skipped":
        outcome, message = "skipped", ""
    else:
        outcome, message = "failed", str(call.excinfo.value)
    failures = [o for o in item.test_outputs or [] if o.get("output_type") == "error"]
    errors = [o.get("ename", "") for o in failures]
    record = {"cell": item.cell_num, "outcome": outcome, "message": message[:4000],
              "actual": anatomy.text_of(item.test_outputs or [])[:4000],
              "error": errors[-1] if errors else "",  # the exception type the cell raised
              "line": notebook_line(failures[-1].get("traceback", [])) if failures else "",
              "difference": "; ".join(getattr(item, "output_mismatches", None) or [])[:2000]}
    with open(os.environ["COURSE_GRADE_RESULTS"], "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
