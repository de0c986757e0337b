"""The `packs:` config section: which packs run, which rules are ignored, the threshold.

    packs:
      enabled: [fs, git]          # default: every shipped pack
      disabled: [publish]
      ignore:
        - {id: git.push-force, reason: "review branches are force-pushed by design"}
      severity_threshold: medium  # low | medium | high | critical

Project files may only add or tighten: their `enabled` adds packs and their
`severity_threshold` can only lower the bar. Validation keeps those two apart from the
global values (`project_enabled`, `project_thresholds`), so the merge that concatenates
lists can never let a project narrow the global choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

THRESHOLDS = ("low", "medium", "high", "critical")
DEFAULT_THRESHOLD = "medium"
GLOBAL_KEYS = ("enabled", "disabled", "ignore", "severity_threshold")
PROJECT_KEYS = {"enabled": "project_enabled", "severity_threshold": "project_thresholds"}

Issue = tuple[tuple, str, bool]  # (path below `packs`, message, fatal)


@dataclass(frozen=True)
class PackSettings:
    enabled: Optional[tuple[str, ...]] = None  # None: all packs
    disabled: tuple[str, ...] = ()
    ignore: tuple[tuple[str, str], ...] = ()  # (rule id, reason)
    threshold: str = DEFAULT_THRESHOLD
    project_enabled: tuple[str, ...] = ()
    project_thresholds: tuple[str, ...] = ()

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> PackSettings:
        """From a validated (and merged) section; anything malformed was reported already."""
        enabled = section.get("enabled")
        ignore = []
        for item in _list(section.get("ignore")):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                ignore.append((item["id"], str(item.get("reason", ""))))
        threshold = section.get("severity_threshold")
        return cls(
            enabled=tuple(_strings(enabled)) if isinstance(enabled, list) else None,
            disabled=tuple(_strings(section.get("disabled"))),
            ignore=tuple(ignore),
            threshold=threshold if threshold in THRESHOLDS else DEFAULT_THRESHOLD,
            project_enabled=tuple(_strings(section.get("project_enabled"))),
            project_thresholds=tuple(
                t for t in _strings(section.get("project_thresholds")) if t in THRESHOLDS
            ),
        )

    @property
    def effective_threshold(self) -> str:
        """The strictest (lowest) of the global threshold and the project ones."""
        return min((self.threshold, *self.project_thresholds), key=THRESHOLDS.index)

    def active(self, names: list[str]) -> list[str]:
        base = set(self.enabled) if self.enabled is not None else set(names)
        on = (base - set(self.disabled)) | set(self.project_enabled)
        return [n for n in names if n in on]

    def ignored(self) -> dict[str, str]:
        return dict(self.ignore)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in _list(value) if isinstance(v, str)]


def check_section(value: dict[str, Any], project: bool) -> tuple[dict[str, Any], list[Issue]]:
    """Validate a file's `packs:` mapping; returns what the file contributes and the issues.

    In a project file, the caller has already dropped every key but enabled and
    severity_threshold; they are renamed here so the merge can only add to them.
    """
    from coterm.packs.catalog import pack_names

    names = pack_names()
    issues: list[Issue] = []
    out: dict[str, Any] = {}
    for key, item in value.items():
        key = str(key)
        if key not in GLOBAL_KEYS:
            issues.append(((key,), f"unknown key (expected one of {', '.join(GLOBAL_KEYS)})", True))
        elif key in ("enabled", "disabled"):
            packs = _pack_list(item, key, names, issues)
            if packs is not None:
                out[PROJECT_KEYS[key] if project else key] = packs
        elif key == "ignore":
            out[key] = _ignore_list(item, issues)
        elif item in THRESHOLDS:
            out[PROJECT_KEYS[key] if project else key] = [item] if project else item
        else:
            issues.append(((key,), f"expected one of {', '.join(THRESHOLDS)}, got {item!r}", True))
    return out, issues


def _pack_list(item: Any, key: str, names: list[str], issues: list[Issue]) -> Optional[list[str]]:
    if not isinstance(item, list) or not all(isinstance(v, str) for v in item):
        issues.append(((key,), f"expected a list of pack names ({', '.join(names)})", True))
        return None
    for i, name in enumerate(item):
        if name not in names:
            issues.append(((key, i), f"unknown pack {name!r} (packs: {', '.join(names)}); ignored", False))
    return [v for v in item if v in names]


def _ignore_list(item: Any, issues: list[Issue]) -> list[dict[str, str]]:
    if not isinstance(item, list):
        issues.append((("ignore",), "expected a list of {id: RULE-ID, reason: WHY}", True))
        return []
    out = []
    for i, entry in enumerate(item):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            issues.append(
                (("ignore", i), "expected {id: RULE-ID, reason: WHY} (see: ddcoterm rules list)", True)
            )
            continue
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            issues.append(
                (
                    ("ignore", i),
                    f"give a reason for ignoring {entry['id']} (reason: why it does not apply)",
                    True,
                )
            )
            continue
        extra = sorted(str(k) for k in entry if k not in ("id", "reason"))
        if extra:
            issues.append((("ignore", i, extra[0]), "unknown key (expected id and reason)", True))
            continue
        if not _known_rule(entry["id"]):
            issues.append(
                (
                    ("ignore", i, "id"),
                    f"no rule {entry['id']!r} in the shipped packs (see: ddcoterm rules list)",
                    False,
                )
            )
        out.append({"id": entry["id"], "reason": reason.strip()})
    return out


def _known_rule(rule_id: str) -> bool:
    from coterm.packs.catalog import find_rule

    return find_rule(rule_id) is not None
