"""What the requester sees while waiting: the messages, and a one-line spinner with elapsed time."""

from __future__ import annotations

from typing import TextIO

UNICODE_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_FRAMES = "|/-\\"


def elapsed_text(seconds: float) -> str:
    total = int(max(0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _frames(stream: TextIO) -> str:
    encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
    return UNICODE_FRAMES if encoding in ("utf8", "utf8mb4") else ASCII_FRAMES


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class WaitUI:
    """Lines go to `stream` prefixed `CoTerm: `; the spinner only when `spinner` and it is a tty."""

    def __init__(self, stream: TextIO, spinner: bool = True) -> None:
        self.stream = stream
        self.spinner = spinner and _is_tty(stream)
        self.frames = _frames(stream)
        self.dot = "·" if self.frames == UNICODE_FRAMES else "-"
        self._frame = 0
        self._drawn = False

    def say(self, text: str) -> None:
        self.clear()
        for line in text.splitlines() or [""]:
            self.stream.write(f"CoTerm: {line}\n")
        self.stream.flush()

    def tick(self, elapsed: float) -> None:
        if not self.spinner:
            return
        frame = self.frames[self._frame % len(self.frames)]
        self._frame += 1
        dot = self.dot
        text = f"{frame} waiting for approval {dot} {elapsed_text(elapsed)} elapsed {dot} Ctrl-C withdraws"
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
