"""`make stall-check`: which chapters it runs, and how its table counts runs and stalls."""

import pytest

from course.measure import stall_check
from course.measure.reports import rows_of


@pytest.fixture(autouse=True)
def restore_thread_settings(monkeypatch):
    """_init_worker sets the kernels' thread counts in os.environ: undo it after each test, so
    no later test's kernel runs with them."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "")  # recorded, even where unset, so it is restored after
        monkeypatch.delenv(name)


def test_it_runs_every_chapter_with_a_widget_lightest_first():
    found = [p.stem for p in stall_check.widget_chapters()]
    assert found == [s for s in stall_check.WIDGET_CHAPTERS if s in found]
    assert {"2_6_probability_and_statistics", "8_5_batch_normalization"} <= set(found)


def test_the_table_counts_runs_stalls_and_errors(tmp_path):
    rows = [{"notebook": "a", "run": 1, "seconds": 10.0, "reply_wait": 0.01, "stall": 0, "error": ""},
            {"notebook": "a", "run": 2, "seconds": 40.0, "reply_wait": 7.5, "stall": 1, "error": ""},
            {"notebook": "b", "run": 1, "seconds": 5.0, "reply_wait": 0.02, "stall": 0,
             "error": "CellTimeoutError: cell 3 (code cell 2): ..."}]
    assert stall_check.summary(rows) == [
        {"notebook": "a", "runs": 2, "median_s": 25.0, "max_s": 40.0, "max_reply_wait_s": 7.5, "stalls": 1, "errors": ""},
        {"notebook": "b", "runs": 1, "median_s": 5.0, "max_s": 5.0, "max_reply_wait_s": 0.02, "stalls": 0,
         "errors": "CellTimeoutError: cell 3 (code cell 2): ..."}]
    stall_check.write(rows, tmp_path, "test")
    assert rows_of((tmp_path / "stall-check.md").read_text())[0] == ["a", "2", "25.0", "40.0", "7.5", "1", ""]


def test_with_a_time_limit_each_notebook_gets_an_equal_share_of_what_is_left(monkeypatch):
    import multiprocessing
    clock = [0.0]
    monkeypatch.setattr(stall_check.time, "monotonic", lambda: clock[0])
    started = multiprocessing.get_context("spawn").Value("i", 0)
    stall_check._init_worker(True, started, count=4, end=120.0, jobs=2)
    assert stall_check._stop_time() == 60.0  # 2 of 4 notebooks at a time: half of 120 s each
    assert stall_check._stop_time() == 80.0  # the second job's 2 of 3 share
    clock[0] = 100.0                          # the first left its time unused (or not)
    assert stall_check._stop_time() == 120.0  # the last two share what is left, side by side
    assert stall_check._stop_time() == 120.0
    stall_check._init_worker(True, started, count=4, end=None, jobs=2)
    assert stall_check._stop_time() is None   # no limit: RUNS runs each


def test_side_by_side_kernels_share_the_cores():
    assert stall_check.kernel_threads(jobs=2, cores=2) == 1
    assert stall_check.kernel_threads(jobs=2, cores=16) == 8
    assert stall_check.kernel_threads(jobs=4, cores=2) == 1  # never zero


def test_a_worker_whose_check_was_stopped_exits_before_another_run(monkeypatch):
    import multiprocessing

    def exit_now(code):
        raise SystemExit(code)

    def run_once(path):
        raise AssertionError("a run started after the check was stopped")

    monkeypatch.setattr(stall_check.os, "_exit", exit_now)
    monkeypatch.setattr(stall_check, "run_once", run_once)
    stall_check._init_worker(True, multiprocessing.get_context("spawn").Value("i", 0), count=1, end=None, jobs=1)
    stall_check._worker["parent"] = -1  # not our parent: the check that started us is gone
    with pytest.raises(SystemExit):
        stall_check.run_series(stall_check.CHAPTERS / "2_4_calculus.ipynb", runs=3)
