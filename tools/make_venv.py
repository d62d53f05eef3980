"""Create the virtualenv and install requirements.txt into it (called by `make venv`).

d2l 1.0.3 pins numpy 1.23.5, pandas 2.0.3 and others that do not install on Python 3.12+,
so it is installed with --no-deps after everything else; requirements.txt lists what it
imports. Standard library only: this runs before the venv exists.
"""

import shutil
import subprocess
import sys
from pathlib import Path

NO_DEPS = {"d2l"}  # packages whose own pins we refuse


def split(requirements):
    """(lines pip may resolve, lines to install with --no-deps)."""
    resolved, no_deps = [], []
    for line in requirements.read_text().splitlines():
        spec = line.split("#", 1)[0].strip()
        if not spec:
            continue
        name = spec.split("=")[0].split("<")[0].split(">")[0].strip().lower()
        (no_deps if name in NO_DEPS else resolved).append(spec)
    return resolved, no_deps


def main(venv, requirements):
    venv, requirements = Path(venv), Path(requirements)
    if sys.version_info < (3, 11):
        sys.exit(f"make venv: Python 3.11 or newer is needed, {sys.version.split()[0]} found "
                 "(set PYTHON=python3.12, say)")
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    resolved, no_deps = split(requirements)
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + resolved, check=True)
    subprocess.run(pip + ["--no-deps"] + no_deps, check=True)
    # Only a complete install earns the stamp that `make venv` compares against.
    shutil.copyfile(requirements, venv / "requirements.txt")
    print(f"venv: installed {len(resolved) + len(no_deps)} pinned packages into {venv}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
