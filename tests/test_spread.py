"""`python -m course spread`: the perturbation it applies and how it reports what moved."""

import contextlib

import torch
from d2l import torch as d2l

from course import setup_cell
from course.core import notebooks
from course.core.notebooks import CHAPTERS
from course.measure import spread


def test_the_table_lists_each_number_that_moved_with_its_largest_difference():
    stored = "{'train_loss': 0.518, 'val_loss': 0.474, 'val_acc': 0.829}"
    rows = spread.moved_numbers(stored, {1: "{'train_loss': 0.518, 'val_loss': 0.476, 'val_acc': 0.829}",
                                         2: "{'train_loss': 0.518, 'val_loss': 0.47, 'val_acc': 0.83}"})
    assert [(label, token, values) for label, token, values, _ in rows] == [
        ("val_loss", "0.474", ["0.476", "0.47"]), ("val_acc", "0.829", ["0.829", "0.83"])]
    assert [round(largest, 6) for *_, largest in rows] == [0.004, 0.001]


def test_a_run_that_printed_other_words_gets_a_row_of_its_own():
    rows = spread.moved_numbers("accuracy 0.5", {1: "accuracy 0.5", 2: "error: nan"})
    assert rows[0][0] == "run 2: other text"


def test_the_perturbation_goes_right_after_the_setup_cell_and_the_notebook_is_untouched():
    path = CHAPTERS / "3_4_linear_regression_scratch.ipynb"
    nb = notebooks.read(path)
    before = len(nb.cells)
    copy = spread.perturbed(nb, "nudge", 3)
    start = setup_cell.find(copy)
    assert "manual_seed(3)" in copy.cells[start + 1].source and "fit_epoch" in copy.cells[start + 1].source
    assert copy.cells[-1].source == "print(len(_spread_fits))"
    assert len(copy.cells) == before + 2 and len(nb.cells) == before
    assert spread.perturbed(nb, "seed", 3).cells[start + 1].source.startswith("random.seed(3)")


def train(epochs=1, scratch=False, num_train=32):
    """By default one epoch of one step, so the nudge after the first step is the fit's last
    change and shows in the result on any processor (after further steps, rounding may absorb
    a one-ulp change: seen on an AVX-512 Xeon). The concise model trains with
    torch.optim.SGD, the scratch one with d2l.SGD."""
    torch.manual_seed(0)
    data = d2l.SyntheticRegressionData(w=torch.tensor([2.0, -3.4]), b=4.2, num_train=num_train, num_val=64)
    model = (d2l.LinearRegressionScratch(2, lr=0.03) if scratch else d2l.LinearRegression(lr=0.03))
    model.board.display = False
    d2l.Trainer(max_epochs=epochs).fit(model, data)
    weights = (model.w, model.b) if scratch else model.parameters()  # scratch: plain tensors
    return torch.cat([p.detach().flatten() for p in weights])


@contextlib.contextmanager
def nudge_cell_executed(monkeypatch):
    """The nudge cell executed here, as in a kernel; its hooks are removed afterwards."""
    monkeypatch.setattr(d2l.Trainer, "fit_epoch", d2l.Trainer.fit_epoch)  # restored after the test
    namespace = {"torch": torch, "d2l": d2l}
    exec(spread.NUDGE.format(run=1), namespace)
    try:
        yield namespace
    finally:
        namespace["_spread_hook"].remove()
        monkeypatch.undo()


def test_the_nudge_moves_each_fit_once_by_a_rounding_difference(monkeypatch):
    plain, plain_scratch = train(), train(scratch=True)
    with nudge_cell_executed(monkeypatch) as namespace:
        nudged, again, scratch = train(), train(), train(scratch=True)
        train(epochs=2, num_train=64)  # two epochs of two steps: still one nudge
    assert namespace["_spread_fits"] == [1, 1, 1, 1]  # one nudge per fit, not per epoch or per hook
    assert bool((nudged != plain).all()) and not torch.equal(nudged, again)  # every entry, by chance
    assert torch.allclose(plain, nudged, rtol=1e-6, atol=0)
    assert bool((scratch != plain_scratch).all())  # d2l.SGD, which torch's step hook cannot see
    assert torch.allclose(plain_scratch, scratch, rtol=1e-6, atol=0)


def own_loop(steps=4):
    """A training loop of a notebook's own, as 5.5's: torch.optim.Adam, no d2l.Trainer."""
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 1)
    optim = torch.optim.Adam(net.parameters(), lr=0.01)
    X, y = torch.randn(16, 3), torch.randn(16, 1)
    for _ in range(steps):
        optim.zero_grad()
        torch.nn.functional.mse_loss(net(X), y).backward()
        optim.step()
    return torch.cat([p.detach().flatten() for p in net.parameters()])


def test_a_loop_of_the_notebooks_own_is_nudged_once_per_optimiser(monkeypatch):
    plain = own_loop()
    with nudge_cell_executed(monkeypatch) as namespace:
        nudged = own_loop()
    assert namespace["_spread_fits"] == [1]
    assert not torch.equal(plain, nudged) and torch.allclose(plain, nudged, rtol=1e-5, atol=0)
    assert torch.equal(own_loop(), plain)  # the hook is gone with the fixture


def test_it_examines_the_cells_nbval_compares():
    nb = notebooks.read(CHAPTERS / "5_6_dropout.ipynb")
    cells = spread.compared_cells(nb)
    final_metrics = [i for i, c in enumerate(nb.cells) if c.source.startswith("print(final_metrics(")]
    training = [i for i, c in enumerate(nb.cells) if "fit_and_time(trainer" in c.source]
    assert final_metrics and set(final_metrics) <= set(cells)
    assert training and not set(training) & set(cells)  # nbval-ignore-output: timings
    assert setup_cell.find(nb) not in cells


def test_what_nbval_sanitizes_does_not_count_as_moved():
    stored, printed = "<graphviz.graphs.Digraph at 0x7f52a67d7bd0>", "<graphviz.graphs.Digraph at 0x7f79cb2087d0>"
    assert spread.moved_numbers(spread.sanitized(stored), {1: spread.sanitized(printed)}) == []
