"""Private key blocks: `-----BEGIN ... PRIVATE KEY-----` through `-----END ...`.

The body (everything between the two marker lines) is redacted; the markers stay, so a reader sees
that a key was there. Until the END marker arrives the block is held back. A block that stops
without END (a truncated file, `head key.pem`) ends at the first line that cannot belong to a key
body, at the end of the stream, or after PEM_CAP characters, and what was seen is redacted whole:
fail closed. A body longer than the cap is cut there: the round stops at the cut, and the next
round starts inside the body (`ScanText.pem_open`). A key inside JSON
(`"private_key": "-----BEGIN...\\n...\\n-----END..."`) sits on one line; its escaped body is
redacted up to the END marker or the end of that line.
"""

from __future__ import annotations

import re
from typing import Optional

from coterm.redact.text import Found, ScanText

PEM_CAP = 16384
_A = re.ASCII
_MARKER = re.compile(r"-----BEGIN ([A-Z0-9 ]{0,40}?)PRIVATE KEY(?: BLOCK)?-----", _A)
_END = re.compile(r"[ \t]*(-----END)", _A)
_MARKER_PREFIX = re.compile(r"-----BEGIN[A-Z0-9 ]{0,60}-{0,5}\r?\Z", _A)
_BODY = re.compile(r"[ \t]*[A-Za-z0-9+/=]*[ \t]*\r?\Z", _A)
_HEADER = re.compile(r"[ \t]*(?:Proc-Type|DEK-Info|Comment|Version|Hash|Charset|MessageID):[^\n]*\Z", _A)
# What the start of a body line, header or END marker can look like; a prompt (`$`, `@`, `~`,
# `>`) cannot, so a truncated key followed by the next prompt is decided at once.
_VIABLE = re.compile(r"[ \t]*[A-Za-z0-9+/=:, -]*\r?\Z", _A)
LABEL = "private_key"
PRIORITY = 4


def pem(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    text = t.text
    m = _MARKER.match(text, pos)
    if m is None:
        incomplete = not t.complete(pos) and _MARKER_PREFIX.match(text, pos)
        return t.hold_at(pos) if incomplete else None
    body = m.end()
    eol = t.line_end(body)
    rest = text[body:eol].strip()
    if rest.strip("\"',;"):
        return _one_line(t, pos, body, eol, out)
    if eol >= t.n:
        return None if t.final else t.line_start(pos)
    return _block(t, pos, eol + 1, out)


def _one_line(t: ScanText, pos: int, body: int, eol: int, out: list[Found]) -> Optional[int]:
    end = t.text.find("-----END", body, eol)
    if end < 0:
        if not t.complete(pos):
            return t.line_start(pos)
        end = eol - 1 if t.text[eol - 1] == "\r" else eol
    if end > body:
        out.append(Found(body, end, LABEL, PRIORITY, pos))
    return None


def continue_block(t: ScanText, out: list[Found]) -> Optional[int]:
    """The rest of a key body whose beginning an earlier round redacted up to PEM_CAP."""
    return _block(t, 1, 1, out)


def _block(t: ScanText, pos: int, start: int, out: list[Found]) -> Optional[int]:
    text = t.text
    i = start
    while True:
        if i >= t.n:
            if not t.final:
                return t.line_start(pos)
            end = t.n
            break
        le = t.line_end(i)
        m = _END.match(text, i, le)
        if m is not None:
            end = m.start(1)
            break
        line = text[i:le]
        if not t.complete(i):
            if _VIABLE.match(line) and i - start < PEM_CAP:
                return t.line_start(pos)
            end = i
            break
        if not (_BODY.match(line) or _HEADER.match(line)):
            end = i
            break
        i = le + 1
        if i - start > PEM_CAP:
            end = t.pem_cut = i
            break
    if end > start:
        out.append(Found(start, end, LABEL, PRIORITY, pos))
    return None
