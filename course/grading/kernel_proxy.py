"""The command of the sandboxed kernel spec: asks the kernel template (template.py) for a
kernel and stands for it, so jupyter_client can wait for it and kill it like any kernel.

    python -I -S kernel_proxy.py SOCKET KERNEL_FOLDER UID LIMITS_JSON CONNECTION_FILE

It runs on the grading side. KERNEL_FOLDER (in the template's kernels folder) holds the
kernel's `work` and `runtime` folders; the kernel sees runtime at /sandbox/runtime, so it
gets a copy of the connection file with its socket paths there, owned by its user. The
request carries this process's standard streams as file descriptors. The proxy exits with
the kernel's status; when the proxy is killed, its connection closes and the template kills
the kernel. Standard library only.
"""

import json
import os
import signal
import socket
import sys

SANDBOX_RUNTIME = "/sandbox/runtime"


def sandbox_connection_file(connection_file, runtime, uid):
    """The connection file as the kernel sees it; its path inside the sandbox."""
    with open(connection_file, encoding="utf-8") as f:
        info = json.load(f)
    info["ip"] = os.path.join(SANDBOX_RUNTIME, os.path.relpath(info["ip"], runtime))
    name = os.path.splitext(os.path.basename(connection_file))[0] + "-sandbox.json"
    path = os.path.join(runtime, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info, f)
    os.chown(path, uid, uid)
    return os.path.join(SANDBOX_RUNTIME, name)


def die_with_parent():
    """nbval's process is killed at the notebook time limit; this proxy, in a session of
    its own (jupyter_client's), must then die too, and so end the kernel."""
    import ctypes
    parent = os.getppid()
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        sys.exit(1)


def main(socket_path, kernel_folder, uid, limits_json, connection_file):
    die_with_parent()
    uid = int(uid)
    runtime = os.path.join(kernel_folder, "runtime")
    request = {"kernel": os.path.basename(kernel_folder), "uid": uid, "limits": json.loads(limits_json),
               "connection_file": sandbox_connection_file(connection_file, runtime, uid)}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(socket_path)
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    reply = reply.decode(errors="replace").strip()
    if reply.isdigit():
        return int(reply)
    print(f"kernel template: {reply or 'no reply'}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
