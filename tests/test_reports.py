"""The reports' Markdown tables (course/measure/reports.py): a cell's `|` or line break never
splits its row, and columns align as asked."""

from course.measure.reports import markdown_table, rows_of


def test_a_cell_with_a_pipe_or_a_line_break_stays_one_cell():
    table = markdown_table(["kind", "first error"], [["chapter", "ValueError: a | b\nmore"], ["solution", None]])
    assert rows_of(table) == [["chapter", "ValueError: a \\| b more"], ["solution", ""]]


def test_columns_align_as_asked():
    separator = markdown_table(["notebook", "s"], [["a", "1.0"]], "lr").splitlines()[1]
    assert separator.startswith("|:") and separator.endswith(":|")
