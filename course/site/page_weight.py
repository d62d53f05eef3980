"""A Sphinx extension: pages load what reading them needs, so a chapter's first view is
under 1 MB on a slow link (it was over 4 MB).

The theme puts two heavy things on every page that no reader here uses:

* `fontawesome.js` (1.5 MB, the largest file of the page): Font Awesome's JavaScript, which
  swaps each icon for an SVG and exists for sites that add icons of their own. The theme's
  stylesheet already draws the same icons from the icon font, so without it they look the
  same.
* Sphinx's search index and its code (0.4 MB) on every page, for the theme's
  search-as-you-type, which this site does not switch on: the search box sends the reader to
  the search page, which loads them itself.

`_templates/layout.html` extends the theme's page and passes those two blocks through the
`without_scripts` filter registered here. Nothing is copied from the theme, so a theme
upgrade keeps working.

And an explorer's page version (course/explorers.py) holds every precomputed state's figure
inline, as base64 PNG: 3.6's 65 states made a 1.6 MB page of which the reader first sees one.
Here each of those figures becomes a file beside the page's other images, loaded lazily: a
hidden state's figure is fetched when a control shows it. The notebook's stored output is
unchanged. tests/test_site_browser.py measures every chapter's first view.
"""

import base64
import hashlib
import re
from pathlib import Path

from docutils import nodes
from markupsafe import Markup

INLINE_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"')


def without_scripts(html, *names):
    """The HTML less each <script src=...> whose file name is one of names."""
    for name in names:
        html = re.sub(r'\s*<script\b[^>]*\bsrc="(?:[^"]*/)?' + re.escape(name) + r'(\?[^"]*)?"[^>]*>\s*</script>',
                      "", str(html))
    return Markup(html)


def register(app):
    if hasattr(app.builder, "templates"):
        app.builder.templates.environment.filters["without_scripts"] = without_scripts


def explorer_images_to_files(app, doctree):
    """Write each inline figure of an explorer's HTML to _images/ and point at it lazily."""
    if app.builder.format != "html":
        return
    images = Path(app.outdir) / "_images"
    prefix = "../" * app.env.docname.count("/") + "_images/"

    def to_file(match):
        data = base64.b64decode(match.group(1))
        name = f"explorer-{hashlib.sha256(data).hexdigest()[:32]}.png"
        if not (images / name).exists():
            images.mkdir(parents=True, exist_ok=True)
            (images / name).write_bytes(data)
        return f'loading="lazy" src="{prefix}{name}"'

    for raw in list(doctree.findall(nodes.raw)):
        if raw.get("format") == "html" and 'class="course-explorer"' in raw.astext():
            html = INLINE_PNG.sub(to_file, raw.astext())
            raw.replace_self(nodes.raw("", html, format="html"))


def setup(app):
    app.connect("builder-inited", register)
    app.connect("doctree-read", explorer_images_to_files)
    return {"parallel_read_safe": True}
