"""Is a recorder still alive? Its pid, checked together with the process start time so that a
recycled pid is not mistaken for the recorder."""

from __future__ import annotations

import os
import socket
from typing import Optional


def hostname() -> str:
    return socket.gethostname()


def start_stamp(pid: int) -> str:
    """The kernel's start time of pid (Linux /proc), or "" where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return ""
    # Field 22 (starttime) counts from the one after the parenthesised command name.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def alive(pid: Optional[int], stamp: str = "") -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return not stamp or start_stamp(pid) in ("", stamp)
