"""A Sphinx extension for the page that sets the networks of chapters 7 and 8 side by side.

`{course-networks}` in networks.md becomes a table and a figure: for every trained model of
sections 7.6 and 8.1 to 8.6, its parameters and multiply-adds per image in the quick
profile (the `model_size` line of its page), its validation accuracy and training seconds
(`final_metrics` and `fit_and_time`), the book's validation accuracy (its full settings,
reference/d2l_results.csv) and the full profile's where a page was run with it. Everything
is read from the chapter pages' own outputs, collected by course.site.status_page, so the
comparison cannot disagree with the pages, and nothing in it is typed.
"""

import base64
import html
import io
import re

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from course.core import notebooks
from course.measure.bench import reference_rows
from course.site import status_tables

SECTIONS = ("7.6", "8.1", "8.2", "8.3", "8.4", "8.5", "8.6")


class networks_placeholder(nodes.General, nodes.Element):
    """Replaced by the comparison once every page has been read."""


class CourseNetworks(SphinxDirective):
    def run(self):
        return [networks_placeholder()]


def models(status, reference):
    """[{section, docname, model, parameters, macs, side, val_acc, seconds, book_val_acc,
    full_val_acc}] for every run of the sections whose page printed its size."""
    found = []
    for docname in sorted(status, key=notebooks.section_key):
        section, info = notebooks.section_of(docname), status[docname]
        if section not in SECTIONS:
            continue
        book = reference.get(section, [])
        runs, sizes = info["runs"], info.get("sizes", [])
        seconds = info.get("seconds", []) if len(info.get("seconds", [])) == len(runs) else [None] * len(runs)
        for i, (run, size) in enumerate(zip(runs, sizes)):
            ref = book[i] if i < len(book) else {}
            quick = info["profile"] == "quick"
            found.append({
                "section": section, "docname": docname,
                "model": ref.get("model") or f"run {i + 1} of {len(runs)} (not in the book)",
                "parameters": int(size["parameters"].replace(",", "")),
                "macs": float(size["macs"].replace(",", "")), "side": size["side"],
                "val_acc": run.get("val_acc") if quick else None, "seconds": seconds[i] if quick else None,
                "book_val_acc": float(ref["val_acc"]) if ref.get("val_acc") else None,
                "full_val_acc": None if quick else run.get("val_acc")})
    return found


def _number(value, form):
    return "not measured" if value is None else format(value, form)


def comparison_table(found, uri_of):
    lines = [[nodes.reference("", m["section"], internal=True, refuri=uri_of(m["docname"])), m["model"],
              f"{m['parameters']:,}", f"{m['macs']:,.1f} ({m['side']})", _number(m["val_acc"], ".3f"),
              _number(m["seconds"], ".1f"), _number(m["book_val_acc"], ".3f"), _number(m["full_val_acc"], ".3f")]
             for m in found]
    headers = ["section", "network", "parameters, as trained", "million multiply-adds per image, as trained",
               "val_acc, quick", "training seconds, quick", "val_acc, book", "val_acc, full profile"]
    return status_tables.table(headers, lines, classes=["course-status", "course-networks"])


def figure_svg(found):
    """A dot plot: each network's quick val_acc (filled) and the book's (hollow)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [m for m in found if m["val_acc"] is not None or m["book_val_acc"] is not None]
    # "8.2 VGG", not the book's whole "VGG arch ((1,16), ...)": narrow enough for a phone.
    labels = [f"{m['section']} {re.split(r' [(]| arch', m['model'])[0]}" for m in shown]
    fig, ax = plt.subplots(figsize=(3.3, 0.3 * len(shown) + 0.9))
    rows = list(range(len(shown)))[::-1]
    ax.scatter([m["val_acc"] for m in shown], rows, label="quick profile (this build)", zorder=3)
    ax.scatter([m["book_val_acc"] for m in shown], rows, facecolors="none", edgecolors="black",
               label="the book (full settings)", zorder=3)
    ax.set_yticks(rows, labels, fontsize=8)
    ax.set_xlabel("validation accuracy", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def alt_text(found):
    parts = [f"{m['section']} {m['model']}: quick {_number(m['val_acc'], '.3f')}, "
             f"book {_number(m['book_val_acc'], '.3f')}" for m in found]
    return "Validation accuracy of each network, quick profile against the book: " + "; ".join(parts)


def figure(found):
    data = base64.b64encode(figure_svg(found).encode()).decode("ascii")
    markup = (f'<figure class="course-networks-figure"><img src="data:image/svg+xml;base64,{data}" '
              f'alt="{html.escape(alt_text(found))}"></figure>')
    return nodes.raw("", markup, format="html")


def fill_placeholders(app, doctree, docname):
    placeholders = list(doctree.findall(networks_placeholder))
    if not placeholders:
        return
    found = models(getattr(app.env, "course_status", {}), reference_rows())

    def uri_of(target):
        return app.builder.get_relative_uri(docname, target)

    content = [comparison_table(found, uri_of), figure(found)] if found else [
        nodes.paragraph(text="No page of sections 7.6 and 8.1 to 8.6 printed its model's size in this build.")]
    for placeholder in placeholders:
        placeholder.replace_self([node.deepcopy() for node in content])


def always_rebuild(app, env, added, changed, removed):
    """The comparison is read from this build's pages, so it is written again by every build."""
    return [d for d in env.found_docs if d == "networks"]


def setup(app):
    app.add_node(networks_placeholder)
    app.add_directive("course-networks", CourseNetworks)
    app.connect("env-get-outdated", always_rebuild)
    app.connect("doctree-resolved", fill_placeholders)
    return {"parallel_read_safe": True}
