"""Replaying a recording in the terminal, with its timing: space pauses, `.` steps one
event while paused, q (or Ctrl-C) quits. Keys are read from /dev/tty, so the output can
go anywhere; without a terminal it just plays."""

from __future__ import annotations

import contextlib
import os
import select
import termios
import time
from dataclasses import dataclass
from typing import List, Optional

from coterm.record.cast import Cast

_QUIT = (b"q", b"Q", b"\x03", b"\x04")
_ALT_ON, _ALT_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
_FAST_FORWARD_CHUNK = 1 << 20


@dataclass
class PlayOptions:
    speed: float = 1.0
    idle_limit: Optional[float] = None  # longest pause between two events, in seconds
    start_at: float = 0.0  # seconds into the recording (after idle capping)


class Keys:
    """The controlling terminal in a no-echo, key-at-a-time, no-output-processing mode,
    restored on close."""

    def __init__(self, enabled: bool = True) -> None:
        self.fd: Optional[int] = None
        self._saved: Optional[list] = None
        if not enabled:
            return
        try:
            self.fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
            self._saved = termios.tcgetattr(self.fd)
        except (OSError, termios.error):
            self.close()
            return
        attrs = termios.tcgetattr(self.fd)
        attrs[1] &= ~termios.OPOST  # the recording's bytes exactly: no LF -> CRLF
        attrs[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG)
        attrs[6][termios.VMIN], attrs[6][termios.VTIME] = 1, 0
        termios.tcsetattr(self.fd, termios.TCSADRAIN, attrs)

    def wait(self, timeout: Optional[float]) -> bytes:
        """A key pressed within timeout (None: forever), or b''."""
        if self.fd is None:
            if timeout:
                time.sleep(timeout)
            return b""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        return os.read(self.fd, 16)[:1] if ready else b""

    def close(self) -> None:
        if self.fd is None:
            return
        if self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fd, termios.TCSAFLUSH, self._saved)
        os.close(self.fd)
        self.fd = None


class Player:
    def __init__(self, cast: Cast, opts: PlayOptions, keys: Keys, out: int = 1) -> None:
        self.cast, self.opts, self.keys, self.out = cast, opts, keys, out
        self.speed = opts.speed if opts.speed > 0 else 1.0
        self._anchor = 0.0  # wall clock time at which recording time `start_at` plays
        self._shown = opts.start_at  # recording time of the last event shown
        self._paused = False
        self._alt = False

    def play(self) -> bool:
        """True when played to the end, False when the user quit."""
        self._anchor = time.monotonic()
        backlog: List[bytes] = []
        size = 0
        for at, data in self._timeline():
            if at < self.opts.start_at:  # --at: everything before it at once
                backlog.append(data)
                size += len(data)
                if size >= _FAST_FORWARD_CHUNK:
                    self._write(b"".join(backlog))
                    backlog, size = [], 0
                continue
            if backlog:
                self._write(b"".join(backlog))
                backlog, size = [], 0
                self._anchor = time.monotonic()
            if not self._wait_for(at):
                self._tidy(quit=True)
                return False
            self._write(data)
            self._shown = at
        if backlog:
            self._write(b"".join(backlog))
        self._tidy(quit=False)
        return True

    def _timeline(self):
        """(play time, bytes) of the output events, idle gaps capped."""
        limit = self.opts.idle_limit
        if limit is None:
            limit = self.cast.header.get("idle_time_limit")
        at = prev = 0.0
        for ev in self.cast.events():
            gap = max(0.0, ev.time - prev)
            prev = ev.time
            at += min(gap, limit) if limit else gap
            if ev.code == "o":
                yield at, ev.data_bytes

    def _wait_for(self, at: float) -> bool:
        """Sleep until `at` plays, serving keys; False when the user quits."""
        while True:
            if self._paused:
                key = self.keys.wait(None)
                if key == b".":
                    return True
            else:
                delay = self._anchor + (at - self.opts.start_at) / self.speed - time.monotonic()
                if delay <= 0:
                    return True
                key = self.keys.wait(delay)
            if key in _QUIT:
                return False
            if key == b" ":
                self._toggle_pause()

    def _toggle_pause(self) -> None:
        self._paused = not self._paused
        if not self._paused:  # go on from the last shown event, as if it had just played
            self._anchor = time.monotonic() - (self._shown - self.opts.start_at) / self.speed

    def _write(self, data: bytes) -> None:
        if _ALT_ON in data or _ALT_OFF in data:
            self._alt = data.rfind(_ALT_ON) > data.rfind(_ALT_OFF)
        view = memoryview(data)
        while view:
            view = view[os.write(self.out, view) :]

    def _tidy(self, quit: bool) -> None:
        """Leave the user's terminal usable whatever the recording left it in."""
        if not os.isatty(self.out):
            return
        tail = _ALT_OFF if self._alt else b""
        if quit:
            tail += b"\x1b[0m\x1b[?25h\r\n"
        if tail:
            self._write(tail)


def play(cast: Cast, opts: PlayOptions, out: int = 1) -> bool:
    keys = Keys(enabled=os.isatty(out))
    try:
        return Player(cast, opts, keys, out).play()
    finally:
        keys.close()


def parse_time(text: str) -> float:
    """`90`, `1.5`, `01:30`, `1:02:03` -> seconds; ValueError otherwise."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        value = float(part)
        if value < 0:
            raise ValueError(text)
        seconds = seconds * 60 + value
    return seconds
