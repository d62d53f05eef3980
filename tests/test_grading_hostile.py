"""The grader against submissions that misbehave, on purpose or by accident (section 2.1).

Each hostile submission is the 2.1 stub filled with correct answers, except for one
exercise whose answer does something a grader must survive. The whole set is graded as
one batch; every test reads the same gradebook.
"""

import csv
import json
import os

import nbformat
import pytest

from course.core import notebooks
from course.core.notebooks import ROOT, SOLUTIONS
from course.grading import cli, gradebook, sandbox
from tests import grading_helpers as h

STEM = "2_1_data_manipulation"
GOOD_GRID = "grid = torch.arange(12, dtype=torch.float32).reshape(3, 4)"

# The walk skips the read-only software trees the sandbox mounts, which hold no course
# files: /usr (Debian), the Python installation (sys.base_prefix) and the virtualenv
# (sys.prefix). With their 250,000 entries the walk ran past the 15 s cell limit on a
# loaded CI machine.
SEARCH = '''import os, sys, time
software = {"/proc", "/sys", "/usr", sys.prefix, sys.base_prefix}
found, start, entries = [], time.perf_counter(), 0
for top in ["/", os.path.expanduser("~"), ".."]:
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.abspath(os.path.join(folder, d)) not in software]
        entries += len(files) + len(dirs)
        for name in files + dirs:
            if "2_1_data_manipulation" in name or name in ("solutions", "grades.csv", "feedback"):
                found.append(os.path.join(folder, name))
print("found", len(found), sorted(found)[:5], f"among {entries} entries in {time.perf_counter() - start:.1f} s")
''' + GOOD_GRID


