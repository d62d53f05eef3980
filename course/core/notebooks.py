"""Where the notebooks live, how their names map to sections, and reading/writing them."""

import re
from pathlib import Path

import nbformat

from .files import atomic_write

ROOT = Path(__file__).resolve().parents[2]  # the checkout: course/core/notebooks.py
CHAPTERS = ROOT / "chapters"
EXERCISES = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"

# chapters/2_1_data_manipulation.ipynb is section 2.1; the same stem names its exercise
# stub and its solution.
STEM = re.compile(r"^(?P<chapter>\d+)_(?P<section>\d+)_(?P<slug>[a-z0-9_]+)$")


def section_of(path):
    """'2.1' for any path whose stem is 2_1_<slug>, else None."""
    m = STEM.match(Path(path).stem)
    return f"{m['chapter']}.{m['section']}" if m else None


def section_key(path):
    """(2, 1) for 2_1_<slug>: the sort key of section order (2.10 after 2.9)."""
    return tuple(int(n) for n in section_of(path).split("."))


def notebooks(folder):
    """The section notebooks of a folder, in section order."""
    return sorted((p for p in Path(folder).glob("*.ipynb") if section_of(p)), key=section_key)


def read(path):
    return nbformat.read(str(path), as_version=4)


def write(nb, path):
    """Write atomically: a reader never sees half a notebook."""
    atomic_write(path, dumps(nb))


def dumps(nb):
    """The exact text `write` would put on disk, for comparing without writing."""
    return nbformat.writes(nb) + "\n"


def shown(path):
    """A path as a reader of the repository wants it: relative to the root where possible."""
    path = Path(path)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
