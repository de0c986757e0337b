"""Ask y/n on the controlling terminal (/dev/tty), so pipes and redirections stay untouched.

No terminal (cron, CI, `setsid`, ssh without -t) or a background job means nobody can
answer: `Terminal.open()` returns None and the caller applies the noninteractive policy
instead of waiting (reading the tty from a background job would stop it with SIGTTIN).
"""

from __future__ import annotations

import contextlib
import os
from typing import Optional

QUESTION = "Do you want to continue? (y/n) "
YES = ("y", "yes")


class Terminal:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def open(cls) -> Optional[Terminal]:
        try:
            fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
        except OSError:
            return None
        try:
            foreground = os.tcgetpgrp(fd) == os.getpgrp()
        except OSError:
            foreground = False
        if not foreground:
            os.close(fd)
            return None
        return cls(fd)

    def say(self, lines: list[str]) -> None:
        text = "".join(f"{line}\r\n" for line in lines)
        if text:
            self._write(text)

    def confirm(self, lines: list[str], question: str = QUESTION) -> Optional[bool]:
        """Show lines, ask; True for y/yes, False for anything else (or end of input), None for Ctrl-C."""
        self.say(lines)
        self._discard_typeahead()
        self._write(question)
        try:
            answer = self._read_line()
        except KeyboardInterrupt:
            self._write("\r\n")
            return None
        return answer.strip().lower() in YES

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def _write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        while data:
            data = data[os.write(self.fd, data) :]

    def _read_line(self) -> str:
        buf = b""
        while b"\n" not in buf and b"\r" not in buf and len(buf) < 4096:
            chunk = os.read(self.fd, 256)
            if not chunk:  # end of input (Ctrl-D): no answer is a no
                break
            buf += chunk
        return buf.decode("utf-8", "replace")

    def _discard_typeahead(self) -> None:
        # Keys typed before the question was shown must not answer it.
        try:
            import termios

            termios.tcflush(self.fd, termios.TCIFLUSH)
        except (ImportError, OSError):
            pass
