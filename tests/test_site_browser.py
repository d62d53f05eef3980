"""The built site as a reader meets it: every page of the TOC in headless Chromium (Debian's,
driven by Playwright; no browser is ever downloaded), served from localhost.

Screenshots of the landing page, a chapter with a plot and an explorer, an exercise page, the
status page, each explorer before and after each of its controls moves, and every figure
(the cells tagged `figure`: the drawings of kernels, pooling windows and architectures) are
saved under _build/screenshots/ (or COURSE_SCREENSHOTS) for a person to look at.
"""

import os
import re
import urllib.parse
from pathlib import Path

import pytest

from course.authoring import explorer_cell
from course.core import notebooks
from course.core.notebooks import ROOT
from course.site import book
from tests import site_checks
from tests.site_browsing import visit

SCREENSHOTS = Path(os.environ.get("COURSE_SCREENSHOTS", ROOT / "_build" / "screenshots"))
PAGES = ["index", *book.toc_files(book.load_toc())]


def stored_outputs(entry):
    """How many code cells of the page's notebook have outputs, or None for a markdown page."""
    path = ROOT / f"{entry}.ipynb"
    if not path.exists():
        return None
    return sum(1 for c in notebooks.read(path).cells if c.cell_type == "code" and c.get("outputs"))


def figure_cells(entry):
    """How many cells of the page's notebook are tagged `figure` (their output is a drawing)."""
    path = ROOT / f"{entry}.ipynb"
    if not path.exists():
        return 0
    return sum("figure" in c.metadata.get("tags", []) for c in notebooks.read(path).cells)


FIGURE_PAGES = [entry for entry in PAGES if figure_cells(entry)]
# A figure narrower than this on the page has been shrunk so far that its labels (11 pt in
# the architecture drawings, 12 to 13 pt in the window drawings) are hard to read.
READABLE_SCALE = 0.75


@pytest.mark.parametrize("entry", FIGURE_PAGES)
def test_figures_show_at_a_readable_size(browser, site_url, entry):
    """At 1280 px and on a 375 px phone, where a wide figure keeps its size and scrolls in
    its own box rather than shrinking (the page itself never scrolls sideways)."""
    page, errors = visit(browser, site_url + f"{entry}.html")
    try:
        assert not errors, f"{entry}: console errors: {errors[:5]}"
        figures = page.locator("div.cell.tag_figure div.cell_output img")
        assert figures.count() == figure_cells(entry), f"{entry}: {figures.count()} figures shown"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(100)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width, (
                f"{entry}: the page scrolls sideways at {width} px")
            for i in range(figures.count()):
                figure = figures.nth(i)
                figure.scroll_into_view_if_needed()
                natural_w, natural_h, shown_w, shown_h = figure.evaluate(
                    "img => [img.naturalWidth, img.naturalHeight, img.clientWidth, img.clientHeight]")
                name = f"{entry} figure {i + 1} at {width} px"
                assert natural_w >= 150 and natural_h >= 150, f"{name}: {natural_w} x {natural_h} px"
                assert shown_w >= READABLE_SCALE * natural_w and shown_h > 0, (
                    f"{name}: shown {shown_w} px wide of {natural_w}")
                suffix = "" if width == 1280 else "_375"
                shot = SCREENSHOTS / f"figure_{entry.split('/')[1]}_{i + 1}{suffix}.png"
                (figure if width == 1280 else page).screenshot(path=str(shot))
                assert shot.stat().st_size > 5_000, f"{name}: the screenshot is nearly empty"
    finally:
        page.close()


def without_code(text):
    """Markdown less its fenced blocks and inline code, where `$PWD` is shell, not math."""
    return re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", text, flags=re.S))


# What a chapter's first view may transfer (gzip-compressed, as a static host serves it):
# little enough to start reading soon on a slow mobile link.
FIRST_VIEW_BYTES = 1_000_000


