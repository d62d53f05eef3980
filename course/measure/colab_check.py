"""`make colab-check`: every notebook as a student meets it on Colab's current runtime.

Colab's default runtime is Python 3.13 with the newest releases of what it preinstalls, not
the course's pins. This check builds that environment (COLAB_PACKAGES, newest releases from
PyPI, in a Python 3.13 virtualenv under _build/colab/venv, made once and reused; `--fresh`
makes it again), and runs each notebook there the way Colab would:

* in a kernel of that virtualenv in which `google.colab` is imported at start, as on Colab,
  from a stand-in package (Colab's real one is not on PyPI), so the setup cell takes its
  Colab branch and installs d2l with its own pip command (d2l is uninstalled before every
  notebook, as a fresh runtime has none);
* in a folder `content/` (Colab's working folder) beside `data/`, which is where d2l's
  `../data` puts the downloads: a link to this checkout's data/ (`make data`);
* top to bottom: every chapter, every solution, and every exercise with the solution's
  answers filled in (as a good student would: the stub's answer cells get the solution's).

Nothing is written into the notebooks. Per notebook the table gives pass/fail, seconds,
whether the setup cell took the Colab branch, the first error, and whatever the notebook
printed on stderr (warnings): _build/colab/colab-check.md and .csv, rewritten after each
notebook.

    python -m course colab-check [--fresh] [--kinds chapters,solutions,exercises] [STEM ...]
"""

import argparse
import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbclient import NotebookClient

from course.authoring import anatomy, exercises
from course.checking import upstream
from course.core import notebooks
from course.core.notebooks import CHAPTERS, EXERCISES, ROOT, SOLUTIONS
from course.execution import execute
from course.measure.reports import markdown_table

WORK = ROOT / "_build" / "colab"
VENV = WORK / "venv"
KERNEL = "colab-python3.13"
# What Colab preinstalls and the notebooks use (torch and torchvision resolve to a matching
# pair; graphviz, the Python package and its `dot`, is on Colab too).
COLAB_PACKAGES = ["torch", "torchvision", "numpy", "pandas", "matplotlib", "scipy", "requests",
                  "ipywidgets", "ipykernel", "matplotlib-inline", "graphviz"]
PYTHON_313 = ["python3.13", "/root/.pyenv/versions/3.13.0/bin/python"]
# The line the setup cell prints when it took its Colab branch (course/setup_cell.py).
COLAB_LINE = "installed d2l 1.0.3"
STANDIN = '''"""A stand-in for Colab's google.colab (not on PyPI): the course's setup cell only asks
whether it has been imported, as it is on Colab before the first cell runs."""
'''
FOLDERS = {"chapters": CHAPTERS, "solutions": SOLUTIONS, "exercises": EXERCISES}


def find_python313(candidates=PYTHON_313):
    """The first candidate that runs and is Python 3.13. Being on PATH is not enough: a pyenv
    shim is there for every version pyenv has, and fails (exit 127) unless that version is
    selected."""
    for candidate in candidates:
        found = shutil.which(candidate)
        if not found:
            continue
        version = subprocess.run([found, "--version"], capture_output=True, text=True)
        if version.returncode == 0 and version.stdout.startswith("Python 3.13"):
            return found
    sys.exit("colab-check needs Python 3.13, Colab's runtime: none of "
             + ", ".join(candidates) + " runs here")


def make_venv(venv=VENV, fresh=False):
    """The Python 3.13 virtualenv with the newest COLAB_PACKAGES; returns its pip freeze.

    PIP_CONSTRAINT=/dev/null: a machine's pip configuration may cap packages (a constraint
    file in /etc/xdg/pip, say); an environment variable overrides a configuration file's
    setting, so the newest releases install, as on Colab."""
    python = venv / "bin" / "python"
    if fresh and venv.exists():
        shutil.rmtree(venv)
    if not python.exists():
        start = time.perf_counter()
        subprocess.run([find_python313(), "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--progress-bar", "off",
                        "--upgrade", *COLAB_PACKAGES], check=True,
                       env={**os.environ, "PIP_CONSTRAINT": os.devnull})
        print(f"colab-check: made {notebooks.shown(venv)} in {time.perf_counter() - start:.0f} s")
    return subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True,
                          check=True).stdout


def make_kernel(venv=VENV, work=WORK):
    """A kernelspec for the virtualenv that imports the stand-in google.colab at start;
    returns the folder to put on JUPYTER_PATH."""
    standin = work / "standin" / "google" / "colab"
    standin.mkdir(parents=True, exist_ok=True)
    (standin / "__init__.py").write_text(STANDIN)
    spec = work / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.exec_lines=import google.colab"],
        "display_name": "Colab's Python 3.13 (stand-in)", "language": "python",
        # pip as on Colab: without this machine's configuration files (extra indexes, caps)
        "env": {"PYTHONPATH": str(work / "standin"), "PIP_CONFIG_FILE": os.devnull}}, indent=1))
    return work / "jupyter"


solved_exercise = exercises.solved_stub  # the stub with the solution's answers filled in


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def stderr_text(nb):
    """Everything the notebook's cells printed on stderr, once each line, without colours."""
    seen = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                for line in ANSI.sub("", out.get("text", "")).splitlines():
                    if line.strip() and line not in seen:
                        seen.append(line)
    return seen


