"""`python -m course seed-spread [--seeds N] [--jobs J] [--cell I ...] NOTEBOOK ...`: how far
a notebook's compared figures move when its training starts from other random seeds; the
measurement behind the tolerance a cell declares (course/output_compare.py).

Why seeds: a result that differs in its last bit on another processor (AVX-512 or AVX2,
MKL's and oneDNN's code paths, a GPU) sends SGD down another trajectory, and after a few
hundred steps that trajectory is about as far from the stored one as a run from another
seed. Seeds move more than a processor can (they also change the initial weights and the
batch order), so their spread is an upper bound; `make test-portable`'s three emulated
paths give a lower one, and proved too low (8.2's train_loss: 0.22 there, 0.68 on CI's
processor).

Each run executes a copy of the notebook in a scratch folder, with one extra cell after
the setup cell that reseeds random, numpy and torch; the notebook is not touched. The
cells examined are those that declare a tolerance, plus any given with --cell (an index into
the notebook's cells, markdown included; nbval's "Cell N" counts code cells only). For each number that moved, the table gives
the stored value, each seed's, the largest difference and the tolerance declared now; it
goes to reports/seed-spread/<stem>.md.
"""

import argparse
import copy
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from . import execute, notebooks, setup_cell
from .exercises import text_of
from .output_compare import Tolerance, is_float, tokens
from .stall_check import kernel_threads

OUT = notebooks.ROOT / "reports" / "seed-spread"


def reseeded(nb, seed):
    """A copy of nb (setup cell stamped) that reseeds every generator right after setup."""
    nb = copy.deepcopy(nb)
    setup_cell.stamp(nb)
    nb.cells.insert(setup_cell.find(nb) + 1, nbformat.v4.new_code_cell(
        f"random.seed({seed}); np.random.seed({seed}); torch.manual_seed({seed})"))
    nbformat.validator.normalize(nb)
    return nb


def examined_cells(nb, extra=()):
    return sorted({i for i, c in enumerate(nb.cells) if "tolerance" in c.metadata} | set(extra))


def run_seed(path, seed, cells, threads):
    """The printed text of `cells` (indices into the original notebook) in a run from seed."""
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    nb = notebooks.read(path)
    run = reseeded(nb, seed)
    with execute.scratch_chapters("course-seed-") as work:
        execute.run(run, work, "quick")
    shift = lambda i: i + 1 if i > setup_cell.find(nb) else i
    return seed, {i: text_of(run.cells[shift(i)].outputs) for i in cells}


def moved_numbers(stored, printed_by_seed):
    """[(context, stored, [value per seed], largest difference)] for each float token of
    `stored` that some seed printed differently; a seed whose output has other words or
    another number of tokens is reported as a row of its own."""
    ref, rows = tokens(stored), []
    runs = {seed: tokens(text) for seed, text in printed_by_seed.items()}
    for seed, got in runs.items():
        words = [(a, b) for a, b in zip(ref, got) if not (is_float(a) and is_float(b)) and a != b]
        if len(got) != len(ref) or words:
            rows.append((f"seed {seed}: other text", " ".join(ref[:12]), [" ".join(got[:12])], None))
    for i, token in enumerate(ref):
        if not is_float(token):
            continue
        values = [got[i] if i < len(got) and is_float(got[i]) else "?" for got in runs.values()]
        known = [float(v) for v in values if v != "?"]
        if any(v != token for v in values):
            label = " ".join(t for t in ref[max(0, i - 3):i] if not is_float(t))
            rows.append((label, token, values, max((abs(v - float(token)) for v in known), default=None)))
    return rows


def report(path, seeds, results, cells, threads):
    nb = notebooks.read(path)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Seed spread: {path.name}", "",
             f"{stamp}; seeds {', '.join(map(str, seeds))} against the stored run (seed 0); quick "
             f"profile, {threads} torch thread(s) per kernel. `python -m course seed-spread` "
             f"(course/seed_spread.py) wrote this.", ""]
    for i in cells:
        cell = nb.cells[i]
        declared = Tolerance.of_cell(cell.metadata)
        lines += [f"## Cell {i}: `{cell.source.splitlines()[0][:80]}`", "",
                  f"declared tolerance: abs {declared.abs:g}" if declared.abs else "declared tolerance: none (one unit in the last digit)", ""]
        rows = moved_numbers(text_of(cell.outputs), {s: results[s][i] for s in seeds})
        if not rows:
            lines += ["every seed printed the stored text", ""]
            continue
        lines += ["| after | stored | " + " | ".join(f"seed {s}" for s in seeds) + " | largest difference |",
                  "|---|---|" + "---|" * len(seeds) + "---|"]
        for label, token, values, largest in rows:
            values = values + [""] * (len(seeds) - len(values))
            lines.append(f"| {label} | {token} | " + " | ".join(values) + " | "
                         + ("" if largest is None else f"{largest:.3f}") + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course seed-spread", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--seeds", type=int, default=4, help="runs from seeds 1..N (default 4)")
    parser.add_argument("--jobs", type=int, default=1, help="runs side by side (each gets cores/J torch threads)")
    parser.add_argument("--cell", type=int, action="append", default=[], help="also examine this cell")
    args = parser.parse_args(argv)
    seeds, threads = list(range(1, args.seeds + 1)), kernel_threads(args.jobs)
    OUT.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks:
        path = path.resolve()
        cells = examined_cells(notebooks.read(path), args.cell)
        if not cells:
            print(f"{path.name}: no cell declares a tolerance; name cells with --cell", file=sys.stderr)
            return 2
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = dict(pool.map(run_seed, [path] * len(seeds), seeds, [cells] * len(seeds),
                                    [threads] * len(seeds)))
        text = report(path, seeds, results, cells, threads)
        (OUT / f"{path.stem}.md").write_text(text + "\n", encoding="utf-8")
        print(text, flush=True)
    return 0
