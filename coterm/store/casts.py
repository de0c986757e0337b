"""Reading .cast files (asciicast v2, and v3) to rebuild sessions that are missing from the db."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from coterm.model import SessionInfo

TAIL_BYTES = 65536


class CastError(ValueError):
    """Not a readable asciicast file; the message names the file and the problem."""


@dataclass
class Cast:
    path: Path
    header: dict[str, Any]
    version: int
    exit_status: Optional[int] = None  # from a v3 "x" event, when read

    @property
    def coterm(self) -> dict[str, Any]:
        meta = self.header.get("coterm")
        return meta if isinstance(meta, dict) else {}

    @property
    def session_id(self) -> str:
        meta = self.coterm
        return str(meta.get("session") or meta.get("session_id") or meta.get("id") or self.path.stem)

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def open_cast(path: Path) -> Cast:
    try:
        with open(path, "rb") as f:
            first = f.readline()
    except OSError as e:
        raise CastError(f"{path}: {e.strerror}") from None
    try:
        header = json.loads(first)
    except ValueError:
        raise CastError(f"{path}:1: not an asciicast header (expected a JSON object)") from None
    if not isinstance(header, dict) or header.get("version") not in (2, 3):
        raise CastError(f"{path}:1: not an asciicast v2/v3 header")
    return Cast(path, header, int(header["version"]))


def events(cast: Cast) -> Iterator[tuple[float, str, str]]:
    """(seconds since start, code, data) for every well-formed event; a torn last line is skipped."""
    clock = 0.0
    with open(cast.path, "rb") as f:
        f.readline()
        for raw in f:
            ev = _event(raw)
            if ev is None:
                continue
            t, code, data = ev
            if cast.version == 3:
                clock += t
                t = clock
                if code == "x":
                    cast.exit_status = _int(data)
            yield t, code, data


def last_time(cast: Cast) -> float:
    """Time of the last event: read from the file's tail for v2, by summing for v3."""
    if cast.version == 3:
        last = 0.0
        for t, _, _ in events(cast):
            last = t
        return last
    with open(cast.path, "rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        f.seek(max(0, end - TAIL_BYTES))
        tail = f.read().split(b"\n")
    for raw in reversed(tail[1:] if len(tail) > 1 else tail):
        ev = _event(raw)
        if ev is not None:
            return ev[0]
    return 0.0


def term_size(cast: Cast) -> tuple[int, int]:
    h = cast.header
    term = h.get("term") if isinstance(h.get("term"), dict) else {}
    return int(h.get("width") or term.get("cols") or 80), int(h.get("height") or term.get("rows") or 24)


def session_info(cast: Cast) -> SessionInfo:
    h, meta = cast.header, cast.coterm
    env = h.get("env") if isinstance(h.get("env"), dict) else {}
    width, height = term_size(cast)
    return SessionInfo(
        id=cast.session_id,
        started=float(h.get("timestamp") or _mtime(cast.path)),
        user=str(meta.get("user", "")),
        host=str(meta.get("host", "")),
        command=str(h.get("command") or env.get("SHELL") or ""),
        shell=str(meta.get("shell") or env.get("SHELL") or ""),
        mode=str(meta.get("mode", "all")),
        cast_path=str(cast.path),
        title=str(h.get("title") or ""),
        width=width,
        height=height,
    )


def _event(raw: bytes) -> Optional[tuple[float, str, str]]:
    raw = raw.strip()
    if not raw.startswith(b"["):
        return None
    try:
        ev = json.loads(raw)
    except ValueError:
        return None
    if not (isinstance(ev, list) and len(ev) >= 3 and isinstance(ev[0], (int, float))):
        return None
    return float(ev[0]), str(ev[1]), ev[2] if isinstance(ev[2], str) else str(ev[2])


def _int(text: str) -> Optional[int]:
    try:
        return int(text)
    except ValueError:
        return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
