"""`python -m course spread [--by nudge|seed] [--runs N] [--jobs J] NOTEBOOK ...`:
how far a notebook's compared figures move when its training takes another trajectory; the
measurement behind the tolerance a cell declares (course/checking/output_compare.py).

A result that differs in its last bit on another processor (AVX-512 or AVX2, MKL's and
oneDNN's code paths, a GPU) sends SGD down another trajectory. `make test-portable`
emulates three such paths on this processor, and proved too few (8.2's train_loss moved
0.22 there and 0.68 on CI's processor). Here each run perturbs the training instead:

* `--by nudge` (default): after the first step of each optimiser (each d2l.Trainer fit,
  each torch.optim optimiser of a notebook's own training loop), every parameter moves to
  the next float up or down (one unit in its last place, the size of a rounding
  difference), at random from a generator of its own: the seed, initial weights and batch
  order stay those of the stored run. This is what another processor does (it
  makes such changes at every operation, so its runs can stray a little further).
  Hand-written updates (`p -= lr * p.grad` outside any optimiser) are not nudged; the report
  says how many fits were.
* `--by seed`: the run reseeds random, numpy and torch instead: other initial weights and
  batch order as well, so an upper bound.

Each run executes a copy of the notebook in a scratch folder, with one extra cell after
the setup cell that applies the perturbation; the notebook is not touched. Every cell
whose output nbval compares is examined; the report lists those where a number moved or a
tolerance is declared (cell numbers index all cells, markdown included; nbval's "Cell N"
counts code cells only). For each number that moved, the table gives the stored value,
each run's, the largest difference and the tolerance declared now; it goes to
reports/spread/<folder>-<stem>.<nudge|seed>.md.
"""

import argparse
import copy
import os
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbval.plugin import get_sanitize_patterns

from course import setup_cell
from course.authoring.anatomy import text_of
from course.checking import nbval_settings
from course.checking.output_compare import Tolerance, is_float, tokens
from course.core import notebooks
from course.execution import execute
from course.execution.execute import kernel_threads
from course.measure.reports import markdown_table

OUT = notebooks.ROOT / "reports" / "spread"


# Inserted after the setup cell by --by nudge; names start with _spread so as not to clash.
# Two hooks, one nudge per optimiser (a d2l fit makes a new one, so once per fit): torch's
# global step hook sees every torch.optim optimiser, in d2l.Trainer or in a loop of the
# notebook's own (5.5, solution 5.2's experiments); d2l.Trainer's own wrapper sees d2l's
# from-scratch d2l.SGD, not a torch.optim optimiser, and nudges the tensors it holds (d2l's
# library scratch models keep their weights as plain tensors, outside model.parameters()).
# A fit with nothing to nudge is not counted.
NUDGE = """\
from torch.optim.optimizer import register_optimizer_step_post_hook as _spread_register
_spread_generator, _spread_fits = torch.Generator().manual_seed({run}), []

def _spread_nudge(optim, params):
    if getattr(optim, "_spread_nudged", False) or not params:
        return
    optim._spread_nudged = True
    with torch.no_grad():
        for p in params:
            up = (torch.rand(p.shape, generator=_spread_generator) < 0.5).to(p.device)
            p.copy_(torch.where(up, torch.nextafter(p, p + 1), torch.nextafter(p, p - 1)))
    _spread_fits.append(1)

_spread_hook = _spread_register(
    lambda optim, args, kwargs: _spread_nudge(optim, [p for g in optim.param_groups for p in g["params"]]))
_spread_fit_epoch = d2l.Trainer.fit_epoch

def _spread_nudged_fit_epoch(self):
    if getattr(self.optim, "_spread_step", None) is None:  # a new fit: nudge after its first step
        self.optim._spread_step = self.optim.step
        def nudged_step(*args, **kwargs):
            result = self.optim._spread_step(*args, **kwargs)
            self.optim.step = self.optim._spread_step
            _spread_nudge(self.optim, list(getattr(self.optim, "params", None) or self.model.parameters()))
            return result
        self.optim.step = nudged_step
    return _spread_fit_epoch(self)

d2l.Trainer.fit_epoch = _spread_nudged_fit_epoch"""
RESEED = "random.seed({run}); np.random.seed({run}); torch.manual_seed({run})"


def perturbed(nb, by, run):
    """A copy of nb (setup cell stamped) with the perturbation of run number `run` right
    after the setup cell, and a last cell that prints how many fits were nudged."""
    nb = copy.deepcopy(nb)
    setup_cell.stamp(nb)
    code = (NUDGE if by == "nudge" else RESEED).format(run=run)
    nb.cells.insert(setup_cell.find(nb) + 1, nbformat.v4.new_code_cell(code))
    nb.cells.append(nbformat.v4.new_code_cell(
        "print(len(_spread_fits))" if by == "nudge" else "print('-')"))
    nbformat.validator.normalize(nb)
    return nb


