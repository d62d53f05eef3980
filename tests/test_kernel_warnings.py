"""`make warnings` fails the cell whose code raises a warning, even one that Python's default
filters hide (a DeprecationWarning raised inside a library, as matplotlib's are)."""

import os
import re
import subprocess
import sys

import nbformat

from course.core.notebooks import ROOT

# A library function that warns from inside its own module: hidden by the default filters.
LIBRARY = '''\
import types
lib = types.ModuleType("lib")
exec("import warnings\\ndef old():\\n    warnings.warn('old() is deprecated', DeprecationWarning)",
     lib.__dict__)'''


def fixture_notebook(folder):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LIBRARY),
                                         nbformat.v4.new_code_cell("lib.old()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "warns.ipynb"
    nbformat.write(nb, str(path))
    return path


def nbval(notebook, *options):
    """pytest with nbval on one notebook, outside the course's pytest.ini: (exit code,
    output without the kernel's colour codes)."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
                           "--nbval-current-env", *options, notebook.name],
                          cwd=notebook.parent, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          capture_output=True, text=True, timeout=300)
    return result.returncode, re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)


def test_a_warning_hidden_inside_a_library_fails_its_cell(tmp_path):
    notebook = fixture_notebook(tmp_path)
    code, out = nbval(notebook)
    assert code == 0, "without the plugin the warning stays hidden:\n" + out[-2000:]
    code, out = nbval(notebook, "-p", "course.checking.kernel_warnings")
    assert code == 1, out[-2000:]
    assert "FAILED warns.ipynb::Cell 1" in out
    assert "DeprecationWarning: old() is deprecated" in out
    assert "1 failed, 1 passed" in out, "the kernel's own start-up must not trip it"
