"""The pipe between the pty proxy and the recording process: length-prefixed frames.

The proxy's only recording work per burst of reads is one small header and one writev(2)
to this pipe; the kernel pipe (sized up to 1 MiB) is the bounded queue: when the recording
process falls behind, the proxy blocks on it and the program's output slows down —
back-pressure, never unbounded memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
from typing import List, Sequence, Tuple

HEADER = struct.Struct("<cdI")  # kind, seconds since the session start, payload length
OUTPUT, INPUT, RESIZE, END = b"o", b"i", b"r", b"e"
PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux; elsewhere the default pipe size is used

Frame = Tuple[bytes, float, memoryview]


def make_pipe() -> Tuple[int, int]:
    r, w = os.pipe()
    with contextlib.suppress(OSError):
        fcntl.fcntl(w, _F_SETPIPE_SZ, PIPE_SIZE)
    return r, w


def write_frame(fd: int, kind: bytes, t: float, parts: Sequence[bytes], size: int) -> None:
    """Blocking write of one whole frame whose payload is `parts` (`size` bytes in all).

    One writev, no copy; a signal may split it, then the rest is finished the slow way."""
    head = HEADER.pack(kind, t, size)
    n = os.writev(fd, [head, *parts])
    if n < HEADER.size + size:
        view = memoryview(b"".join([head, *parts]))[n:]
        while view:
            view = view[os.write(fd, view) :]


class FrameReader:
    """Reassembles frames from pipe reads of any size."""

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, data: bytes) -> List[Frame]:
        """Whole frames so far; payloads are views into one buffer (copied once, by the user)."""
        buf = self._buf + data if self._buf else data
        view = memoryview(buf)
        frames: List[Frame] = []
        pos, size, end = 0, HEADER.size, len(buf)
        unpack = HEADER.unpack_from
        while end - pos >= size:
            kind, t, n = unpack(buf, pos)
            start = pos + size
            if end - start < n:
                break
            frames.append((kind, t, view[start : start + n]))
            pos = start + n
        self._buf = buf[pos:]
        return frames

    @property
    def partial(self) -> bool:
        """A frame was cut (the proxy died mid-write); it is dropped."""
        return bool(self._buf)
