"""In-band marks from the shell hooks (contract: notes/marks.md), found in the output bytes.

    ESC ] 6973 ; <nonce> ; <kind> ; <k>=<v> ; ... (BEL | ESC \\)

Marks carrying our nonce are taken out of the recorded stream and returned as `Mark`s;
marks with any other nonce stay in the stream as ordinary bytes, so program output
cannot forge a command boundary. Works on bytes, before UTF-8 decoding, across reads
split anywhere; an unfinished mark is held back (at most MAX_MARK bytes).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from typing import Dict, List, Union
from urllib.parse import unquote_to_bytes

PREFIX = b"\x1b]6973;"
MAX_MARK = 64 * 1024  # longer than any sane command line; beyond it the "mark" is just bytes
_END = re.compile(rb"[\x07\x1b]")


@dataclass
class Mark:
    kind: str  # start | end | (unknown kinds are passed on, not interpreted)
    fields: Dict[str, str] = field(default_factory=dict)
    line: str = ""  # the command line of a `start` mark, percent-decoded


Segment = Union[bytes, Mark]


class MarkParser:
    """Splits a byte stream into output bytes and our marks."""

    def __init__(self, nonce: str) -> None:
        self._nonce = nonce.encode("ascii")
        self._carry = b""

    def feed(self, data: bytes) -> List[Segment]:
        if self._carry:
            data, self._carry = self._carry + data, b""
        elif PREFIX not in data:  # the common case: one C-speed scan
            return self._keep_tail(data, [])
        out: List[Segment] = []
        pos = 0
        while True:
            i = data.find(PREFIX, pos)
            if i < 0:
                return self._keep_tail(data[pos:], out)
            if i > pos:
                out.append(data[pos:i])
            end = self._terminator(data, i)
            if end is None:  # unfinished: wait for more, unless it is too long to be a mark
                if len(data) - i <= MAX_MARK:
                    self._carry = data[i:]
                    return out
                out.append(data[i : i + len(PREFIX)])
                pos = i + len(PREFIX)
                continue
            if end < 0:  # malformed (an ESC that is not ST): the bytes are ordinary output
                out.append(data[i:-end])
                pos = -end
                continue
            mark = self._parse(data[i + len(PREFIX) : end])
            out.append(mark if mark is not None else data[i : self._after(data, end)])
            pos = self._after(data, end)

    def flush(self) -> bytes:
        """End of stream: whatever was held back is ordinary output."""
        out, self._carry = self._carry, b""
        return out

    # A mark ends at BEL (1 byte) or ESC \ (2 bytes).
    @staticmethod
    def _after(data: bytes, end: int) -> int:
        return end + (1 if data[end] == 0x07 else 2)

    @staticmethod
    def _terminator(data: bytes, start: int):
        """Index of the terminator; None when not there yet; -index when malformed."""
        m = _END.search(data, start + len(PREFIX))
        if m is None:
            return None
        j = m.start()
        if data[j] == 0x07:
            return j
        if j + 1 >= len(data):
            return None
        return j if data[j + 1] == 0x5C else -j

    def _keep_tail(self, data: bytes, out: List[Segment]) -> List[Segment]:
        """Hold back a trailing partial PREFIX (`ESC ] 69`), emit the rest."""
        i = data.rfind(b"\x1b", max(0, len(data) - len(PREFIX) + 1))
        if i >= 0 and PREFIX.startswith(data[i:]):
            self._carry = data[i:]
            data = data[:i]
        if data:
            out.append(data)
        return out

    def _parse(self, payload: bytes):
        parts = payload.split(b";", 2)
        if len(parts) < 2 or not hmac.compare_digest(parts[0], self._nonce):
            return None
        kind = parts[1].decode("ascii", "replace")
        mark = Mark(kind)
        rest = parts[2] if len(parts) == 3 else b""
        while rest:
            if rest.startswith(b"line="):
                mark.line = unquote_to_bytes(rest[5:]).decode("utf-8", "replace")
                break
            item, _, rest = rest.partition(b";")
            key, _, value = item.partition(b"=")
            if key:
                mark.fields[key.decode("ascii", "replace")] = value.decode("utf-8", "replace")
        return mark


def make_mark(nonce: str, kind: str, line: str = "", **fields: str) -> bytes:
    """A mark as a hook writes it (tests, and tools that speak the contract)."""
    body = ";".join(f"{k}={v}" for k, v in fields.items())
    text = f"\x1b]6973;{nonce};{kind}"
    if body:
        text += ";" + body
    if kind == "start":
        text += ";line=" + encode_line(line)
    return (text + "\x07").encode("utf-8")


def encode_line(line: str) -> str:
    for ch, code in (("%", "%25"), ("\x1b", "%1B"), ("\x07", "%07"), ("\n", "%0A"), ("\r", "%0D")):
        line = line.replace(ch, code)
    return line
