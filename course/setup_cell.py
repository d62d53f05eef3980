"""The setup cell: the first code cell of every notebook, stamped from SOURCE below.

Edit SOURCE here, then run `make stamp`; tests/test_setup_cell.py fails on any notebook
whose first code cell has drifted. The cell must work on its own on Colab, where this
package is not installed, so everything the notebooks share lives in its text.
"""

import copy

import nbformat

TAG = "course-setup"
# hide-cell folds the cell away on the site; its output (profile, versions, device) differs
# between machines, so nbval does not compare it.
TAGS = [TAG, "hide-cell", "nbval-ignore-output"]
# Colab ignores tags: it folds a cell to its `@title` line (SOURCE's first) when the cell
# carries this form metadata. JupyterLab folds the code by `source_hidden`.
FOLDED = {"cellView": "form", "jupyter": {"source_hidden": True}}

SOURCE = '''\
# @title Course setup: run this cell first { display-mode: "form" }
# The same in every notebook: edit course/setup_cell.py and run `make stamp`.
import contextlib, os, random, subprocess, sys, time, types
if "google.colab" in sys.modules:  # Colab ships torch, torchvision, pandas and matplotlib
    # d2l without its obsolete pins (--no-deps, which also skips pip's conflict report),
    # and without pip's notices about running as root and about newer pips.
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--root-user-action=ignore", "--disable-pip-version-check",
                    "d2l==1.0.3"], check=True)
    print("installed d2l 1.0.3")
import numpy as np
import torch
from d2l import torch as d2l

# Run profile: `quick` trains on a subset for about a minute on a CPU; `full` uses the
# book's settings. Unset means full where CUDA is available, quick otherwise.
PROFILE = os.environ.get("COURSE_PROFILE") or ("full" if torch.cuda.is_available() else "quick")
if PROFILE not in ("quick", "full"):
    raise ValueError(f"COURSE_PROFILE must be 'quick' or 'full', not {PROFILE!r}")
DEVICE = d2l.try_gpu()

# Settings a quick run changes from the book's: noted by by_profile(quick, full, name),
# printed (and forgotten) by the next fit_and_time.
CHANGED = {}

def by_profile(quick, full, name=None):
    """The setting for the current run profile (a named one is reported if quick changes it)."""
    if PROFILE == "quick" and name and quick != full:
        CHANGED[name] = f"{quick} (book {full})"
    return quick if PROFILE == "quick" else full

def in_memory(dataset, count, size):
    """The first count images of a torchvision Fashion-MNIST as a TensorDataset, scaled to
    [0, 1] and resized to size once, instead of per image each time a batch is loaded."""
    images = dataset.data[:count].unsqueeze(1).float() / 255   # what ToTensor() gives
    if tuple(images.shape[-2:]) != tuple(size):
        images = torch.nn.functional.interpolate(images, size=tuple(size), mode="bilinear",
                                                 antialias=True)
    return torch.utils.data.TensorDataset(images, dataset.targets[:count])

def for_profile(data, quick_train, quick_val, quick_resize=None, quick_batch_size=None):
    """Fit a d2l.FashionMNIST to the run profile and say what it will train on. full: the
    book's data. quick: the first quick_train and quick_val images, held in memory at
    quick_resize (default: the book's size), in batches of quick_batch_size (default: the book's)."""
    sizes, book_size, book_batch = (len(data.train), len(data.val)), tuple(data.resize), data.batch_size
    if PROFILE == "full":
        data.num_workers = min(data.num_workers, os.cpu_count() or 1)
    else:
        data.resize, data.batch_size = tuple(quick_resize or book_size), quick_batch_size or book_batch
        data.train = in_memory(data.train, min(quick_train, sizes[0]), data.resize)
        data.val = in_memory(data.val, min(quick_val, sizes[1]), data.resize)
        data.num_workers = 0  # batches are slices of tensors in memory: no loading to overlap
    side = lambda size: " x ".join(map(str, size))
    differs = lambda now, book: f"{now} (book {book})" if now != book else f"{now}"
    print(f"{PROFILE} profile: {len(data.train):,} of {sizes[0]:,} training images and "
          f"{len(data.val):,} of {sizes[1]:,} validation images"
          + (", held in memory" if PROFILE == "quick" else "")
          + f"; size {differs(side(data.resize), side(book_size))}, "
          f"batch size {differs(data.batch_size, book_batch)}")
    return data

def init_for_profile(module, bias=0.0):
    """Initialise a CNN's layers for the run profile (model.apply_init(inputs, init_for_profile)).
    full: Xavier, as the book (d2l.init_cnn). quick: He initialisation for ReLU layers
    (section 5.4), biases at `bias`; from Xavier's smaller weights a deep ReLU network without
    normalisation sits at loss ln 10 for hundreds of steps, more than a quick run has."""
    if PROFILE == "full":
        return d2l.init_cnn(module)
    if type(module) in (torch.nn.Linear, torch.nn.Conv2d):
        CHANGED["initialisation"] = "He" + (f", biases {bias}" if bias else "") + " (book Xavier)"
        torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        torch.nn.init.constant_(module.bias, bias)

@contextlib.contextmanager
def evaluating(model):
    """model in evaluation mode without gradients (a batch of one 1 x 1 map cannot be batch-
    normalised in training mode), its own mode given back afterwards."""
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(training)

def with_one_cycle(optimizer, total_steps):
    """optimizer, its learning rate on torch's one-cycle schedule over total_steps: up from
    a 25th of its lr for the first 30 % of the steps, then down to almost 0. A d2l.Trainer
    only calls step(), so step() advances the schedule too."""
    step = optimizer.step
    def step_and_schedule(self, closure=None):
        loss = step(closure)
        if schedule.last_epoch < total_steps:
            schedule.step()
        return loss
    # A bound method, set before the schedule wraps it, as torch's schedulers expect.
    optimizer.step = types.MethodType(step_and_schedule, optimizer)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=optimizer.defaults["lr"], total_steps=total_steps,
        cycle_momentum="betas" in optimizer.defaults or bool(optimizer.defaults.get("momentum")))
    return optimizer

def quick_optimizer(model, trainer, data, lr, optimizer=torch.optim.Adam, one_cycle=True):
    """quick: train with optimizer (Adam unless given) at lr, by default on a one-cycle
    schedule over the trainer's steps, which a run of a few hundred steps needs; full: the
    model's own optimiser, the book's SGD."""
    if PROFILE == "quick":
        steps = trainer.max_epochs * len(data.train_dataloader())
        def configure():
            made = optimizer(model.parameters(), lr=lr)
            return with_one_cycle(made, steps) if one_cycle else made
        model.configure_optimizers = configure
        schedule = "one-cycle learning rate up to" if one_cycle else "learning rate"
        CHANGED["optimiser"] = f"{optimizer.__name__}, {schedule} {lr} (book SGD, lr {model.lr})"

def feature_map_sizes(net, sides):
    """Height x width after each part of net (its top-level children) that changes it, for
    one-channel square inputs of each side in sides ({label: side}), up to the dense head."""
    columns = {}
    for label, side in sides.items():
        X, sizes = torch.zeros(1, 1, side, side), {}
        with evaluating(net):
            for i, part in enumerate(net):
                if isinstance(part, (torch.nn.Flatten, torch.nn.Linear)) or X.dim() < 4:
                    break
                X = part(X)
                if X.dim() == 4:
                    sizes[i] = f"{X.shape[2]} x {X.shape[3]}"
        columns[f"{side} x {side} ({label})"] = sizes
    first = next(iter(columns.values()))
    rows = [i for i in first if i == 0 or first[i] != first.get(i - 1)]
    print(f"{'part of the network':<24}" + "".join(f"{c:>20}" for c in columns))
    for i in rows:
        print(f"{f'net[{i}] {type(net[i]).__name__}':<24}" + "".join(f"{c.get(i, '-'):>20}" for c in columns.values()))

def model_size(model, data):
    """Print a model's parameters and its multiply-adds for one training image (convolution
    and dense weights), counted with forward hooks: the comparison page reads this line."""
    macs, device = [], next(model.parameters()).device
    def count(module, inputs, output):
        positions = output.shape[-2] * output.shape[-1] if isinstance(module, torch.nn.Conv2d) else 1
        macs.append(module.weight.numel() * positions)
    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with evaluating(model):
        model(data.train[0][0].unsqueeze(0).to(device))
    for hook in hooks:
        hook.remove()
    params = sum(p.numel() for p in model.parameters())
    side = " x ".join(map(str, data.resize))
    print(f"model: {params:,} parameters, {sum(macs) / 1e6:,.1f} million multiply-adds per {side} image")

def show_curves(board):
    """Draw a d2l ProgressBoard's curves once (its live plot redraws everything at every
    point, which can take longer than a quick run's training steps)."""
    d2l.use_svg_display()  # as the live plot does
    fig, ax = d2l.plt.subplots(figsize=board.figsize)
    for (label, points), style, color in zip(board.data.items(), board.ls, board.colors):
        # A curve of one point (validation after a single epoch) is a dot, not an invisible line.
        ax.plot([p.x for p in points], [p.y for p in points], linestyle=style, color=color,
                label=label, marker="o" if len(points) == 1 else None)
    ax.set(xlabel=board.xlabel, ylabel=board.ylabel, xlim=board.xlim, ylim=board.ylim,
           xscale=board.xscale, yscale=board.yscale)
    ax.legend()
    d2l.plt.show()

def fit_and_time(trainer, model, data):
    """trainer.fit, then one line: epochs, examples, wall time, speed, device, and what a
    quick run changed from the book. A quick run plots its curves once, at the end."""
    live = model.board.display
    model.board.display = live and PROFILE == "full"
    start = time.perf_counter()
    trainer.fit(model, data)
    seconds = time.perf_counter() - start
    model.board.display = live
    if live and PROFILE == "quick":
        show_curves(model.board)
    examples = len(trainer.train_dataloader.dataset)
    epochs = f"{trainer.max_epochs} epoch" + ("s" if trainer.max_epochs != 1 else "")
    print(f"{PROFILE} profile: {epochs} of {examples:,} examples in {seconds:.1f} s on {DEVICE} "
          f"({trainer.max_epochs * examples / seconds:,.0f} examples/s)")
    if CHANGED:
        print("changed from the book: " + ", ".join(f"{k} {v}" for k, v in CHANGED.items()))
        CHANGED.clear()

def final_metrics(model):
    """The last value of every curve the trainer plotted (train_loss, val_loss, val_acc)."""
    return {name: round(float(points[-1].y), 3) for name, points in model.board.data.items()}

random.seed(0); np.random.seed(0); torch.manual_seed(0)
print(f"profile {PROFILE}, torch {torch.__version__}, device {DEVICE}")'''


