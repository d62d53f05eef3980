"""Grading on a Dask cluster gives the gradebook of a local run, byte for byte, even when a
worker dies mid-task. The cluster: a scheduler and two worker processes (one thread each) on
the loopback interface; the class: a few submissions of section 2.1."""

import os
import signal
import threading
import time

import pytest
from distributed import Client, LocalCluster

from course.core import notebooks
from course.grading import cli, sandbox
from tests import grading_helpers as h

STEM = "2_1_data_manipulation"


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """The submissions and their gradebook from a local run."""
    folder = tmp_path_factory.mktemp("dask-class")
    submissions = {
        "honest": h.solved_stub(STEM),
        "untouched": h.stub(STEM),
        "one-wrong": h.solved_stub(STEM, {("2", 1): "board = torch.arange(30).reshape(5, 6)\nblock = board[0:3, 0:3]"}),
        "kernel-exit": h.solved_stub(STEM, {("1", 1): "import os\nos._exit(1)"}),
    }
    for name, nb in submissions.items():
        (folder / name).mkdir()
        notebooks.write(nb, folder / name / f"{STEM}.ipynb")
    (folder / "broken").mkdir()
    (folder / "broken" / f"{STEM}.ipynb").write_text("not a notebook")
    limits = sandbox.Limits(cell_seconds=60, notebook_seconds=300)
    local = tmp_path_factory.mktemp("dask-local")
    cli.grade_all(cli.find_submissions(folder), folder, local, jobs=2, limits=limits)
    return {"folder": folder, "local": local, "limits": limits}


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, memory_limit=0) as local_cluster:
        yield local_cluster


def files(folder):
    """{relative path: bytes} of every file under folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def grade_on(cluster, small_class, out):
    folder = small_class["folder"]
    return cli.grade_all(cli.find_submissions(folder), folder, out, jobs=2, limits=small_class["limits"],
                         scheduler=cluster.scheduler_address)


def test_the_local_gradebook_is_what_it_should_be(small_class):
    grades = (small_class["local"] / "grades.csv").read_text()
    assert f"honest/{STEM}.ipynb,2.1,2,3,3,passed" in grades
    assert f"one-wrong/{STEM}.ipynb,2.1,2,0,3,failed" in grades
    assert f"kernel-exit/{STEM}.ipynb,2.1,1,0,3,error" in grades
    assert f"broken/{STEM}.ipynb,2.1,1,0,3,invalid" in grades


def test_a_dask_run_writes_the_local_gradebook_byte_for_byte(small_class, cluster, tmp_path):
    grade_on(cluster, small_class, tmp_path)
    local, remote = files(small_class["local"]), files(tmp_path)
    assert sorted(remote) == sorted(local)
    assert [name for name in local if remote[name] != local[name]] == []


def test_a_worker_killed_mid_task_loses_and_duplicates_no_row(small_class, cluster, tmp_path):
    with Client(cluster.scheduler_address) as watcher:
        pids = watcher.run(os.getpid)  # worker address -> its process
        done = threading.Thread(target=grade_on, args=(cluster, small_class, tmp_path))
        done.start()
        deadline, victim = time.monotonic() + 300, None
        while victim is None and time.monotonic() < deadline:
            busy = [w for w, keys in watcher.processing().items() if any("grade-" in str(k) for k in keys)]
            if busy:
                time.sleep(0.5)  # inside the task: grading a submission takes seconds
                busy = [w for w, keys in watcher.processing().items() if any("grade-" in str(k) for k in keys)]
                victim = busy[0] if busy else None
            time.sleep(0.1)
        assert victim is not None, "no grading task was seen running"
        os.kill(pids[victim], signal.SIGKILL)
        done.join(timeout=900)
        assert not done.is_alive()
    local, remote = files(small_class["local"]), files(tmp_path)
    assert sorted(remote) == sorted(local)
    assert [name for name in local if remote[name] != local[name]] == []
