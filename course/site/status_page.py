"""A Sphinx extension for the status page: what the build ran, on what, and how it did.

`{course-status}` in status.md becomes, once every page has been read:

* a summary in words (chapters that ran, failed, or show stored outputs; the profile and
  device they ran with; trained models at 90% of the book's validation accuracy or more,
  saying what is compared with what; total run time);
* a table of the trained models, each one's validation figure beside the book's
  (reference/d2l_results.csv), and one of the chapters: how its outputs were obtained and
  its seconds (course/site/status_tables.py lays them out);
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
from course.measure.bench import FIT, METRICS, reference_rows  # what fit_and_time and final_metrics print
from course.site import status_tables

SETUP_LINE = re.compile(r"profile (?P<profile>quick|full), torch \S+, device (?P<device>\S+)")
# model_size's line, e.g. "model: 1,361,594 parameters, 31.2 million multiply-adds per 67 x 67 image"
MODEL_SIZE = re.compile(r"model: (?P<parameters>[\d,]+) parameters, (?P<macs>[\d,.]+) million multiply-adds "
                        r"per (?P<side>\d+ x \d+) image")
GOOD_ENOUGH = status_tables.GOOD_ENOUGH


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
        "runs": runs,
        # fit_and_time's seconds and model_size's line, in the order the page printed them
        "seconds": [float(m["seconds"]) for t in texts for m in FIT.finditer(t)],
        "sizes": [m.groupdict() for t in texts for m in MODEL_SIZE.finditer(t)]}


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
            # A run the book has no figure for is named by its place among the page's runs.
            name = ref.get("model") or f"training run {i + 1} of {len(info['runs'])} (not in the book)"
            models.append({"model": name, "val_acc": run.get("val_acc"),
                           "book_val_acc": float(ref["val_acc"]) if ref.get("val_acc") else None,
                           "val_loss": run.get("val_loss"),
                           "book_val_loss": float(ref["val_loss"]) if ref.get("val_loss") else None})
        title = env.titles[docname].astext() if docname in env.titles else docname
        rows.append({"docname": docname, "section": section, "title": title.removeprefix(section).strip(),
                     "how": how_obtained(exec_data, build_started),
                     "failed": bool(exec_data) and not exec_data.get("succeeded"),
                     "seconds": (exec_data or {}).get("runtime"), "profile": info["profile"],
                     "device": info["device"], "models": models})
    return rows




def summary(rows):
    failed = [r for r in rows if r["failed"]]
    stored = [r for r in rows if r["how"].startswith("stored")]
    compared = [m for r in rows for m in r["models"] if m["book_val_acc"] and m["val_acc"] is not None]
    good = [m for m in compared if m["val_acc"] / m["book_val_acc"] >= GOOD_ENOUGH]
    seconds = sum(r["seconds"] or 0 for r in rows)
    ran = len(rows) - len(stored)
    profile, device = status_tables.usual_setting(rows)
    same = sum((r["profile"], r["device"]) == (profile, device) for r in rows)
    below = [f"{r['section']} {m['model']} ({m['val_acc'] / m['book_val_acc']:.0%})" for r in rows
             for m in r["models"] if m in compared and m not in good]
    lines = [
        f"{len(rows)} chapters: {ran - len(failed)} ran without error, {len(failed)} failed"
        + (f", {len(stored)} show their stored outputs (this build did not execute them)" if stored else "") + ".",
        f"{same} of {len(rows)} chapters ran in the {profile or '?'} profile on {device or '?'}"
        + (" (the others are marked in the chapters table)." if same < len(rows) else "."),
        f"Trained models, {profile or '?'} profile: validation accuracy against the book's, from its own "
        f"runs with the full settings. {len(good)} of {len(compared)} reach the quick profile's target of 90% "
        "of the book's figure" + (f"; below it: {', '.join(below)}." if below else "."),
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


def fill_placeholders(app, doctree, docname):
    placeholders = list(doctree.findall(status_placeholder))
    if not placeholders:
        return
    rows = chapter_rows(app.env, reference_rows(), app.course_build_started)

    def uri_of(target):
        return app.builder.get_relative_uri(docname, target)

    summary_list = nodes.bullet_list()
    summary_list += [nodes.list_item("", nodes.paragraph(text=line)) for line in summary(rows)]
    env_table = status_tables.table(["setting", "value"], environment(), classes=["course-environment"])
    content = [summary_list, nodes.rubric(text="Trained models"), status_tables.models_table(rows, uri_of),
               nodes.rubric(text="Chapters"), status_tables.chapters_table(rows, uri_of),
               nodes.rubric(text="Environment"), env_table]
    for placeholder in placeholders:
        placeholder.replace_self([node.deepcopy() for node in content])


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
