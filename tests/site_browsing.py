"""The built site in Chromium: a local server for it, one browser for the session, and
visit(), which opens a page and waits until MathJax and widgets have rendered.

The server compresses text files (HTML, JavaScript, CSS, SVG) with gzip when the browser
asks, as any static host does, so that what a page transfers is what a reader's link carries.

Debian's Chromium, driven by Playwright (no browser is ever downloaded). The fixtures are
registered in tests/conftest.py, so every browser test module shares one server and one
browser.
"""

import functools
import gzip
import http.server
import os
import threading
import urllib.parse
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-quic"]


COMPRESSIBLE = (".html", ".js", ".css", ".svg", ".json", ".txt", ".inv")


@functools.lru_cache(maxsize=512)
def _gzipped(path, mtime):
    with open(path, "rb") as f:
        return gzip.compress(f.read(), compresslevel=6)


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, text ones gzip-compressed for a browser that accepts it; no log."""

    def do_GET(self):
        path = self.translate_path(self.path)
        if ("gzip" in self.headers.get("Accept-Encoding", "") and path.endswith(COMPRESSIBLE)
                and os.path.isfile(path)):
            body = _gzipped(path, os.path.getmtime(path))
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


def serve(directory):
    """Serve a built site from localhost on a free port; returns (url, server)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server


@pytest.fixture(scope="session")
def site_url(student_site):
    url, server = serve(student_site)
    yield url
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


def visit(browser, url, width=None, first_view=False):
    """Open a page (in a window `width` px wide, else the browser's 1280); returns (page,
    console errors). Waits for MathJax and widgets. With first_view, the page loads with the
    browser's cache off, as on a reader's first visit, and page.transferred holds the bytes
    each of its requests took over the wire (by URL)."""
    page = browser.new_page()
    if width:
        page.set_viewport_size({"width": width, "height": 800})
    if first_view:
        page.transferred = {}
        requests = {}
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.on("Network.requestWillBeSent", lambda e: requests.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: page.transferred.__setitem__(
            requests.get(e["requestId"], e["requestId"]), e["encodedDataLength"]))
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
