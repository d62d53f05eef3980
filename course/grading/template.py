"""The kernel template: one process per batch that imports what every student kernel imports
(torch, d2l, ipykernel) once, then forks a fresh kernel for each submission.

Importing torch and d2l costs several CPU-seconds, most of a short section's grading, and is
the same in every kernel; forking a process that already did it costs milliseconds. The
template runs no student code: each fork enters a sandbox of its own before any runs.

The template itself runs under bubblewrap (sandbox.template_command): read-only Python, its
virtualenv and data/, no network, its own PID namespace, root only for the capabilities
needed to build each kernel's sandbox, and a folder of the grader's with each kernel's
`work` and `runtime` folders. For each kernel (requested by kernel_proxy.py over a socket,
naming its folder, with its standard streams passed as file descriptors) a child

* unshares new mount, PID, network, IPC and UTS namespaces, so a kernel sees no other
  kernel, process, socket or host name;
* mounts its submission's own `work` and `runtime` folders and a fresh /tmp, and hides
  every other kernel's folders;
* starts an init (PID 1 of the new namespace, which reaps orphans and whose death kills
  every process in the namespace) that mounts a /proc of the namespace and forks the kernel,
* which drops to the submission's unprivileged user with no capabilities, no way to gain
  any (no_new_privs, empty bounding set), and the limits on memory, processes, open files,
  file size and core dumps, closes every inherited descriptor but its standard streams,
  and only then starts ipykernel.

The supervising child reports the kernel's exit to the proxy, and kills the namespace when
the proxy goes away (the grader stopped the kernel, or the notebook ran out of time).

Standard library only at module level: this file is mounted alone into the sandbox.
"""

import ctypes
import fcntl
import gc
import json
import os
import resource
import selectors
import signal
import socket
import struct
import sys

WORK, RUNTIME = "/sandbox/work", "/sandbox/runtime"
KERNELS = "/sandbox/kernels"  # every kernel's folders, as the grader creates them
STARTING_ENVIRONMENT = {}  # before the imports, which add to it

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
CAPABILITY_VERSION_3 = 0x20080522

libc = ctypes.CDLL(None, use_errno=True)


