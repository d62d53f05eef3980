"""Grading on a Dask distributed cluster: `make grade SUBMISSIONS=dir SCHEDULER=tcp://host:8786`.

The client (this machine) reads each submission and sends it, as bytes, in a task of its
own; a worker (any machine with the course's checkout, its virtualenv, data/ and bubblewrap)
grades it exactly as a local run does, in its own kernel template and sandbox, and returns
the Outcome. The client writes the feedback and, once every outcome is in, grades.csv, so
the gradebook is the same, byte for byte, as a local run's. If a worker dies mid-task, Dask
runs the task again elsewhere; a task that kills every worker it runs on ends, after Dask's
`allowed-failures`, as a `grader error` row: each submission gets its rows once.
"""

import hashlib
import tempfile
import uuid
from pathlib import Path, PurePosixPath

from course.core import notebooks
from course.core.notebooks import SOLUTIONS

from . import sandbox
from .run import Outcome, grade, refusal


def solutions_digest(folder=SOLUTIONS):
    """A hash of the solution notebooks: a worker grades only against the client's."""
    digest = hashlib.sha256()
    for path in notebooks.notebooks(folder):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def grade_sent(name, content, limits, digest, unsandboxed=False):
    """On a worker: the Outcome of the submission `name` (student/notebook.ipynb)."""
    if digest != solutions_digest():
        raise RuntimeError("this worker's solutions/ differ from the client's: "
                           "check out the same commit on every machine")
    reason = sandbox.available()
    if reason and not unsandboxed:
        raise RuntimeError(f"cannot sandbox student code on this worker: {reason}")
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or len(relative.parts) != 2:
        raise ValueError(f"not a submission name: {name!r}")
    with tempfile.TemporaryDirectory(prefix="course-submission-") as folder:
        path = Path(folder, *relative.parts)
        path.parent.mkdir()
        path.write_bytes(content)
        return grade(path, folder, limits, unsandboxed=unsandboxed)


def grade_on_cluster(submissions, folder, limits, scheduler, unsandboxed=False):
    """Outcomes of the submissions graded by the cluster at `scheduler`, as they finish."""
    from distributed import Client, as_completed

    batch, digest = uuid.uuid4().hex[:8], solutions_digest()
    with Client(scheduler) as client:
        futures = {}
        for path in submissions:
            name = path.relative_to(folder).as_posix()
            try:
                content = None if refusal(path, folder) else path.read_bytes()
            except OSError:
                content = None
            if content is None:  # graded here, as invalid, without running anything
                yield grade(path, folder, limits, unsandboxed=unsandboxed)
                continue
            # A key of this batch's own: other batches on the same cluster never share results.
            future = client.submit(grade_sent, name, content, limits, digest, unsandboxed,
                                   key=f"grade-{batch}-{name}")
            futures[future] = name
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as e:  # e.g. KilledWorker: a grader fault, not the student's
                yield Outcome(submission=futures[future], invalid=f"grader error ({type(e).__name__}: {e})")
