"""The full profile, proven on a CPU: every chapter that trains, run with COURSE_PROFILE=full
(the book's data, resize, batch size and widths) for a few batches (course/measure/smoke.py).

Each training chapter runs from an in-memory copy (its stored quick outputs are never
touched) with one cell inserted after the setup cell: every fit trains on at most
smoke.BATCHES batches an epoch and validates on at most smoke.VAL_BATCHES, one epoch on
Fashion-MNIST, the book's epochs on the small data sets. No cell is skipped. A chapter fails when

* any cell raises, times out or kills its kernel (the message names the notebook's cell);
* a fit's input batch, the inputs of its first dense layer or its parameter count differs
  from the book's (BOOK below: d2l 1.0.3's batch sizes and resizes; the parameter counts
  are summed here from the book's layer widths);
* a fit did not train (and validate, where it has validation data) the capped batches;
* a DataLoader would start more workers than the kernel's machine has cores (d2l's
  Fashion-MNIST asks for 4; for_profile must bring that down);
* a cell writes to stderr (a warning a full-profile reader would see), or the kernel did
  not run the full profile.

`make smoke` runs just this file; `make test` runs it with the rest. The seconds each
chapter took are printed at the end of the session (conftest.py).
"""

import nbformat
import pytest

from course import setup_cell
from course.core import notebooks
from course.measure import smoke


def conv(c_in, c_out, k):
    return c_in * c_out * k * k + c_out


def dense(n_in, n_out):
    return n_in * n_out + n_out


def bn(channels):  # scale and shift; the running statistics are not parameters
    return 2 * channels


def vgg(arch, flat):
    total, c_in = 0, 1
    for convs, c_out in arch:
        for _ in range(convs):
            total, c_in = total + conv(c_in, c_out, 3), c_out
    return total + dense(flat, 4096) + dense(4096, 4096) + dense(4096, 10)


def nin_block(c_in, c_out, k):
    return conv(c_in, c_out, k) + 2 * conv(c_out, c_out, 1)


def googlenet():
    total, c_in = conv(1, 64, 7) + conv(64, 64, 1) + conv(64, 192, 3), 192
    for c1, c2, c3, c4 in [(64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64),
                           (192, (96, 208), (16, 48), 64), (160, (112, 224), (24, 64), 64),
                           (128, (128, 256), (24, 64), 64), (112, (144, 288), (32, 64), 64),
                           (256, (160, 320), (32, 128), 128), (256, (160, 320), (32, 128), 128),
                           (384, (192, 384), (48, 128), 128)]:
        total += (conv(c_in, c1, 1) + conv(c_in, c2[0], 1) + conv(c2[0], c2[1], 3)
                  + conv(c_in, c3[0], 1) + conv(c3[0], c3[1], 5) + conv(c_in, c4, 1))
        c_in = c1 + c2[1] + c3[1] + c4
    assert c_in == 1024
    return total + dense(1024, 10)


def resnet18():
    total, c_in = conv(1, 64, 7) + bn(64), 64
    for block, c_out in enumerate((64, 128, 256, 512)):
        for i in range(2):
            shortcut = i == 0 and block > 0  # a 1 x 1 convolution where the shape changes
            total += conv(c_in, c_out, 3) + conv(c_out, c_out, 3) + 2 * bn(c_out) + (conv(c_in, c_out, 1) if shortcut else 0)
            c_in = c_out
    return total + dense(512, 10)


FASHION = lambda batch, side=28: (batch, 1, side, side)  # noqa: E731
LENET = (FASHION(128), 16 * 5 * 5, conv(1, 6, 5) + conv(6, 16, 5) + dense(400, 120) + dense(120, 84) + dense(84, 10))
# Each training chapter's fits, as {(input batch shape, first dense layer's inputs or None
# where the model has no nn.Linear, parameters)}: the book's batch size, resize and widths.
BOOK = {
    "3.2": {((16, 1), None, 1)},                    # the course's own thermometer (no book model)
    "3.4": {((32, 2), None, 3)},                    # SyntheticRegressionData, batch 32
    "3.5": {((32, 2), 2, 3)},
    "3.7": {((5, 200), None, 201), ((5, 200), 200, 201)},  # 20 examples, 200 features, batch 5
    "4.3": {((32, 2), 2, 9)},                       # the course's own blobs: 2 features, 3 classes
    "4.4": {(FASHION(256), None, dense(784, 10))},
    "4.5": {(FASHION(256), 784, dense(784, 10))},
    "5.2": {(FASHION(256), None, dense(784, 256) + dense(256, 10)),
            (FASHION(256), 784, dense(784, 256) + dense(256, 10))},
    "5.6": {(FASHION(256), 784, dense(784, 256) + dense(256, 256) + dense(256, 10))},  # both use LazyLinear
    "5.7": {((64, 330), 330, 331)},                 # Kaggle houses: 330 features, batch 64
    "7.6": {LENET},
    "8.1": {(FASHION(128, 224), 6400, conv(1, 96, 11) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3)
             + conv(384, 256, 3) + dense(6400, 4096) + dense(4096, 4096) + dense(4096, 10))},
    "8.2": {(FASHION(128, 224), 128 * 7 * 7, vgg(((1, 16), (1, 32), (2, 64), (2, 128), (2, 128)), 128 * 7 * 7))},
    "8.3": {(FASHION(128, 224), None, nin_block(1, 96, 11) + nin_block(96, 256, 5) + nin_block(256, 384, 3)
             + nin_block(384, 10, 3))},
    "8.4": {(FASHION(128, 96), 1024, googlenet())},
    "8.5": {(FASHION(128), 16 * 4 * 4, conv(1, 6, 5) + bn(6) + conv(6, 16, 5) + bn(16) + dense(256, 120) + bn(120)
             + dense(120, 84) + bn(84) + dense(84, 10)), LENET},  # BN-LeNet (scratch and concise), LeNet
    "8.6": {(FASHION(128, 96), 512, resnet18())},
}

