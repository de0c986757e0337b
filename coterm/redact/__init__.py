"""Secret redaction: one engine for recordings, markers, command lines, logs and approvals.

    from coterm.redact import RedactionConfig, StreamRedactor, redact_text

    cfg = RedactionConfig.from_mapping(load_config(cwd).section("redaction"),
                                       key_file=paths.home() / "redaction.key")
    r = StreamRedactor(cfg)
    out = r.feed(chunk)      # on every read; what is safe to write now
    out = r.idle()           # after ~100 ms without input
    out = r.flush()          # at the end

A leaf package: it imports only the standard library (and hyperscan when installed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Optional

from coterm.redact.config import CustomPattern, RedactionConfig, load_or_create_key, merge_project
from coterm.redact.stream import Finding, StreamRedactor

__all__ = [
    "CustomPattern",
    "Finding",
    "RedactionConfig",
    "StreamRedactor",
    "find_secrets",
    "load_or_create_key",
    "merge_project",
    "redact_argv",
    "redact_env",
    "redact_text",
]


def redact_text(text: str, config: Optional[RedactionConfig] = None) -> str:
    """The whole text at once (a command line, a marker, a log line, an approval message)."""
    if config is not None and not config.enabled:
        return text
    r = StreamRedactor(config)
    return r.feed(text) + r.flush()


def find_secrets(text: str, config: Optional[RedactionConfig] = None) -> list[Finding]:
    """Where the secrets in text are (offsets into text), without the secrets themselves."""
    found: list[Finding] = []
    r = StreamRedactor(config, on_finding=found.append)
    r.feed(text)
    r.flush()
    return found


def redact_argv(argv: Iterable[str], config: Optional[RedactionConfig] = None) -> list[str]:
    """Redact a command's arguments together, so `--password X` is seen as one phrase."""
    args = list(argv)
    joined = " ".join(args)
    findings = find_secrets(joined, config)
    if not findings:
        return args
    redacted = redact_text(joined, config)
    if redacted.count(" ") == joined.count(" "):
        return redacted.split(" ")
    # A replacement changed the number of spaces (a multi-word secret): redact one by one.
    return [redact_text(a, config) for a in args]


def redact_env(env: Mapping[str, str], config: Optional[RedactionConfig] = None) -> dict[str, str]:
    """Environment for an event: `NAME=value` per variable, redacted as `.env` lines are."""
    out = {}
    for name, value in env.items():
        line = redact_text(f"{name}={value}", config)
        out[name] = line[len(name) + 1 :] if line.startswith(name + "=") else line
    return out
