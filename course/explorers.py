"""Explorer helper: ipywidgets controls that are live in a kernel and still respond on the
static web page. Every chapter with an explorer holds this same cell, stamped from
course/explorers.py in the course's repository: edit it there, not here.

Explorer(function, controls, grid) draws `function(**values)` (what it prints and the
matplotlib figures it shows) under the ipywidgets `controls`, redrawn whenever one moves.
For the web page, where no kernel runs, it also calls the same function at every point of
`grid` (a few values per control) and shows the results under plain HTML controls that
switch between them in the browser (a few lines of JavaScript inside the output: no
server, no CDN). A control left out of the grid is shown there as kernel-only, with an
"Open in Colab to move this" link. Before showing anything it moves the live controls to
a sample of grid points and checks that the kernel's output equals the precomputed one,
so the two versions cannot drift apart. Each call starts from the same random seed and
leaves the notebook's random streams untouched. In Colab only the live version is built.

Why not matplotlib's own HTML player (`FuncAnimation.to_jshtml`): it has one slider over
its frames, and most explorers here have two to four controls. Figures are PNG, whose
bytes the notebook tests do not compare (they replace them with a placeholder).
Names starting with _ are the helper's own, so that they cannot clash with a chapter's.
"""
import base64 as _base64
import html as _html
import io as _io
import itertools as _itertools
import json as _json
import random as _random
import sys as _sys
from contextlib import contextmanager as _contextmanager, nullcontext as _nullcontext
from contextlib import redirect_stderr as _redirect_stderr, redirect_stdout as _redirect_stdout
from unittest import mock as _mock

import ipywidgets as widgets
import matplotlib.pyplot as plt

_MAX_STATES = 300  # a larger grid makes a heavy page: choose fewer values
_COLAB = "Open in Colab to move this"


class ExplorerMismatch(AssertionError):
    """The live explorer and its precomputed web-page version show different outputs."""


class _Recorder(_io.TextIOBase):
    """A stream that appends what is written to a shared list of outputs, in order."""

    def __init__(self, name, outputs):
        self.name, self.outputs = name, outputs

    def write(self, text):
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == self.name:
            last["text"] += text
        elif text:
            self.outputs.append({"output_type": "stream", "name": self.name, "text": text})
        return len(text)


def _figure_output(figure, dpi):
    buffer = _io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    width, height = figure.get_size_inches() * figure.dpi
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": _base64.b64encode(buffer.getvalue()).decode("ascii"),
                     "text/plain": f"<Figure size {width:g}x{height:g} with {len(figure.axes)} Axes>"}}


@_contextmanager
def _seeded(seed=0):
    """Every call starts from the same random state (so a setting always draws the same
    picture, live or precomputed) and leaves the notebook's own random streams as they were."""
    numpy, torch = _sys.modules.get("numpy"), _sys.modules.get("torch")
    saved = _random.getstate(), numpy and numpy.random.get_state()
    with torch.random.fork_rng() if torch else _nullcontext():
        _random.seed(seed)
        if numpy:
            numpy.random.seed(seed)
        if torch:
            torch.manual_seed(seed)
        try:
            yield
        finally:
            _random.setstate(saved[0])
            if numpy:
                numpy.random.set_state(saved[1])


def _run(function, values, dpi):
    """Call function(**values), seeded; returns its outputs as notebook outputs, in order:
    what it printed (stdout, stderr) and each figure it showed, as PNG."""
    outputs, before = [], set(plt.get_fignums())

    def show(*args, **kwargs):
        for number in sorted(set(plt.get_fignums()) - before):
            outputs.append(_figure_output(plt.figure(number), dpi))
            plt.close(number)

    with _seeded(), _mock.patch.object(plt, "show", show), \
            _redirect_stdout(_Recorder("stdout", outputs)), _redirect_stderr(_Recorder("stderr", outputs)):
        function(**values)
        show()  # a figure drawn but never shown
    return outputs


def _options(widget):
    """[(label, value)] of a selection widget (Dropdown, SelectionSlider, ...)."""
    return [item if isinstance(item, tuple) else (str(item), item) for item in widget.options]


def _label(widget, value):
    for label, option in _options(widget) if hasattr(widget, "options") else []:
        if option == value:
            return label
    if isinstance(value, float) and hasattr(widget, "readout_format"):
        return format(value, widget.readout_format)
    return str(value)


