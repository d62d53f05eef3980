"""`make assets`: the JavaScript the site needs, served from the site itself.

The widget manager (which renders ipywidgets from the state saved in each notebook) and
RequireJS come from the npm registry into _assets/vendor/ (git-ignored;
the site serves _assets/ as _static/), so pages work
without reaching a CDN: offline, behind a school firewall, and in the browser tests.
MathJax comes the same way from PyPI (the sphinx-mathjax-offline extension).
"""

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .notebooks import ROOT

VENDOR = ROOT / "_assets" / "vendor"
PACKAGES = {
    # npm package: (files or folders to take from its tarball, where they go under VENDOR)
    "@jupyter-widgets/html-manager@1.0.7": ("package/dist", "html-manager"),
    "requirejs@2.3.8": ("package/require.js", "require.js"),
}


def stamp():
    return "\n".join(PACKAGES) + "\n"


def fetch(log=print):
    if (VENDOR / "PACKAGES").exists() and (VENDOR / "PACKAGES").read_text() == stamp():
        log(f"assets: {VENDOR.relative_to(ROOT)} is up to date")
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("assets: npm is needed to fetch the widget JavaScript "
                         "(Debian: apt-get install npm)")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([npm, "pack", "--silent", *PACKAGES], cwd=scratch, check=True,
                       stdout=subprocess.DEVNULL)
        staging = Path(scratch) / "vendor"
        for spec, (inner, target) in PACKAGES.items():
            tarball = Path(scratch) / npm_file(spec)
            with tarfile.open(tarball) as tar:
                tar.extractall(Path(scratch) / tarball.stem, filter="data")
            source = Path(scratch) / tarball.stem / inner
            destination = staging / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if source.is_dir() else shutil.copyfile)(source, destination)
        (staging / "PACKAGES").write_text(stamp())
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        VENDOR.parent.mkdir(exist_ok=True)
        shutil.move(str(staging), VENDOR)
    log(f"assets: {', '.join(PACKAGES)} into {VENDOR.relative_to(ROOT)}")


def npm_file(spec):
    """The tarball name `npm pack` writes for a package spec."""
    name, version = spec.rsplit("@", 1)
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def main(argv=None):
    fetch()
    return 0
