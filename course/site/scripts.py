"""A Sphinx extension: each page lists every script once.

sphinx-thebe (loaded by Jupyter Book even with Thebe off) registers its inline
configuration script twice, and the second copy throws "Identifier 'THEBE_JS_URL' has
already been declared" in every reader's console.
"""


def deduplicate(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # The same inline script arrives once with filename None and once with ''.
        key = (getattr(script, "filename", None) or "", repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", deduplicate, priority=900)
    return {"parallel_read_safe": True}
