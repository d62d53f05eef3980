"""A Sphinx extension: every figure that a notebook cell outputs gets alternative text that
says what it shows, instead of its file path.

myst-nb writes each image output to a file and, unless the cell's metadata gives one
(`"mystnb": {"image": {"alt": "..."}}`, a written description, which always wins), leaves
the alt empty, so the HTML writer puts the file's path there and a screen reader reads out
"dot dot slash underscore images slash 5c57d4...". Here the alt is made from the figure
itself where it carries words, else from the text that introduces it:

* a graphviz drawing (the architecture figures of chapters 7 and 8): its boxes in order,
  "input 1×28×28 → 5×5 conv, 6 · sigmoid (6×28×28) → ...";
* a matplotlib SVG: each plot's title, axis labels and ranges, and legend entries, which
  matplotlib keeps as comments beside the outlines it draws its letters with;
* anything else (PNG plots): the paragraph before the cell, the figure's caption in effect.
"""

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from docutils import nodes

MAX_CHARS = 600  # a screen reader reads all of it; past this the figure's text says more


def plain(text):
    """Text fit to be read aloud: TeX's \\mu as mu, no dollars or braces, single spaces."""
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return re.sub(r"\s+", " ", re.sub(r"[${}]", "", text)).strip()


def shorten(text, limit=MAX_CHARS):
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _svg_tree(svg):
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    return ET.fromstring(svg, parser=parser)


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def graphviz_description(root):
    """'input 1×28×28 → 5×5 conv, 6 (6×28×28) → ...': each box's words, in drawing order."""
    boxes = []
    for group in root.iter():
        if _local(group.tag) == "g" and group.get("class") == "node":
            words = [t.text.strip() for t in group.iter() if _local(t.tag) == "text" and t.text and t.text.strip()]
            if words:
                boxes.append(words[0] + (f" ({', '.join(words[1:])})" if len(words) > 1 else ""))
    return ("Diagram: " + " → ".join(boxes)) if boxes else ""


def _comments(element):
    # matplotlib writes a comment's text escaped ("-&gt;"); graphviz's text is parsed XML
    return [html.unescape(c.text.strip()) for c in element.iter()
            if c.tag is ET.Comment and c.text and c.text.strip()]


def matplotlib_description(root):
    """Each plot's title, 'y against x (from a to b)' and legend entries, from the comments
    matplotlib writes beside each piece of text it draws."""
    plots = []
    for axes in [g for g in root.iter() if _local(g.tag) == "g" and (g.get("id") or "").startswith("axes_")]:
        ticks = {"x": [], "y": []}
        labels, legend = [], []
        axis_names = iter("xy")  # an axes draws its x axis first, then its y axis
        for child in axes:
            gid = child.get("id") or ""
            if gid.startswith("matplotlib.axis_"):
                name = next(axis_names, "y")
                for tick in child:
                    tid = tick.get("id") or ""
                    if tid[:5] in ("xtick", "ytick"):
                        ticks[tid[0]] += _comments(tick)
                    elif tid.startswith("text_"):
                        labels.append((name, " ".join(_comments(tick))))
            elif gid.startswith("legend_"):
                legend += _comments(child)
            elif gid.startswith("text_"):
                labels.append(("title", " ".join(_comments(child))))
        parts = [text for kind, text in labels if kind == "title" and text]
        x = next((t for k, t in labels if k == "x" and t), "")
        y = next((t for k, t in labels if k == "y" and t), "")
        span = f"{ticks['x'][0]} to {ticks['x'][-1]}" if len(ticks["x"]) > 1 else ""
        if x:
            parts.append(f"{y or 'values'} against {x}" + (f" from {span}" if span else ""))
        elif y:
            parts.append(y + (f" across {span}" if span else ""))
        if legend:
            parts.append("legend: " + ", ".join(legend))
        if parts:
            plots.append("; ".join(parts))
    if not plots:
        return ""
    return ("Plot: " if len(plots) == 1 else f"{len(plots)} plots: ") + " | ".join(plots)


def figure_description(path):
    """What an image file shows, in words, or '' where it carries none we can read."""
    if path.suffix != ".svg" or not path.exists():
        return ""
    try:
        root = _svg_tree(path.read_text(encoding="utf-8"))
    except (ET.ParseError, UnicodeDecodeError):
        return ""
    return graphviz_description(root) or matplotlib_description(root)


def _in_cell(node):
    while node is not None:
        if isinstance(node, nodes.container) and "cell" in node.get("classes", []):
            return True
        node = node.parent
    return False


def _image_path(app, docname, uri):
    """myst-nb's '/'-rooted uri, or the source-relative one Sphinx's image collector makes of it."""
    path = Path(app.srcdir) / uri.lstrip("/")
    return path if path.exists() else Path(app.env.relfn2path(uri, docname)[1])


def describe_figures(app, doctree):
    """Give each image in a cell's output that has no alt one made from the figure or its
    caption (the last paragraph of text before the cell)."""
    caption = ""
    for node in doctree.findall():
        if isinstance(node, nodes.paragraph) and not _in_cell(node):
            caption = plain(node.astext())
        elif isinstance(node, nodes.image) and not node.get("alt") and _in_cell(node):
            described = figure_description(_image_path(app, app.env.docname, node["uri"]))
            fallback = f"Figure for the text before it: {caption}" if caption else "Figure"
            node["alt"] = shorten(plain(described or fallback))


def setup(app):
    app.connect("doctree-read", describe_figures)
    return {"parallel_read_safe": True}
