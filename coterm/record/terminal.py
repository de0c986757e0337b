"""The user's terminal: its size, raw mode, and getting its modes back on every exit path."""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import termios
from typing import List, Optional, Sequence, Tuple

Size = Tuple[int, int]  # columns, rows
_TTY_ERRORS = (termios.error, OSError)


def get_size(fds: Sequence[int]) -> Optional[Size]:
    for fd in fds:
        try:
            rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
        except OSError:
            continue
        if rows and cols:
            return cols, rows
    return None


def default_size(fds: Sequence[int]) -> Size:
    size = get_size(fds)
    if size:
        return size
    cols, rows = os.environ.get("COLUMNS", ""), os.environ.get("LINES", "")
    return (int(cols) if cols.isdigit() else 80, int(rows) if rows.isdigit() else 24)


def set_size(fd: int, size: Size) -> None:
    cols, rows = size
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def raw_attrs(attrs: List) -> List:
    """cfmakeraw: every key reaches the program (Ctrl-C, Ctrl-Z, Ctrl-S as bytes)."""
    attrs = [list(a) if isinstance(a, list) else a for a in attrs]
    attrs[0] &= ~(
        termios.IGNBRK | termios.BRKINT | termios.PARMRK | termios.ISTRIP
        | termios.INLCR | termios.IGNCR | termios.ICRNL | termios.IXON
    )  # fmt: skip
    attrs[1] &= ~termios.OPOST
    attrs[2] &= ~(termios.CSIZE | termios.PARENB)
    attrs[2] |= termios.CS8
    attrs[3] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
    attrs[6][termios.VMIN] = 1
    attrs[6][termios.VTIME] = 0
    return attrs


class TerminalModes:
    """Saves the terminal's modes once; raw() and restore() may be called many times."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.saved = termios.tcgetattr(fd)
        self.is_raw = False

    def raw(self) -> None:
        try:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, raw_attrs(self.saved))
            self.is_raw = True
        except _TTY_ERRORS:
            pass

    def restore(self) -> None:
        """Back to the saved modes; pending answerbacks (terminal replies) are discarded."""
        if not self.is_raw:
            return
        self.is_raw = False
        with contextlib.suppress(*_TTY_ERRORS):  # a terminal that hung up has nothing to restore
            termios.tcsetattr(self.fd, termios.TCSAFLUSH, self.saved)
