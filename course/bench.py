"""`make bench [PROFILE=quick|full]`: execute every chapter notebook and record what it did.

For each notebook: wall time, the device and profile it ran on, and for every training run
(each `final_metrics(model)` printed) its final train loss, validation loss and validation
accuracy, next to the book's figures in reference/d2l_results.csv. Notebooks are executed
from a temporary copy: the committed outputs are never touched. Results go to
_build/bench/bench-<profile>.json and .md.
"""

import ast
import csv
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

from nbclient.exceptions import CellExecutionError

from . import execute, exercises, notebooks
from .notebooks import CHAPTERS, ROOT, section_of

OUT = ROOT / "_build" / "bench"
REFERENCE = ROOT / "reference" / "d2l_results.csv"
METRICS = re.compile(r"\{'train_loss': [^}]*\}")
DEVICE = re.compile(r"device (\S+)")


def reference_rows():
    """{section: [row, ...]} from the book's executed notebooks, in the book's order."""
    rows = {}
    if REFERENCE.exists():
        with open(REFERENCE, newline="") as f:
            for row in csv.DictReader(f):
                rows.setdefault(row["section"], []).append(row)
    return rows


def run_notebook(path, profile, timeout):
    """Execute a copy; returns (seconds, outputs text per code cell, error or None)."""
    nb = notebooks.read(path)
    with tempfile.TemporaryDirectory() as scratch:
        # Run beside a data/ link so '../data' resolves as it does in chapters/.
        work = Path(scratch) / "chapters"
        work.mkdir()
        os.symlink(ROOT / "data", Path(scratch) / "data")
        start, error = time.perf_counter(), None
        try:
            execute.run(nb, work, profile, timeout)
        except CellExecutionError as e:
            error = str(e).splitlines()[0][:300]
        seconds = time.perf_counter() - start
    texts = [exercises.text_of(c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]
    return seconds, texts, error


def summarize(path, profile, timeout, reference):
    seconds, texts, error = run_notebook(path, profile, timeout)
    device = next((m[1].rstrip(",") for t in texts[:1] for m in [DEVICE.search(t)] if m), "?")
    runs = [ast.literal_eval(m) for t in texts for m in METRICS.findall(t)]
    section = section_of(path)
    book = reference.get(section, [])
    trained = []
    for i, metrics in enumerate(runs):
        ref = book[i] if i < len(book) else {}
        trained.append({"model": ref.get("model", f"run {i + 1}"), **metrics,
                        "book_val_loss": ref.get("val_loss") or None,
                        "book_val_acc": ref.get("val_acc") or None})
    return {"notebook": f"chapters/{path.name}", "section": section, "seconds": round(seconds, 1),
            "device": device, "profile": profile, "error": error, "runs": trained}


def markdown(results, profile, total):
    lines = [f"# Benchmark: {profile} profile", "",
             f"Python {platform.python_version()}; total {total:.0f} s over {len(results)} notebooks.", "",
             "| notebook | s | device | model | train loss | val loss | val acc | book val loss | book val acc |",
             "|---|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in results:
        runs = r["runs"] or [{}]
        for i, run in enumerate(runs):
            head = [r["notebook"] + (" (ERROR)" if r["error"] else ""), f"{r['seconds']}", r["device"]] if i == 0 else ["", "", ""]
            cells = [run.get("model", ""), run.get("train_loss", ""), run.get("val_loss", ""),
                     run.get("val_acc", ""), run.get("book_val_loss") or "", run.get("book_val_acc") or ""]
            lines.append("| " + " | ".join(str(c) for c in head + cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    profile = argv[0] if argv else os.environ.get("COURSE_PROFILE", "quick")
    only = argv[1:]
    reference = reference_rows()
    paths = [p for p in notebooks.notebooks(CHAPTERS) if not only or p.stem in only]
    results, start = [], time.perf_counter()
    for path in paths:
        result = summarize(path, profile, 3600, reference)
        results.append(result)
        print(f"{result['seconds']:7.1f} s  {result['notebook']}  {result['device']}"
              + (f"  ERROR {result['error']}" if result["error"] else ""), flush=True)
    total = time.perf_counter() - start
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"bench-{profile}.json").write_text(json.dumps(
        {"profile": profile, "total_seconds": round(total, 1), "notebooks": results}, indent=1))
    (OUT / f"bench-{profile}.md").write_text(markdown(results, profile, total))
    print(f"total {total:.0f} s; wrote {OUT / f'bench-{profile}.md'}")
    return 1 if any(r["error"] for r in results) else 0
