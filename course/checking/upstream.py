"""Every change the course makes to nbclient's and nbval's internals, in one module, with the
releases they were written for (WRITTEN_FOR; check_versions() fails clearly on any other).

nbclient (install_nbclient): no stalled executions, and errors that name the cell.
No stalled executions: a fix for nbclient's widget stall, and errors that name the cell.

The stall (jupyter/nbclient#312, PR #311, both open). nbclient waits for a cell's
execute_reply with an asyncio poll on the shell socket, while a second task handles the
cell's IOPub messages. When a cell's output goes into an ipywidgets Output widget
(`widgets.interactive`, `interact`), nbclient mimics the front end and sends the widget's
new state back to the kernel on that same shell socket (output_widget.py). jupyter_client's
Session.send sends through a *blocking* shadow of the asyncio socket, so pyzmq's asyncio
layer never learns of it. A send processes the socket's pending commands, and with them the
edge-triggered ZMQ_FD's notification that the execute_reply has arrived (libzmq's ZMQ_FD:
"the ability to read from the returned file descriptor does not necessarily indicate that
messages are available"; pyzmq re-checks after its own sends, zeromq/pyzmq#1208, but this
send bypasses it; see also zeromq/pyzmq#2173). The reply then sits in the socket while the
poll sleeps until the cell's timeout, when pyzmq's final zmq_poll finds it and execution
carries on as if nothing happened: the 1,806 s build of 2.6 (1,800 s timeout). It needs a
widget cell whose reply arrives while nbclient is busy with that cell's widget output, which
is why it is rare, and commoner on a loaded machine.

install_nbclient() patches nbclient (0.10.x, the newest release 0.11.0 is unchanged here) in two
places, each enough on its own:

* after the Output-widget mimic's blocking send, it reads zmq.EVENTS through the asyncio
  socket, which makes pyzmq look again for events the send consumed (the root cause);
* the shell channel's waits are cut into SHELL_POLL_SECONDS slices: each slice ends in a real
  zmq_poll, so any other lost wake-up costs at most that long, never the cell timeout.

It also makes a cell that times out, or whose kernel dies, name its position: nbclient's own
message shows only the start of the cell's source. course/execution/execute.py installs this; so does
the book build, as a Sphinx extension (_config.yml, local_extensions).

nbval (installed by the course's pytest plugin, course/checking/nbval_plugin.py, and by the
grader's, course/grading/nbval_run.py):

* install_comparison: nbval compares each output field as an exact string and has no hook
  for anything else, so its IPyNbCell.compare_outputs is replaced by the course's
  tolerant comparison (course/checking/nbval_compare.py).
* install_grader_kernels: the grader's kernels talk over Unix sockets (its sandbox has no
  network), so nbval's KernelManager is replaced by one with that transport; and nbval waits
  for a cell's reply for the whole cell time limit even when the kernel has died (a
  submission that calls os._exit, or runs out of memory in native code), so its
  RunningKernel.await_reply waits in one-second slices and gives up once the kernel process
  is gone; nbval then handles the cell as a timeout, which the grader reports as the
  kernel's death (course/grading/run.py, mark_kernel_death).
"""

import functools
import time
from importlib.metadata import version
from queue import Empty

import nbval.kernel
import nbval.plugin
import zmq
from nbclient import client, output_widget
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync

# The releases (major.minor) whose internals the patches below were read against: another
# release may have renamed or changed what they replace, and then "passes" would silently
# mean something else. nbclient 0.11.0 leaves the patched code as 0.10.x has it.
WRITTEN_FOR = {"nbclient": ("0.10", "0.11"), "nbval": ("0.11",)}

SHELL_POLL_SECONDS = 1.0
DEAD_KERNEL_SLICE_SECONDS = 1.0
_PATCHED = "_course_nbclient_fix"


def sliced(get_msg):
    """An async channel's get_msg that waits in slices of at most SHELL_POLL_SECONDS (same
    result, same Empty at the same deadline)."""

    @functools.wraps(get_msg)
    async def get_msg_in_slices(timeout=None):
        seconds = SHELL_POLL_SECONDS
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=seconds if left is None else min(seconds, left))
            except Empty:
                if left is not None and time.monotonic() >= deadline:
                    raise

    return get_msg_in_slices


