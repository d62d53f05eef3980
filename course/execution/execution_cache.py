"""One execution per notebook, whichever of `make test` and `make book` runs first.

Both use the run profile's jupyter-cache (cache_dir()), the store that Jupyter Book's
cache mode reads, which keys a notebook by its code cells:

* after nbval has executed a chapter and found its stored outputs, `make test` puts the
  chapter into the cache (`seed`), so the next build shows it without executing it;
* before nbval runs a chapter, `make test` looks for an execution of exactly this code
  (one a build made, say) and, if there is one, compares that execution's outputs with the
  stored ones, cell by cell with the same comparison, instead of starting a kernel
  (`compare_from_cache`).

The cache knows code, not environment: each run profile has its own (a full-profile
build on a GPU never shows a quick run), `make venv` empties them whenever it reinstalls
the virtualenv, and `make clean` removes them.
"""

import os

import pytest
from nbval.plugin import coalesce_streams

from course.core import notebooks
from course.core.notebooks import CHAPTERS, ROOT

CACHES = ROOT / "_build" / ".jupyter_cache"


def profile():
    """The run profile notebooks executed now get, as the setup cell decides it."""
    chosen = os.environ.get("COURSE_PROFILE")
    if chosen:
        return chosen
    import torch

    return "full" if torch.cuda.is_available() else "quick"


def cache_dir():
    return CACHES / profile()


def store(cache):
    from jupyter_cache import get_cache

    return get_cache(str(cache))


def cached_execution(path, cache):
    """(executed notebook, when it ran) for an execution of path's current code, or None."""
    if not (cache / "global.db").exists():
        return None  # never create a cache just to look into it
    cache_store = store(cache)
    try:
        record = cache_store.match_cache_notebook(notebooks.read(path))
    except KeyError:
        return None
    return cache_store.get_cache_bundle(record.pk).nb, record.created


def seed(seconds, cache=None):
    """Put notebooks into the cache as executed, with their measured run time.

    For notebooks that nbval has just executed and found to match their stored outputs:
    the stored notebook is then what an execution gives, so a build can show it as is.
    """
    cache_store = store(cache or cache_dir())
    for path, time in seconds.items():
        cache_store.cache_notebook_file(str(path), uri=str(path), data={"execution_seconds": round(time, 2)},
                                        check_validity=False, overwrite=True)


def compare_from_cache(items, folder=CHAPTERS, cache=None):
    """Make nbval's items of already-executed notebooks in folder compare the cached
    execution's outputs instead of running a kernel; returns {notebook path: when it ran}."""
    by_notebook = {}
    for item in items:
        parent = getattr(item, "parent", None)
        if hasattr(item, "cell_num") and hasattr(parent, "nb") and parent.path.parent == folder:
            by_notebook.setdefault(parent, []).append(item)
    used, cache = {}, cache or cache_dir()
    for notebook_file, cells in by_notebook.items():
        found = cached_execution(notebook_file.path, cache)
        if not found:
            continue
        executed, ran_at = found
        outputs = [c.get("outputs", []) for c in executed.cells if c.cell_type == "code"]
        notebook_file.setup = notebook_file.setup_sanitize_files  # no kernel; a bound method, not a closure
        for item in cells:
            # Bound now: a closure would see the last notebook's outputs.
            item.runtest = lambda item=item, outputs=outputs, ran_at=ran_at: compare_cell(
                item, outputs[item.cell_num], ran_at)
        used[notebook_file.path] = ran_at
    return used


def compare_cell(item, cached_outputs, ran_at):
    """nbval's comparison of one cell, with the cached execution in place of a kernel run."""
    if item.options["skip"]:
        pytest.skip()
    if not item.options["check"] or item.cell.execution_count is None:
        return
    if not item.compare_outputs(coalesce_streams(list(cached_outputs)), coalesce_streams(item.cell.outputs)):
        item.raise_cell_error(f"Cell outputs differ (outputs of the execution cached at {ran_at:%Y-%m-%d %H:%M})",
                              "\n".join(item.comparison_traceback))
