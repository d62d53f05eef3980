"""Checks of one open page of the built site, for the browser tests to run on every page in
the single visit they already make: TeX that MathJax left unrendered, images whose
alternative text is a file path, and axe-core's accessibility rules.

Each returns a list of findings in words (empty when the page passes), so that a failing
test names what a reader would meet and where.
"""

import functools

import pytest

from course.core.notebooks import ROOT

# axe-core, installed from the npm registry at the version the Makefile pins (`make axe`,
# part of `make test`), and injected into each page from this file: no network.
AXE = ROOT / "_build" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
# Every serious or critical finding fails, and these whatever axe rates them: the ones the
# site had (issue 35), so that none comes back.
AXE_IMPACTS = ("serious", "critical")
AXE_ALWAYS = ("summary-name", "label-content-name-mismatch", "region", "empty-table-header")

# Text the reader sees, outside code and rendered math, that still holds TeX: a dollar sign
# (not one before a digit: a price), a \( \) \[ \] delimiter, or a command such as
# \epsilon or \frac.
_RAW_TEX = r"""() => {
  const root = document.querySelector("main") || document.body;
  const skip = "pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight, .MathJax";
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found = [];
  const tex = /\$(?!\d)|\\[()\[\]]|\\[A-Za-z]{2,}/;  // "$35,000" is money, not TeX
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip) || !tex.test(node.textContent)) continue;
    if (!parent.getClientRects().length) continue;  // not shown (a closed dropdown's copy is)
    found.push(node.textContent.trim().slice(0, 100));
  }
  return found;
}"""


def raw_tex(page):
    """Pieces of shown text (outside code) that hold a TeX delimiter or command."""
    return [f"raw TeX: {text!r}" for text in page.evaluate(_RAW_TEX)]


# An image's alternative text that is missing, empty, or a file name or path: what a screen
# reader would read out instead of what the figure shows.
_PATH_ALTS = r"""() => Array.from(document.querySelectorAll("main img")).map(img => {
  const alt = img.getAttribute("alt");
  const path = alt === null || !alt.trim() || /\.(png|svg|jpe?g|gif|webp)\b|^\.{0,2}\/|_images\//i.test(alt);
  return path ? (alt === null ? "(no alt) " : alt) + " <- " + img.getAttribute("src").slice(0, 60) : null;
}).filter(Boolean)"""


def path_alts(page):
    """Images whose alternative text is missing, empty or a file path."""
    return [f"image without a description: {text}" for text in page.evaluate(_PATH_ALTS)]


@functools.lru_cache(maxsize=1)
def _axe_source():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make axe` installs axe-core (npm, from Debian's npm package)")
    return AXE.read_text(encoding="utf-8")


def axe(page):
    """axe-core's violations on the page that fail the site: rule, impact, how many
    elements, and the first few of them."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=_axe_source())
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]}))
        .violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(" "))])""")
    return [f"axe {rule} ({impact}) on {len(targets)}: {targets[:3]}" for rule, impact, targets in violations
            if impact in AXE_IMPACTS or rule in AXE_ALWAYS]


def _lines(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def split_prints(page, notebook):
    """Cells whose printed text the page shows otherwise than printed: in more blocks than
    the runs of consecutive prints, or with lines broken or moved (course/site/streams.py)."""
    from course.site import streams

    expected = [[_lines(o["text"]) for o in streams.merge_streams([dict(o) for o in cell.outputs])
                 if o.get("output_type") == "stream"]
                for cell in notebook.cells if cell.cell_type == "code" and cell.get("outputs")]
    shown = page.evaluate("""() => Array.from(document.querySelectorAll("div.cell_output")).map(o =>
        Array.from(o.querySelectorAll(":scope > .output.stream, :scope > .output.stderr")).map(s => (s.querySelector("pre") || s).textContent))""")
    return [f"cell output {i + 1}: shows {[s[:60] for s in got]}, printed {[s[:60] for s in want]}"
            for i, (want, got) in enumerate(zip(expected, [[_lines(s) for s in cell] for cell in shown]))
            if want != got]
