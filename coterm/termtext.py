"""Terminal output to plain text lines, each with the time it appeared.

What a person saw, line by line, cheap enough to run on a live stream:
- escape sequences are dropped; colours never reach the text;
- CR, backspace, erase-line (CSI K), horizontal moves (CSI G/C/D) and character
  insert/delete edit the line in place, so progress bars collapse to their final state;
- the last `height` lines stay editable (cursor-up redraws of multi-line progress
  collapse too); a line is emitted when it scrolls out of that window, on `drain()`,
  on a screen clear (so `clear` never loses it) and on `flush()`;
- full-screen programs (alternate screen: vim, less, top) are not interpreted line by
  line; when they leave, their last frame is rendered once with pyte (a real VT
  emulator, ~0.6 MB/s, so it only ever sees a bounded tail of the alt-screen bytes).

A leaf module: imports nothing from coterm.
"""

from __future__ import annotations

import contextlib
import re
from itertools import repeat
from typing import List, Optional, Tuple

Line = Tuple[float, str]

ALT_SCREEN_KEEP = 128 * 1024  # chars of alt-screen output kept for the final-frame snapshot
MAX_LINE = 16 * 1024  # longer lines are cut: bounded memory on binary garbage
_ALT_MODES = ("1049", "1047", "47")

# Sequences that never move the cursor; removing them first lets coloured output take
# the fast path (SGR, OSC titles/hyperlinks, charset selection, cursor/paste mode toggles).
_HARMLESS = re.compile(
    r"\x1b\[[0-9;:]*m|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-9A-Za-z]|\x1b[=>]"
    r"|\x1b\[\?(?:25|12|2004|1004|1)[hl]"
)
# Control bytes other than CR (in CRLF), LF and TAB mean the slow (token by token) path.
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 and b != 127)
_TOKEN = re.compile(
    r"\x1b\[([0-?]*)[ -/]*([@-~])"  # CSI: params, final
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS, SOS, PM, APC
    r"|\x1b([ -/]+[0-~]|[0-OQ-WYZ\\`a-~])"  # other escapes (ESC 7, ESC M, ESC ( B ...)
    r"|\x1b"  # an escape cut by the end of the chunk, or a stray one
    r"|[\x00-\x1f\x7f]"
)
_ALT_SWITCH = re.compile(r"\x1b\[\?([0-9;]*)([hl])")
_CARRY_MAX = 4096  # an unfinished escape longer than this is garbage, not a sequence


def _plain_lines(text: str) -> Optional[List[str]]:
    """`text` split into lines when it is plain text (no CR but in CRLF, no other control
    character), in a few C-speed passes; None when it needs the slow path."""
    controls = text.encode("utf-8", "surrogatepass").translate(None, _NOT_CONTROL)
    lf = controls.count(b"\n")
    cr = controls.count(b"\r")
    if len(controls) != lf + cr + controls.count(b"\t"):
        return None
    if not cr:
        return text.split("\n")
    if text.count("\r\n") != cr:
        return None
    return text.split("\r\n") if cr == lf else text.replace("\r\n", "\n").split("\n")


def _num(params: str, default: int = 1) -> int:
    first = params.split(";", 1)[0]
    return int(first) if first.isdigit() and int(first) > 0 else default


def _is_alt(params: str) -> bool:
    return any(p in _ALT_MODES for p in params.split(";"))


def _unfinished_tail(text: str) -> int:
    """Where an escape sequence cut by the chunk end starts, or -1."""
    i = text.rfind("\x1b", max(0, len(text) - _CARRY_MAX))
    if i < 0:
        return -1
    m = _TOKEN.match(text, i)
    if m is None or m.group(0) != "\x1b":
        return -1
    return i


