"""The status page's words for one trained model (course/site/status_page.py)."""

from course.site.status_page import model_cell


def model(**fields):
    return {"model": "m", "val_acc": None, "book_val_acc": None, "val_loss": None, "book_val_loss": None} | fields


def test_a_classifier_reads_against_the_book():
    assert model_cell(model(val_acc=0.835, book_val_acc=0.830)) == "m: 0.835 (book 0.830, 101%: at least 90%)"
    assert model_cell(model(val_acc=0.43, book_val_acc=0.896)) == "m: 0.430 (book 0.896, 48%: below 90%)"


def test_a_regression_loss_that_rounds_to_zero_is_not_shown_as_zero():
    # final_metrics prints 3 decimals: 3.5's loss of about 0.0004 prints as 0.0
    assert model_cell(model(val_loss=0.0, book_val_loss=0.00039)) == "m: validation loss under 0.0005 (book 0.00039)"
    assert model_cell(model(val_loss=0.012)) == "m: validation loss 0.012"
