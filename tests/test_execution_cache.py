"""One execution per notebook: the cache `make test` and the builds share."""

import os
import subprocess
import sys

import nbformat

from course.checking import nbval_settings
from course.core.notebooks import ROOT
from course.execution import execution_cache


def notebook(path, printed, stored):
    cell = nbformat.v4.new_code_cell(f"print({printed!r})", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored + "\n")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def test_a_seeded_execution_is_found_until_the_code_changes(tmp_path):
    cache = tmp_path / "cache"
    path = notebook(tmp_path / "chapters" / "n.ipynb", "acc 0.745", "acc 0.745")
    assert execution_cache.cached_execution(path, cache) is None
    assert not cache.exists(), "looking must not create a cache"
    execution_cache.seed({path: 1.5}, cache)
    executed, ran_at = execution_cache.cached_execution(path, cache)
    assert executed.cells[0].outputs[0].text == "acc 0.745\n" and ran_at
    notebook(path, "acc 0.7", "acc 0.745")  # the code changed: run it again
    assert execution_cache.cached_execution(path, cache) is None


def run_pytest(tmp_path, cache, *options):
    """nbval on tmp_path/chapters with the cache comparison installed, as conftest.py does."""
    (tmp_path / "plugin.py").write_text(
        "from course.execution import execution_cache\n"
        "pytest_plugins = ['course.checking.nbval_plugin']\n"
        "from pathlib import Path\n"
        "def pytest_collection_modifyitems(session, config, items):\n"
        f"    execution_cache.compare_from_cache(items, Path({str(tmp_path / 'chapters')!r}), Path({str(cache)!r}))\n")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    return subprocess.run([sys.executable, "-m", "pytest", str(tmp_path / "chapters"), "-q", "-p", "no:cacheprovider",
                           "-c", os.devnull, "--rootdir", str(tmp_path), "-p", "plugin", "--nbval", "--nbval-current-env", *options],
                          capture_output=True, text=True, env=env, timeout=300)


def test_nbval_compares_a_cached_execution_instead_of_running_a_kernel(tmp_path):
    """A cached run whose output disagrees with the stored one fails, naming both, without a
    kernel; a cached run that agrees passes."""
    cache = tmp_path / "cache"
    stored = notebook(tmp_path / "chapters" / "n.ipynb", "acc 0.9", "acc 0.745")
    other_run = notebook(tmp_path / "runs" / "n.ipynb", "acc 0.9", "acc 0.900")  # same code
    execution_cache.seed({other_run: 2.0}, cache)
    failed = run_pytest(tmp_path, cache)
    assert failed.returncode == 1, failed.stdout[-2000:]
    assert "expected 0.745, got 0.900" in failed.stdout and "execution cached at" in failed.stdout
    execution_cache.seed({notebook(other_run, "acc 0.9", "acc 0.746"): 2.0}, cache)
    assert run_pytest(tmp_path, cache).returncode == 0
    # Two notebooks: each compares with its own cached run and its own sanitizing.
    second = notebook(tmp_path / "chapters" / "m.ipynb", "loss 2.5 at 0x7f3a2b1c", "loss 2.5 at 0xADDRESS")
    execution_cache.seed({notebook(tmp_path / "runs" / "m.ipynb", "loss 2.5 at 0x7f3a2b1c",
                                   "loss 2.5 at 0x7f00ffee"): 1.0}, cache)
    both = run_pytest(tmp_path, cache, "--nbval-sanitize-with", str(nbval_settings.SANITIZE))
    assert both.returncode == 0, both.stdout[-2000:]
    assert second.exists()
    assert stored.exists()


def test_each_notebook_is_compared_with_its_own_cached_execution(tmp_path):
    """Two cached notebooks in one run: each one's cells meet its own execution's outputs."""
    cache = tmp_path / "cache"
    for name, text in [("a", "first notebook"), ("b", "second notebook")]:
        execution_cache.seed({notebook(tmp_path / "chapters" / f"{name}.ipynb", text, text): 1.0}, cache)
    result = run_pytest(tmp_path, cache)
    assert result.returncode == 0, result.stdout[-2000:]