def where(client_, cell_index):
    """'cell 12 (code cell 5)': a cell's position in the notebook, counting all cells and
    code cells from 1, as an editor shows them."""
    cells = client_.nb.cells
    code = sum(c.cell_type == "code" for c in cells[: cell_index + 1])
    return f"cell {cell_index + 1} (code cell {code})"


def install_nbclient():
    """Patch nbclient once (later calls do nothing); returns True if it patched now."""
    if getattr(client.NotebookClient, _PATCHED, False):
        return False

    start_client = client.NotebookClient.async_start_new_kernel_client

    async def async_start_new_kernel_client(self):
        kc = await start_client(self)
        kc.shell_channel.get_msg = sliced(kc.shell_channel.get_msg)
        return kc

    publish = output_widget.OutputWidget._publish_msg

    def _publish_msg(self, *args, **kwargs):
        publish(self, *args, **kwargs)
        socket = self.kernel_client.shell_channel.socket
        if hasattr(socket, "_schedule_remaining_events"):  # a zmq.asyncio socket
            socket.get(zmq.EVENTS)  # pyzmq re-checks, and wakes the reply's poll

    execute_cell = client.NotebookClient.async_execute_cell

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        try:
            return await execute_cell(self, cell, cell_index, *args, **kwargs)
        except (CellTimeoutError, DeadKernelError) as e:
            raise type(e)(f"{where(self, cell_index)}: {e}") from e

    client.NotebookClient.async_start_new_kernel_client = async_start_new_kernel_client
    client.NotebookClient.start_new_kernel_client = run_sync(async_start_new_kernel_client)
    client.NotebookClient.async_execute_cell = async_execute_cell
    client.NotebookClient.execute_cell = run_sync(async_execute_cell)
    output_widget.OutputWidget._publish_msg = _publish_msg
    setattr(client.NotebookClient, _PATCHED, True)
    return True


def setup(app):
    """As a Sphinx extension: the book build's executions (myst-nb, jupyter-cache) get the fix."""
    install_nbclient()
    return {"parallel_read_safe": True, "parallel_write_safe": True}


class UnsupportedVersion(RuntimeError):
    """An installed nbclient or nbval that the patches here were not written for."""


def check_versions(installed=None):
    """Raise UnsupportedVersion unless every patched package is a release of WRITTEN_FOR.
    `installed` ({package: version}) stands in for the installed versions in tests."""
    for package, releases in WRITTEN_FOR.items():
        found = (installed or {}).get(package) or version(package)
        if ".".join(found.split(".")[:2]) not in releases:
            raise UnsupportedVersion(
                f"{package} {found} is installed, but course/checking/upstream.py patches the internals "
                f"of {package} {' and '.join(r + '.x' for r in releases)}. Read what the release changed in "
                "the functions patched there, adapt the patch, then add the release to WRITTEN_FOR "
                "(or pin the package in requirements.txt).")


def install_comparison(compare_outputs):
    """nbval compares every cell with `compare_outputs(cell, test, ref, skip_compare=None)`."""
    nbval.plugin.IPyNbCell.compare_outputs = compare_outputs


def _await_reply_or_dead(self, msg_id, timeout=None):
    """nbval's RunningKernel.await_reply (0.11), which also gives up when the kernel is dead."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = DEAD_KERNEL_SLICE_SECONDS if deadline is None else min(DEAD_KERNEL_SLICE_SECONDS, deadline - time.monotonic())
        if wait <= 0:
            raise Empty
        try:
            msg = self.get_message(stream="shell", timeout=wait)
        except Empty:
            if not self.is_alive():
                raise  # no reply will come
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            if msg["content"]["status"] == "aborted":
                raise RuntimeError("Kernel aborted execution request")
            return


def install_grader_kernels(kernel_manager):
    """nbval starts its kernels with `kernel_manager` (a jupyter_client KernelManager class)
    and notices a dead kernel within a second."""
    nbval.kernel.KernelManager = kernel_manager
    nbval.kernel.RunningKernel.await_reply = _await_reply_or_dead