def run_notebook(nb, scratch, venv=VENV):
    """Execute nb as on Colab in scratch/content; returns a result row (without its name)."""
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "--quiet", "--yes", "d2l"],
                   capture_output=True)  # a fresh runtime has no d2l
    content = scratch / "content"  # a fresh runtime's working folder, empty
    shutil.rmtree(content, ignore_errors=True)
    content.mkdir()
    nb = copy.deepcopy(nb)
    start, error = time.perf_counter(), ""
    try:
        NotebookClient(nb, timeout=execute.CELL_TIMEOUT["quick"], kernel_name=KERNEL,
                       resources={"metadata": {"path": str(content)}}, iopub_timeout=execute.IOPUB_TIMEOUT,
                       raise_on_iopub_timeout=True, record_timing=False).execute()
    except execute.FAILURES as e:
        error = first_error(nb, e)
    seconds = time.perf_counter() - start
    setup = next((c for c in nb.cells if c.cell_type == "code"), None)
    colab_branch = setup is not None and COLAB_LINE in anatomy.text_of(setup.get("outputs", []))
    if not error and not colab_branch:
        error = "the setup cell did not take its Colab branch"
    return {"status": "failed" if error else "passed", "seconds": round(seconds, 1),
            "colab_branch": colab_branch, "first_error": error, "stderr": " | ".join(stderr_text(nb))[:500]}


def first_error(nb, exc):
    """'code cell N: Name: message' of the first cell that failed, from its error output."""
    code = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"code cell {code}: {out['ename']}: {out['evalue']}"[:300]
    return str(exc).strip().splitlines()[0][:300]


def selected(kinds, stems):
    """[(kind, stem, notebook)] to run, chapters first."""
    for kind in kinds:
        for path in notebooks.notebooks(FOLDERS[kind]):
            if not stems or path.stem in stems:
                nb = solved_exercise(path.stem) if kind == "exercises" else notebooks.read(path)
                yield kind, path.stem, nb


def write(rows, out, header):
    out.mkdir(parents=True, exist_ok=True)
    fields = ["kind", "notebook", "status", "seconds", "colab_branch", "first_error", "stderr"]
    with open(out / "colab-check.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    passed = sum(r["status"] == "passed" for r in rows)
    lines = [*header, "", f"{passed} of {len(rows)} notebooks passed.", "",
             markdown_table(["kind", "notebook", "status", "seconds", "first error", "stderr (warnings)"],
                            [[r["kind"], r["notebook"], r["status"], r["seconds"], r["first_error"], r["stderr"]]
                             for r in rows], "lllrll")]
    (out / "colab-check.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course colab-check", description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", help="section stems (default: all)")
    parser.add_argument("--kinds", default="chapters,solutions,exercises")
    parser.add_argument("--fresh", action="store_true", help="make the virtualenv again (newest releases)")
    parser.add_argument("--out", type=Path, default=WORK, help="the table, the kernelspec and the stand-in")
    parser.add_argument("--venv", type=Path, default=VENV,
                        help="the virtualenv (one per concurrent check: each uninstalls d2l before a notebook)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    args.venv, args.out = args.venv.resolve(), args.out.resolve()  # kernels run in another folder
    if not (ROOT / "data").exists():
        sys.exit("colab-check: no data/ (run `make data`)")
    upstream.install_nbclient()
    freeze = make_venv(args.venv, fresh=args.fresh)
    os.environ["JUPYTER_PATH"] = str(make_kernel(args.venv, args.out))
    os.environ.pop("COURSE_PROFILE", None)  # on Colab it is unset: quick without a GPU
    versions = {line.split("==")[0].lower(): line.split("==")[1] for line in freeze.splitlines() if "==" in line}
    python = subprocess.run([str(args.venv / "bin" / "python"), "--version"], capture_output=True, text=True).stdout.strip()
    header = [f"# Colab check: {python}, "
              + ", ".join(f"{p} {versions.get(p, '?')}" for p in COLAB_PACKAGES),
              "", "Setup cell's Colab branch with a stand-in google.colab; d2l installed by the setup cell; "
              "data in ../data; exercises with the solutions' answers filled in."]
    rows = []
    with tempfile.TemporaryDirectory(prefix="colab-check-") as scratch:
        scratch = Path(scratch)
        os.symlink(ROOT / "data", scratch / "data")
        for kind, stem, nb in selected(args.kinds.split(","), set(args.stems)):
            row = {"kind": kind, "notebook": stem, **run_notebook(nb, scratch, args.venv)}
            rows.append(row)
            write(rows, args.out, header)
            print(f"{kind}/{stem}: {row['status']} in {row['seconds']} s"
                  + (f"; {row['first_error']}" if row['first_error'] else "")
                  + (f"; stderr: {row['stderr'][:200]}" if row['stderr'] else ""), flush=True)
    print(f"{sum(r['status'] == 'passed' for r in rows)} of {len(rows)} passed: {args.out / 'colab-check.md'}")
    return int(any(r["status"] != "passed" for r in rows))
