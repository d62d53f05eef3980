"""The course's changes to nbclient and nbval (course/checking/upstream.py): nbclient's widget
stall is fixed, a cell that hangs fails in its stated time with a message naming the notebook
and the cell, and a release the patches were not written for is refused."""

import asyncio
import concurrent.futures
import os
import subprocess
import sys
import time
from queue import Empty

import nbformat
import pytest
import yaml

from course import setup_cell
from course.checking import upstream
from course.core.notebooks import ROOT
from course.execution import execute
from course.site import book

# The stall made to happen every time: the cell's output goes into an Output widget, and the
# client is slow to pass the widget's state back (a sleep before nbclient's send), so the
# kernel's reply to the cell lands on the shell socket just before that send.
STALL = '''
import sys, time
import nbformat
import pytest
from nbclient import NotebookClient, output_widget
if sys.argv[1] == "fixed":
    from course.checking import upstream
    upstream.install_nbclient()
send = output_widget.OutputWidget.sync_state
def slow_send(self):
    time.sleep(1.0)
    send(self)
output_widget.OutputWidget.sync_state = slow_send
cell = nbformat.v4.new_code_cell(
    "import time, ipywidgets as w\\n"
    "box = w.interactive(lambda x=1: print('x is', x), x=(0, 10))\\n"
    "time.sleep(0.3)\\n"
    "box")
nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("print('next')")])
started = {}
NotebookClient(nb, timeout=int(sys.argv[2]), kernel_name="python3",
               on_cell_execute=lambda cell, cell_index: started.update({cell_index: time.monotonic()}),
               on_cell_executed=lambda cell, cell_index, execute_reply: print(
                   f"cell {cell_index}: {time.monotonic() - started[cell_index]:.1f}")).execute()
print(nb.cells[1].outputs[0].text.strip())
'''


def widget_cell_seconds(mode, timeout):
    result = subprocess.run([sys.executable, "-c", STALL, mode, str(timeout)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[-1] == "next"
    return float(lines[0].removeprefix("cell 0: "))


def run_in_own_loop(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread for the rest of the session."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_widget_cell_no_longer_waits_for_its_timeout():
    # Unfixed, nbclient sleeps through the reply until the cell's timeout (then carries on:
    # the 1,806 s build of 2.6); this shows the race happens here, so the second half can fail.
    assert widget_cell_seconds("plain", 8) >= 8
    assert widget_cell_seconds("fixed", 8) < 4


def test_sliced_waits_end_at_the_same_deadline(monkeypatch):
    monkeypatch.setattr(upstream, "SHELL_POLL_SECONDS", 0.05)
    asked = []

    async def never(timeout=None):
        asked.append(timeout)
        await asyncio.sleep(timeout)
        raise Empty

    start = time.monotonic()
    try:
        run_in_own_loop(upstream.sliced(never)(timeout=0.3))
        raise AssertionError("no Empty at the deadline")
    except Empty:
        pass
    assert 0.3 <= time.monotonic() - start < 0.6
    assert len(asked) >= 5 and max(asked) <= 0.05

    replies = iter([Empty, Empty, {"msg": "reply"}])

    async def third_time(timeout=None):
        reply = next(replies)
        if reply is Empty:
            raise Empty
        return reply

    assert run_in_own_loop(upstream.sliced(third_time)(timeout=None)) == {"msg": "reply"}


def hanging_notebook(path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hangs"),
                                         nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("import time\ntime.sleep(600)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_a_hanging_cell_fails_in_time_naming_notebook_and_cell(tmp_path, monkeypatch, capsys):
    path = hanging_notebook(tmp_path / "hangs.ipynb")
    before = path.read_text()
    monkeypatch.setitem(execute.CELL_TIMEOUT, "quick", 3)
    monkeypatch.setattr(setup_cell, "stamp", lambda nb: False)  # no torch import: only the hang
    start = time.monotonic()
    assert execute.main([str(path)]) == 1
    assert time.monotonic() - start < 20
    err = capsys.readouterr().err
    assert f"{path}: it did not finish; nothing was written." in err
    assert "cell 3 (code cell 2): A cell timed out while it was being executed, after 3 seconds." in err
    assert "time.sleep(600)" in err  # nbclient's preview of the cell
    assert path.read_text() == before


def test_a_hanging_cell_fails_the_book_build_in_time_naming_notebook_and_cell(tmp_path):
    config = book.site_config(tmp_path / "_config.yml", "cache", tmp_path / "jupyter_cache")
    settings = yaml.safe_load(config.read_text())
    assert "course.checking.upstream" in settings["sphinx"]["local_extensions"]
    settings["execute"]["timeout"] = 3
    config.write_text(yaml.safe_dump(settings))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: hangs\n")
    (tmp_path / "index.md").write_text("# Index\n")
    hanging_notebook(tmp_path / "hangs.ipynb")
    start = time.monotonic()
    result = book.build(tmp_path, check=False, source=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert time.monotonic() - start < 90
    assert "hangs.ipynb" in output and "CellTimeoutError" in output
    assert "cell 3 (code cell 2): A cell timed out while it was being executed, after 3 seconds." in output


def test_the_build_takes_the_run_profiles_cell_timeout(tmp_path, monkeypatch):
    for profile in ("quick", "full"):
        monkeypatch.setenv("COURSE_PROFILE", profile)
        settings = yaml.safe_load(book.site_config(tmp_path / "_config.yml").read_text())
        assert settings["execute"]["timeout"] == execute.CELL_TIMEOUT[profile]
    assert execute.CELL_TIMEOUT["full"] >= 1200, "fits a full-profile training cell on a GPU"


def test_the_installed_nbclient_and_nbval_are_releases_the_patches_were_written_for():
    upstream.check_versions()  # raises UnsupportedVersion otherwise


def test_another_release_is_refused_with_a_message_that_says_what_to_do():
    with pytest.raises(upstream.UnsupportedVersion, match=r"nbval 0\.12\.0 is installed.*nbval 0\.11\.x.*WRITTEN_FOR"):
        upstream.check_versions({"nbval": "0.12.0"})
    with pytest.raises(upstream.UnsupportedVersion, match=r"nbclient 1\.0\.0"):
        upstream.check_versions({"nbclient": "1.0.0"})
    upstream.check_versions({"nbclient": "0.11.0", "nbval": "0.11.0"})  # 0.11.0 leaves the patched code as it was
