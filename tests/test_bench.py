"""`make bench` reads training results from what the notebooks print."""

import ast

import nbformat

from course.measure import bench
from course.measure.reports import rows_of


def test_final_metrics_lines_are_parsed_in_order():
    printed = ("quick profile: 3 epochs in 4.1 s on cpu\n{'train_loss': 0.52, 'val_loss': 0.61, 'val_acc': 0.78}\n"
               "{'train_loss': 0.4, 'val_loss': 0.5, 'val_acc': 0.8}")
    runs = [ast.literal_eval(m) for m in bench.METRICS.findall(printed)]
    assert runs == [{"train_loss": 0.52, "val_loss": 0.61, "val_acc": 0.78},
                    {"train_loss": 0.4, "val_loss": 0.5, "val_acc": 0.8}]


def test_each_run_gets_the_time_and_speed_of_its_own_fit():
    texts = ["quick profile: 4 epochs of 12,000 examples in 41.2 s on cpu (1,165 examples/s)\n"
             "changed from the book: lr 0.03 (book 0.01)\n"
             "quick profile: 1 epoch of 500 examples in 0.5 s on cuda:0 (1,000 examples/s)",
             "{'train_loss': 0.5, 'val_loss': 0.6, 'val_acc': 0.8}\n{'train_loss': 0.4, 'val_loss': 0.5, 'val_acc': 0.7}",
             "{'train_loss': 0.3, 'val_loss': 0.4, 'val_acc': 0.9}"]
    runs = bench.training_runs(texts)
    assert [(r["val_acc"], r["seconds"], r["images_per_s"]) for r in runs] == [
        (0.8, 41.2, 1165), (0.7, 0.5, 1000), (0.9, None, None)]


def test_reference_rows_follow_the_book_order():
    rows = bench.reference_rows()
    assert [r["model"] for r in rows["5.2"]] == ["MLPScratch 256 hidden", "MLP (concise) 256 hidden"]
    assert rows["8.6"][0]["val_acc"] == "0.903"


RESULTS = [{"notebook": "chapters/9_9_x.ipynb", "section": "9.9", "seconds": 1.0, "device": "cpu", "error": "boom",
            "runs": [{"model": "M", "train_loss": 0.1, "val_loss": 0.2, "val_acc": 0.72, "seconds": 30.5,
                      "images_per_s": 1200, "book_val_loss": "0.3", "book_val_acc": "0.8"},
                     {"model": "run 2", "train_loss": 0.1, "val_loss": 0.2, "val_acc": 0.5, "seconds": None,
                      "images_per_s": None, "book_val_loss": None, "book_val_acc": None}]}]


def test_table_marks_errors_and_lists_runs():
    table = bench.markdown(RESULTS, "quick", 1.0)
    assert rows_of(table) == [
        ["chapters/9_9_x.ipynb (ERROR)", "1.0", "cpu", "M", "0.1", "0.2", "0.72", "0.3", "0.8", "0.90", "30.5", "1200"],
        ["", "", "", "run 2", "0.1", "0.2", "0.5", "", "", "", "", ""]]


def test_printed_table_gives_accuracy_ratio_time_and_speed_per_model():
    lines = bench.model_table(RESULTS).splitlines()
    assert lines[0].split() == ["section", "model", "val", "acc", "book", "ratio", "train", "s", "images/s"]
    assert lines[1].split() == ["9.9", "M", "0.72", "0.8", "0.90", "30.5", "1,200"]
    assert lines[2].split() == ["9.9", "run", "2", "0.5"]


def test_a_cell_that_times_out_is_reported_and_the_bench_goes_on(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('started')"),
                                         nbformat.v4.new_code_cell("import time; time.sleep(60)")])
    path = tmp_path / "9_9_stuck.ipynb"
    nbformat.write(nb, path)
    seconds, texts, error = bench.run_notebook(path, "quick", timeout=3)
    assert error.startswith("CellTimeoutError: ") and "cell 2 (code cell 2)" in error
    assert texts[0].strip() == "started" and seconds < 60
