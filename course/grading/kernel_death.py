"""A pytest plugin for the grader's nbval run (loaded with -p): notice a dead kernel at once.

nbval waits for a cell's reply for the whole cell time limit, even when the kernel has died
(a submission that calls os._exit, or runs out of memory in native code), so one such
submission cost its grader the limit, 120 s by default. This waits in one-second slices and
stops waiting when the kernel process is gone; nbval then handles the cell as it handles a
timeout, and the grader calls it an error (run.mark_kernel_death), as before.
"""

import time
from queue import Empty

import nbval.kernel

SLICE_SECONDS = 1.0


def await_reply(self, msg_id, timeout=None):
    """nbval's RunningKernel.await_reply (0.11), which also gives up when the kernel is dead."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = SLICE_SECONDS if deadline is None else min(SLICE_SECONDS, deadline - time.monotonic())
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


nbval.kernel.RunningKernel.await_reply = await_reply
