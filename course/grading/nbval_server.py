"""nbval runs forked from a process that has imported pytest, nbval and jupyter_client once.

Starting `python -m pytest` with those imports costs about a CPU-second per submission, as
much as the rest of a short section's grading. The server (one per grader process, or Dask
worker) imports them, then forks one process per nbval run: each run still has a process,
a session and an environment of its own, and ends with the run. This is the grading side:
it holds the reference notebook and starts the kernel through the sandboxed kernel spec;
student code never runs here.

Protocol, over a Unix socket: the client sends one JSON line {"args", "env", "cwd"}; the
run's process answers its pid, then pytest's exit code, one line each.
"""

import atexit
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout, where `course` is imported from

# Imported once by the server, so that each forked run finds them loaded.
PRELOAD = ["pytest", "nbval.plugin", "jupyter_client", "nbformat", "course.checking.nbval_plugin",
           "course.grading.nbval_run"]
PR_SET_PDEATHSIG = 1


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace").strip()


def run_one(conn, request):
    """In the forked process (never returns): one pytest run, then its exit code."""
    code = 1
    try:
        conn.sendall(f"{os.getpid()}\n".encode())
        os.setsid()  # the client kills this group at the notebook time limit, kernel proxy included
        import ctypes
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # dies with the server
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import pytest
        code = int(pytest.main(request["args"]))
    finally:
        try:
            conn.sendall(f"{code}\n".encode())
        finally:
            os._exit(0)


def serve(listener):
    """Fork a run for each request until the client closes our standard input."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # runs are reaped by the system
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ)
    events.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in events.select():
            if key.fileobj is sys.stdin:
                return  # the grader is gone
            conn, _ = listener.accept()
            try:
                request = json.loads(read_line(conn))
                if os.fork() == 0:
                    listener.close()
                    run_one(conn, request)
            except (OSError, ValueError):
                pass  # the client sees the connection close without a pid
            finally:
                conn.close()


def main(listener_fd):
    import gc
    import importlib
    listener = socket.socket(fileno=listener_fd)
    for module in PRELOAD:
        importlib.import_module(module)
    gc.collect()
    gc.freeze()  # leave the imported objects' pages shared with the forks
    print("ready", flush=True)
    serve(listener)


class NbvalServer:
    """The client side: start the server, then run(args, env, cwd, timeout) per submission."""

    def __init__(self, start_seconds=300):
        self.folder = Path(tempfile.mkdtemp(prefix="course-nbval-"))  # root only
        self.socket_path = str(self.folder / "nbval.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.socket_path)
        listener.listen(64)
        env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", PYTHONPATH=str(ROOT))
        # Its standard input is a pipe that only closes when this process ends.
        self.process = subprocess.Popen([sys.executable, "-m", "course.grading.nbval_server", str(listener.fileno())],
                                        pass_fds=[listener.fileno()], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env)
        listener.close()
        ready = threading.Event()

        def wait_for_ready():
            if self.process.stdout.readline() == b"ready\n":
                ready.set()

        threading.Thread(target=wait_for_ready, daemon=True).start()
        if not ready.wait(start_seconds) or self.process.poll() is not None:
            self.close()
            raise RuntimeError("the nbval server did not start")

    def alive(self):
        return self.process.poll() is None

    def run(self, args, env, cwd, timeout):
        """pytest's exit code for `pytest args` in cwd with env; None when the run was
        killed at the time limit or died."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self.socket_path)
            conn.sendall((json.dumps({"args": args, "env": env, "cwd": str(cwd)}) + "\n").encode())
            pid = read_line(conn)
            if not pid.isdigit():
                return None
            conn.settimeout(timeout)
            try:
                code = read_line(conn)
            except TimeoutError:
                code = ""
            if not code.isdigit():
                try:
                    os.killpg(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return None
            return int(code)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_server, _server_lock = None, threading.Lock()


def server():
    """This process's nbval server, started on first use and again if it died."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            if _server is not None:
                _server.close()
            if _server is None:
                atexit.register(close_server)
            _server = NbvalServer()
        return _server


def close_server():
    global _server
    with _server_lock:
        if _server is not None:
            _server.close()
            _server = None


if __name__ == "__main__":
    main(int(sys.argv[1]))
