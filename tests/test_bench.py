"""`make bench` reads training results from what the notebooks print."""

import ast

from course import bench


def test_final_metrics_lines_are_parsed_in_order():
    printed = ("quick profile: 3 epochs in 4.1 s on cpu\n{'train_loss': 0.52, 'val_loss': 0.61, 'val_acc': 0.78}\n"
               "{'train_loss': 0.4, 'val_loss': 0.5, 'val_acc': 0.8}")
    runs = [ast.literal_eval(m) for m in bench.METRICS.findall(printed)]
    assert runs == [{"train_loss": 0.52, "val_loss": 0.61, "val_acc": 0.78},
                    {"train_loss": 0.4, "val_loss": 0.5, "val_acc": 0.8}]


def test_reference_rows_follow_the_book_order():
    rows = bench.reference_rows()
    assert [r["model"] for r in rows["5.2"]] == ["MLPScratch 256 hidden", "MLP (concise) 256 hidden"]
    assert rows["8.6"][0]["val_acc"] == "0.903"


def test_table_marks_errors_and_lists_runs():
    results = [{"notebook": "chapters/9_9_x.ipynb", "seconds": 1.0, "device": "cpu", "error": "boom",
                "runs": [{"model": "M", "train_loss": 0.1, "val_loss": 0.2, "val_acc": 0.9,
                          "book_val_loss": "0.3", "book_val_acc": "0.8"}]}]
    table = bench.markdown(results, "quick", 1.0)
    assert "| chapters/9_9_x.ipynb (ERROR) | 1.0 | cpu | M | 0.1 | 0.2 | 0.9 | 0.3 | 0.8 |" in table