class LineCollector:
    """Feed terminal output (str) with its time offset; get completed text lines back."""

    def __init__(self, width: int = 80, height: int = 24, *, alt_snapshots: bool = True) -> None:
        self.width = max(1, width)
        self.height = max(1, height)
        self.alt_snapshots = alt_snapshots
        self._rows: List[str] = [""]
        self._times: List[Optional[float]] = [None]
        self._row = 0
        self._col = 0
        self._saved = (0, 0)
        self._carry = ""
        self._alt = False
        self._alt_chunks: List[str] = []
        self._alt_size = 0
        self._out: List[Line] = []
        self._now = 0.0

    # -- public -------------------------------------------------------------------------

    def resize(self, width: int, height: int) -> None:
        self.width, self.height = max(1, width), max(1, height)
        overflow = len(self._rows) - self.height
        if overflow > 0 and self._row >= overflow:
            self._emit_rows(overflow)

    def feed(self, text: str, offset: float) -> List[Line]:
        self._now = offset
        if self._carry:
            text, self._carry = self._carry + text, ""
        if self._alt:
            self._feed_alt(text)
        else:
            self._feed_normal(text)
        return self._take()

    def drain(self, offset: float) -> List[Line]:
        """Emit the lines above the cursor now (for live indexing); they become final."""
        self._now = offset
        if not self._alt and self._row > 0:
            self._emit_rows(self._row)
        return self._take()

    def flush(self, offset: float) -> List[Line]:
        """End of stream: everything still on screen becomes lines."""
        self._now = offset
        if self._alt:
            self._snapshot()
            self._alt = False
        last = len(self._rows)
        while last > 0 and not self._rows[last - 1].strip():
            last -= 1
        self._emit_rows(last)
        self._rows, self._times, self._row, self._col = [""], [None], 0, 0
        self._carry = ""
        return self._take()

    # -- normal screen ------------------------------------------------------------------

    def _feed_normal(self, text: str) -> None:
        plain = text
        if "\x1b" in text:
            cut = _unfinished_tail(text)
            if cut >= 0:
                text, self._carry = text[:cut], text[cut:]
            plain = _HARMLESS.sub("", text)
        if text.endswith("\r") and len(text) > 1:  # most likely half of a CRLF cut by a read
            text, plain, self._carry = text[:-1], plain[:-1], "\r" + self._carry
        if self._row == len(self._rows) - 1 and "\x1b" not in plain:
            pieces = _plain_lines(plain)
            if pieces is not None:
                self._fast(pieces)
                return
        self._slow(text)  # the raw text: an alt-screen switch inside needs it unedited

    def _fast(self, pieces: List[str]) -> None:
        """Plain text split at newlines, cursor on the last row: bulk list operations."""
        if pieces[0]:
            self._put(pieces[0])
        if len(pieces) == 1:
            return
        full = pieces[1:-1]
        now = self._now
        keep = self.height - 1  # rows kept above the new cursor row
        if len(full) >= keep:
            self._emit_rows(len(self._rows))
            done = full[: len(full) - keep] if keep else full
            if done and max(map(len, done)) > MAX_LINE:
                done = [line[:MAX_LINE] for line in done]
            self._out.extend(zip(repeat(now), map(str.rstrip, done)))
            full = full[len(done) :]
            self._rows, self._times = [], []
        self._rows.extend(full)
        self._times.extend([now] * len(full))
        self._rows.append("")
        self._times.append(None)
        overflow = len(self._rows) - self.height
        self._row = len(self._rows) - 1
        if overflow > 0:
            self._emit_rows(overflow)
        self._col = 0
        if pieces[-1]:
            self._put(pieces[-1])

    def _slow(self, text: str) -> None:
        pos = 0
        for m in _TOKEN.finditer(text):
            if m.start() > pos:
                self._put(text[pos : m.start()])
            pos = m.end()
            tok = m.group(0)
            if tok == "\x1b":
                continue  # stray escape (cut ones were carried before)
            if m.group(2) is not None:
                if self._csi(m.group(1), m.group(2)):
                    self._feed_alt(text[pos:])
                    return
            elif m.group(3) is not None:
                self._esc(m.group(3))
            elif len(tok) == 1:
                self._control(tok)
        if pos < len(text):
            self._put(text[pos:])

    def _control(self, ch: str) -> None:
        if ch == "\n":
            self._newline()
        elif ch == "\r":
            self._col = 0
        elif ch == "\b":
            self._col = max(0, self._col - 1)
        elif ch == "\t":
            self._put(" " * (8 - self._col % 8))

    def _csi(self, params: str, final: str) -> bool:
        """Apply one CSI sequence; True when it switched to the alternate screen."""
        if params.startswith("?"):
            if final == "h" and _is_alt(params[1:]):
                self._emit_rows(self._row)  # keep lines in order around the snapshot
                self._alt = True
                self._alt_chunks, self._alt_size = [], 0
                return True
            return False
        row = self._rows[self._row]
        col = self._col
        if final == "K":
            mode = _num(params, 0)
            if mode == 0:
                row = row[:col]
            elif mode == 1:
                row = " " * (col + 1) + row[col + 1 :]
            else:
                row = ""
            self._rows[self._row] = row
        elif final in "G`":
            self._col = _num(params) - 1
        elif final == "C":
            self._col = col + _num(params)
        elif final == "D":
            self._col = max(0, col - _num(params))
        elif final == "P":
            self._rows[self._row] = row[:col] + row[col + _num(params) :]
        elif final == "@":
            self._rows[self._row] = row[:col] + " " * _num(params) + row[col:]
        elif final == "X":
            n = _num(params)
            self._rows[self._row] = row[:col] + " " * n + row[col + n :]
        elif final == "A":
            self._row = max(0, self._row - _num(params))
        elif final == "B":
            self._row = min(len(self._rows) - 1, self._row + _num(params))
        elif final in "Hf":
            self._goto(params)
        elif final == "J" and _num(params, 0) >= 2:
            self._clear()
        elif final == "s":
            self._saved = (self._row, self._col)
        elif final == "u":
            self._restore()
        return False

    def _esc(self, rest: str) -> None:
        if rest == "7":
            self._saved = (self._row, self._col)
        elif rest == "8":
            self._restore()
        elif rest == "M":
            self._row = max(0, self._row - 1)
        elif rest in ("D", "E"):
            self._newline()
        elif rest == "c":
            self._clear()

    def _goto(self, params: str) -> None:
        parts = params.split(";")
        r = _num(parts[0]) if parts[0] else 1
        c = _num(parts[1]) if len(parts) > 1 and parts[1] else 1
        top = len(self._rows) - self.height
        self._row = min(len(self._rows) - 1, max(0, top + r - 1))
        self._col = c - 1

    def _restore(self) -> None:
        row, col = self._saved
        self._row, self._col = min(row, len(self._rows) - 1), col

    def _clear(self) -> None:
        self._emit_rows(len(self._rows))
        self._rows, self._times, self._row, self._col = [""], [None], 0, 0

    def _newline(self) -> None:
        self._col = 0
        if self._row < len(self._rows) - 1:
            self._row += 1
            return
        self._rows.append("")
        self._times.append(None)
        self._row += 1
        if len(self._rows) > self.height:
            self._emit_rows(len(self._rows) - self.height)

    def _put(self, s: str) -> None:
        i = self._row
        row, col = self._rows[i], self._col
        if self._times[i] is None:
            self._times[i] = self._now
        if col == len(row):
            row += s
        elif col > len(row):
            row += " " * (col - len(row)) + s
        else:
            row = row[:col] + s + row[col + len(s) :]
        self._col = col + len(s)
        self._rows[i] = row if len(row) <= MAX_LINE else row[:MAX_LINE]

    def _emit_rows(self, n: int) -> None:
        """Emit the first n rows of the window and drop them."""
        now = self._now
        for t, r in zip(self._times[:n], self._rows[:n]):
            self._out.append((now if t is None else t, r.rstrip()))
        del self._rows[:n], self._times[:n]
        if not self._rows:
            self._rows, self._times = [""], [None]
        self._row = max(0, self._row - n)
        self._saved = (max(0, self._saved[0] - n), self._saved[1])

    def _take(self) -> List[Line]:
        out, self._out = self._out, []
        return out

    # -- alternate screen ---------------------------------------------------------------

    def _feed_alt(self, text: str) -> None:
        for m in _ALT_SWITCH.finditer(text):
            if m.group(2) == "l" and _is_alt(m.group(1)):
                self._keep_alt(text[: m.end()])
                self._snapshot()
                self._alt = False
                self._feed_normal(text[m.end() :])
                return
        cut = _unfinished_tail(text)
        if cut >= 0:
            text, self._carry = text[:cut], text[cut:]
        self._keep_alt(text)

    def _keep_alt(self, text: str) -> None:
        if not self.alt_snapshots or not text:
            return
        self._alt_chunks.append(text)
        self._alt_size += len(text)
        while self._alt_size > ALT_SCREEN_KEEP and len(self._alt_chunks) > 1:
            self._alt_size -= len(self._alt_chunks.pop(0))
        if self._alt_size > ALT_SCREEN_KEEP:
            self._alt_chunks = [self._alt_chunks[0][-ALT_SCREEN_KEEP:]]
            self._alt_size = ALT_SCREEN_KEEP

    def _snapshot(self) -> None:
        """The full-screen program's last frame, rendered once, as lines."""
        data = "".join(self._alt_chunks)
        self._alt_chunks, self._alt_size = [], 0
        if not self.alt_snapshots or not data:
            return
        for line in render_screen(data, self.width, self.height):
            self._out.append((self._now, line))


def render_screen(data: str, width: int, height: int) -> List[str]:
    """What a width x height terminal shows after `data`: its non-blank rows, trimmed."""
    import pyte

    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    with contextlib.suppress(Exception):  # pyte may choke on odd input; a partial frame still helps
        stream.feed(data)
    lines = [row.rstrip() for row in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def to_lines(text: str, width: int = 80, height: int = 24) -> List[str]:
    """All lines of a finished output, without times (tests, one-off exports)."""
    collector = LineCollector(width, height)
    out = collector.feed(text, 0.0) + collector.flush(0.0)
    return [line for _, line in out]
