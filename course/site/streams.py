"""A Sphinx extension: what one cell printed shows as it was printed, in one block.

A cell's printed text often reaches the notebook in several stream outputs (a flush inside a
print, a progress line, Python's buffering), and myst-nb's `nb_merge_streams` joins them,
but wrongly for this course's pages: it strips each piece and adds a line break, so
`print("total:", x)` split after "total:" showed as two lines; and it moves every later
print of the cell up into the first block, above a figure drawn between them (2.1, 7.2 and
most training chapters).

install() replaces myst-nb's merge, for every page the build renders (from stored outputs or
the execution cache alike), with one that joins only outputs that follow each other on the
same stream, keeps their text exactly, and then applies carriage returns and backspaces
(the redrawn progress line) as a terminal would. The notebooks' outputs are not changed.
"""

import re

_CARRIAGE_RETURN = re.compile(r"[^\n]*\r(?=[^\n])")  # a line redrawn after \r: keep the last drawing
_BACKSPACE = re.compile(r"[^\n]\x08")


def printed(text):
    """The text as a terminal leaves it: each \\b erases the character before it, each \\r
    not followed by a newline starts its line afresh."""
    previous = None
    while previous != text:
        previous, text = text, _BACKSPACE.sub("", text)
    return _CARRIAGE_RETURN.sub("", text)


def merge_streams(outputs):
    """The outputs with each run of consecutive same-stream outputs joined into one, in the
    order the cell produced them."""
    merged = []
    for output in outputs or []:
        last = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
            last["text"] += output.get("text", "")
        else:
            merged.append(output.copy() if output.get("output_type") == "stream" else output)
    for output in merged:
        if output.get("output_type") == "stream":
            output["text"] = printed(output.get("text", ""))
    return merged


def install():
    from myst_nb.core import render

    render.coalesce_streams = merge_streams


def setup(app):
    install()
    return {"parallel_read_safe": True}
