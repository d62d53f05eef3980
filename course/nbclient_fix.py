"""No stalled executions: a fix for nbclient's widget stall, and errors that name the cell.

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

install() patches nbclient (0.10.x, the newest release 0.11.0 is unchanged here) in two
places, each enough on its own:

* after the Output-widget mimic's blocking send, it reads zmq.EVENTS through the asyncio
  socket, which makes pyzmq look again for events the send consumed (the root cause);
* the shell channel's waits are cut into SHELL_POLL_SECONDS slices: each slice ends in a real
  zmq_poll, so any other lost wake-up costs at most that long, never the cell timeout.

It also makes a cell that times out, or whose kernel dies, name its position: nbclient's own
message shows only the start of the cell's source. course/execute.py installs this; so does
the book build, as a Sphinx extension (_config.yml, local_extensions).
"""

import functools
import time
from queue import Empty

import zmq
from nbclient import client, output_widget
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync

SHELL_POLL_SECONDS = 1.0
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


def install():
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
    install()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
