"""The sandbox a student's kernel runs in.

nbval starts the kernel through a kernel spec whose command is this module. It runs on the
grading side, makes the connection file readable by the sandbox user, then replaces itself
with bubblewrap, which starts ipykernel in a new mount, PID, network, IPC and UTS namespace:

* the file system is empty except for read-only system libraries, Python, the virtualenv
  and data/, plus two writable folders of this submission's own: `work` (the kernel's
  current folder) and `runtime` (the connection file and the kernel's sockets);
* no network: only a loopback interface, and the kernel talks to nbval over Unix sockets
  (ZeroMQ's ipc transport) in `runtime`;
* an unprivileged user of its own (ids from FIRST_UID), so process limits apply per
  submission, with no capabilities;
* limits on address space, processes, open files and file size (prlimit).

Solutions, reference outputs, hidden checks, other submissions and the gradebook live
outside what is mounted, so the student's code cannot read or write them.
"""

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ..notebooks import ROOT

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
    for tool in ("bwrap", "setpriv", "prlimit"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (Debian: apt-get install bubblewrap util-linux)"
    if os.geteuid() != 0:
        return "the grader must run as root to drop the kernel to an unprivileged user"
    return None


def python_home():
    """The real Python installation the virtualenv's interpreter links to."""
    return Path(os.path.realpath(sys.executable)).parent.parent


def bwrap_command(work, runtime, connection_file, limits, uid, venv=None, data=None):
    """The command that starts ipykernel inside the sandbox."""
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
            "--bind", str(work), "/sandbox/work",
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    if data.is_dir():
        cmd += ["--ro-bind", str(data), "/sandbox/data"]  # ../data from the kernel's folder
    # The sockets' paths are written in the connection file, so runtime keeps its path.
    for parent in reversed(Path(runtime).parents[:-1]):
        cmd += ["--perms", "0755", "--dir", str(parent)]
    cmd += ["--bind", str(runtime), str(runtime), "--chdir", "/sandbox/work",
            "--clearenv",
            "--setenv", "HOME", "/sandbox/work",
            "--setenv", "PATH", "/sandbox/venv/bin:/usr/bin",
            "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
            "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    for name, value in KERNEL_ENV.items():
        cmd += ["--setenv", name, value]
    cmd += ["--",
            "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all",
            "prlimit", f"--as={limits.memory_bytes}", f"--nproc={limits.processes}",
            "--nofile=1024", f"--fsize={limits.file_bytes}", "--core=0", "--",
            "/sandbox/venv/bin/python", "-m", "ipykernel_launcher", "-f", str(connection_file)]
    return cmd


def write_kernel_spec(jupyter_dir, work, runtime, limits, uid):
    """A kernel spec named KERNEL_NAME under jupyter_dir/kernels that starts this launcher."""
    spec_dir = Path(jupyter_dir) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "course.grading.sandbox", str(work), str(runtime),
                 json.dumps(limits.__dict__), str(uid), "{connection_file}"],
        "display_name": "Sandboxed student kernel",
        # Signals reach bubblewrap, not the kernel inside: interrupt over the control channel.
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


def main(argv=None):
    """Kernel-spec entry point: python -m course.grading.sandbox WORK RUNTIME LIMITS UID CONNECTION_FILE."""
    work, runtime, limits_json, uid, connection_file = (argv or sys.argv[1:])[:5]
    limits, uid = Limits(**json.loads(limits_json)), int(uid)
    os.chown(connection_file, uid, uid)
    cmd = bwrap_command(work, runtime, connection_file, limits, uid)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
