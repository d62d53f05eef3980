"""The site as readers meet it on a phone (375 px), a tablet or half-width window (768 px)
and a laptop (1280 px), by mouse, touch and keyboard.

These tests use the session's one build of the student site and its one browser
(tests/site_browsing.py). Screenshots at 375 px go to _build/screenshots/ (or
COURSE_SCREENSHOTS) for a person to look at.
"""

import html
import os
import re
from pathlib import Path

import pytest

from course.core.notebooks import ROOT
from tests.site_browsing import visit

SCREENSHOTS = Path(os.environ.get("COURSE_SCREENSHOTS", ROOT / "_build" / "screenshots"))
WIDTHS = [375, 768, 1280]
CHAPTER = "chapters/2_1_data_manipulation.html"
# The width from which the theme shows the site's contents beside the page, and the page's
# own contents ("Contents", on this page) beside it too; below them, each is a dialog.
SIDEBAR_FROM, PAGE_TOC_FROM = 992, 1200


def tap(page, locator=None, point=None):
    """A finger's tap on the element (at its centre) or at a point of the window: touch
    events, from which Chromium makes the click, as on a phone."""
    if locator is not None:
        box = locator.bounding_box()
        point = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": point[0], "y": point[1]}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def tab_to(page, locator, limit=400):
    """Press Tab from the top of the page until the element has the focus, as a keyboard
    reader reaches it (on a wide window, past every link of the site's contents); fails if
    it cannot be reached."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("e => e === document.activeElement"):
            return
    pytest.fail(f"{limit} presses of Tab never reached {locator}")


def press(page, how, button):
    """Activate a button by mouse, touch or keyboard."""
    if how == "mouse":
        button.click()
    elif how == "touch":
        tap(page, button)
    else:
        tab_to(page, button)
        page.keyboard.press("Enter")
    page.wait_for_timeout(350)  # the theme's open and close transitions


def dismiss(page, how, dialog):
    """Close an open dialog as a reader would: a click or tap beside it, or Escape."""
    box = dialog.bounding_box()
    width = page.viewport_size["width"]
    # Beside the dialog: the middle of the wider strip of page it leaves uncovered.
    left, right = box["x"], width - box["x"] - box["width"]
    x = left / 2 if left > right else width - right / 2
    if how == "mouse":
        page.mouse.click(x, 400)
    elif how == "touch":
        tap(page, point=(x, 400))
    else:
        page.keyboard.press("Escape")
    page.wait_for_timeout(350)


def in_view(locator):
    """The element is shown, inside the window (not pushed off-screen)."""
    if not locator.is_visible():
        return False
    box = locator.bounding_box()
    width = locator.page.viewport_size["width"]
    return box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width + 1


@pytest.mark.parametrize("how", ["mouse", "touch", "keyboard"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_contents_open_and_close_again(browser, site_url, width, how):
    """The ☰ button shows the site's contents (a link to another chapter can be followed)
    and they go away again; below 1200 px the "Contents" button does the same for the
    page's own sections. Narrow windows show each as a dialog, closed by a click or tap
    beside it or by Escape, after which the keyboard focus is back on its button."""
    page, errors = visit(browser, site_url + CHAPTER, width=width)
    try:
        other_chapter = page.locator("nav.bd-docs-nav a", has_text="4.6 Generalization in Classification")
        toggle = page.locator("button.primary-toggle:visible")
        assert toggle.count() == 1, f"{width} px: {toggle.count()} visible ☰ buttons"
        if width >= SIDEBAR_FROM:
            assert in_view(other_chapter), f"{width} px: the contents are not beside the page"
            press(page, how, toggle)
            assert not other_chapter.is_visible(), f"{width} px, {how}: ☰ did not hide the contents"
            press(page, how, toggle)
            assert in_view(other_chapter), f"{width} px, {how}: ☰ did not bring the contents back"
        else:
            assert not other_chapter.is_visible()
            dialog = page.locator("#pst-primary-sidebar-modal")
            press(page, how, toggle)
            assert dialog.evaluate("d => d.open"), f"{width} px, {how}: ☰ opened nothing"
            assert in_view(other_chapter), f"{width} px, {how}: the contents opened but show no chapter"
            if width == 375 and how == "mouse":
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "contents_open_375.png"))
            dismiss(page, how, dialog)
            assert not dialog.evaluate("d => d.open"), f"{width} px, {how}: the contents did not close"
            assert not other_chapter.is_visible()
            if how == "keyboard":
                assert toggle.evaluate("b => b === document.activeElement"), (
                    f"{width} px: after Escape the focus is not back on ☰")

        section = page.locator("#pst-page-toc-nav a").first
        contents = page.locator("button.secondary-toggle:visible")
        if width >= PAGE_TOC_FROM:
            assert in_view(section), f"{width} px: the page's contents are not beside it"
        else:
            assert contents.count() == 1, f"{width} px: {contents.count()} visible Contents buttons"
            dialog = page.locator("#pst-secondary-sidebar-modal")
            press(page, how, contents)
            assert dialog.evaluate("d => d.open"), f"{width} px, {how}: Contents opened nothing"
            assert in_view(section), f"{width} px, {how}: Contents opened but shows no section"
            dismiss(page, how, dialog)
            assert not dialog.evaluate("d => d.open"), f"{width} px, {how}: Contents did not close"
            if how == "keyboard":
                assert contents.evaluate("b => b === document.activeElement")
        assert not errors, errors[:5]
    finally:
        page.close()


# What the reader sees on an explorer in the page's current mode: each control's colour
# scheme and whether the background it sits on (the first opaque one up the tree) is light,
# and each piece of text's contrast with its background (WCAG's ratio of luminances).
_EXPLORER_COLOURS = r"""explorer => {
  const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4))
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const behind = el => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || c[3] > 0.5) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const contrast = el => {
    const a = luminance(rgb(getComputedStyle(el).color).slice(0, 3)), b = luminance(behind(el));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  return {
    controls: Array.from(explorer.querySelectorAll("[data-control]")).map(c =>
      [c.dataset.control, getComputedStyle(c).colorScheme, luminance(behind(c.parentElement)) > 0.4]),
    text: Array.from(explorer.querySelectorAll("label, output, .course-explorer-fixed, .course-explorer-state pre"))
      .filter(el => el.getClientRects().length).map(el => [el.textContent.trim().slice(0, 30), contrast(el)]),
  };
}"""


def explorer_pages():
    from tests.test_site_browser import explorer_pages as pages

    return pages()


@pytest.mark.parametrize("entry", explorer_pages())
def test_explorers_speak_values_and_suit_both_colour_modes(browser, site_url, entry):
    """Each slider tells a screen reader the value it shows (with its unit), not its
    position, before and after it moves; in light and dark mode every control is drawn for
    the background it sits on and its text keeps a contrast of at least 4.5."""
    page, errors = visit(browser, site_url + f"{entry}.html")
    try:
        explorer = page.locator(".course-explorer").first
        for slider in explorer.locator("input[type=range]").all():
            for step in (None, "ArrowRight" if slider.evaluate("s => s.value !== s.max") else "ArrowLeft"):
                if step:
                    slider.focus()
                    page.keyboard.press(step)
                shown = slider.evaluate("s => s.parentNode.querySelector('output').textContent")
                spoken = slider.get_attribute("aria-valuetext") or ""
                assert spoken.split(" ")[0] == shown, (
                    f"{entry}: slider {slider.get_attribute('data-control')} shows {shown!r} but says {spoken!r}")
        if entry == "chapters/7_3_padding_and_stride":  # a value with a unit
            assert explorer.locator("input[data-control='padding']").get_attribute("aria-valuetext").endswith(" pixels")
        for mode in ("light", "dark"):
            page.evaluate(f"() => {{ document.documentElement.dataset.theme = '{mode}'; }}")
            seen = explorer.evaluate(_EXPLORER_COLOURS)
            for name, scheme, light in seen["controls"]:
                wanted = "light" if light else "dark"
                assert (scheme if scheme != "normal" else "light") == wanted, (
                    f"{entry}, {mode} mode: control {name} drawn for a {scheme} background on a {wanted} one")
            for text, ratio in seen["text"]:
                assert ratio >= 4.5, f"{entry}, {mode} mode: {text!r} has contrast {ratio:.1f}"
        assert not errors, errors[:5]
    finally:
        page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_status_page_reads_on_a_phone_and_a_laptop(browser, site_url, student_site, width):
    """No sideways scrolling of the page (a table too wide scrolls in its own box), rows of
    a line or two instead of paragraphs, a summary that says what is compared with what, run
    names a reader understands, and each model's figure the one its chapter page prints."""
    page, errors = visit(browser, site_url + "status.html", width=width)
    try:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        for table in page.locator("article table").all():
            fits, scrolls = table.evaluate("""t => [t.scrollWidth <= t.parentElement.clientWidth + 1,
                ['auto', 'scroll'].includes(getComputedStyle(t.parentElement).overflowX)]""")
            assert fits or scrolls, f"{width} px: a table overflows without a scroll box of its own"
        lines = 2 if width >= 1000 else 4
        line = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('table.course-status td')).lineHeight)")
        for row in page.locator("table.course-status tbody tr").all():
            height = row.bounding_box()["height"]
            assert height <= lines * line + 16, f"{width} px: a row {height:.0f} px high: {row.inner_text()[:80]!r}"
        text = page.inner_text("article")
        assert re.search(r"(quick|full) profile: validation accuracy against the book's", text), text[:600]
        assert not re.search(r"\brun \d+:", text), "runs named by a bare number"
        for row in page.locator("table.course-status-models tbody tr").all():
            href = row.locator("a").first.get_attribute("href")
            measured = row.locator("td").nth(2).inner_text()
            number = float(re.search(r"\d+\.\d+|\d+", measured).group()) if "under" not in measured else 0.0
            printed = html.unescape(Path(student_site, href).read_text(encoding="utf-8"))
            key = "val_loss" if "loss" in measured else "val_acc"
            values = [float(v) for v in re.findall(rf"'{key}': ([\d.e-]+)", printed)]
            assert any(abs(v - number) < 5e-4 for v in values), f"{href}: status says {measured}, page prints {values}"
        if width == 375:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "status_375.png"), full_page=True)
        assert not errors, errors[:5]
    finally:
        page.close()


def test_the_bounds_of_4_6_are_typeset_on_a_phone(browser, site_url):
    """4.6's two bounds on the test set size, display equations inside bullet points (which
    showed as raw TeX), are typeset as displays at 375 px, and the page does not scroll
    sideways."""
    page, errors = visit(browser, site_url + "chapters/4_6_generalization_in_classification.html", width=375)
    try:
        bullets = page.locator("article li:has(> p > strong:text-is('Central limit theorem.'))").locator("..")
        displays = bullets.locator("mjx-container[display='true']")
        assert displays.count() == 2, f"{displays.count()} displayed equations in the two bullets"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        bullets.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollBy(0, -60)")
        page.screenshot(path=str(SCREENSHOTS / "math_4_6_375.png"))
        assert not errors, errors[:5]
    finally:
        page.close()
