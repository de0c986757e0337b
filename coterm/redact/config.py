"""The `redaction:` config section.

```yaml
redaction:
  enabled: true            # the recorder redacts; `ddcoterm redact` always does
  replacement: label       # label: [REDACTED:github_token]   mask: ******** (same width)
  fingerprint: false       # append a keyed HMAC so two occurrences of one secret correlate
  patterns:                # extra secrets: the `secret` group (or group 1, or the match)
    - name: acme_token
      regex: 'acme_[0-9a-f]{32}'
  allowlist:               # a finding whose value this regex finds something in is kept
    - 'AKIAIOSFODNN7EXAMPLE'
```

Project files may add `patterns` only: they can never turn redaction off or let a secret through.
Bad entries are skipped with a message in `problems`; they never turn redaction off.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional, Union

REPLACEMENTS = ("label", "mask")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}$")
_MAX_REGEX = 1000
_KEY_BYTES = 32


@dataclass(frozen=True)
class CustomPattern:
    name: str
    regex: re.Pattern


@dataclass
class RedactionConfig:
    enabled: bool = True
    replacement: str = "label"
    fingerprint: bool = False
    patterns: list[CustomPattern] = field(default_factory=list)
    allowlist: list[re.Pattern] = field(default_factory=list)
    key_file: Optional[Path] = None  # where the fingerprint key lives ($COTERM_HOME/redaction.key)
    key: Optional[bytes] = None  # or the key itself
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(
        cls,
        section: Optional[Mapping[str, Any]],
        key_file: Union[str, Path, None] = None,
        key: Optional[bytes] = None,
        where: str = "redaction",
    ) -> RedactionConfig:
        """Parse a `redaction:` mapping. Never raises: problems are listed, defaults kept."""
        cfg = cls(key_file=Path(key_file) if key_file else None, key=key)
        if section is None:
            return cfg
        if not isinstance(section, Mapping):
            cfg.problems.append(f"{where}: expected a mapping, got {type(section).__name__}")
            return cfg
        for name, value in section.items():
            _apply(cfg, str(name), value, where)
        return cfg

    def with_project(
        self, section: Optional[Mapping[str, Any]], where: str = "project redaction"
    ) -> tuple[RedactionConfig, list[str]]:
        """This config plus what a project file may add (patterns); messages for refused keys."""
        return merge_project(self, section, where)

    def fingerprint_key(self) -> Optional[bytes]:
        if not self.fingerprint:
            return None
        if self.key is None and self.key_file is not None:
            self.key = load_or_create_key(self.key_file)
        return self.key


def _apply(cfg: RedactionConfig, name: str, value: Any, where: str) -> None:
    if name == "enabled":
        if isinstance(value, bool):
            cfg.enabled = value
        else:
            cfg.problems.append(f"{where}.enabled: expected true or false; redaction stays on")
    elif name == "replacement":
        if value in REPLACEMENTS:
            cfg.replacement = value
        else:
            cfg.problems.append(f"{where}.replacement: expected label or mask, got {value!r}")
    elif name == "fingerprint":
        if isinstance(value, bool):
            cfg.fingerprint = value
        else:
            cfg.problems.append(f"{where}.fingerprint: expected true or false")
    elif name == "patterns":
        cfg.patterns.extend(parse_patterns(value, f"{where}.patterns", cfg.problems))
    elif name == "allowlist":
        cfg.allowlist.extend(_parse_allowlist(value, f"{where}.allowlist", cfg.problems))
    else:
        cfg.problems.append(f"{where}.{name}: unknown key (ignored)")


def parse_patterns(value: Any, where: str, problems: list[str]) -> list[CustomPattern]:
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list of {{name, regex}}")
        return []
    out = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("regex"), str):
            problems.append(f"{here}: expected {{name: ..., regex: ...}}")
            continue
        name = str(item.get("name") or "custom")
        if not _NAME.match(name):
            problems.append(f"{here}.name: use lowercase letters, digits and _ (got {name!r})")
            continue
        rx = _compile(item["regex"], f"{here}.regex", problems)
        if rx is not None and rx.search("") is not None:
            problems.append(f"{here}.regex: matches the empty string (ignored)")
        elif rx is not None:
            out.append(CustomPattern(name, rx))
    return out


def _parse_allowlist(value: Any, where: str, problems: list[str]) -> list[re.Pattern]:
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list of regular expressions")
        return []
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            problems.append(f"{where}[{i}]: expected a regular expression string")
            continue
        rx = _compile(item, f"{where}[{i}]", problems)
        if rx is not None:
            out.append(rx)
    return out


def _compile(text: str, where: str, problems: list[str]) -> Optional[re.Pattern]:
    if len(text) > _MAX_REGEX:
        problems.append(f"{where}: longer than {_MAX_REGEX} characters (ignored)")
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        problems.append(f"{where}: invalid regular expression: {exc}")
        return None


def merge_project(
    base: RedactionConfig, section: Optional[Mapping[str, Any]], where: str = "project redaction"
) -> tuple[RedactionConfig, list[str]]:
    """Add a project file's `redaction.patterns`; refuse everything else it tries to set."""
    messages: list[str] = []
    if not section:
        return base, messages
    if not isinstance(section, Mapping):
        return base, [f"{where}: expected a mapping (ignored)"]
    patterns: list[CustomPattern] = []
    for name, value in section.items():
        if name == "patterns":
            patterns = parse_patterns(value, f"{where}.patterns", messages)
        else:
            messages.append(f"{where}.{name}: not allowed in a project file (only patterns may be added)")
    return replace(base, patterns=[*base.patterns, *patterns]), messages


def load_or_create_key(path: Union[str, Path]) -> bytes:
    """The fingerprint key: read it, or create it (0600, random) on first use."""
    path = Path(path)
    try:
        data = path.read_bytes()
        if len(data) >= 16:
            return data
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = os.urandom(_KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race, or a short file is there
        existing = path.read_bytes()
        if len(existing) >= 16:
            return existing
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return data


def fingerprint(key: bytes, secret: str) -> str:
    """12 hex characters of HMAC-SHA256: correlates occurrences, cannot be brute-forced offline."""
    return hmac.new(key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:12]
