"""Drawing helper for the architecture figures. Every notebook that draws a network holds
this same cell, stamped from course/network_drawing.py in the course's repository: edit it
there, not here.

draw_module(module, example) traces the module's forward pass with torch.fx on the batch
`example` and draws it with graphviz: a box per layer (an activation or dropout that
follows a layer is written into that layer's box), the shape of each output as
channels × height × width, a circle for each addition, a box for each concatenation, and a
grouped convolution as its groups side by side. side_by_side(...) puts several such
drawings into one figure. Drawing runs the module once on `example`; the random number
generator is left as it was, so a figure does not change the numbers that follow it.
Names starting with _ are the helper's own, so that they cannot clash with a chapter's.
"""
import operator

import graphviz
import torch
import torch.fx
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp

# Box colours by kind of layer; additions and concatenations are yellow.
_COLOURS = {nn.Conv2d: "#c9daf8", nn.Linear: "#d9ead3", nn.BatchNorm2d: "#ead1dc",
           nn.MaxPool2d: "#fce5cd", nn.AvgPool2d: "#fce5cd", nn.AdaptiveAvgPool2d: "#fce5cd"}
_MERGE, _OTHER = "#fff2cc", "#eeeeee"


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _describe(layer):
    """How a figure names a layer: kind, window, output channels, stride, groups."""
    if isinstance(layer, nn.Conv2d):
        (kh, kw), stride = layer.kernel_size, _pair(layer.stride)[0]
        return (f"{kh}×{kw} conv, {layer.out_channels}" + (f", stride {stride}" if stride > 1 else "")
                + (f", {layer.groups} groups" if layer.groups > 1 else ""))
    if isinstance(layer, nn.Linear):
        return f"dense, {layer.out_features}"
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        (kh, kw), kind = _pair(layer.kernel_size), "max" if isinstance(layer, nn.MaxPool2d) else "avg"
        return f"{kh}×{kw} {kind}-pool, stride {_pair(layer.stride)[0]}"
    if isinstance(layer, nn.AdaptiveAvgPool2d):
        return "global avg-pool"
    if isinstance(layer, nn.BatchNorm2d):
        return "batch norm"
    return type(layer).__name__.lower()


def _elementwise(node, layer):
    """'ReLU', 'sigmoid' or 'dropout p' when the traced node applies one of them, else None."""
    if isinstance(layer, nn.ReLU):
        return "ReLU"
    if isinstance(layer, nn.Sigmoid):
        return "sigmoid"
    if isinstance(layer, nn.Dropout):
        return f"dropout {layer.p}"
    if node.op in ("call_function", "call_method"):
        return {"relu": "ReLU", "sigmoid": "sigmoid"}.get(getattr(node.target, "__name__", node.target))
    return None


class _Tracer(torch.fx.Tracer):
    """torch.fx's tracer, keeping modules of the classes in `whole` as one step each."""

    def __init__(self, whole=()):
        super().__init__()
        self.whole = tuple(whole)

    def is_leaf_module(self, m, qualname):
        return isinstance(m, self.whole) or super().is_leaf_module(m, qualname)


