"""`make data`: sources in order, checksums, clear failures, nothing half-written."""

import gzip
import hashlib

import pytest

from course.core import data as course_data
from course.core.data import DataError, fetch_fashion_mnist, fetch_kaggle

# Four tiny stand-ins for the IDX files, with their own checksums.
FAKE_IDX = {name: f"{name} content".encode() * 100 for name in course_data.FASHION_MNIST}


@pytest.fixture
def fake_fashion_mnist(monkeypatch, tmp_path):
    """Checksums of the stand-ins; no Debian package; a torchvision download that fails fast."""
    monkeypatch.setattr(course_data, "FASHION_MNIST",
                        {n: hashlib.sha256(b).hexdigest() for n, b in FAKE_IDX.items()})
    monkeypatch.setattr(course_data, "DEBIAN_DIR", tmp_path / "no-debian-package")

    def offline(raw):
        raise DataError("download failed (URLError: no network)")

    sources = course_data.fashion_mnist_sources

    def patched():
        return [(d, offline if d == "torchvision download" else f) for d, f in sources()]

    monkeypatch.setattr(course_data, "fashion_mnist_sources", patched)
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)


def write_source(folder, compress=True, corrupt=None):
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in FAKE_IDX.items():
        if name == corrupt:
            content = content[:-1] + b"X"
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return folder


def raw_files(target):
    raw = target / "FashionMNIST" / "raw"
    return sorted(p.name for p in raw.iterdir()) if raw.exists() else []


def test_sources_are_tried_in_the_documented_order(monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", "/somewhere")
    names = [d for d, _ in course_data.fashion_mnist_sources()]
    assert names[0] == "FASHION_MNIST_DIR=/somewhere"
    assert names[1].startswith("Debian package dataset-fashion-mnist")
    assert names[2] == "torchvision download"


@pytest.mark.parametrize("compress", [True, False])
def test_from_a_folder(fake_fashion_mnist, monkeypatch, tmp_path, compress):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(write_source(tmp_path / "src", compress)))
    log = []
    fetch_fashion_mnist(tmp_path / "data", log=log.append)
    assert raw_files(tmp_path / "data") == sorted(FAKE_IDX)
    for name, content in FAKE_IDX.items():
        assert (tmp_path / "data" / "FashionMNIST" / "raw" / name).read_bytes() == content
    assert "checksums match" in log[-1]
    fetch_fashion_mnist(tmp_path / "data", log=log.append)
    assert log[-1].startswith("Fashion-MNIST: already in")


def test_a_corrupted_file_is_named_and_the_next_source_is_tried(fake_fashion_mnist, monkeypatch, tmp_path):
    bad = "train-images-idx3-ubyte"
    monkeypatch.setenv("FASHION_MNIST_DIR", str(write_source(tmp_path / "src", corrupt=bad)))
    debian = write_source(tmp_path / "debian")
    monkeypatch.setattr(course_data, "DEBIAN_DIR", debian)
    log = []
    fetch_fashion_mnist(tmp_path / "data", log=log.append)
    assert any(f"{bad}: checksum mismatch" in line and "trying the next source" in line for line in log)
    assert "Debian package" in log[-1]
    assert (tmp_path / "data" / "FashionMNIST" / "raw" / bad).read_bytes() == FAKE_IDX[bad]


def test_corrupted_and_no_other_source_leaves_no_partial_file(fake_fashion_mnist, monkeypatch, tmp_path):
    bad = "t10k-labels-idx1-ubyte"
    monkeypatch.setenv("FASHION_MNIST_DIR", str(write_source(tmp_path / "src", corrupt=bad)))
    with pytest.raises(DataError) as err:
        fetch_fashion_mnist(tmp_path / "data", log=lambda line: None)
    assert f"{bad}: checksum mismatch" in str(err.value)
    names = raw_files(tmp_path / "data")
    assert bad not in names
    assert not [n for n in names if n.endswith(".part") or n.startswith(".")], names


def test_no_source_gives_one_message_naming_all_three_ways(fake_fashion_mnist, tmp_path):
    with pytest.raises(DataError) as err:
        fetch_fashion_mnist(tmp_path / "data", log=lambda line: None)
    message = str(err.value)
    assert "FASHION_MNIST_DIR" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "torchvision's download" in message
    assert raw_files(tmp_path / "data") == []


def test_a_truncated_gzip_is_reported_not_crashed(fake_fashion_mnist, monkeypatch, tmp_path):
    src = write_source(tmp_path / "src")
    packed = src / "train-labels-idx1-ubyte.gz"
    packed.write_bytes(packed.read_bytes()[:20])
    monkeypatch.setenv("FASHION_MNIST_DIR", str(src))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte: unreadable"):
        fetch_fashion_mnist(tmp_path / "data", log=lambda line: None)


def test_make_data_exit_status_and_message(fake_fashion_mnist, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(course_data, "DATA", tmp_path / "data")
    assert course_data.main([]) == 1
    assert "make data: Fashion-MNIST: no source worked" in capsys.readouterr().err


@pytest.fixture
def fake_kaggle(monkeypatch, tmp_path):
    content = {name: f"Id,{name}\n1,2\n".encode() for name in course_data.KAGGLE}
    monkeypatch.setattr(course_data, "KAGGLE", {n: hashlib.sha1(b).hexdigest() for n, b in content.items()})
    src = tmp_path / "kaggle"
    src.mkdir()
    for name, body in content.items():
        (src / name).write_bytes(body)
    monkeypatch.setenv("D2L_DATA_DIR", str(src))
    return src, content


def test_kaggle_from_d2l_data_dir(fake_kaggle, tmp_path):
    src, content = fake_kaggle
    log = []
    fetch_kaggle(tmp_path / "data", log=log.append)
    for name, body in content.items():
        assert (tmp_path / "data" / name).read_bytes() == body
    fetch_kaggle(tmp_path / "data", log=log.append)
    assert log[-1].endswith("sha1 matches") and "already" in log[-1]


def test_kaggle_corrupted_copy_is_refused(fake_kaggle, tmp_path):
    src, _ = fake_kaggle
    (src / "kaggle_house_pred_test.csv").write_text("Id\n")
    with pytest.raises(DataError, match="kaggle_house_pred_test.csv: checksum mismatch"):
        fetch_kaggle(tmp_path / "data", log=lambda line: None)
    assert not (tmp_path / "data" / "kaggle_house_pred_test.csv").exists()


def test_real_data_is_what_d2l_and_torchvision_look_for(monkeypatch):
    """After `make data` (which `make test` runs first) d2l's download finds the CSVs by their
    sha1 without touching the network, and torchvision reads Fashion-MNIST from data/."""
    import urllib.request

    import torchvision
    from d2l import torch as d2l

    def no_network(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(d2l.requests, "get", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    for name, sha1 in course_data.KAGGLE.items():
        path = d2l.download(d2l.DATA_URL + name, str(course_data.DATA), sha1)
        assert path == str(course_data.DATA / name)
    train = torchvision.datasets.FashionMNIST(str(course_data.DATA), train=True)
    test = torchvision.datasets.FashionMNIST(str(course_data.DATA), train=False)
    assert (len(train), len(test)) == (60000, 10000)
