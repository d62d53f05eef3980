"""Turn a py:percent draft into a notebook, for authors who prefer a text editor.

    python tools/percent.py draft.py chapters/2_1_data_manipulation.ipynb

Cells start with `# %%` (code) or `# %% [markdown]` (markdown, each line behind `# `);
`# %% tags=["nbval-ignore-output"]` adds tags. The notebook is then the source of truth:
run `python -m course execute` on it to stamp the setup cell and store real outputs.
The draft is not kept in the repository.
"""

import json
import re
import sys

import nbformat

MARKER = re.compile(r"^# %%(?P<md> \[markdown\])?(?:\s+tags=(?P<tags>\[.*\]))?\s*$")


def cells_of(text):
    cells, kind, tags, lines = [], None, [], []

    def close():
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in body.splitlines())
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell(body)
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)

    for line in text.splitlines():
        m = MARKER.match(line)
        if m:
            if kind is not None:
                close()
            kind = "markdown" if m["md"] else "code"
            tags = json.loads(m["tags"]) if m["tags"] else []
            lines = []
        elif kind is not None:
            lines.append(line)
    if kind is not None:
        close()
    return cells


def main(draft, target):
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    with open(draft, encoding="utf-8") as f:
        nb.cells = cells_of(f.read())
    nbformat.write(nb, target)
    print(f"{target}: {len(nb.cells)} cells")


if __name__ == "__main__":
    main(*sys.argv[1:3])