def checked(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def mount(source, target, fstype=None, flags=0, data=None):
    checked(libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def bind(source, target):
    mount(source, target, flags=MS_BIND)
    mount(None, target, flags=MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV)


def loopback_up():
    """Bring up `lo` in the new network namespace, as bubblewrap does."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def drop_privileges(uid):
    """Become `uid` with no capabilities and no way to regain any (as setpriv --reuid
    --regid --clear-groups --inh-caps=-all --bounding-set=-all, and bwrap's no_new_privs)."""
    if not isinstance(uid, int) or uid < 1000:
        raise ValueError(f"not a sandbox user id: {uid!r}")
    last_cap = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last_cap + 1):
        checked(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop the capability bounding set")
    checked(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    # Leaving root clears the permitted and effective sets; clear the inheritable one too.
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    checked(libc.capset(header, (ctypes.c_uint32 * 6)()), "clear capabilities")
    checked(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
    if os.getuid() != uid or os.geteuid() != uid or os.getgid() != uid:
        raise OSError("the kernel did not become its sandbox user")


def apply_limits(limits):
    for name, value in [("RLIMIT_AS", limits["memory_bytes"]), ("RLIMIT_NPROC", limits["processes"]),
                        ("RLIMIT_NOFILE", 1024), ("RLIMIT_FSIZE", limits["file_bytes"]),
                        ("RLIMIT_CORE", 0)]:
        resource.setrlimit(getattr(resource, name), (value, value))


def close_all_but(keep):
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor of the listing itself, already closed


def run_kernel(request, stdio):
    """In the kernel process (never returns): drop to the sandbox user, then ipykernel."""
    try:
        enter_sandbox(request, stdio)
    except BaseException as e:  # the kernel's stderr, where a failed start is looked for
        os.write(2, f"sandbox: {type(e).__name__}: {e}\n".encode())
        os._exit(1)
    import ipykernel_launcher  # noqa: F401  its path, as sys.argv[0] of `python -m ipykernel_launcher`
    sys.argv = [ipykernel_launcher.__file__, "-f", request["connection_file"]]
    from ipykernel import kernelapp
    code = 1
    try:
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:  # exit as the interpreter would, without returning into the template's code
        import atexit
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code & 0xFF)


def enter_sandbox(request, stdio):
    os.setsid()
    checked(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "die with init")
    for target, fd in enumerate(stdio):
        os.dup2(fd, target)
    close_all_but({0, 1, 2})
    apply_limits(request["limits"])
    os.chdir(WORK)
    drop_privileges(request["uid"])
    # The environment a fresh kernel starts with; the imports then set what they set in it.
    os.environ.clear()
    os.environ.update(STARTING_ENVIRONMENT)
    os.makedirs(os.environ["MPLCONFIGDIR"], mode=0o700, exist_ok=True)  # the fresh /tmp has none
    inductor = sys.modules.get("torch._inductor.runtime.cache_dir_utils")
    if inductor is not None:  # imported with torch: names its cache after the user
        inductor.cache_dir()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)


def run_init(request, stdio):
    """PID 1 of the kernel's namespace (never returns): its /proc, its loopback, the kernel,
    then reap every process until the kernel exits; its exit ends the namespace."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    loopback_up()
    kernel = os.fork()
    if kernel == 0:
        run_kernel(request, stdio)
    close_all_but(set())
    while True:
        pid, status = os.wait()
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def supervise(conn, request, stdio):
    """In the forked child of the template (never returns): build the kernel's sandbox, start
    its init, and tie the kernel's life to the proxy's connection."""
    status = 1
    try:
        close_all_but({conn.fileno(), *stdio})
        folder = os.path.join(KERNELS, request["kernel"])
        if os.path.dirname(folder) != KERNELS or request["kernel"] in ("", ".", ".."):
            raise ValueError(f"not a kernel folder: {request['kernel']!r}")
        checked(libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
                "unshare namespaces")
        mount(None, "/", flags=MS_REC | MS_PRIVATE)
        bind(os.path.join(folder, "work"), WORK)
        bind(os.path.join(folder, "runtime"), RUNTIME)
        # Every other kernel's folders disappear under an empty, read-only file system.
        mount("tmpfs", KERNELS, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "mode=0")
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
        # Pseudo-terminals of its own, as bubblewrap's --dev gives each sandbox.
        mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")
        init = os.fork()
        if init == 0:
            conn.close()
            run_init(request, stdio)
        for fd in stdio:
            os.close(fd)
        pidfd = os.pidfd_open(init)
        with selectors.DefaultSelector() as events:
            events.register(conn, selectors.EVENT_READ)
            events.register(pidfd, selectors.EVENT_READ)
            ready = {key.fileobj for key, _ in events.select()}
        if conn in ready:  # the proxy is gone (or wrote, which it never does): end the kernel
            os.kill(init, signal.SIGKILL)
        status = os.waitstatus_to_exitcode(os.waitpid(init, 0)[1]) & 0xFF
        conn.sendall(f"{status}\n".encode())
    except BaseException as e:  # report to the proxy, which shows it in the kernel's stderr
        try:
            conn.sendall(f"error {type(e).__name__}: {e}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(status)


def serve(listener):
    """Accept kernel requests for ever; fork a supervised kernel for each."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the system
    while True:
        conn, _ = listener.accept()
        fds = []
        try:
            message, fds, _, _ = socket.recv_fds(conn, 65536, 3)
            request = json.loads(message)
            if len(fds) != 3:
                raise ValueError("a kernel request carries the kernel's three standard streams")
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                supervise(conn, request, fds)
        except (OSError, ValueError) as e:
            try:
                conn.sendall(f"error {type(e).__name__}: {e}\n".encode())
            except OSError:
                pass
        finally:
            conn.close()
            for fd in fds:
                os.close(fd)


def main(listener_fd):
    # A kernel's path as `python -m ipykernel_launcher` in its folder has it, before
    # ipykernel removes the folder and IPython adds '' back; not this file's folder.
    sys.path[0] = os.getcwd()
    STARTING_ENVIRONMENT.update(os.environ)
    listener = socket.socket(fileno=listener_fd)
    # What every kernel imports as it starts (before the setup cell, so first, as there),
    # then what the setup cell of every notebook imports.
    import pdb  # noqa: F401
    from IPython.core import debugger  # noqa: F401
    from ipykernel import debugger, ipkernel, kernelapp, zmqshell  # noqa: F401,F811
    import torch  # noqa: F401
    from d2l import torch as d2l  # noqa: F401
    gc.collect()
    gc.freeze()  # the imported objects are never collected: forks leave their pages shared
    print("ready", flush=True)
    serve(listener)


if __name__ == "__main__":
    main(int(sys.argv[1]))