def draw_module(module, example, graph=None, prefix="", whole=()):
    """Draw module's forward pass on the batch `example`; returns a graphviz graph (or draws
    into `graph`, naming its nodes with `prefix`: its input is `prefix + "input"`, its output
    `prefix + "output"`). Modules of the classes in `whole` are drawn as one box each, their
    class name in lower case, instead of layer by layer."""
    traced = torch.fx.GraphModule(module, _Tracer(whole).trace(module))
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        ShapeProp(traced).propagate(example)  # initialises lazy layers, records every shape
    modules = dict(traced.named_modules())
    graph = _new_figure() if graph is None else graph
    shown_by = {}  # traced node -> the graph node that shows its value
    boxes = {}     # graph node -> its text, for layer boxes that can take in what follows

    def shape(node):
        meta = node.meta.get("tensor_meta")
        return "×".join(map(str, meta.shape[1:])) if meta is not None else ""

    def draw_box(name, text, colour, node):
        graph.node(name, f'<{text}<BR/><FONT POINT-SIZE="9" COLOR="#555555">{shape(node)}</FONT>>',
                   fillcolor=colour)
        return name

    for node in traced.graph.nodes:
        name = prefix + ("input" if node.op == "placeholder" else node.name)
        inputs = [shown_by[n] for n in node.all_input_nodes]
        layer = modules[node.target] if node.op == "call_module" else None
        step = _elementwise(node, layer)
        if node.op in ("placeholder", "output"):
            text = f"input {shape(node)}" if node.op == "placeholder" else "output"
            graph.node(name, text, shape="plaintext", style="")
        elif isinstance(layer, nn.Identity):
            shown_by[node] = inputs[0]
            continue
        elif step and inputs[0] in boxes and len(node.all_input_nodes[0].users) == 1:
            text, colour = boxes[inputs[0]]  # written into the box of the layer before it
            boxes[inputs[0]] = (f"{text} · {step}", colour)
            draw_box(inputs[0], *boxes[inputs[0]], node)
            shown_by[node] = inputs[0]
            continue
        elif node.target in (operator.add, torch.add):
            graph.node(name, "+", shape="circle", fillcolor=_MERGE, fontsize="16", width="0.3",
                       fixedsize="true")
        elif node.target is torch.cat:
            draw_box(name, "concatenate channels", _MERGE, node)
        elif getattr(layer, "groups", 1) > 1:
            shown_by[node] = _draw_groups(graph, name, layer, inputs, shape(node))
            continue
        else:
            boxes[name] = (_describe(layer) if layer is not None else step or str(node.target),
                           _COLOURS.get(type(layer), _OTHER))
            draw_box(name, *boxes[name], node)
        for source in inputs:
            graph.edge(source, name)
        shown_by[node] = name
    return graph


def _draw_groups(graph, name, conv, sources, shape_text, shown=3):
    """A grouped convolution as its groups side by side (the first shown - 1 and the last),
    joined by a concatenation; returns the name of the concatenation."""
    g, per_in, per_out = conv.groups, conv.in_channels // conv.groups, conv.out_channels // conv.groups
    kh, kw = conv.kernel_size
    lanes = list(range(shown - 1)) + ["more", g - 1] if g > shown else list(range(g))
    with graph.subgraph(name=f"cluster_{name}") as frame, frame.subgraph(name=f"{name}_row") as row:
        frame.attr(label=f"{_describe(conv)}: {g} convolutions side by side", fontsize="10",
                   style="dashed,rounded", color="#666666")
        row.attr(rank="same")
        for i in lanes:
            if i == "more":
                row.node(f"{name}_more", f"⋯ {g - shown} more", shape="plaintext", style="")
            else:
                row.node(f"{name}_{i}", f'<group {i + 1}: channels {i * per_in + 1}-{(i + 1) * per_in}'
                         f'<BR/><FONT POINT-SIZE="9">{kh}×{kw} conv to {per_out} channels</FONT>>',
                         fillcolor=_COLOURS[nn.Conv2d])
        for a, b in zip(lanes, lanes[1:]):  # keeps the groups in order, left to right
            row.edge(f"{name}_{a}", f"{name}_{b}", style="invis")
    join = f"{name}_join"
    graph.node(join, f'<concatenate<BR/><FONT POINT-SIZE="9" COLOR="#555555">{shape_text}</FONT>>',
               fillcolor=_MERGE)
    for i in lanes:
        if i != "more":
            for source in sources:
                graph.edge(source, f"{name}_{i}")
            graph.edge(f"{name}_{i}", join)
    return join


def side_by_side(*parts, stacked=False):
    """One figure with a titled column for each (title, module, example) in parts; with
    `stacked`, the columns go one below the other (narrow enough for a phone)."""
    figure = _new_figure()
    for i, (title, module, example) in enumerate(parts):
        with figure.subgraph(name=f"cluster_{i}") as column:
            column.attr(label=title, fontsize="13", color="white")
            draw_module(module, example, column, prefix=f"part{i}_")
        if stacked and i:  # an edge nobody sees puts this part under the one before
            figure.edge(f"part{i - 1}_output", f"part{i}_input", style="invis")
    return figure


def _new_figure():
    return graphviz.Digraph(
        graph_attr={"rankdir": "TB", "nodesep": "0.3", "ranksep": "0.22", "fontname": "Helvetica"},
        node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                   "fontsize": "11", "height": "0.3", "margin": "0.08,0.03"},
        edge_attr={"arrowsize": "0.6", "color": "#444444"})