CHAPTERS = smoke.training_chapters()


def problems(result, book):
    """What is wrong with a smoke run's result against the book's fits (empty: nothing)."""
    record, found = result["record"], []
    if record["profile"] != "full":
        found.append(f"the kernel ran the {record['profile']} profile")
    fits = record["fits"]
    if not fits:
        found.append("no d2l.Trainer.fit ran")
    shapes = {(tuple(f["input"] or ()), f["dense"], f["params"]) for f in fits}
    for shape in sorted(shapes - book, key=str):
        models = sorted({f["model"] for f in fits if (tuple(f["input"] or ()), f["dense"], f["params"]) == shape})
        found.append(f"{', '.join(models)}: input {shape[0]}, first dense layer's inputs {shape[1]}, "
                     f"{shape[2]:,} parameters: not the book's")
    for shape in sorted(book - shapes, key=str):
        found.append(f"no fit had the book's input {shape[0]}, first dense layer's inputs {shape[1]}, "
                     f"{shape[2]:,} parameters")
    for f in fits:
        if f["batches_per_epoch"] < 1 or f["train_batches"] != f["epochs_run"] * f["batches_per_epoch"]:
            found.append(f"{f['model']}: trained {f['train_batches']} batches, not {f['epochs_run']} epochs "
                         f"of {f['batches_per_epoch']}")
        if f["val_batches"] > f["epochs_run"] * smoke.VAL_BATCHES:
            found.append(f"{f['model']}: validated {f['val_batches']} batches, more than the cap")
    for loader in record["loaders"]:
        if loader["workers"] > record["cores"]:
            found.append(f"a DataLoader with {loader['workers']} workers on {record['cores']} cores")
            break
    for where, text in result["stderr"]:
        found.append(f"{where} wrote to stderr: {text.strip()[:500]}")
    return found


def test_every_training_chapter_has_the_books_figures_here():
    sections = {notebooks.section_of(p) for p in CHAPTERS}
    assert {"7.6", "8.1", "8.6"} <= sections, "smoke.training_chapters() misses chapters that train"
    assert sections == set(BOOK), (f"no book figures for {sorted(sections - set(BOOK))}; "
                                   f"figures for chapters that no longer train: {sorted(set(BOOK) - sections)}")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_full_profile_runs_end_to_end_at_the_books_sizes(path, record_property):
    result = smoke.run(path)
    record_property("smoke_seconds", result["seconds"])
    fits = result["record"]["fits"]
    print(f"{notebooks.shown(path)}: {result['seconds']:.1f} s, {len(fits)} fits")
    found = problems(result, BOOK[notebooks.section_of(path)])
    assert not found, f"{notebooks.shown(path)}, full profile:\n  " + "\n  ".join(found)


def tiny_notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [setup_cell.make_cell()] + [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def test_the_smoke_run_caps_records_and_names_the_cell_that_raised():
    """The machinery on a notebook of its own: small data keeps its epochs, each capped at
    smoke.BATCHES training and smoke.VAL_BATCHES validation batches; loaders' workers and
    stderr are recorded; a raising cell is named."""
    nb = tiny_notebook(
        "data = d2l.SyntheticRegressionData(w=torch.tensor([2.0, -3.4]), b=4.2)\n"
        "model = d2l.LinearRegression(lr=0.03)\n"
        "model.board.display = False\n"
        "d2l.Trainer(max_epochs=3).fit(model, data)\n"
        "loader = torch.utils.data.DataLoader(data.X, num_workers=os.cpu_count() + 1)\n"
        "import sys; print('a warning', file=sys.stderr)")
    result = smoke.run("chapters/smoke_selftest.ipynb", nb=nb)
    (fit,) = result["record"]["fits"]
    assert (fit["epochs_run"], fit["batches_per_epoch"], fit["train_batches"], fit["val_batches"]) == (3, 2, 6, 3)
    found = problems(result, {((32, 2), 2, 3)})
    assert any("workers" in p for p in found) and any("stderr" in p for p in found), found
    assert len(found) == 2, found
    assert problems(result, {((32, 2), None, 3)})[0].startswith("LinearRegression: input (32, 2)")

    with pytest.raises(smoke.SmokeFailure, match="cell 3 did not finish"):
        smoke.run("chapters/smoke_selftest.ipynb", nb=tiny_notebook("x = 1", "raise ValueError('no')"))
