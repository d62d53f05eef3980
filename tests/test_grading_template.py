"""Kernels forked from the kernel template are as fresh and as confined as kernels started
from scratch: what one submission does to its process, its files or its processes is gone
for the next, and each kernel runs as its sandbox user with no capabilities (section 2.1)."""

import os
from pathlib import Path

import pytest

from course.core import notebooks
from course.grading import cli, sandbox
from tests import grading_helpers as h

STEM = "2_1_data_manipulation"
GRID = "grid = torch.arange(12, dtype=torch.float32).reshape(3, 4)"

# The first submission leaves what traces it can: a file, a changed library in its
# process, a process of its own in a session of its own.
LEAVE_TRACES = f'''import pathlib, subprocess
pathlib.Path("/tmp/trace").write_text("left by the first submission")
pathlib.Path("trace").write_text("left by the first submission")
subprocess.Popen(["sleep", "613"], start_new_session=True)
torch.left_by_the_first_submission = True
{GRID}'''

# The second one reports what it finds, and who it is.
LOOK_FOR_TRACES = f'''import os
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
print("traces:", os.path.exists("/tmp/trace"), os.path.exists("trace"), hasattr(torch, "left_by_the_first_submission"))
print("processes:", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("sandbox user:", os.getuid() >= {sandbox.FIRST_UID}, os.getgid() == os.getuid(), os.getgroups())
print("capabilities:", {{k: status[k].strip() for k in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb")}})
print("no_new_privs:", status["NoNewPrivs"].strip())
{GRID}'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder, out = tmp_path_factory.mktemp("template"), tmp_path_factory.mktemp("template-out")
    for name, answer in (("a_first", LEAVE_TRACES), ("b_second", LOOK_FOR_TRACES)):
        (folder / name).mkdir()
        notebooks.write(h.solved_stub(STEM, {("1", 1): answer}), folder / name / f"{STEM}.ipynb")
    limits = sandbox.Limits(cell_seconds=60, notebook_seconds=300)
    # One job: the second submission runs after the first, under the same user id.
    outcomes = cli.grade_all(cli.find_submissions(folder), folder, out, jobs=1, limits=limits)
    return {o.submission: o for o in outcomes}


def printed(outcome):
    return outcome.cells[min(outcome.cells) + 1]["actual"]  # the cell after the setup cell


def test_both_get_full_marks(graded):
    for outcome in graded.values():
        assert all(c.status == "passed" for c in outcome.checks), outcome.checks


def test_nothing_of_the_first_submission_is_left_for_the_next(graded):
    text = printed(graded[f"b_second/{STEM}.ipynb"])
    assert "traces: False False False" in text, text
    # PID 1 is the sandbox's init, 2 the kernel: the first kernel's `sleep` is gone.
    assert "processes: [1, 2]" in text, text


def test_the_kernel_runs_as_its_user_without_capabilities(graded):
    text = printed(graded[f"b_second/{STEM}.ipynb"])
    assert "sandbox user: True True []" in text, text
    zero = "0000000000000000"
    assert (f"capabilities: {{'CapEff': '{zero}', 'CapPrm': '{zero}', 'CapInh': '{zero}', "
            f"'CapBnd': '{zero}', 'CapAmb': '{zero}'}}") in text, text
    assert "no_new_privs: 1" in text, text


def test_no_process_of_a_graded_submission_outlives_it(graded):
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == b"sleep\0" + b"613\0":
                left.append(pid)
        except OSError:
            continue  # ended meanwhile
    assert not left, "the first submission's `sleep 613` is still running"
