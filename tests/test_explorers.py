"""The explorers (course/explorers.py): live controls in a kernel, and a web-page version
computed by the same function over a grid, which must agree with the live one."""

import re
import sys

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import pytest

from course import explorers
from course.authoring import explorer_cell
from course.core import notebooks
from course.core.notebooks import CHAPTERS, SOLUTIONS
from course.explorers import Explorer, ExplorerMismatch

matplotlib.use("Agg")


def wave(frequency=1.0, kind="sin", flip=False, seed=0):
    import numpy as np

    x = np.linspace(0, 6, 40)
    figure, ax = plt.subplots(figsize=(3, 2))
    ax.plot(x, getattr(np, kind)(frequency * x) * (-1 if flip else 1))
    plt.show()
    print(f"{kind} at frequency {frequency:.2f}, seed {seed}")


def controls():
    return {"frequency": widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25, description="frequency"),
            "kind": widgets.Dropdown(options=["sin", "cos"]),
            "flip": widgets.Checkbox(value=False, description="flip"),
            "seed": widgets.IntSlider(value=0, min=0, max=9, description="seed")}


@pytest.fixture(scope="module")
def explorer():
    return Explorer(wave, controls(), grid={"frequency": [0.5, 1.0, 2.0], "seed": None})


def visible_states(html):
    return re.findall(r'<div class="course-explorer-state" data-state="([\d-]+)">', html)


def test_the_page_holds_one_state_per_grid_point_and_shows_the_start(explorer):
    html = explorer._repr_mimebundle_()["text/html"]
    assert len(explorer.states) == 3 * 2 * 2 == html.count('class="course-explorer-state"')
    assert visible_states(html) == ["1-0-0"], "frequency 1.0 (index 1), sin, unchecked"
    assert "sin at frequency 1.00, seed 0" in html
    assert html.count("data:image/png;base64,") == 12
    assert 'data-control="frequency"' in html and "<select" in html and 'type="checkbox"' in html


def test_a_control_left_out_of_the_grid_is_marked_kernel_only(explorer):
    html = explorer.html()
    assert 'data-control="seed"' not in html
    assert re.search(r'course-explorer-fixed">seed <b>0</b> <a class="course-explorer-colab">'
                     r"Open in Colab to move this</a>", html)


def test_moving_a_live_control_redraws_the_same_outputs_as_the_page_state(explorer):
    explorer.controls["frequency"].value = 2.0
    explorer.controls["kind"].value = "cos"
    try:
        live = list(explorer.output.outputs)
        assert live == explorer.states[(2, 1, 0)]
        assert live[0]["data"]["image/png"] != explorer.states[(1, 0, 0)][0]["data"]["image/png"]
        assert live[1] == {"output_type": "stream", "name": "stdout", "text": "cos at frequency 2.00, seed 0\n"}
    finally:
        explorer.controls["frequency"].value, explorer.controls["kind"].value = 1.0, "sin"


def test_a_function_that_draws_differently_each_call_fails_the_agreement_check():
    calls = []

    def drifting(a=1):
        calls.append(a)
        print(f"a = {a}, call {len(calls)}")  # depends on more than its arguments

    with pytest.raises(ExplorerMismatch, match="drifting"):
        Explorer(drifting, {"a": widgets.IntSlider(value=1, min=0, max=3)}, grid={"a": [0, 1, 2]})


def test_every_call_starts_from_the_same_random_state_and_leaves_the_streams_alone():
    import torch

    def noisy(a=1):
        print(f"{a} {torch.rand(1).item():.6f}")

    torch.manual_seed(5)
    expected_next = torch.rand(1).item()
    torch.manual_seed(5)
    explorer = Explorer(noisy, {"a": widgets.IntSlider(value=1, min=0, max=3)}, grid={"a": [0, 1, 2, 3]})
    assert torch.rand(1).item() == expected_next
    draws = {outputs[0]["text"].split()[1] for outputs in explorer.states.values()}
    assert len(draws) == 1, "each setting draws from the same seed"


