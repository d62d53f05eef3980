"""A Sphinx extension for the status page: what the build ran, on what, and how it did.

`{course-status}` in status.md becomes, once every page has been read:

* a summary in words (chapters that ran, failed, or show stored outputs; trained models at
  90% of the book's validation accuracy or more; total run time);
* one row per chapter: how its outputs were obtained, profile, device, seconds, and each
  trained model's validation accuracy beside the book's (reference/d2l_results.csv);
* the environment: Python, PyTorch, CPU or GPU, date and commit.

Figures are read from the chapter pages' own outputs (the setup cell's profile line, each
`final_metrics` dict), so the status page can never disagree with what the pages show.
myst-nb's execution data (method, seconds, success) comes from its own collector.
"""

import ast
import datetime
import platform
import re
import subprocess

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from course.core import notebooks
from course.core.notebooks import ROOT
from course.execution import execution_cache
from course.measure.bench import METRICS, reference_rows  # what final_metrics(model) prints

SETUP_LINE = re.compile(r"profile (?P<profile>quick|full), torch \S+, device (?P<device>\S+)")
GOOD_ENOUGH = 0.9  # the quick profile's target: 90% of the book's validation accuracy


class status_placeholder(nodes.General, nodes.Element):
    """Replaced by the status tables once every document has been read."""


class CourseStatus(SphinxDirective):
    def run(self):
        return [status_placeholder()]


def collect_outputs(app, doctree):
    """Remember what a chapter page printed: its profile, device and training metrics."""
    docname = app.env.docname
    if not docname.startswith("chapters/"):
        return
    texts = [n.astext() for n in doctree.findall(nodes.container) if "cell_output" in n.get("classes", [])]
    setup = next((m for t in texts for m in [SETUP_LINE.search(t)] if m), None)
    # Only the final_metrics dicts: numbers, not the same figures quoted as strings.
    runs = [d for t in texts for m in METRICS.findall(t) for d in [ast.literal_eval(m)]
            if all(isinstance(v, (int, float)) for v in d.values())]
    app.env.course_status = getattr(app.env, "course_status", {})
    app.env.course_status[docname] = {
        "profile": setup["profile"] if setup else "", "device": setup["device"] if setup else "",
        "runs": runs}


def purge(app, env, docname):
    getattr(env, "course_status", {}).pop(docname, None)


def merge(app, env, docnames, other):
    env.course_status = getattr(env, "course_status", {})
    env.course_status.update({d: v for d, v in getattr(other, "course_status", {}).items() if d in docnames})


def how_obtained(exec_data, build_started):
    """The outputs' origin, in words. myst-nb calls both a cache hit and a fresh run
    method "cache"; a hit carries the time of the run it kept, older than this build."""
    if not exec_data:
        return "stored outputs (not executed by this build)"
    if not exec_data.get("succeeded"):
        return f"FAILED: {exec_data.get('error') or 'error'}"
    if exec_data.get("mtime", build_started) < build_started:
        ran = datetime.datetime.fromtimestamp(exec_data["mtime"], datetime.timezone.utc)
        return f"ran {ran:%Y-%m-%d %H:%M} UTC (from the execution cache)"
    return "ran in this build"


def chapter_rows(env, reference, build_started):
    from myst_nb.sphinx_ import NbMetadataCollector

    rows = []
    for docname in sorted(getattr(env, "course_status", {}), key=notebooks.section_key):
        info = env.course_status[docname]
        exec_data = NbMetadataCollector.get_exec_data(env, docname) if docname in env.all_docs else None
        section = notebooks.section_of(docname)
        book = reference.get(section, [])
        models = []
        for i, run in enumerate(info["runs"]):
            ref = book[i] if i < len(book) else {}
            models.append({"model": ref.get("model", f"run {i + 1}"), "val_acc": run.get("val_acc"),
                           "book_val_acc": float(ref["val_acc"]) if ref.get("val_acc") else None,
                           "val_loss": run.get("val_loss"),
                           "book_val_loss": float(ref["val_loss"]) if ref.get("val_loss") else None})
        rows.append({"docname": docname, "how": how_obtained(exec_data, build_started),
                     "failed": bool(exec_data) and not exec_data.get("succeeded"),
                     "seconds": (exec_data or {}).get("runtime"), "profile": info["profile"],
                     "device": info["device"], "models": models})
    return rows