def hostile_answers(out):
    """name -> answer for exercise 1 (slot 1)."""
    return {
        "infinite_loop": "while True:\n    pass",
        "memory_bomb": "hog = []\nwhile True:\n    hog.append(bytearray(256 * 2**20))",
        "process_bomb": ("import subprocess\nchildren = []\nwhile True:\n"
                         "    children.append(subprocess.Popen(['sleep', '30']))"),
        "kernel_exit": "import os\nos._exit(1)",
        "disk_search": SEARCH,
        "writes_outside": (
            "import pathlib\nattempts = {}\n"
            f"for target in [{str(out / 'grades.csv')!r}, {str(ROOT / 'HACKED')!r}, "
            f"{str(SOLUTIONS / STEM) + '.ipynb'!r}, '/tmp/../sandbox/data/x']:\n"
            "    try:\n        pathlib.Path(target).write_text('pwned')\n        attempts[target] = 'written'\n"
            "    except OSError as e:\n        attempts[target] = type(e).__name__\n"
            "print(attempts)\n" + GOOD_GRID),
        "network": ("import socket\ntry:\n    socket.create_connection(('93.184.216.34', 80), timeout=3)\n"
                    "    print('connected')\nexcept OSError as e:\n    print('no network:', e)\n" + GOOD_GRID),
    }


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    folder, out = tmp_path_factory.mktemp("hostile"), tmp_path_factory.mktemp("hostile-out")
    answers = hostile_answers(out)
    for name, answer in answers.items():
        (folder / name).mkdir()
        notebooks.write(h.solved_stub(STEM, {("1", 1): answer}), folder / name / f"{STEM}.ipynb")

    good = h.solved_stub(STEM)
    # A check cell edited to print what the check expects, with no answer at all.
    cheat = h.stub(STEM)
    check = next(c for c in cheat.cells if c.metadata.get("course", {}).get("role") == "check")
    check.source = 'print("(3, 4) torch.float32")\nprint("tensor([[ 0.,  1.,  2.,  3.],")'
    # Cells deleted, duplicated, reordered and added, answers intact.
    shuffled = nbformat.from_dict(json.loads(nbformat.writes(good)))
    checks = [c for c in shuffled.cells if c.metadata.get("course", {}).get("role") == "check"]
    shuffled.cells = [c for c in shuffled.cells if c not in checks[:2]]  # two checks deleted
    shuffled.cells.reverse()
    shuffled.cells.insert(0, nbformat.v4.new_code_cell("grid = 'a stale value from an added cell'"))
    answer = next(c for c in shuffled.cells if c.metadata.get("course", {}).get("exercise") == "2")
    duplicate = nbformat.from_dict(json.loads(json.dumps(answer)))
    duplicate.id = "duplicated-answer"  # as Jupyter gives a copied cell
    shuffled.cells.append(duplicate)
    for name, nb in {"check_edited": cheat, "rearranged": shuffled, "good": good}.items():
        (folder / name).mkdir()
        notebooks.write(nb, folder / name / f"{STEM}.ipynb")

    broken = folder / "broken"
    broken.mkdir()
    text = nbformat.writes(good)
    (broken / f"{STEM}.ipynb").write_text("this is not JSON {")
    (broken / "2_1_truncated.ipynb").write_text(text[: len(text) // 2])
    (broken / "2_1_empty.ipynb").write_text("")
    (broken / "9_9_unknown_section.ipynb").write_text(text.replace('"section": "2.1"', '"section": "9.9"'))
    old = folder / "nbformat3"
    old.mkdir()
    nbformat.write(nbformat.convert(good, 3), str(old / f"{STEM}.ipynb"))

    limits = sandbox.Limits(cell_seconds=15, notebook_seconds=180, memory_bytes=5 * 2**30, processes=96)
    outcomes = cli.grade_all(cli.find_submissions(folder), folder, out, jobs=2, limits=limits)
    with open(out / "grades.csv", newline="") as f:
        grades = list(csv.DictReader(f))
    return {"outcomes": {o.submission: o for o in outcomes}, "grades": grades, "out": out,
            "folder": folder, "limits": limits}


def rows_of(hostile, submission):
    return {r["exercise"]: r for r in hostile["grades"] if r["submission"] == submission}


def others_full(rows):
    """Exercises 2 to 6 keep their full points whatever exercise 1 did."""
    return all(rows[ex]["points"] == rows[ex]["max_points"] and rows[ex]["status"] == "passed"
               for ex in ("2", "3", "4", "5", "6"))


def test_a_well_behaved_submission_gets_full_marks(hostile):
    rows = rows_of(hostile, f"good/{STEM}.ipynb")
    assert rows["1"]["status"] == "passed" and others_full(rows)
    assert rows["7"]["status"] == "manual" and rows["7"]["points"] == ""


def test_infinite_loop_times_out_and_the_rest_is_graded(hostile):
    rows = rows_of(hostile, f"infinite_loop/{STEM}.ipynb")
    assert (rows["1"]["status"], rows["1"]["points"]) == ("timeout", "0")
    assert others_full(rows)


def test_memory_bomb_is_stopped(hostile):
    rows = rows_of(hostile, f"memory_bomb/{STEM}.ipynb")
    assert rows["1"]["status"] == "error" and rows["1"]["points"] == "0"
    outcome = hostile["outcomes"][f"memory_bomb/{STEM}.ipynb"]
    assert any("MemoryError" in r["actual"] for r in outcome.cells.values())
    assert others_full(rows)


def test_process_bomb_is_stopped(hostile):
    rows = rows_of(hostile, f"process_bomb/{STEM}.ipynb")
    assert rows["1"]["status"] == "error" and rows["1"]["points"] == "0"
    outcome = hostile["outcomes"][f"process_bomb/{STEM}.ipynb"]
    assert any("Resource temporarily unavailable" in r["actual"] or "BlockingIOError" in r["actual"]
               for r in outcome.cells.values())
    assert others_full(rows)


def test_killing_the_kernel_ends_in_errors_not_a_crash(hostile):
    rows = rows_of(hostile, f"kernel_exit/{STEM}.ipynb")
    assert set(rows) == {"1", "2", "3", "4", "5", "6", "7"}
    assert all(r["status"] == "error" and r["points"] == "0" for ex, r in rows.items() if ex != "7")


def answer_output(hostile, name):
    outcome = hostile["outcomes"][f"{name}/{STEM}.ipynb"]
    return outcome.cells[min(outcome.cells) + 1]["actual"]  # the cell after the setup cell


def test_searching_the_disk_finds_no_solution(hostile):
    printed = answer_output(hostile, "disk_search")
    assert printed.startswith("found 0 []"), printed
    assert others_full(rows_of(hostile, f"disk_search/{STEM}.ipynb"))


def test_nothing_is_written_outside_the_scratch_folder(hostile):
    printed = answer_output(hostile, "writes_outside")
    assert "written" not in printed, printed
    assert not (ROOT / "HACKED").exists()
    assert "pwned" not in (hostile["out"] / "grades.csv").read_text()
    assert "pwned" not in (SOLUTIONS / f"{STEM}.ipynb").read_text()


def test_no_network(hostile):
    printed = answer_output(hostile, "network")
    assert printed.startswith("no network:"), printed


def test_an_edited_check_earns_nothing(hostile):
    rows = rows_of(hostile, f"check_edited/{STEM}.ipynb")
    assert all(r["points"] == "0" for ex, r in rows.items() if ex != "7")


def test_deleted_duplicated_reordered_and_added_cells_change_nothing(hostile):
    rows = rows_of(hostile, f"rearranged/{STEM}.ipynb")
    assert rows["1"]["status"] == "passed" and others_full(rows)


def test_nbformat_3_is_converted_and_graded(hostile):
    rows = rows_of(hostile, f"nbformat3/{STEM}.ipynb")
    assert rows["1"]["status"] == "passed" and others_full(rows)


@pytest.mark.parametrize("name, why", [
    (f"broken/{STEM}.ipynb", "invalid JSON"),
    ("broken/2_1_truncated.ipynb", "invalid JSON"),
    ("broken/2_1_empty.ipynb", "empty file"),
    ("broken/9_9_unknown_section.ipynb", "unknown section '9.9'"),
])
def test_broken_files_get_invalid_rows(hostile, name, why):
    rows = rows_of(hostile, name)
    assert rows and all(r["status"] == "invalid" and r["points"] == "0" for r in rows.values())
    assert why in hostile["outcomes"][name].invalid
    if name.startswith("broken/2_1"):
        assert set(rows) == {"1", "2", "3", "4", "5", "6", "7"}, "the section is known from the name"


def test_every_submission_has_rows_and_feedback(hostile):
    submissions = {p.relative_to(hostile["folder"]).as_posix() for p in cli.find_submissions(hostile["folder"])}
    assert {r["submission"] for r in hostile["grades"]} == submissions
    for name in submissions:
        student, _, notebook = name.rpartition("/")
        assert (hostile["out"] / "feedback" / student / notebook.replace(".ipynb", ".md")).exists()


def test_feedback_never_shows_solutions_or_hidden_checks(hostile):
    sol = h.solution(STEM)
    secrets = [line.strip() for ans in h.solution_answers(STEM).values() for line in ans.splitlines()
               if len(line.strip()) > 15 and "SOLUTION" not in line]
    for cell in sol.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# Hidden check"):
            secrets += [l.strip() for l in cell.source.splitlines()[1:] if len(l.strip()) > 15]
            secrets += [l for l in gradebook.fenced(h.anatomy.text_of(cell.outputs)).splitlines()[1:-1]
                        if len(l.strip()) > 8]
    assert secrets
    for page in (hostile["out"] / "feedback").rglob("*.md"):
        text = page.read_text()
        leaked = [s for s in secrets if s in text and "good" not in page.parts]
        assert not leaked, f"{page}: {leaked}"


def test_failed_public_check_shows_expected_and_actual(hostile):
    text = (hostile["out"] / "feedback" / "check_edited" / f"{STEM}.md").read_text()
    assert "## Exercise 1: error (0/3 points)" in text
    assert "Expected output:" in text and "NameError: name 'grid' is not defined" in text
    assert "- hidden check 1 (1 points): error" in text


def test_gradebook_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "grades.csv"
    gradebook.atomic_write(path, "old\n")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        gradebook.atomic_write(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_regrading_gives_the_same_gradebook(hostile, tmp_path):
    """A second run over a few submissions reproduces their rows exactly."""
    folder = tmp_path / "again"
    for name in ("good", "broken", "check_edited"):
        (folder / name).mkdir(parents=True)
        for p in (hostile["folder"] / name).iterdir():
            (folder / name / p.name).write_bytes(p.read_bytes())
    cli.grade_all(cli.find_submissions(folder), folder, tmp_path / "out", 2, hostile["limits"])
    again = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    first = [l for l in (hostile["out"] / "grades.csv").read_text().splitlines()
             if l.startswith(("submission,", "good/", "broken/", "check_edited/"))]
    assert again == first


def test_refuses_to_run_unsandboxed_without_being_told(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sandbox, "available", lambda: "`bwrap` is not installed")
    assert cli.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot sandbox student code: `bwrap` is not installed" in err and "--unsandboxed" in err
