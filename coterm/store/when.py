"""Human time and size words used by the store's commands: `1h`, `2d`, ISO dates, `5GB`."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Optional

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$", re.IGNORECASE)
_SIZE_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


class WhenError(ValueError):
    """A time or size the user wrote that we cannot read; the message says what is accepted."""


def parse_duration(text: str) -> float:
    """`90s`, `30m`, `1h30m`, `2d`, `1w` -> seconds."""
    s = text.strip().replace(" ", "")
    parts = _SPAN.findall(s)
    if not parts or "".join(n + u for n, u in parts).lower() != s.lower():
        raise WhenError(f"{text!r} is not a duration: use e.g. 90s, 30m, 1h30m, 2d, 1w")
    return sum(float(n) * UNITS[u.lower()] for n, u in parts)


def parse_since(text: str, now: Optional[float] = None) -> float:
    """A moment in the past: a duration ago (`1h`, `2d`) or an ISO date/time (local time if no zone)."""
    now = time.time() if now is None else now
    try:
        return now - parse_duration(text)
    except WhenError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise WhenError(
            f"{text!r} is neither a duration nor a date: use e.g. 1h, 2d, 2024-05-01 or 2024-05-01T12:30"
        ) from None
    return moment.timestamp()  # naive -> local time


def parse_size(text: str) -> int:
    """`500MB`, `5G`, `1GiB`, `1024` -> bytes. K/M/G/T are powers of 1000, KiB/MiB/... of 1024."""
    m = _SIZE.match(str(text))
    if not m:
        raise WhenError(f"{text!r} is not a size: use e.g. 500MB, 5GB, 1GiB")
    number, prefix, binary = m.groups()
    base = 1024 if binary else 1000
    return int(float(number) * base ** _SIZE_POWERS[prefix.lower()])


def format_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000:
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n:.1f}TB"


def format_clock(seconds: float) -> str:
    """Offset into a recording as MM:SS (minutes keep counting past 59), the form `play --at` reads."""
    whole = max(0, int(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def format_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    whole = max(0, int(round(seconds)))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def iso(ts: Optional[float]) -> Optional[str]:
    """Local time with its UTC offset, to the second: what --json prints."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def local(ts: Optional[float]) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")
