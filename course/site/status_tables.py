"""The status page's tables (course/site/status_page.py gathers the figures), laid out to be
read on a phone as well as a laptop.

Two short tables instead of one wide one: the trained models (each against the book's
figure, in columns of numbers) and the chapters (how each ran, and how long). Rows say in
a few words what the old single table said in a paragraph per cell; the profile and device,
the same for nearly every chapter, are said once in the summary and only repeated where a
chapter differs. A table wider than the screen scrolls in its own box (the theme's), never
the page.
"""

from docutils import nodes

GOOD_ENOUGH = 0.9  # the quick profile's target: 90% of the book's validation accuracy


def model_cells(model):
    """(measured, the book's, share of the book's) for one trained model, in words: a
    classifier's validation accuracy, a regression model's validation loss (lower is
    better, so no share)."""
    if model["val_acc"] is not None:
        book = model["book_val_acc"]
        if not book:
            return f"{model['val_acc']:.3f}", "no figure", ""
        ratio = model["val_acc"] / book
        verdict = "reaches 90%" if ratio >= GOOD_ENOUGH else "below 90%"
        return f"{model['val_acc']:.3f}", f"{book:.3f}", f"{ratio:.0%}: {verdict}"
    if model["val_loss"] is None:
        return "", "", ""
    # final_metrics prints 3 decimals, so a loss that rounds to 0 is only known to be small
    loss = f"loss {model['val_loss']:g}" if model["val_loss"] else "loss under 0.0005"
    book = f"loss {model['book_val_loss']:g}" if model["book_val_loss"] else "no figure"
    return loss, book, "lower is better"


def _cell(value):
    if isinstance(value, nodes.Node):
        return nodes.entry("", nodes.paragraph("", "", value))
    return nodes.entry("", nodes.paragraph(text=str(value)))


def table(headers, rows, classes=()):
    """A docutils table; a cell is text or an inline node (a link)."""
    group = nodes.tgroup(cols=len(headers))
    group += [nodes.colspec(colwidth=1) for _ in headers]
    head, body = nodes.thead(), nodes.tbody()
    for target, lines in ((head, [headers]), (body, rows)):
        for line in lines:
            row = nodes.row()
            row += [_cell(value) for value in line]
            target += row
    group += [head, body]
    return nodes.table("", group, classes=list(classes))


def chapter_link(row, uri_of, number_only=False):
    """A link to the chapter: '4.4 Softmax Regression ...', or '4.4' where space is short."""
    text = row["section"] if number_only else f"{row['section']} {row['title']}".strip()
    return nodes.reference("", text, internal=True, refuri=uri_of(row["docname"]),
                           reftitle=f"{row['section']} {row['title']}".strip())


def how_short(how):
    """The outputs' origin in a few words: 'ran in this build', 'ran 2026-12-07 09:12 UTC
    (cached)', 'stored outputs', 'FAILED: ...'."""
    return how.replace(" (from the execution cache)", " (cached)").replace(
        "stored outputs (not executed by this build)", "stored outputs")


def usual_setting(rows):
    """The (profile, device) most chapters printed, which the summary states once."""
    seen = [(r["profile"], r["device"]) for r in rows if r["profile"]]
    return max(set(seen), key=seen.count) if seen else ("", "")


def models_table(rows, uri_of):
    lines = [[chapter_link(r, uri_of, number_only=True), m["model"], *model_cells(m)]
             for r in rows for m in r["models"]]
    return table(["chapter", "model", "this build", "the book's", "of the book's"], lines,
                 classes=["course-status", "course-status-models"])


def chapters_table(rows, uri_of):
    usual = usual_setting(rows)
    lines = []
    for r in rows:
        seconds = f"{r['seconds']:.1f}" if r["seconds"] is not None else "not run"
        setting = (r["profile"], r["device"])
        note = "" if setting == usual else f" ({r['profile'] or '?'} profile, {r['device'] or '?'})"
        lines.append([chapter_link(r, uri_of), how_short(r["how"]) + note, seconds])
    return table(["chapter", "outputs", "seconds"], lines, classes=["course-status", "course-status-chapters"])
