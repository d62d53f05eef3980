"""requirements.txt must install on Python 3.12 and 3.13 too, not only on this machine.

pip's resolver is asked, with binary wheels only and without installing anything, whether
the pinned set resolves for each version, exactly as tools/make_venv.py installs it.
"""

import subprocess
import sys

import pytest

from course.core.notebooks import ROOT
from tools.make_venv import split

# pip matches platform tags exactly; the wheels of this set use manylinux 2.17 to 2.28.
PLATFORMS = ["manylinux2014_x86_64"] + [f"manylinux_2_{n}_x86_64" for n in range(17, 40)]


def dry_run(python_version, requirements, tmp_path, *extra):
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
           "--quiet", "--disable-pip-version-check", "--only-binary=:all:",
           "--python-version", python_version, "--target", str(tmp_path / "target"), *extra]
    for platform in PLATFORMS:
        cmd += ["--platform", platform]
    return subprocess.run(cmd + requirements, capture_output=True, text=True)


def test_requirements_split_keeps_d2l_away_from_the_resolver():
    resolved, no_deps = split(ROOT / "requirements.txt")
    assert no_deps == ["d2l==1.0.3"]
    assert all("==" in spec for spec in resolved), "every requirement is pinned"
    names = {spec.split("==")[0] for spec in resolved}
    # What d2l's torch module imports, since its own dependencies are not installed.
    assert {"torch", "torchvision", "numpy", "pandas", "scipy", "matplotlib",
            "matplotlib-inline", "pillow", "requests", "ipykernel"} <= names
    assert {"jupyter-book", "nbval", "ipywidgets"} <= names
    assert any(spec.startswith("jupyter-book==1.") for spec in resolved), "Jupyter Book 1.x only"


@pytest.mark.parametrize("python_version", ["3.12", "3.13"])
def test_pinned_set_resolves(python_version, tmp_path):
    resolved, no_deps = split(ROOT / "requirements.txt")
    result = dry_run(python_version, resolved, tmp_path)
    assert result.returncode == 0, f"does not resolve for Python {python_version}:\n{result.stderr[-2000:]}"
    result = dry_run(python_version, no_deps, tmp_path, "--no-deps")
    assert result.returncode == 0, f"d2l has no wheel for Python {python_version}:\n{result.stderr[-2000:]}"