def _grid_values(name, widget, grid):
    """The values of a control on the web page: grid[name], or every option of a selection
    widget or checkbox; None when the control is kernel-only there."""
    if name in grid:
        values = grid[name]
        return None if values is None else list(values)
    if hasattr(widget, "options"):
        return [value for _, value in _options(widget)]
    if isinstance(widget.value, bool):
        return [False, True]
    raise ValueError(f"{name}: give its values in grid, or grid={{'{name}': None}} to keep it kernel-only")


def _check_reachable(name, widget, values):
    """Every grid value must be one the live control can take, its start value among them."""
    for value in values:
        if hasattr(widget, "options"):
            ok = any(value == option for _, option in _options(widget))
        elif isinstance(widget.value, bool):
            ok = isinstance(value, bool)
        elif hasattr(widget, "step"):
            steps = (value - widget.min) / widget.step
            ok = widget.min <= value <= widget.max and abs(steps - round(steps)) < 1e-6
        else:
            ok = isinstance(value, type(widget.value))
        if not ok:
            raise ValueError(f"{name}: the live control cannot take the grid value {value!r}")
    if widget.value not in values:
        raise ValueError(f"{name}: the grid must hold the control's start value {widget.value!r}")


class Explorer:
    """Live controls over `function` in a kernel, precomputed states on the web page."""

    def __init__(self, function, controls, grid=None, dpi=72, samples=2):
        self.function, self.controls, self.dpi = function, dict(controls), dpi
        grid = grid or {}
        self.static = {}  # name -> grid values, for the controls the web page can move
        for name, widget in self.controls.items():
            values = _grid_values(name, widget, grid)
            if values is not None and len(values) > 1:
                if isinstance(widget.value, bool):
                    values = sorted(values)  # unchecked, checked: the order of a checkbox
                _check_reachable(name, widget, values)
                self.static[name] = values
        self.output = widgets.Output()
        self.widget = widgets.VBox([*self.controls.values(), self.output])
        self._paused = False
        for widget in self.controls.values():
            widget.observe(self._redraw, "value")
        self.states = None  # key (grid indices) -> outputs, built below outside Colab
        if "google.colab" in _sys.modules:  # Colab shows only the live version
            self._redraw()
            return
        self.states = self._precompute()
        self.output.outputs = tuple(self.states[self._key()])
        self._check_agreement(samples)

    def values(self):
        return {name: widget.value for name, widget in self.controls.items()}

    def _draw(self, values=None):
        return _run(self.function, values or self.values(), self.dpi)

    def _redraw(self, change=None):
        if not self._paused:
            self.output.outputs = tuple(self._draw())

    def _key(self, values=None):
        values = values or self.values()
        return tuple(grid.index(values[name]) for name, grid in self.static.items())

    def _points(self):
        """Every grid point, as full control values (kernel-only controls at their start)."""
        for combination in _itertools.product(*self.static.values()):
            yield {**self.values(), **dict(zip(self.static, combination))}

    def _precompute(self):
        count = len(list(_itertools.product(*self.static.values())))
        if count > _MAX_STATES:
            raise ValueError(f"{count} grid points make a heavy page: at most {_MAX_STATES}")
        return {self._key(point): self._draw(point) for point in self._points()}

    def _check_agreement(self, samples):
        """Move the live controls to a few grid points (the last one, then evenly spread)
        and compare what the kernel draws there with the precomputed state."""
        points = list(self._points())
        start = self.values()
        for point in points[::-max(1, len(points) // samples)][:samples]:
            for name, value in point.items():
                self.controls[name].value = value  # as a reader would: each move redraws
            if list(self.output.outputs) != self.states[self._key(point)]:
                raise ExplorerMismatch(
                    f"{self.function.__name__}{tuple(point.values())}: the live explorer shows other "
                    "outputs than the web page's precomputed state; the function must depend on its "
                    "arguments only, not on state kept between calls")
        self._paused = True  # back to the start, whose state is already drawn
        for name, value in start.items():
            self.controls[name].value = value
        self._paused = False
        self.output.outputs = tuple(self.states[self._key()])

    # How the notebook shows it: the live widget in a kernel; on the web page (which
    # renders text/html before widgets, _config.yml) the precomputed states.
    def _repr_mimebundle_(self, **kwargs):
        data = {"application/vnd.jupyter.widget-view+json": {
            "version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}}
        if self.states is None:
            data["text/plain"] = f"{self.function.__name__} explorer (live)"
            return data
        data["text/plain"] = (f"{self.function.__name__} explorer: live in a kernel; "
                              f"{len(self.states)} precomputed settings on the web page")
        data["text/html"] = self.html()
        return data

    def html(self):
        """The web page's version: HTML controls over the grid, one hidden block per state."""
        key = self._key()
        controls = "".join(self._control_html(name, widget) for name, widget in self.controls.items())
        states = "".join(
            f'<div class="course-explorer-state" data-state="{"-".join(map(str, k))}"'
            f'{"" if k == key else " hidden"}>{"".join(_output_html(o, self._describe(k)) for o in outputs)}</div>'
            for k, outputs in self.states.items())
        return (f'<div class="course-explorer">{_STYLE}<div class="course-explorer-controls">{controls}</div>'
                f'{states}<script>{_SCRIPT}</script></div>')

    def _describe(self, key):
        """'mean 1.00, std 0.50': the settings of a state, for its figure's alt text."""
        return ", ".join(f"{self.controls[name].description or name} {_label(self.controls[name], values[i])}"
                         for (name, values), i in zip(self.static.items(), key))

    def _control_html(self, name, widget):
        description = _html.escape(widget.description or name)
        if name not in self.static:
            return (f'<span class="course-explorer-fixed">{description} '
                    f'<b>{_html.escape(_label(widget, widget.value))}</b> '
                    f'<a class="course-explorer-colab">{_COLAB}</a></span>')
        values = self.static[name]
        index = values.index(widget.value)
        labels = [_label(widget, v) for v in values]
        if isinstance(widget.value, bool):
            checked = " checked" if widget.value else ""
            return (f'<label class="course-explorer-control"><input type="checkbox" '
                    f'data-control="{name}"{checked}> {description}</label>')
        if isinstance(widget, (widgets.Text, widgets.Dropdown, widgets.RadioButtons, widgets.ToggleButtons)):
            options = "".join(f'<option value="{i}"{" selected" if i == index else ""}>{_html.escape(label)}</option>'
                              for i, label in enumerate(labels))
            return (f'<label class="course-explorer-control">{description} '
                    f'<select data-control="{name}">{options}</select></label>')
        return (f'<label class="course-explorer-control">{description} <input type="range" min="0" '
                f'max="{len(values) - 1}" step="1" value="{index}" data-control="{name}" '
                f'data-labels="{_html.escape(_json.dumps(labels))}"> '
                f'<output>{_html.escape(labels[index])}</output></label>')


def _output_html(output, settings):
    if output["output_type"] == "stream":
        return f'<pre class="course-explorer-{output["name"]}">{_html.escape(output["text"])}</pre>'
    return f'<img alt="figure for {_html.escape(settings)}" src="data:image/png;base64,{output["data"]["image/png"]}">'


_STYLE = ("<style>.course-explorer-controls{display:flex;flex-wrap:wrap;gap:.3em 1.5em;"
          "align-items:center;margin-bottom:.5em}.course-explorer-control output{display:inline-block;"
          "min-width:3em}.course-explorer-fixed{color:#555}.course-explorer-colab{font-size:.85em;"
          "margin-left:.3em}.course-explorer-state pre{margin:0 0 .3em}"
          ".course-explorer-state pre.course-explorer-stderr{color:#a00}</style>")

# Shows the state whose key is the controls' current positions; points the
# kernel-only notes at the page's own Colab button.
_SCRIPT = """(function (root) {
  var controls = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
  function position(c) { return c.type === "checkbox" ? (c.checked ? 1 : 0) : Number(c.value); }
  function update() {
    var key = controls.map(position).join("-");
    controls.forEach(function (c) {
      var readout = c.parentNode.querySelector("output");
      if (readout) { readout.textContent = JSON.parse(c.dataset.labels)[position(c)]; }
    });
    root.querySelectorAll("[data-state]").forEach(function (s) { s.hidden = s.dataset.state !== key; });
  }
  controls.forEach(function (c) { c.addEventListener("input", update); c.addEventListener("change", update); });
  var colab = document.querySelector("a[href^='https://colab.research.google.com/']");
  root.querySelectorAll("a.course-explorer-colab").forEach(function (a) { if (colab) { a.href = colab.href; } });
  update();
})(document.currentScript.parentNode);"""