@pytest.mark.parametrize("entry", PAGES)
def test_page_reads_well(browser, site_url, entry):
    page, errors = visit(browser, site_url + f"{entry}.html", first_view=entry.startswith("chapters/"))
    try:
        assert not errors, f"{entry}: console errors: {errors[:5]}"
        if entry.startswith("chapters/"):
            sent = sum(page.transferred.values())
            heaviest = sorted(page.transferred.items(), key=lambda kv: -kv[1])[:3]
            assert sent < FIRST_VIEW_BYTES, f"{entry}: first view transfers {sent:,} bytes; most: {heaviest}"
        text = page.inner_text("article")
        assert "$$" not in text, f"{entry}: raw $$ left in the text"
        assert not (found := site_checks.raw_tex(page)), f"{entry}: {found[:5]}"
        assert not (found := site_checks.path_alts(page)), f"{entry}: {found[:5]}"
        assert not (found := site_checks.axe(page)), f"{entry}: {found}"
        source = (ROOT / f"{entry}.ipynb") if (ROOT / f"{entry}.ipynb").exists() else ROOT / f"{entry}.md"
        if re.search(r"\$[^$\s][^$]*\$", without_code(source.read_text(encoding="utf-8"))):
            assert page.locator("mjx-container").count() > 0, f"{entry}: math not typeset"
        expected = stored_outputs(entry)
        if expected is not None:
            shown = page.locator("div.cell div.cell_output").count()
            assert shown == expected, f"{entry}: {shown} code outputs shown, {expected} stored"
            assert page.locator("div.cell_output .traceback, div.cell_output .output.error").count() == 0
            assert "Traceback (most recent call last)" not in text
            assert not (found := site_checks.split_prints(page, notebooks.read(ROOT / f"{entry}.ipynb"))), (
                f"{entry}: {found[:3]}")
        if entry.startswith(("chapters/", "exercises/")):
            colab = page.locator("a[href^='https://colab.research.google.com/']").first.get_attribute("href")
            repo = book.repository()
            assert colab == (f"https://colab.research.google.com/github/{repo['slug']}/blob/"
                             f"{repo['branch']}/{entry}.ipynb")
        if entry.startswith("exercises/"):
            assert "How to work and check your answers" in text, f"{entry}: does not say how to check answers"
        if entry.startswith("chapters/"):
            links = [a.get_attribute("href") or "" for a in page.locator("article a").all()]
            stem = entry.split("/")[1]
            assert any(h.endswith(f"exercises/{stem}.html") for h in links), f"{entry}: no link to its exercises"
    finally:
        page.close()


def explorer_pages():
    """Chapters whose notebook has an explorer (course/explorers.py)."""
    return [entry for entry in PAGES if (ROOT / f"{entry}.ipynb").exists()
            and explorer_cell.find(notebooks.read(ROOT / f"{entry}.ipynb"))]


def shown_state(explorer):
    """The state the reader sees: its key and its content (its figures loaded: they load
    when a state is first shown)."""
    state = explorer.locator(".course-explorer-state:not([hidden])")
    assert state.count() == 1, f"{state.count()} states shown at once"
    state.evaluate("s => Promise.all(Array.from(s.querySelectorAll('img')).map(i => i.decode().catch(() => null)))")
    return state.get_attribute("data-state"), state.inner_html()


def move(control):
    """Move a control as a reader would: a slider one step (by keyboard), another option in
    a menu, a click on a checkbox."""
    kind = control.evaluate("c => c.tagName === 'SELECT' ? 'select' : c.type")
    if kind == "range":
        control.focus()
        at_end = control.evaluate("c => Number(c.value) === Number(c.max)")
        control.press("ArrowLeft" if at_end else "ArrowRight")
    elif kind == "select":
        options = control.locator("option").count()
        current = int(control.input_value())
        control.select_option(str((current + 1) % options))
    else:
        control.click()


@pytest.mark.parametrize("entry", explorer_pages())
def test_explorer_responds_on_the_static_page(browser, site_url, entry):
    """Each explorer's controls switch what the reader sees, with no kernel behind the page;
    screenshots before and after every move go to the screenshots folder."""
    page, errors = visit(browser, site_url + f"{entry}.html")
    try:
        assert not errors, f"{entry}: {errors[:5]}"
        explorer = page.locator(".course-explorer").first
        explorer.scroll_into_view_if_needed()
        controls = explorer.locator("[data-control]")
        assert controls.count() >= 1, f"{entry}: no control to move"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = entry.split("/")[1]
        for i in range(controls.count()):
            before = shown_state(explorer)
            shot_before = explorer.screenshot(path=str(SCREENSHOTS / f"explorer_{stem}_{i + 1}_before.png"))
            move(controls.nth(i))
            after = shown_state(explorer)
            shot_after = explorer.screenshot(path=str(SCREENSHOTS / f"explorer_{stem}_{i + 1}_after.png"))
            name = controls.nth(i).get_attribute("data-control")
            assert after[0] != before[0], f"{entry}: moving {name} kept state {before[0]}"
            assert after[1] != before[1], f"{entry}: moving {name} changed nothing the reader sees"
            assert shot_after != shot_before, f"{entry}: moving {name} left the explorer looking the same"
        assert not errors, f"{entry}: {errors[:5]}"
    finally:
        page.close()


