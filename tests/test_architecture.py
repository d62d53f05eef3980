"""The course package's layering (.importlinter, ARCHITECTURE.md) holds: import-linter finds
no upward import, no cycle, and no course import in the stamped sources; and every module
sits in a package the contracts cover, with a docstring saying what it owns."""

import ast
import subprocess
import sys
from pathlib import Path

from course.core.notebooks import ROOT

PACKAGES = ["core", "authoring", "checking", "execution", "grading", "site", "measure"]
# Top-level modules outside the layers: the command line, and the three sources that
# `make stamp` copies into notebooks (the stamped-sources contract keeps them self-contained).
TOP_LEVEL = {"__init__.py", "__main__.py", "setup_cell.py", "explorers.py", "network_drawing.py"}


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_every_module_is_in_a_layered_package():
    course = ROOT / "course"
    stray = {p.name for p in course.glob("*.py")} - TOP_LEVEL
    folders = {p.name for p in course.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert not stray, f"modules outside the packages of .importlinter: {sorted(stray)}"
    assert folders == set(PACKAGES), f"packages not in the layers contract: {sorted(folders - set(PACKAGES))}"
    config = (ROOT / ".importlinter").read_text()
    assert all(f"course.{name}" in config for name in PACKAGES)


def test_every_package_says_what_it_owns_and_may_import():
    for name in PACKAGES:
        doc = ast.get_docstring(ast.parse((ROOT / "course" / name / "__init__.py").read_text()))
        assert doc and "May import" in doc, f"course/{name}/__init__.py needs a docstring: what it owns, what it may import"
