"""Checks of one open page of the built site, for the browser tests to run on every page in
the single visit they already make: TeX that MathJax left unrendered and images whose
alternative text is a file path.

Each returns a list of findings in words (empty when the page passes), so that a failing
test names what a reader would meet and where.
"""

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
