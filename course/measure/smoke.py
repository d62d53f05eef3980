"""`python -m course smoke [STEM ...]`: the full profile, run end to end on a CPU in minutes.

Every chapter that trains is executed as a reader who sets COURSE_PROFILE=full runs it:
the book's data at the book's resize, batch size and widths. Only the amount of training
is cut: one cell, inserted after the setup cell of an in-memory copy (never written back,
so the stored quick outputs stay as they are), makes every epoch of a `d2l.Trainer.fit`
train on at most BATCHES batches and validate on at most VAL_BATCHES, and a fit on
Fashion-MNIST stop after EPOCHS epochs. Fits on small data sets (synthetic, Kaggle) keep
their epochs, which cost little and which later cells read (5.7 prints the validation
loss after 10, 25, 50 and 100 epochs). Everything else runs as it is:
data loading, forward, backward, the optimiser step, the live progress plot, the metrics
and every other cell.

The same cell records what ran: for each fit, the model's class, the shape of its first
training batch, the input features of its first dense layer (nn.Linear), its parameter
count and the batches trained and validated; for each DataLoader made, its workers; and the
kernel's CPU count. tests/test_full_profile_smoke.py compares these with the book's
figures. The kernel gets one torch thread (the machine may be busy timing notebooks).
"""

import json
import os
import re
import sys
import time

import nbformat

from course import setup_cell
from course.core import notebooks
from course.core.notebooks import CHAPTERS
from course.execution import execute

BATCHES = 2      # training batches an epoch: the second step starts from the first one's update
VAL_BATCHES = 1  # validation batches an epoch
EPOCHS = 1       # epochs per fit on Fashion-MNIST
THREADS = 1      # torch threads in the kernel
CELL_TIMEOUT = 600
MARK = "COURSE-SMOKE-RECORD "
TAG = "course-smoke"
# A chapter trains when a cell other than the setup cell calls fit_and_time or a fit method.
TRAINS = re.compile(r"\bfit_and_time\(|\.fit\(")

INSTRUMENT = '''\
# Inserted by course/measure/smoke.py into an in-memory copy: cap every d2l.Trainer.fit, record shapes.
import itertools as _smoke_itertools, json as _smoke_json, os as _smoke_os
_smoke_torch, _smoke_d2l = torch, d2l
_smoke_torch.set_num_threads({threads})
_SMOKE = {{"profile": PROFILE, "cores": _smoke_os.cpu_count(),
          "threads": _smoke_torch.get_num_threads(), "loaders": [], "fits": []}}


class _SmokeCapped:
    """The first few batches of a DataLoader (its len says so); the rest goes to the loader."""
    def __init__(self, loader, count):
        self.loader, self.count = loader, min(count, len(loader))

    def __len__(self):
        return self.count

    def __iter__(self):
        batches = iter(self.loader)
        try:
            yield from _smoke_itertools.islice(batches, self.count)
        finally:
            getattr(batches, "_shutdown_workers", lambda: None)()  # worker processes end here

    def __getattr__(self, name):
        return getattr(self.loader, name)


_smoke_loader_init = _smoke_torch.utils.data.DataLoader.__init__

def _smoke_record_loader(self, *args, **kwargs):
    _smoke_loader_init(self, *args, **kwargs)
    _SMOKE["loaders"].append({{"workers": self.num_workers, "batch_size": self.batch_size}})

_smoke_torch.utils.data.DataLoader.__init__ = _smoke_record_loader

_smoke_prepare_data = _smoke_d2l.Trainer.prepare_data

def _smoke_capped_prepare_data(self, data):
    _smoke_prepare_data(self, data)
    self.train_dataloader = _SmokeCapped(self.train_dataloader, {batches})
    self.num_train_batches = len(self.train_dataloader)
    if self.val_dataloader is not None:
        self.val_dataloader = _SmokeCapped(self.val_dataloader, {val_batches})
        self.num_val_batches = len(self.val_dataloader)

_smoke_d2l.Trainer.prepare_data = _smoke_capped_prepare_data

_smoke_fit = _smoke_d2l.Trainer.fit

def _smoke_capped_fit(self, model, data):
    fit = {{"model": type(model).__name__, "epochs": self.max_epochs, "input": None, "dense": None}}
    _SMOKE["fits"].append(fit)
    if isinstance(data, _smoke_d2l.FashionMNIST):  # small data sets keep their epochs
        self.max_epochs = min(self.max_epochs, {epochs})

    def first_input(module, args):
        if fit["input"] is None and args and hasattr(args[0], "shape"):
            fit["input"] = list(args[0].shape)

    def first_dense(module, args):
        if fit["dense"] is None and isinstance(module, _smoke_torch.nn.Linear):
            fit["dense"] = args[0].shape[-1]

    hooks = [model.register_forward_pre_hook(first_input)]
    hooks += [m.register_forward_pre_hook(first_dense) for m in model.modules() if m is not model]
    try:
        _smoke_fit(self, model, data)
    finally:
        for hook in hooks:
            hook.remove()
    fit.update(epochs_run=self.max_epochs, batches_per_epoch=self.num_train_batches,
               train_batches=self.train_batch_idx, val_batches=self.val_batch_idx,
               params=sum(p.numel() for p in model.parameters()))

_smoke_d2l.Trainer.fit = _smoke_capped_fit
'''

