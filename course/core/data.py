"""`make data`: fill data/ with Fashion-MNIST and the Kaggle house-price CSVs, verified.

Fashion-MNIST goes to data/FashionMNIST/raw/ as the four uncompressed IDX files that
torchvision looks for. Sources are tried in order: the folder named by FASHION_MNIST_DIR,
Debian's dataset-fashion-mnist package, torchvision's download. The Kaggle CSVs go to data/,
from D2L_DATA_DIR or d2l's mirror; their sha1 is the one d2l's own `download` checks.
Every file is written under a temporary name and renamed only once its checksum matches,
so a failure never leaves a half-written file where the notebooks would read it.
"""

import gzip
import hashlib
import os
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

from .files import replace_atomically
from .notebooks import ROOT

DATA = ROOT / "data"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

# sha256 of the decompressed IDX files (the same bytes from every source).
FASHION_MNIST = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
# sha1, as in d2l.DATA_HUB.
KAGGLE = {
    "kaggle_house_pred_train.csv": "585e9cc93e70b39160e7921475f9bcd7d31219ce",
    "kaggle_house_pred_test.csv": "fa19780a7b011d9b009e8bff8e99922a8ee2eb90",
}
D2L_MIRROR = "http://d2l-data.s3-accelerate.amazonaws.com/"


class DataError(Exception):
    """No source gave a verified copy; the message says what was tried."""


def digest(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_verified(path, expected, algorithm):
    return Path(path).is_file() and digest(path, algorithm) == expected


def install_verified(source_bytes_writer, target, expected, algorithm):
    """Write to a temporary file beside target, check it, then rename it into place.

    Raises DataError with both checksums when the content is wrong; the target is untouched.
    """
    def check(tmp):
        actual = digest(tmp, algorithm)
        if actual != expected:
            raise DataError(f"{target.name}: checksum mismatch ({algorithm} expected "
                            f"{expected[:12]}…, got {actual[:12]}…)")

    replace_atomically(target, source_bytes_writer, binary=True, check=check)


def copy_idx_from_folder(folder, raw):
    """Copy the four IDX files from a folder holding them plain or gzipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder")
    for name, sha in FASHION_MNIST.items():
        target = raw / name
        if is_verified(target, sha, "sha256"):
            continue
        plain, packed = folder / name, folder / f"{name}.gz"
        if plain.is_file():
            opener = lambda: open(plain, "rb")
        elif packed.is_file():
            opener = lambda: gzip.open(packed, "rb")
        else:
            raise DataError(f"{folder} has neither {name} nor {name}.gz")

        def write(out, opener=opener):
            try:
                with opener() as src:
                    shutil.copyfileobj(src, out)
            except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
                raise DataError(f"{name}: unreadable ({e})") from None

        install_verified(write, target, sha, "sha256")


def download_with_torchvision(raw):
    """torchvision's own download into a scratch folder, then the verified copy."""
    import torchvision

    with tempfile.TemporaryDirectory() as scratch:
        try:
            torchvision.datasets.FashionMNIST(scratch, train=True, download=True)
            torchvision.datasets.FashionMNIST(scratch, train=False, download=True)
        except Exception as e:  # any network or parsing failure means this source failed
            detail = " ".join(line.strip() for line in str(e).splitlines() if line.strip())
            raise DataError(f"download failed ({type(e).__name__}: {detail[:240]})") from None
        copy_idx_from_folder(Path(scratch) / "FashionMNIST" / "raw", raw)


def fashion_mnist_sources():
    """(description, function(raw)) in the order the design page gives."""
    sources = []
    env = os.environ.get("FASHION_MNIST_DIR")
    if env:
        sources.append((f"FASHION_MNIST_DIR={env}", lambda raw: copy_idx_from_folder(env, raw)))
    sources.append((f"Debian package dataset-fashion-mnist ({DEBIAN_DIR})",
                    lambda raw: copy_idx_from_folder(DEBIAN_DIR, raw)))
    sources.append(("torchvision download", download_with_torchvision))
    return sources


def fetch_fashion_mnist(data=DATA, log=print):
    raw = Path(data) / "FashionMNIST" / "raw"
    if all(is_verified(raw / n, sha, "sha256") for n, sha in FASHION_MNIST.items()):
        log(f"Fashion-MNIST: already in {raw}, checksums match")
        return
    failures = []
    for description, fetch in fashion_mnist_sources():
        try:
            fetch(raw)
        except DataError as e:
            log(f"Fashion-MNIST: {description}: {e}; trying the next source")
            failures.append(f"{description}: {e}")
            continue
        log(f"Fashion-MNIST: 4 files from {description} into {raw}, checksums match")
        return
    raise DataError(
        "Fashion-MNIST: no source worked. Provide it one of three ways:\n"
        "  1. export FASHION_MNIST_DIR=<folder with the four IDX files, .gz or plain>\n"
        "  2. apt-get install dataset-fashion-mnist   (Debian/Ubuntu)\n"
        "  3. a network connection, for torchvision's download\n"
        "What was tried:\n  " + "\n  ".join(failures))


def fetch_kaggle(data=DATA, log=print):
    data = Path(data)
    env = os.environ.get("D2L_DATA_DIR")
    for name, sha in KAGGLE.items():
        target = data / name
        if is_verified(target, sha, "sha1"):
            log(f"Kaggle: {name} already in {data}, sha1 matches")
            continue
        if env:
            source, description = Path(env) / name, f"D2L_DATA_DIR={env}"
            if not source.is_file():
                raise DataError(f"Kaggle: {description} has no {name}")

            def write(out, source=source):
                with open(source, "rb") as src:
                    shutil.copyfileobj(src, out)
        else:
            description = f"d2l's mirror {D2L_MIRROR}"

            def write(out, name=name):
                try:
                    with urllib.request.urlopen(D2L_MIRROR + name, timeout=60) as src:
                        shutil.copyfileobj(src, out)
                except OSError as e:
                    raise DataError(f"Kaggle: {name} could not be downloaded ({e}); "
                                    "set D2L_DATA_DIR to a folder holding it") from None
        try:
            install_verified(write, target, sha, "sha1")
        except DataError as e:
            raise DataError(f"Kaggle: {description}: {e}") from None
        log(f"Kaggle: {name} from {description}, sha1 matches")


def main(argv=None):
    try:
        fetch_fashion_mnist()
        fetch_kaggle()
    except DataError as e:
        print(f"make data: {e}", file=sys.stderr)
        return 1
    return 0
