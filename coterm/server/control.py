"""Start, stop and query the resident evaluator from Python (init, doctor, the CLI, tests)."""

from __future__ import annotations

import os
import socket
import sys
import time
from typing import Optional

from coterm import paths
from coterm.server.layout import Layout, ensure_dir, layout
from coterm.server.protocol import Reply, Request, parse_reply


def request(
    req: Request, lay: Optional[Layout] = None, timeout: float = 1.0, wait: bool = True
) -> Optional[Reply]:
    """Send one request over the Unix socket; None when nobody answers (or wait=False)."""
    return query(req, lay, timeout, wait)[0]


def query(
    req: Request, lay: Optional[Layout] = None, timeout: float = 1.0, wait: bool = True
) -> tuple[Optional[Reply], str]:
    """Like request(), and say why there is no reply: "unreachable" (nobody listens) or
    "timeout" (connected, no answer in time)."""
    lay = lay or layout()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(lay.socket))
        except OSError:
            return None, "unreachable"
        try:
            sock.sendall(req.to_line().encode("utf-8", errors="surrogateescape"))
            if not wait:
                return None, ""
            sock.shutdown(socket.SHUT_WR)
            buf = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except socket.timeout:
            return None, "timeout"
        except OSError:
            return None, "unreachable"
    return (parse_reply(buf), "") if buf else (None, "unreachable")


def server_pid(lay: Optional[Layout] = None) -> Optional[int]:
    reply = request(Request("ping"), lay, timeout=0.5)
    if reply is None or reply.kind != "pong":
        return None
    return int(reply.arg) if reply.arg.isdigit() else None


def spawn(lay: Optional[Layout] = None) -> None:
    """Start a detached server and return at once (it exits by itself if one already runs)."""
    import subprocess

    lay = lay or layout()
    ensure_dir(lay)
    env = dict(os.environ)
    env["COTERM_HOME"] = str(paths.home())
    env.pop("COTERM_NONCE", None)
    with open(lay.log, "ab") as err:
        subprocess.Popen(
            [sys.executable, "-m", "coterm.server"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            close_fds=True,
            cwd="/",
            env=env,
        )


def ensure_running(lay: Optional[Layout] = None) -> bool:
    """True when a server answers; otherwise start one (detached) and return False."""
    lay = lay or layout()
    if _socket_accepts(lay):
        return True
    spawn(lay)
    return False


def wait_running(lay: Optional[Layout] = None, timeout: float = 10.0) -> Optional[int]:
    lay = lay or layout()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = server_pid(lay)
        if pid:
            return pid
        time.sleep(0.05)
    return None


def stop(lay: Optional[Layout] = None, timeout: float = 5.0) -> bool:
    """Ask the server to exit; True when it is gone."""
    lay = lay or layout()
    pid = server_pid(lay)
    if pid is None:
        return True
    request(Request("stop"), lay)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _socket_accepts(lay):
            return True
        time.sleep(0.05)
    return False


def _socket_accepts(lay: Layout) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            sock.connect(str(lay.socket))
        return True
    except OSError:
        return False