REPORT = f'print({MARK!r} + _smoke_json.dumps(_SMOKE))'


def trains(nb):
    """True when a code cell other than the setup cell trains a model."""
    first = setup_cell.find(nb)
    return any(TRAINS.search(c.source) for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and i != first)


def training_chapters():
    return [p for p in notebooks.notebooks(CHAPTERS) if trains(notebooks.read(p))]


def instrumented(nb, batches=BATCHES, epochs=EPOCHS, threads=THREADS, val_batches=VAL_BATCHES):
    """A copy of nb with the capping cell after its setup cell and a report cell at the end."""
    nb = nbformat.from_dict(nb)
    first = setup_cell.find(nb)
    cell = nbformat.v4.new_code_cell(INSTRUMENT.format(batches=batches, val_batches=val_batches, epochs=epochs, threads=threads))
    cell.metadata["tags"] = [TAG]
    nb.cells.insert(first + 1, cell)
    report = nbformat.v4.new_code_cell(REPORT)
    report.metadata["tags"] = [TAG]
    nb.cells.append(report)
    return nb


class SmokeFailure(AssertionError):
    """A cell of the full-profile run raised, timed out or killed its kernel."""


def kernel_env(threads=THREADS):
    """The kernel's environment: the full profile, and no more math threads than asked for
    (this process's own environment is left as it is)."""
    env = dict(os.environ, COURSE_PROFILE="full")
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    return env


def run(path, batches=BATCHES, epochs=EPOCHS, threads=THREADS, timeout=CELL_TIMEOUT, nb=None,
        val_batches=VAL_BATCHES):
    """Execute an instrumented in-memory copy of the notebook at path (or of nb, named path)
    in the full profile, in a scratch chapters/ folder beside the data. Returns {"seconds",
    "record": what the inserted cell recorded, "stderr": [(cell, text)]}; raises
    SmokeFailure, naming the notebook's own cell, when a cell does not finish."""
    path = notebooks.ROOT / path if not os.path.isabs(path) else path
    nb = instrumented(nb if nb is not None else notebooks.read(path), batches, epochs, threads, val_batches)
    start = time.perf_counter()
    with execute.scratch_chapters("smoke-") as work:
        try:
            execute.run(nb, work, "full", timeout, env=kernel_env(threads))
        except execute.FAILURES as e:
            where = failed_cell(nb)
            raise SmokeFailure(f"{notebooks.shown(path)}, full profile: {where} did not finish:\n"
                               f"{str(e).strip()[-3000:]}") from None
    seconds = time.perf_counter() - start
    texts = [o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream"]
    line = next(l for t in texts for l in t.splitlines() if l.startswith(MARK))
    return {"seconds": seconds, "record": json.loads(line[len(MARK):]), "stderr": stderr_outputs(nb)}


def cell_number(nb, index):
    """'cell N' as the original notebook counts its cells (from 1), without the inserted ones."""
    inserted = sum(TAG in c.metadata.get("tags", []) for c in nb.cells[:index])
    return f"cell {index - inserted + 1}"


def failed_cell(nb):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(o.output_type == "error" for o in cell.get("outputs", [])):
            return ("the smoke run's own cell" if TAG in cell.metadata.get("tags", [])
                    else cell_number(nb, i))
    return "a cell (timeout or dead kernel)"


def stderr_outputs(nb):
    """What cells wrote to stderr (warnings among it), as (cell number, text)."""
    return [(cell_number(nb, i), o.text) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.get("outputs", []) if o.output_type == "stream" and o.name == "stderr"]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    paths = [p for p in training_chapters() if not argv or p.stem in argv or notebooks.section_of(p) in argv]
    total, failed = 0.0, 0
    for path in paths:
        try:
            result = run(path)
        except SmokeFailure as e:
            print(e, flush=True)
            failed += 1
            continue
        total += result["seconds"]
        fits = result["record"]["fits"]
        shapes = sorted({(f["model"], tuple(f["input"] or ()), f["dense"], f["params"]) for f in fits})
        print(f"{result['seconds']:6.1f} s  {notebooks.shown(path)}  {len(fits)} fits: "
              + "; ".join(f"{m} input {list(s)} dense {d} params {p:,}" for m, s, d, p in shapes), flush=True)
        for where, text in result["stderr"]:
            print(f"        stderr in {where}: {text.strip()[:300]}")
    print(f"{total:6.1f} s  total over {len(paths) - failed} notebooks" + (f", {failed} failed" if failed else ""))
    return 1 if failed else 0
