"""`make bench [PROFILE=quick|full]`: execute every chapter notebook and record what it did.

For each notebook: wall time, the device and profile it ran on, and for every training run
(each `final_metrics(model)` printed) its final train loss, validation loss and validation
accuracy, next to the book's figures in reference/d2l_results.csv, with the training time
and speed that `fit_and_time` printed before it. Notebooks are executed from a temporary
copy: the committed outputs are never touched. Results go to _build/bench/bench-<profile>.json
and .md; the per-model table is also printed.
"""

import ast
import csv
import json
import os
import platform
import re
import sys
import time

from course.authoring import anatomy
from course.core import notebooks
from course.core.notebooks import CHAPTERS, ROOT, section_of
from course.execution import execute
from course.measure.reports import markdown_table

OUT = ROOT / "_build" / "bench"
REFERENCE = ROOT / "reference" / "d2l_results.csv"
METRICS = re.compile(r"\{'(?:train_loss|val_acc)': [^}]*\}")  # all of final_metrics, or its val_acc alone
DEVICE = re.compile(r"device (\S+)")
# fit_and_time's line, e.g. "quick profile: 4 epochs of 12,000 examples in 41.2 s on cpu (1,165 examples/s)"
FIT = re.compile(r"profile: \d+ epochs? of [\d,]+ examples in (?P<seconds>[\d.]+) s on \S+ "
                 r"\((?P<speed>[\d,]+) examples/s\)")


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
    with execute.scratch_chapters("bench-") as work:
        start, error = time.perf_counter(), None
        try:
            execute.run(nb, work, profile, timeout)
        except execute.FAILURES as e:  # a cell that raised, timed out or killed its kernel
            error = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"
        seconds = time.perf_counter() - start
    texts = [anatomy.text_of(c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]
    return seconds, texts, error


def training_runs(texts):
    """Each printed final_metrics dict, in order, with the seconds and images/s of the
    fit_and_time line it follows (the oldest one not yet paired; None if there is none)."""
    runs, fits = [], []
    pattern = re.compile(f"{FIT.pattern}|{METRICS.pattern}")
    for text in texts:
        for m in pattern.finditer(text):
            if m["seconds"]:
                fits.append({"seconds": float(m["seconds"]), "images_per_s": int(m["speed"].replace(",", ""))})
            else:
                fit = fits.pop(0) if fits else {"seconds": None, "images_per_s": None}
                runs.append({**ast.literal_eval(m[0]), **fit})
    return runs


def summarize(path, profile, timeout, reference):
    seconds, texts, error = run_notebook(path, profile, timeout)
    device = next((m[1].rstrip(",") for t in texts[:1] for m in [DEVICE.search(t)] if m), "?")
    section = section_of(path)
    book = reference.get(section, [])
    trained = []
    for i, run in enumerate(training_runs(texts)):
        ref = book[i] if i < len(book) else {}
        trained.append({"model": ref.get("model", f"run {i + 1}"), **run,
                        "book_val_loss": ref.get("val_loss") or None,
                        "book_val_acc": ref.get("val_acc") or None})
    return {"notebook": f"chapters/{path.name}", "section": section, "seconds": round(seconds, 1),
            "device": device, "profile": profile, "error": error, "runs": trained}


def ratio(run):
    """Validation accuracy as a fraction of the book's, or None."""
    if run.get("val_acc") is None or not run.get("book_val_acc"):
        return None
    return run["val_acc"] / float(run["book_val_acc"])


def model_table(results):
    """Plain-text table, one row per trained model: accuracy against the book's, time, speed."""
    lines = [f"{'section':<8}{'model':<40}{'val acc':>8}{'book':>7}{'ratio':>7}{'train s':>9}{'images/s':>10}"]
    for r in results:
        for run in r["runs"]:
            share = ratio(run)
            cells = [run.get("val_acc"), run.get("book_val_acc"), share and f"{share:.2f}",
                     run.get("seconds"), run.get("images_per_s") and f"{run['images_per_s']:,}"]
            shown = [("" if c is None else str(c)) for c in cells]
            lines.append(f"{r['section']:<8}{run['model'][:39]:<40}{shown[0]:>8}{shown[1]:>7}"
                         f"{shown[2]:>7}{shown[3]:>9}{shown[4]:>10}")
    return "\n".join(lines)


def markdown(results, profile, total):
    lines = [f"# Benchmark: {profile} profile", "",
             f"Python {platform.python_version()}; total {total:.0f} s over {len(results)} notebooks.", "",
             ]
    header = ["notebook", "s", "device", "model", "train loss", "val loss", "val acc", "book val loss",
              "book val acc", "ratio", "train s", "images/s"]
    rows = []
    for r in results:
        runs = r["runs"] or [{}]
        for i, run in enumerate(runs):
            head = [r["notebook"] + (" (ERROR)" if r["error"] else ""), f"{r['seconds']}", r["device"]] if i == 0 else ["", "", ""]
            share = ratio(run)
            cells = [run.get("model", ""), run.get("train_loss", ""), run.get("val_loss", ""),
                     run.get("val_acc", ""), run.get("book_val_loss") or "", run.get("book_val_acc") or "",
                     f"{share:.2f}" if share else "", run.get("seconds") or "", run.get("images_per_s") or ""]
            rows.append(head + cells)
    return "\n".join(lines + [markdown_table(header, rows, "lrll" + "r" * 8)]) + "\n"


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
    print(model_table(results))
    print(f"total {total:.0f} s; wrote {OUT / f'bench-{profile}.md'}")
    return 1 if any(r["error"] for r in results) else 0
