"""What a secret is replaced with.

label: `[REDACTED:github_token]` (with fingerprint: `[REDACTED:github_token:3f9a0c12bb7e]`).
mask:  `*` over the secret's display width, so full-screen replays stay aligned (with
       fingerprint and room for it: `****:3f9a0c12bb7e`).

A secret spread over lines keeps its line breaks in both styles, and the colour sequences (SGR)
that sat inside it are re-emitted after the replacement so the colours after it stay right.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_FP_LEN = 12


def width(text: str) -> int:
    if text.isascii():
        return len(text)
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def replacement(secret: str, label: str, style: str, fp: Optional[str], raw: str) -> str:
    """The text that replaces raw (the raw span); secret is the normalized value.

    The line breaks are those of raw, so the output has as many lines as the input."""
    raw_lines = raw.split("\n")
    breaks = ["\r\n" if line.endswith("\r") else "\n" for line in raw_lines[:-1]]
    lines = secret.split("\n")
    if style == "mask" and len(lines) == len(raw_lines):
        parts = [_mask_line(line) for line in lines]
        if fp is not None:
            parts[0] = _with_fp(parts[0], fp)
        body = "\n".join(parts)
    elif style == "mask":
        body = _mask_line(secret.replace("\n", "").replace("\r", "")) + "".join(breaks)
    else:
        tag = f"[REDACTED:{label}:{fp}]" if fp else f"[REDACTED:{label}]"
        body = tag + "".join(breaks)
    return body + "".join(_SGR.findall(raw))


def _mask_line(line: str) -> str:
    cr = line.endswith("\r")
    core = line[:-1] if cr else line
    return "*" * width(core) + ("\r" if cr else "")


def _with_fp(masked: str, fp: str) -> str:
    cr = masked.endswith("\r")
    stars = len(masked) - cr
    if stars < _FP_LEN + 4:
        return masked
    return "*" * (stars - _FP_LEN - 1) + ":" + fp + ("\r" if cr else "")
