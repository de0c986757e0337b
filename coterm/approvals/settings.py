"""The `approvals:` section of the global config (never taken from project files).

approvals:
  backend: local            # local | datadog
  spool: /var/spool/ddcoterm  # local: shared spool; default $COTERM_HOME/approvals
  approvers_group: ops      # local: members of this Unix group may grant (required)
  timeout: 1h               # how long a request stays open: 90s, 30m, 1h, 1h30m, 2d
  poll_interval: 2s         # how often the requester looks (local 0.5s, datadog 3s); up to 4x slower
                            # as a long wait goes on
  project_id: <uuid>        # datadog: the Case Management project (required)
  case_type_id: <uuid>      # datadog: default the built-in Standard type
  priority: P2              # datadog: NOT_DEFINED | P1..P5
  http_timeout: 10s         # datadog: per HTTP call
  retries: 3                # datadog: retries on 408/429/5xx/connection errors
  retry_delay: 1s           # datadog: first backoff step (doubles each try)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from coterm import paths
from coterm.approvals.model import ApprovalError

BACKENDS = ("local", "datadog")
STANDARD_CASE_TYPE = "00000000-0000-0000-0000-000000000001"
PRIORITIES = ("NOT_DEFINED", "P1", "P2", "P3", "P4", "P5")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")

Issue = tuple  # (subpath tuple, message, fatal), as coterm.config.schema expects from a section check


def parse_duration(value: Any) -> float:
    """Seconds from 90, 1.5, "90", "90s", "30m", "1h", "1h30m", "2d". ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("not a duration")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip().lower().replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        elif text and _DURATION.sub("", text) == "":
            seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(text))
        else:
            raise ValueError("not a duration")
    if seconds <= 0:
        raise ValueError("must be more than 0")
    return seconds


def _duration(v: Any) -> float:
    return parse_duration(v)


def _text(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError("expected a non-empty string")
    return v.strip()


def _backend(v: Any) -> str:
    if v not in BACKENDS:
        raise ValueError(f"expected one of {', '.join(BACKENDS)}, got {v!r}")
    return str(v)


def _spool(v: Any) -> Path:
    path = Path(_text(v)).expanduser()
    if not path.is_absolute():
        raise ValueError(f"expected an absolute path, got {v!r}")
    return path


def _priority(v: Any) -> str:
    text = str(v).upper()
    if text not in PRIORITIES:
        raise ValueError(f"expected one of {', '.join(PRIORITIES)}, got {v!r}")
    return text


def _retries(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10:
        raise ValueError(f"expected a whole number from 0 to 10, got {v!r}")
    return v


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "backend": _backend,
    "spool": _spool,
    "approvers_group": _text,
    "timeout": _duration,
    "poll_interval": _duration,
    "project_id": _text,
    "case_type_id": _text,
    "priority": _priority,
    "http_timeout": _duration,
    "retries": _retries,
    "retry_delay": _duration,
}


def check_section(value: dict[str, Any], project: bool) -> tuple[dict[str, Any], list[Issue]]:
    """Validate a file's `approvals:` mapping for coterm.config.schema: (what applies, issues).

    Project files may not set approvals at all (the config loader already drops the key there).
    """
    issues: list[Issue] = []
    out: dict[str, Any] = {}
    for key, item in value.items():
        key = str(key)
        parser = _PARSERS.get(key)
        if parser is None:
            issues.append(((key,), f"unknown key (expected one of {', '.join(_PARSERS)})", True))
            continue
        try:
            parser(item)
        except ValueError as exc:
            issues.append(((key,), _field_message(key, exc), True))
            continue
        out[key] = item
    return out, issues


def _field_message(key: str, exc: ValueError) -> str:
    if _PARSERS[key] is _duration:
        return f"expected a duration such as 90s, 30m or 1h ({exc})"
    return str(exc)


@dataclass
class ApprovalSettings:
    backend: str = "local"
    spool: Path = field(default_factory=lambda: paths.home() / "approvals")
    approvers_group: str = ""
    timeout: float = 3600.0
    poll_interval: Optional[float] = None  # None: the backend's default
    project_id: str = ""
    case_type_id: str = STANDARD_CASE_TYPE
    priority: str = "P2"
    http_timeout: float = 10.0
    retries: int = 3
    retry_delay: float = 1.0
    source: str = "~/.ddcoterm/config.yaml"  # where the section came from, for error messages

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any], source: str = "") -> ApprovalSettings:
        """Typed settings; ApprovalError naming file, line and field for the first bad value."""
        out = cls(source=source or cls.source)
        for key, item in mapping.items():
            parser = _PARSERS.get(str(key))
            if parser is None:
                raise ApprovalError(
                    _where(source, key, f"unknown key (expected one of {', '.join(_PARSERS)})")
                )
            try:
                setattr(out, str(key), parser(item))
            except ValueError as exc:
                raise ApprovalError(_where(source, key, _field_message(str(key), exc))) from None
        return out


def _where(source: str, key: Any, message: str) -> str:
    line = _line_of(key)
    where = f"{source}:{line}" if line else source
    return f"{where}: approvals.{key}: {message}"


def _line_of(key: Any) -> int:
    """The key's line in the global config file, 0 when it cannot be found."""
    try:
        from coterm.config.source import read_source

        src = read_source(paths.config_file(), str(paths.config_file()))
        return src.lines.get(("approvals", str(key)), 0)
    except Exception:
        return 0


def load_settings(cwd: Optional[str] = None) -> ApprovalSettings:
    """The approvals settings in force for a command run in cwd (global config only)."""
    from coterm.config import display_path, load_config

    cfg = load_config(cwd)
    return ApprovalSettings.from_mapping(cfg.section("approvals"), display_path(paths.config_file()))
