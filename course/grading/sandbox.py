"""The sandbox a student's kernel runs in.

Every kernel is forked from a kernel template (template.py: one process per batch that has
imported torch, d2l and ipykernel, and runs no student code), so a kernel starts in
milliseconds, not in the seconds those imports take. The template runs under bubblewrap:

* the file system is empty except for read-only system libraries, Python, the virtualenv
  and data/, and a fresh /tmp; no network, its own PID, IPC and UTS namespaces;
* it keeps only the capabilities it needs to build each kernel's sandbox.

nbval starts a kernel through a kernel spec whose command is kernel_proxy.py: it runs on the
grading side and passes the submission's two folders to the template as file descriptors.
The template's fork for that kernel

* unshares new mount, PID, network, IPC and UTS namespaces of its own, so it sees no other
  kernel, no process of the grader and no network but its own loopback;
* mounts two writable folders of this submission's own: `work` (the kernel's current
  folder) and `runtime` (the connection file and the kernel's sockets: the kernel talks to
  nbval over Unix sockets, ZeroMQ's ipc transport), and a fresh /tmp;
* drops to an unprivileged user of its own (ids from FIRST_UID, one per submission in
  flight on the machine, so process limits apply per submission) with no capabilities and
  no_new_privs, under limits on address space, processes, open files and file size.

Solutions, reference outputs, hidden checks, other submissions and the gradebook live
outside what is mounted, so the student's code cannot read or write them.
"""

import atexit
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from course.core.notebooks import ROOT

# Each submission in flight gets its own unprivileged user id, so the process limit of
# one cannot be used up by another (RLIMIT_NPROC counts per user).
FIRST_UID = 61000
KERNEL_NAME = "course-sandbox"

# The student kernel's environment, sandboxed or not: the quick profile, as the stored
# outputs were made; and since kernels graded side by side share the cores, idle math
# threads must sleep, not spin, or each runs many times slower. (Their number stays the
# default, since float results, and so the reference outputs, can depend on it.)
KERNEL_ENV = {"COURSE_PROFILE": "quick", "OMP_WAIT_POLICY": "PASSIVE"}


@dataclass
class Limits:
    cell_seconds: int = 120
    notebook_seconds: int = 900
    memory_bytes: int = 8 * 2**30  # address space; torch alone maps about 3 GiB
    processes: int = 256
    file_bytes: int = 256 * 2**20


def available():
    """None when sandboxing works here, else the reason it does not."""
    if shutil.which("bwrap") is None:
        return "`bwrap` is not installed (Debian: apt-get install bubblewrap)"
    if os.geteuid() != 0:
        return "the grader must run as root to drop the kernel to an unprivileged user"
    return None


def python_home():
    """The real Python installation the virtualenv's interpreter links to."""
    return Path(os.path.realpath(sys.executable)).parent.parent


# What the template may do beyond an unprivileged process: build each kernel's namespaces
# and mounts, bring up its loopback, and drop it to its user without capabilities.
TEMPLATE_CAPABILITIES = ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_NET_ADMIN"]
TEMPLATE_SCRIPT = Path(__file__).with_name("template.py")
PROXY_SCRIPT = Path(__file__).with_name("kernel_proxy.py")


