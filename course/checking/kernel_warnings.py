"""`pytest -p course.checking.kernel_warnings`: every notebook kernel this pytest run starts turns
Python warnings into errors (`make warnings`).

A warning raised inside a library (a deprecation inside matplotlib, say) is hidden by
Python's default filters, yet it becomes an error in a later release. Here the cell that
caused it fails instead, with the warning's text as its traceback.

The filter reaches the kernels through their own configuration: a private IPython
directory whose kernel config runs it (IPython's `exec_lines`) once the kernel has
started. So the warnings ipykernel and the Jupyter tooling raise while they import cannot
trip it, only code the notebook runs; and the pytest process keeps its own filters.
"""

import os
import shutil
import tempfile
from pathlib import Path

# `__import__` leaves no `warnings` name behind in the notebook's namespace.
KERNEL_CONFIG = "c.InteractiveShellApp.exec_lines = [\"__import__('warnings').simplefilter('error')\"]\n"


def pytest_configure(config):
    ipython_dir = Path(tempfile.mkdtemp(prefix="kernel-warnings-"))
    (ipython_dir / "profile_default").mkdir()
    (ipython_dir / "profile_default" / "ipython_kernel_config.py").write_text(KERNEL_CONFIG)
    config._kernel_warnings = (ipython_dir, os.environ.get("IPYTHONDIR"))
    os.environ["IPYTHONDIR"] = str(ipython_dir)  # kernels inherit pytest's environment


def pytest_unconfigure(config):
    ipython_dir, previous = config._kernel_warnings
    if previous is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = previous
    shutil.rmtree(ipython_dir, ignore_errors=True)


def pytest_report_header(config):
    return "notebook kernels: every Python warning is an error (course/checking/kernel_warnings.py)"
