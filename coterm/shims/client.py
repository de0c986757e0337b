"""Ask the resident evaluator (coterm.server) for a shim's verdict over its Unix socket.

Uses the C `_socket` module directly: `socket` imports enum and selectors (~4 ms), more
than the round trip itself. None means "no answer": not running, an older server without
the `shim` verb, or too slow; the caller then evaluates in-process.
"""

from __future__ import annotations

import _socket
import os

from coterm.shims import wire

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds on the shim's path
    from typing import Mapping, Optional

TIMEOUT = 1.0  # the server itself answers within 0.25 s or says it could not
MAX_REPLY = 1 << 20


def ask(
    socket_path: str,
    name: str,
    argv: list[str],
    cwd: str,
    env: Mapping[str, str],
    timeout: float = TIMEOUT,
) -> Optional[wire.Verdict]:
    if not os.path.exists(socket_path):
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(socket_path)
        sock.sendall(wire.request_line(name, argv, cwd, env))
        sock.shutdown(_socket.SHUT_WR)
        chunks = []
        size = 0
        while size < MAX_REPLY:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        return None
    finally:
        sock.close()
    raw = b"".join(chunks)
    return wire.parse_reply(raw.split(b"\n", 1)[0]) if raw else None