def make_cell():
    """A fresh setup cell."""
    cell = nbformat.v4.new_code_cell(SOURCE)
    set_metadata(cell)
    return cell


def set_metadata(cell):
    """The setup cell's tags and folding metadata, on cell."""
    cell.metadata["tags"] = list(TAGS)
    cell.metadata.update(copy.deepcopy(FOLDED))


def find(nb):
    """Index of the notebook's first code cell, or None."""
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)


def is_current(nb):
    """True when the first code cell is the setup cell exactly as stamped."""
    i = find(nb)
    if i is None:
        return False
    cell = nb.cells[i]
    return (cell.source == SOURCE and cell.metadata.get("tags", []) == TAGS
            and all(cell.metadata.get(key) == value for key, value in FOLDED.items()))


def stamp(nb):
    """Make the first code cell the current setup cell; returns True if anything changed.

    A first code cell that already carries the setup tag is rewritten in place (its outputs
    kept, since they only say which profile and device ran); otherwise a new setup cell is
    inserted before it.
    """
    if is_current(nb):
        return False
    i = find(nb)
    if i is not None and TAG in nb.cells[i].metadata.get("tags", []):
        nb.cells[i].source = SOURCE
        set_metadata(nb.cells[i])
    else:
        first_code = len(nb.cells) if i is None else i
        nb.cells.insert(first_code, make_cell())
    return True
