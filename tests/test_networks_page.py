"""The comparison of chapters 7 and 8 (networks.md, course/site/networks_page.py) is read from
the pages' own printed lines: sizes, accuracies and seconds pair up per run, the book's
figure comes from the reference, and nothing that was not printed appears."""

from course.site import networks_page, status_page

PRINTED = """quick profile: 1 epoch of 60,000 examples in 24.2 s on cpu (2,484 examples/s)
{'train_loss': 0.391, 'val_loss': 0.36, 'val_acc': 0.866}
model: 1,361,594 parameters, 31.2 million multiply-adds per 67 x 67 image"""


def status_of(text, profile="quick"):
    return {"profile": profile, "device": "cpu", "runs": [{"train_loss": 0.391, "val_loss": 0.36, "val_acc": 0.866}],
            "seconds": [float(m["seconds"]) for m in status_page.FIT.finditer(text)],
            "sizes": [m.groupdict() for m in status_page.MODEL_SIZE.finditer(text)]}


REFERENCE = {"8.1": [{"model": "AlexNet", "val_acc": "0.830"}]}


def test_a_run_is_read_with_its_size_seconds_and_the_books_figure():
    [row] = networks_page.models({"chapters/8_1_alexnet": status_of(PRINTED)}, REFERENCE)
    assert row == {"section": "8.1", "docname": "chapters/8_1_alexnet", "model": "AlexNet",
                   "parameters": 1361594, "macs": 31.2, "side": "67 x 67", "val_acc": 0.866,
                   "seconds": 24.2, "book_val_acc": 0.83, "full_val_acc": None}


def test_a_full_profile_build_fills_the_full_column_only():
    [row] = networks_page.models({"chapters/8_1_alexnet": status_of(PRINTED, "full")}, REFERENCE)
    assert (row["val_acc"], row["seconds"], row["full_val_acc"]) == (None, None, 0.866)


def test_pages_outside_chapters_7_and_8_or_without_a_size_are_left_out():
    without_size = status_of(PRINTED.rsplit("\n", 1)[0])
    assert networks_page.models({"chapters/8_1_alexnet": without_size}, REFERENCE) == []
    assert networks_page.models({"chapters/5_2_mlp_implementation": status_of(PRINTED)}, REFERENCE) == []


def test_the_figure_and_its_alt_text_name_every_network():
    rows = networks_page.models({"chapters/8_1_alexnet": status_of(PRINTED)}, REFERENCE)
    assert "<svg" in networks_page.figure_svg(rows)
    assert networks_page.alt_text(rows).endswith("8.1 AlexNet: quick 0.866, book 0.830")
