"""The architecture figures: what the drawing helper draws for the shapes of network the
chapters build, and that every chapter carries the current helper cell."""

import re
import shutil

import pytest
import torch
from torch import nn

from course.authoring import drawing_cell
from course.core import notebooks
from course.core.notebooks import CHAPTERS
from course.network_drawing import draw_module, side_by_side


def edges(graph):
    return set(re.findall(r"^\s*(\S+) -> (\S+)", graph.source, flags=re.M))


def label(graph, node):
    """The node's last label (a box that takes in an activation is drawn again)."""
    found = re.findall(rf"^\s*{node} \[label=(.*?) (?:fillcolor|shape)=", graph.source, flags=re.M)
    assert found, f"no node {node} in\n{graph.source}"
    return found[-1]


class Residual(nn.Module):
    """A small residual block: conv, batch norm and ReLU, plus the input."""

    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.LazyConv2d(8, kernel_size=3, padding=1), nn.LazyBatchNorm2d()

    def forward(self, X):
        return torch.relu(self.bn(self.conv(X)) + X)


class TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.left = nn.Sequential(nn.LazyConv2d(4, kernel_size=1), nn.ReLU())
        self.right = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), nn.LazyConv2d(6, kernel_size=1))

    def forward(self, X):
        return torch.cat([self.left(X), self.right(X)], dim=1)


def test_a_residual_block_shows_the_skip_connection_into_the_addition():
    graph = draw_module(Residual(), torch.zeros(1, 8, 6, 6))
    assert {("input", "conv"), ("conv", "bn"), ("bn", "add"), ("input", "add"), ("add", "relu")} <= edges(graph)
    assert label(graph, "add") == '"+"'
    assert label(graph, "conv").startswith("<3×3 conv, 8<BR/>") and "8×6×6" in label(graph, "conv")


def test_branches_meet_in_a_concatenation_with_the_summed_channels():
    graph = draw_module(TwoBranches(), torch.zeros(1, 3, 5, 5))
    into_cat = {a for a, b in edges(graph) if b == "cat"}
    assert len(into_cat) == 2
    assert "concatenate channels" in label(graph, "cat") and "10×5×5" in label(graph, "cat")


def test_an_activation_and_dropout_are_written_into_the_layer_before_them():
    net = nn.Sequential(nn.Flatten(), nn.LazyLinear(16), nn.ReLU(), nn.Dropout(0.5), nn.LazyLinear(3))
    graph = draw_module(net, torch.zeros(2, 4, 2, 2))
    assert "dense, 16 · ReLU · dropout 0.5" in label(graph, "_1")
    assert {("_0", "_1"), ("_1", "_4")} <= edges(graph), "the folded steps get no box of their own"


def test_a_grouped_convolution_is_drawn_as_its_groups_side_by_side():
    net = nn.Sequential(nn.LazyConv2d(8, kernel_size=3, padding=1, groups=4), nn.ReLU())
    graph = draw_module(net, torch.zeros(1, 8, 5, 5))
    assert "group 1: channels 1-2" in graph.source and "group 4: channels 7-8" in graph.source
    assert "⋯ 1 more" in graph.source and "group 3:" not in graph.source
    assert len([e for e in edges(graph) if e[1] == "_0_join"]) == 3  # the groups drawn rejoin


def test_drawing_leaves_the_random_numbers_alone():
    state = torch.random.get_rng_state()
    draw_module(Residual(), torch.zeros(1, 8, 6, 6))  # initialising lazy layers draws numbers
    assert torch.equal(state, torch.random.get_rng_state())


def test_side_by_side_titles_each_column():
    graph = side_by_side(("left", Residual(), torch.zeros(1, 8, 4, 4)),
                         ("right", TwoBranches(), torch.zeros(1, 3, 4, 4)))
    assert "label=left" in graph.source and "label=right" in graph.source
    assert ("part0_input", "part0_add") in edges(graph) and ("part1_input", "part1_left_0") in edges(graph)
    assert ("part0_output", "part1_input") not in edges(graph)


def test_stacked_parts_go_one_below_the_other():
    graph = side_by_side(("top", Residual(), torch.zeros(1, 8, 4, 4)),
                         ("below", TwoBranches(), torch.zeros(1, 3, 4, 4)), stacked=True)
    assert re.search(r"part0_output -> part1_input \[style=invis\]", graph.source)


def test_a_module_class_named_whole_is_one_box_with_its_output_shape():
    net = nn.Sequential(nn.LazyConv2d(3, kernel_size=1), TwoBranches(), nn.ReLU())
    layered, whole = draw_module(net, torch.zeros(1, 3, 4, 4)), draw_module(net, torch.zeros(1, 3, 4, 4), whole=(TwoBranches,))
    assert "concatenate channels" in layered.source and "concatenate channels" not in whole.source
    assert ("_0", "_1") in edges(whole) and "twobranches · ReLU" in label(whole, "_1")


def test_the_figure_renders_as_svg():
    if not shutil.which("dot"):
        pytest.fail("graphviz's `dot` is missing: `make system` installs Debian's graphviz")
    svg = draw_module(Residual(), torch.zeros(1, 8, 6, 6))._repr_mimebundle_()["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "3×3 conv, 8" in svg


CALLS = re.compile(r"\b(draw_module|side_by_side)\(")


@pytest.mark.parametrize("path", notebooks.notebooks(CHAPTERS), ids=lambda p: p.stem)
def test_chapters_that_draw_carry_the_current_helper_first(path):
    nb = notebooks.read(path)
    helpers = drawing_cell.find(nb)
    callers = [i for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and i not in helpers and CALLS.search(c.source)]
    for i in helpers:
        assert drawing_cell.is_current(nb.cells[i]), (
            f"{path.name}: cell {i} differs from course/network_drawing.py; restamp it with "
            "course.authoring.drawing_cell.stamp and re-execute the notebook")
    if callers:
        assert helpers and helpers[0] < callers[0], f"{path.name}: cell {callers[0]} draws before the helper is defined"
    for i in callers:
        assert "figure" in nb.cells[i].metadata.get("tags", []), (
            f"{path.name}: cell {i} draws a figure but is not tagged `figure` (the site tests look for it)")
