"""The built site in Chromium: a local server for it, one browser for the session, and
visit(), which opens a page and waits until MathJax and widgets have rendered.

Debian's Chromium, driven by Playwright (no browser is ever downloaded). The fixtures are
registered in tests/conftest.py, so every browser test module shares one server and one
browser.
"""

import functools
import http.server
import threading
import urllib.parse
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-quic"]


@pytest.fixture(scope="session")
def site_url(student_site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(student_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make system` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=FLAGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


def visit(browser, url, width=None):
    """Open a page (in a window `width` px wide, else the browser's 1280); returns (page,
    console errors). Waits for MathJax and widgets."""
    page = browser.new_page()
    if width:
        page.set_viewport_size({"width": width, "height": 800})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    # The site works offline: anything fetched from another host (a CDN) is an error.
    site = urllib.parse.urlparse(url).netloc
    page.on("request", lambda r: errors.append(f"external request: {r.url}")
            if urllib.parse.urlparse(r.url).scheme in ("http", "https")
            and urllib.parse.urlparse(r.url).netloc != site else None)
    page.goto(url, wait_until="load")
    page.wait_for_function("() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise")
    page.evaluate("() => window.MathJax && window.MathJax.startup ? window.MathJax.startup.promise : null")
    if page.locator("script[type='application/vnd.jupyter.widget-view+json']").count():
        page.wait_for_selector(".jupyter-widgets", timeout=15000)
    return page, errors