def test_broadcasting_explorer_answers_a_chosen_pair_of_shapes(browser, site_url):
    page, errors = visit(browser, site_url + "chapters/2_1_data_manipulation.html")
    try:
        explorer = page.locator(".course-explorer").first
        assert "result shape: (3, 4)" in explorer.inner_text()
        explorer.locator("select[data-control='shape_a']").select_option(label="2, 3")
        explorer.locator("select[data-control='shape_b']").select_option(label="4")
        text = explorer.locator(".course-explorer-state:not([hidden])").inner_text()
        assert "axis 1: 3 vs 4 -> INCOMPATIBLE" in text and "PyTorch refuses" in text, text
        assert not errors, errors[:5]
    finally:
        page.close()


def test_a_kernel_only_control_says_where_to_move_it(browser, site_url):
    """2.6 keeps its seed at 0 on the page (the figure above it shows five runs)."""
    page, errors = visit(browser, site_url + "chapters/2_6_probability_and_statistics.html")
    try:
        fixed = page.locator(".course-explorer .course-explorer-fixed")
        assert fixed.count() == 1 and fixed.inner_text().startswith("seed 0")
        note = fixed.locator("a.course-explorer-colab")
        assert note.inner_text() == "Open in Colab to move this"
        repo = book.repository()
        assert note.get_attribute("href") == (f"https://colab.research.google.com/github/{repo['slug']}/blob/"
                                              f"{repo['branch']}/chapters/2_6_probability_and_statistics.ipynb")
        assert page.locator(".course-explorer [data-control='seed']").count() == 0
        assert not errors, errors[:5]
    finally:
        page.close()


def test_status_page_lists_every_chapter_with_its_run_time(browser, site_url):
    from course.checking import nbval_record

    if not nbval_record.seconds:
        pytest.skip("the status page is built from this session's nbval runs: run with chapters/")
    page, errors = visit(browser, site_url + "status.html")
    try:
        listed = {}  # chapter (its page, less .html) -> the row's text
        for row in page.locator("table.course-status-chapters tbody tr").all():
            listed[row.locator("a").first.get_attribute("href").removesuffix(".html")] = row.inner_text()
        for entry in [e for e in PAGES if e.startswith("chapters/")]:
            row = listed.get(entry)
            assert row, f"status page misses {entry}"
            # In words: how it ran, its seconds.
            assert re.search(r"\bran\b", row) and "FAILED" not in row and re.search(r"\d+\.\d", row), row
        models = page.locator("table.course-status-models tbody tr").all_inner_texts()
        softmax = next(r for r in models if "SoftmaxRegressionScratch" in r)
        assert re.search(r"^4\.4\s+SoftmaxRegressionScratch\s+0\.\d{3}\s+0\.830\s+\d+%", softmax), softmax
        text = page.inner_text("article")
        assert re.search(r"47 chapters: 47 ran without error, 0 failed", text), text[:500]
        assert re.search(r"\d+ of 47 chapters ran in the (quick|full) profile", text), text[:800]
        environment = page.inner_text("table.course-environment")
        for field in ("run profile", "Python", "PyTorch", "device", "built", "commit"):
            assert field in environment, environment
    finally:
        page.close()


def test_internal_links_resolve(student_site):
    broken = []
    for html in student_site.rglob("*.html"):
        if "_static" in html.parts:
            continue  # theme templates, not pages
        for href in re.findall(r'href="([^"#?]+)', html.read_text(encoding="utf-8")):
            if urllib.parse.urlparse(href).scheme or href.startswith(("//", "mailto:")):
                continue
            target = (html.parent / urllib.parse.unquote(href)).resolve()
            if not target.exists():
                broken.append(f"{html.relative_to(student_site)} -> {href}")
    assert not broken, broken[:10]


def test_screenshots_for_a_person_to_look_at(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chapter = "chapters/2_1_data_manipulation.html"
    shots = {  # name: (page, element to scroll to the top, or None for the whole page)
        "landing": ("index.html", None),
        "chapter_plot": (chapter, "div.cell_output img"),
        "chapter_explorer": (chapter, ".course-explorer"),
        "exercise": ("exercises/2_1_data_manipulation.html", None),
        "status": ("status.html", None),
    }
    for name, (url, element) in shots.items():
        page, _ = visit(browser, site_url + url)
        if element:
            page.locator(element).first.scroll_into_view_if_needed()
            page.evaluate("window.scrollBy(0, -120)")
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        else:
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=name != "landing")
        page.close()
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