def model_cell(model):
    """One trained model in words: its validation accuracy against the book's (a
    regression model: its validation loss)."""
    if model["val_acc"] is None:
        if model["val_loss"] is None:
            return model["model"]
        book = f" (book {model['book_val_loss']:g})" if model["book_val_loss"] else ""
        # final_metrics prints 3 decimals, so a loss that rounds to 0 is only known to be small
        loss = f"{model['val_loss']:g}" if model["val_loss"] else "under 0.0005"
        return f"{model['model']}: validation loss {loss}{book}"
    text = f"{model['model']}: {model['val_acc']:.3f}"
    if model["book_val_acc"]:
        ratio = model["val_acc"] / model["book_val_acc"]
        verdict = "at least 90%" if ratio >= GOOD_ENOUGH else "below 90%"
        text += f" (book {model['book_val_acc']:.3f}, {ratio:.0%}: {verdict})"
    return text


def summary(rows):
    failed = [r for r in rows if r["failed"]]
    stored = [r for r in rows if r["how"].startswith("stored")]
    compared = [m for r in rows for m in r["models"] if m["book_val_acc"] and m["val_acc"] is not None]
    good = [m for m in compared if m["val_acc"] / m["book_val_acc"] >= GOOD_ENOUGH]
    seconds = sum(r["seconds"] or 0 for r in rows)
    ran = len(rows) - len(stored)
    lines = [
        f"{len(rows)} chapters: {ran - len(failed)} ran without error, {len(failed)} failed"
        + (f", {len(stored)} show their stored outputs (this build did not execute them)" if stored else "") + ".",
        f"Trained models: {len(good)} of {len(compared)} reach 90% of the book's validation accuracy.",
        f"Total run time of the chapters: {seconds:.0f} s.",
    ]
    if failed:
        lines.append("Failed: " + ", ".join(r["docname"] for r in failed) + ".")
    return lines


def environment():
    import torch

    if torch.cuda.is_available():
        device = f"GPU: {torch.cuda.get_device_name(0)}"
    else:
        device = f"CPU: {cpu_model()} (no CUDA device)"
    commit = git("rev-parse", "--short", "HEAD") or "unknown (not a git checkout)"
    if commit[0] != "u" and git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    profile = execution_cache.profile()  # as the setup cell decides it
    return [("run profile for notebooks this build executes", profile),
            ("Python", platform.python_version()), ("PyTorch", torch.__version__), ("device", device),
            ("built", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            ("commit", commit)]


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git(*args):
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    except FileNotFoundError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def table(headers, rows, classes=()):
    """A docutils table: headers and rows of plain text."""
    group = nodes.tgroup(cols=len(headers))
    group += [nodes.colspec(colwidth=1) for _ in headers]
    head, body = nodes.thead(), nodes.tbody()
    for target, lines in ((head, [headers]), (body, rows)):
        for line in lines:
            row = nodes.row()
            for value in line:
                row += nodes.entry("", nodes.paragraph(text=str(value)))
            target += row
    group += [head, body]
    return nodes.table("", group, classes=list(classes))


def fill_placeholders(app, doctree, docname):
    placeholders = list(doctree.findall(status_placeholder))
    if not placeholders:
        return
    rows = chapter_rows(app.env, reference_rows(), app.course_build_started)
    chapters = table(
        ["chapter", "outputs", "profile", "device", "seconds", "trained models: validation accuracy (the book's)"],
        [[r["docname"], r["how"], r["profile"] or "?", r["device"] or "?",
          f"{r['seconds']:.1f}" if r["seconds"] is not None else "not run",
          "; ".join(model_cell(m) for m in r["models"]) or "none"] for r in rows],
        classes=["course-status"])
    summary_list = nodes.bullet_list()
    summary_list += [nodes.list_item("", nodes.paragraph(text=line)) for line in summary(rows)]
    env_table = table(["setting", "value"], environment(), classes=["course-environment"])
    for placeholder in placeholders:
        placeholder.replace_self([summary_list.deepcopy(), chapters.deepcopy(),
                                  nodes.rubric(text="Environment"), env_table.deepcopy()])


def always_rebuild_status(app, env, added, changed, removed):
    """The status page describes this build, so it is written again by every build."""
    return [d for d in env.found_docs if d == "status"]


def note_start(app):
    app.course_build_started = datetime.datetime.now().timestamp()


def setup(app):
    app.connect("builder-inited", note_start)
    app.add_node(status_placeholder)
    app.connect("env-get-outdated", always_rebuild_status)
    app.add_directive("course-status", CourseStatus)
    app.connect("doctree-read", collect_outputs)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("doctree-resolved", fill_placeholders)
    return {"parallel_read_safe": True}