def compared_cells(nb):
    """Indices of the code cells whose printed output nbval compares (not the setup cell)."""
    ignored = {"nbval-ignore-output", "nbval-skip", "course-setup"}
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.outputs
            and not ignored & set(c.metadata.get("tags", []))]


def run_once(path, by, run, cells, threads):
    """(run, {cell index in the original notebook: printed text}, nudged fits or '-')."""
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    nb = notebooks.read(path)
    copy_ = perturbed(nb, by, run)
    with execute.scratch_chapters("course-spread-") as work:
        execute.run(copy_, work, "quick")
    shift = lambda i: i + 1 if i > setup_cell.find(nb) else i
    return run, {i: text_of(copy_.cells[shift(i)].outputs) for i in cells}, text_of(copy_.cells[-1].outputs)


# nbval's own reader of the sanitizer file, so the patterns are exactly those nbval applies.
SANITIZERS = [(re.compile(regex), replace) for regex, replace
              in get_sanitize_patterns(nbval_settings.SANITIZE.read_text())]


def sanitized(text):
    """text with nbval's replacements applied (memory addresses and the like), as compared."""
    for pattern, replacement in SANITIZERS:
        text = pattern.sub(replacement, text)
    return text


def moved_numbers(stored, printed_by_run):
    """[(context, stored, [value per run], largest difference)] for each float token of
    `stored` that some run printed differently; a run whose output has other words or
    another number of tokens is reported as a row of its own."""
    ref, rows = tokens(stored), []
    runs = {run: tokens(text) for run, text in printed_by_run.items()}
    for run, got in runs.items():
        words = [(a, b) for a, b in zip(ref, got) if not (is_float(a) and is_float(b)) and a != b]
        if len(got) != len(ref) or words:
            rows.append((f"run {run}: other text", " ".join(ref[:12]), [" ".join(got[:12])], None))
    for i, token in enumerate(ref):
        if not is_float(token):
            continue
        values = [got[i] if i < len(got) and is_float(got[i]) else "?" for got in runs.values()]
        known = [float(v) for v in values if v != "?"]
        if any(v != token for v in values):
            label = " ".join(t.strip("'\":,") for t in ref[max(0, i - 3):i] if not is_float(t)).strip()
            rows.append((label, token, values, max((abs(v - float(token)) for v in known), default=None)))
    return rows


def report(path, by, results, cells, threads):
    nb, runs = notebooks.read(path), sorted(results)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    how = ("nudged by one unit in the last place after the first step of each optimiser; fits nudged "
           "per run: " + ", ".join(results[r][1] for r in runs) if by == "nudge"
           else "reseeded with seeds " + ", ".join(map(str, runs)))
    lines = [f"# Spread of the trained figures: {path.parent.name}/{path.name}", "",
             f"{stamp}; {len(runs)} runs {how}; compared with the stored run. Quick profile, "
             f"{threads} torch thread(s) per kernel. Written by `python -m course spread --by {by}` "
             f"(course/measure/spread.py).", ""]
    steady = 0
    for i in cells:
        cell = nb.cells[i]
        declared = Tolerance.of_cell(cell.metadata)
        rows = moved_numbers(sanitized(text_of(cell.outputs)), {r: sanitized(results[r][0][i]) for r in runs})
        if not rows and not declared.reason:
            steady += 1
            continue
        lines += [f"## Cell {i}: `{cell.source.splitlines()[0][:80]}`", "",
                  f"declared tolerance: abs {declared.abs:g}" if declared.abs
                  else "declared tolerance: none (one unit in the last digit)", ""]
        if not rows:
            lines += ["every run printed the stored text", ""]
            continue
        header = ["after", "stored", *(f"run {r}" for r in runs), "largest difference"]
        lines += [markdown_table(header, [[label, token, *values, *[""] * (len(runs) - len(values)),
                                           "" if largest is None else f"{largest:.3f}"]
                                          for label, token, values, largest in rows]), ""]
    lines.append(f"The other {steady} compared cells printed the stored text in every run.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course spread", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--by", choices=["nudge", "seed"], default="nudge", help="the perturbation (default nudge)")
    parser.add_argument("--runs", type=int, default=4, help="runs per notebook (default 4)")
    parser.add_argument("--jobs", type=int, default=1, help="runs side by side (each gets cores/J torch threads)")
    parser.add_argument("--threads", type=int, help="torch threads per kernel instead (a core kept for other work)")
    args = parser.parse_args(argv)
    runs, threads = list(range(1, args.runs + 1)), args.threads or kernel_threads(args.jobs)
    OUT.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks:
        path = path.resolve()
        cells = compared_cells(notebooks.read(path))
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            done = pool.map(run_once, *zip(*[(path, args.by, r, cells, threads) for r in runs]))
            results = {run: (printed, fits) for run, printed, fits in done}
        text = report(path, args.by, results, cells, threads)
        (OUT / f"{path.parent.name}-{path.stem}.{args.by}.md").write_text(text + "\n", encoding="utf-8")
        print(text, flush=True)
    return 0
