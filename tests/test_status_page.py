"""The status page's words for one trained model (course/site/status_tables.py)."""

from course.site.status_tables import model_cells


def model(**fields):
    return {"model": "m", "val_acc": None, "book_val_acc": None, "val_loss": None, "book_val_loss": None} | fields


def test_a_classifier_reads_against_the_book():
    assert model_cells(model(val_acc=0.835, book_val_acc=0.830)) == ("0.835", "0.830", "101%: reaches 90%")
    assert model_cells(model(val_acc=0.43, book_val_acc=0.896)) == ("0.430", "0.896", "48%: below 90%")
    assert model_cells(model(val_acc=0.873)) == ("0.873", "no figure", "")


def test_a_regression_loss_that_rounds_to_zero_is_not_shown_as_zero():
    # final_metrics prints 3 decimals: 3.5's loss of about 0.0004 prints as 0.0
    assert model_cells(model(val_loss=0.0, book_val_loss=0.00039)) == (
        "loss under 0.0005", "loss 0.00039", "lower is better")
    assert model_cells(model(val_loss=0.012)) == ("loss 0.012", "no figure", "lower is better")
