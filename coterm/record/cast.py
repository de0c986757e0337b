"""asciicast files: v2 lines as the recorder writes them, and a reader for v2 and v3.

Lossless output. asciicast `o` data is a JSON (UTF-8) string, so bytes that are not
valid UTF-8 cannot be stored in it as they are. The recorder decodes output with
`surrogateescape` (incomplete multibyte sequences at a read boundary wait for the next
read, so a split character is never damaged). An `o` event whose text holds bytes that
are not UTF-8 is written with U+FFFD in their place — what every player shows — and is
followed at once by a `b` event, `[time, "b", "<base64>"]`, carrying the exact bytes of
that `o` event. Players and `asciinema cat` ignore the unknown `b` code (the format says
readers must); coterm's own reader puts the exact bytes back (`Event.raw`). Valid UTF-8
output never gets a `b` event, so ordinary casts are plain asciicast v2.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

RAW_BYTES_CODE = "b"


class CastError(Exception):
    """A file that is not a readable asciicast; the message names it."""


def header_line(header: Dict[str, Any]) -> bytes:
    return (json.dumps(header, ensure_ascii=False) + "\n").encode("utf-8")


# JSON string escaping on UTF-8 bytes: a few C-speed replace passes instead of the json
# module's per-character loop (about 2x faster on terminal output, the recorder's hot path).
_ESCAPES = (
    (b"\\", b"\\\\"),
    (b'"', b'\\"'),
    (b"\n", b"\\n"),
    (b"\r", b"\\r"),
    (b"\t", b"\\t"),
    (b"\x1b", b"\\u001b"),
    (b"\x07", b"\\u0007"),
    (b"\x08", b"\\b"),
)
_HANDLED = b"".join(a for a, _ in _ESCAPES)
_RARE = bytes(b for b in range(32) if bytes([b]) not in _HANDLED)
_NOT_RARE = bytes(b for b in range(256) if b not in _RARE)


def json_string(raw: bytes) -> bytes:
    """A JSON string literal for valid UTF-8 bytes."""
    if raw.translate(None, _NOT_RARE):  # other control characters: let json do it all
        return encode_basestring(raw.decode("utf-8")).encode("utf-8")
    for plain, escaped in _ESCAPES:
        if plain in raw:
            raw = raw.replace(plain, escaped)
    return b'"' + raw + b'"'


def event_line(t: float, code: str, data: Union[str, bytes]) -> bytes:
    """One event line. `data` is text, or bytes known to be valid UTF-8 (ASCII fast path).

    Text holding undecodable bytes (surrogate escapes) becomes `o` + `b` (see module doc).
    """
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            return _lossy_event(t, code, data)
    else:
        raw = data
    return b'[%.6f, "%s", %s]\n' % (t, code.encode(), json_string(raw))


def _lossy_event(t: float, code: str, text: str) -> bytes:
    raw = text.encode("utf-8", "surrogateescape")
    shown = raw.decode("utf-8", "replace").encode("utf-8")
    line = b'[%.6f, "%s", %s]\n' % (t, code.encode(), json_string(shown))
    if code == "o":
        line += b'[%.6f, "%s", "%s"]\n' % (t, RAW_BYTES_CODE.encode(), base64.b64encode(raw))
    return line


def clean_text(text: str) -> str:
    """Text safe for UTF-8 consumers: escaped undecodable bytes become U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass
class Event:
    time: float  # seconds since the start, also for v3 files
    code: str
    data: str
    raw: Optional[bytes] = None  # exact output bytes, when a `b` event carried them

    @property
    def data_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        try:
            return self.data.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return self.data.encode("utf-8", "replace")


@dataclass
class Cast:
    path: Path
    header: Dict[str, Any]
    version: int

    @property
    def size(self) -> Tuple[int, int]:
        if self.version >= 3:
            term = self.header.get("term") or {}
            return int(term.get("cols") or 80), int(term.get("rows") or 24)
        return int(self.header.get("width") or 80), int(self.header.get("height") or 24)

    def events(self) -> Iterator[Event]:
        """Events in order, streamed from disk (constant memory); `b` folded into `o`."""
        pending: Optional[Event] = None
        for ev in self._raw_events():
            if ev.code == RAW_BYTES_CODE:
                if pending is not None and pending.code == "o":
                    pending.raw = _b64(ev.data)
                continue
            if pending is not None:
                yield pending
            pending = ev
        if pending is not None:
            yield pending

    def _raw_events(self) -> Iterator[Event]:
        clock = 0.0
        with open(self.path, encoding="utf-8", errors="surrogateescape") as f:
            f.readline()
            lineno = 1
            for text in f:
                lineno += 1
                if not text.strip() or (self.version >= 3 and text.startswith("#")):
                    continue
                item = _parse_event(text)
                if item is None:
                    if not text.endswith("\n") and not f.readline():
                        return  # a torn last line: the recorder was killed mid-write
                    raise CastError(f"{self.path}:{lineno}: not an asciicast event")
                t, code, data = item
                clock = clock + t if self.version >= 3 else t
                yield Event(clock, code, data)


def _parse_event(text: str) -> Optional[Tuple[float, str, str]]:
    try:
        item = json.loads(text)
    except ValueError:
        return None
    if not isinstance(item, list) or len(item) < 3 or not isinstance(item[0], (int, float)):
        return None
    data = item[2] if isinstance(item[2], str) else json.dumps(item[2])
    return float(item[0]), str(item[1]), data


def _b64(text: str) -> Optional[bytes]:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None


def open_cast(path: Path) -> Cast:
    """Read the header; CastError with a one-line reason when it is not asciicast v2/v3."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            first = f.readline()
    except OSError as e:
        raise CastError(f"{path}: {e.strerror or e}") from None
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("version") not in (2, 3):
        raise CastError(f"{path}: not an asciicast v2/v3 file (bad header line)")
    return Cast(Path(path), header, int(header["version"]))


def output_bytes(cast: Cast) -> Iterator[Tuple[float, bytes]]:
    for ev in cast.events():
        if ev.code == "o":
            yield ev.time, ev.data_bytes


def markers(cast: Cast) -> List[Tuple[float, str]]:
    return [(ev.time, ev.data) for ev in cast.events() if ev.code == "m"]