def template_command(listener_fd, kernels, venv=None, data=None):
    """The command that starts the kernel template inside bubblewrap; `kernels` is the
    folder where the grader makes each kernel's folders."""
    venv = Path(venv or sys.prefix)
    data = Path(data or ROOT / "data")
    home = python_home()
    cmd = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--die-with-parent", "--new-session",
           "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
           "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin"]
    for etc in ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime"):
        if os.path.exists(etc):
            cmd += ["--ro-bind", etc, etc]
    # Parent folders of the Python installation, readable by the sandbox user.
    for parent in reversed(home.parents[:-1]):
        cmd += ["--perms", "0755", "--dir", str(parent)]
    cmd += ["--ro-bind", str(home), str(home),
            "--perms", "0755", "--dir", "/sandbox",
            "--ro-bind", str(venv), "/sandbox/venv",
            "--ro-bind", str(TEMPLATE_SCRIPT), "/sandbox/template.py",
            # Each kernel mounts its own folders from kernels/ here, and hides kernels/.
            "--dir", "/sandbox/work", "--dir", "/sandbox/runtime",
            "--bind", str(kernels), "/sandbox/kernels",
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    if data.is_dir():
        cmd += ["--ro-bind", str(data), "/sandbox/data"]  # ../data from the kernel's folder
    cmd += ["--chdir", "/sandbox/work", "--clearenv",
            "--setenv", "HOME", "/sandbox/work",
            "--setenv", "PATH", "/sandbox/venv/bin:/usr/bin",
            "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
            # What ipykernel sets before a fresh kernel imports matplotlib; the template
            # imports it (through d2l) before any kernel exists.
            "--setenv", "MPLBACKEND", "module://matplotlib_inline.backend_inline",
            "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    for name, value in KERNEL_ENV.items():
        cmd += ["--setenv", name, value]
    for cap in TEMPLATE_CAPABILITIES:
        cmd += ["--cap-add", cap]
    cmd += ["--", "/sandbox/venv/bin/python", "/sandbox/template.py", str(listener_fd)]
    return cmd


class KernelTemplate:
    """The kernel template process of this grader (or Dask worker), under bubblewrap."""

    def __init__(self, start_seconds=600):
        self.folder = Path(tempfile.mkdtemp(prefix="course-template-"))  # root only
        self.kernels = self.folder / "kernels"
        self.kernels.mkdir(mode=0o700)
        self.socket_path = self.folder / "template.sock"
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(self.socket_path))
        self.listener.listen(64)
        self.log = self.folder / "template.log"
        self.process, self.ready = None, threading.Event()
        # bubblewrap dies with the thread that started it (--die-with-parent follows the
        # thread), so a thread of its own starts it and lives as long as it does.
        threading.Thread(target=self._keep, daemon=True, name="kernel-template").start()
        if not self.ready.wait(start_seconds) or not self.alive():
            reason = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            self.close()
            raise RuntimeError(f"the kernel template did not start:\n{reason}")

    def _keep(self):
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(template_command(self.listener.fileno(), self.kernels),
                                            pass_fds=[self.listener.fileno()], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=log)
            if self.process.stdout.readline().strip() == b"ready":
                self.ready.set()
            self.process.wait()
            self.ready.set()

    @contextmanager
    def kernel_folder(self, uid):
        """A kernel's folder, with `work` and `runtime` of the sandbox user `uid`."""
        folder = Path(tempfile.mkdtemp(dir=self.kernels))
        try:
            prepare_folder(folder / "work", uid)
            prepare_folder(folder / "runtime", uid).chmod(0o711)  # nbval reaches its sockets
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def close(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_template, _template_lock = None, threading.Lock()


def template():
    """This process's kernel template, started on first use and again if it died."""
    global _template
    with _template_lock:
        if _template is None or not _template.alive():
            if _template is not None:
                _template.close()
            if _template is None:
                atexit.register(close_template)
            _template = KernelTemplate()
        return _template


def close_template():
    global _template
    with _template_lock:
        if _template is not None:
            _template.close()
            _template = None


def write_kernel_spec(jupyter_dir, kernel_folder, limits, uid, socket_path):
    """A kernel spec named KERNEL_NAME under jupyter_dir/kernels that asks the template at
    socket_path for a kernel in kernel_folder."""
    spec_dir = Path(jupyter_dir) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-I", "-S", str(PROXY_SCRIPT), str(socket_path), str(kernel_folder),
                 str(uid), json.dumps(limits.__dict__), "{connection_file}"],
        "display_name": "Sandboxed student kernel",
        # Signals reach the proxy, not the kernel: interrupt over the control channel.
        "interrupt_mode": "message",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir


def prepare_folder(path, uid):
    """A folder the sandbox user owns and nobody else can read."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, uid)
    path.chmod(0o700)
    return path


# One lock file per user id: a submission holds its id's lock while it runs, so no two
# submissions on this machine share an id, whichever grader or Dask worker runs them.
UID_LOCKS = Path(tempfile.gettempdir()) / "course-grade-uids"
UID_COUNT = 1000


@contextmanager
def claimed_uid():
    """A sandbox user id that no other submission on this machine holds until exit."""
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    info = UID_LOCKS.lstat()
    if not UID_LOCKS.is_dir() or UID_LOCKS.is_symlink() or info.st_uid != os.geteuid():
        raise RuntimeError(f"{UID_LOCKS} is not a folder of this user's")
    while True:
        for uid in range(FIRST_UID, FIRST_UID + UID_COUNT):
            fd = os.open(UID_LOCKS / f"{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield uid
            finally:
                os.close(fd)  # releases the lock
            return
        time.sleep(0.1)
