"""The shipped rule packs: YAML files next to this module, parsed once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

PACK_DIR = Path(__file__).resolve().parent
# Display order for `rules list`; any other *.yaml found here follows, by name.
PACK_ORDER = ("fs", "git", "kubernetes", "iac", "cloud", "databases", "docker", "system", "publish")
SEVERITIES = ("low", "medium", "high", "critical")
ESCALATIONS = ("root", "ssh", "k8s_prod", "tf_prod", "protected_branch", "prod_target")
RULE_KEYS = {
    "id", "commands", "severity", "escalate", "summary", "why", "safer", "match", "fires", "passes",
}  # fmt: skip
PACK_KEYS = {"pack", "summary", "lib", "rules"}


class PackError(Exception):
    """A shipped pack file is malformed (a packaging bug, not a user error)."""


@dataclass(frozen=True)
class PackRule:
    id: str
    pack: str
    commands: tuple[str, ...]
    severity: str
    escalate: tuple[str, ...]
    summary: str  # the risk, as the message and `rules list` name it
    why: str
    safer: str
    match: str  # Lua
    fires: tuple[str, ...]  # example lines that fire this rule
    passes: tuple[str, ...]  # look-alikes that must stay silent
    file: str
    line: int


@dataclass(frozen=True)
class Pack:
    name: str
    summary: str
    file: str
    lib: str
    rules: tuple[PackRule, ...]


def pack_files() -> list[Path]:
    found = {p.stem: p for p in PACK_DIR.glob("*.yaml")}
    order = [n for n in PACK_ORDER if n in found] + sorted(n for n in found if n not in PACK_ORDER)
    return [found[n] for n in order]


def pack_names() -> list[str]:
    """Names of the shipped packs, without parsing them."""
    return [p.stem for p in pack_files()]


@lru_cache(maxsize=1)
def common_lua() -> str:
    return (PACK_DIR / "common.lua").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_packs() -> tuple[Pack, ...]:
    return tuple(_load(path) for path in pack_files())


def all_rules() -> list[PackRule]:
    return [rule for pack in load_packs() for rule in pack.rules]


def find_rule(rule_id: str) -> Optional[PackRule]:
    for rule in all_rules():
        if rule.id == rule_id:
            return rule
    return None


def find_pack(name: str) -> Optional[Pack]:
    for pack in load_packs():
        if pack.name == name:
            return pack
    return None


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader either way


def _load(path: Path) -> Pack:
    text = path.read_text(encoding="utf-8")
    try:
        data = _yaml_load(text)
    except Exception as exc:  # yaml.YAMLError, but keep yaml imported lazily
        raise PackError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or set(data) - PACK_KEYS or data.get("pack") != path.stem:
        raise PackError(f"{path}: expected keys {sorted(PACK_KEYS)} with pack: {path.stem}")
    lines = _id_lines(text)
    rules = tuple(_rule(path, path.stem, entry, lines) for entry in data.get("rules") or [])
    return Pack(
        name=path.stem,
        summary=str(data.get("summary", "")),
        file=str(path),
        lib=str(data.get("lib") or ""),
        rules=rules,
    )


def _id_lines(text: str) -> dict[str, int]:
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("- id:"):
            out[stripped[len("- id:") :].strip()] = number
    return out


def _rule(path: Path, pack: str, entry: Any, lines: dict[str, int]) -> PackRule:
    if not isinstance(entry, dict):
        raise PackError(f"{path}: each rule must be a mapping")
    rid = str(entry.get("id", ""))
    extra = set(entry) - RULE_KEYS
    missing = {"id", "commands", "severity", "summary", "why", "safer", "match"} - set(entry)
    if extra or missing:
        raise PackError(f"{path}: rule {rid or '?'}: unknown keys {sorted(extra)}, missing {sorted(missing)}")
    if not rid.startswith(pack + "."):
        raise PackError(f"{path}: rule id {rid!r} must start with {pack}.")
    if entry["severity"] not in SEVERITIES:
        raise PackError(f"{path}: rule {rid}: severity must be one of {', '.join(SEVERITIES)}")
    escalate = tuple(entry.get("escalate") or ())
    unknown = [e for e in escalate if e not in ESCALATIONS]
    if unknown:
        raise PackError(f"{path}: rule {rid}: unknown escalation {unknown} (known: {', '.join(ESCALATIONS)})")
    return PackRule(
        id=rid,
        pack=pack,
        commands=tuple(str(c) for c in entry["commands"]),
        severity=entry["severity"],
        escalate=escalate,
        summary=" ".join(str(entry["summary"]).split()),
        why=" ".join(str(entry["why"]).split()),
        safer=" ".join(str(entry["safer"]).split()),
        match=str(entry["match"]),
        fires=tuple(str(x) for x in entry.get("fires") or ()),
        passes=tuple(str(x) for x in entry.get("passes") or ()),
        file=str(path),
        line=lines.get(rid, 1),
    )