@pytest.mark.parametrize("control, grid, message", [
    (widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25), [1.0, 1.1], "cannot take the grid value 1.1"),
    (widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25), [0.5, 4.0], "cannot take the grid value 4.0"),
    (widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25), [0.5, 2.0], "start value 1.0"),
    (widgets.Dropdown(options=["a", "b"]), ["a", "c"], "cannot take the grid value 'c'"),
])
def test_a_grid_the_live_control_cannot_reach_is_refused(control, grid, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Explorer(lambda x: print(x), {"x": control}, grid={"x": grid})


def test_a_slider_needs_a_grid_or_an_explicit_kernel_only():
    with pytest.raises(ValueError, match="give its values in grid"):
        Explorer(lambda x: print(x), {"x": widgets.IntSlider(value=1)})


def test_too_large_a_grid_is_refused_for_the_page_weight():
    with pytest.raises(ValueError, match="heavy page"):
        Explorer(lambda x, y: None, {"x": widgets.IntSlider(value=0, max=100), "y": widgets.IntSlider(value=0, max=100)},
                 grid={"x": list(range(20)), "y": list(range(20))})


def test_in_colab_only_the_live_version_is_built(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", object())
    calls = []
    explorer = Explorer(lambda a: calls.append(a), {"a": widgets.IntSlider(value=1, max=3)}, grid={"a": [0, 1, 2]})
    bundle = explorer._repr_mimebundle_()
    assert explorer.states is None and calls == [1]
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id


EXPLORER_CALL = re.compile(r"\bExplorer\(")


@pytest.mark.parametrize("path", notebooks.notebooks(CHAPTERS), ids=lambda p: p.stem)
def test_chapters_with_an_explorer_carry_the_current_helper_before_it(path):
    nb = notebooks.read(path)
    helpers = explorer_cell.find(nb)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and i not in helpers]
    callers = [i for i, c in code if EXPLORER_CALL.search(c.source)]
    for i in helpers:
        assert explorer_cell.is_current(nb.cells[i]), (
            f"{path.name}: cell {i} differs from course/explorers.py; `make stamp` and re-execute")
    if callers:
        assert helpers and helpers[0] < callers[0], f"{path.name}: cell {callers[0]} uses Explorer before the helper"
    for i in callers:
        assert "nbval-ignore-output" not in nb.cells[i].metadata.get("tags", []), (
            f"{path.name}: cell {i}: an explorer's web-page version is compared by nbval")
        html = "".join(o.get("data", {}).get("text/html", "") for o in nb.cells[i].outputs)
        assert 'class="course-explorer"' in html, f"{path.name}: cell {i} has no stored web-page version"


@pytest.mark.parametrize("path", notebooks.notebooks(CHAPTERS), ids=lambda p: p.stem)
def test_no_chapter_shows_a_widget_that_only_works_in_a_kernel(path):
    """ipywidgets' own interact/interactive render on the page as controls that do nothing."""
    for i, cell in enumerate(notebooks.read(path).cells):
        if cell.cell_type == "code" and "explorer-helper" not in cell.metadata.get("tags", []):
            assert not re.search(r"\b(interact|interactive|interact_manual)\(", cell.source), (
                f"{path.name}: cell {i}: use Explorer (course/explorers.py) so the web page responds")


def test_the_helper_cell_is_the_module():
    assert explorer_cell.SOURCE.endswith(open(explorers.__file__, encoding="utf-8").read().rstrip("\n"))


def test_no_notebook_stores_widget_state():
    """Nothing reads it: the site shows each explorer's precomputed HTML and a kernel draws
    the live widget (course/execution/execute.py executes with store_widget_state=False)."""
    stored = [p.name for folder in (CHAPTERS, SOLUTIONS) for p in notebooks.notebooks(folder)
              if "widgets" in notebooks.read(p).metadata]
    assert not stored, f"notebooks holding widget state: {stored}"
