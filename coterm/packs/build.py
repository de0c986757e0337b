"""Turn pack rules into lint snippets the rule engine runs like any configured lint.

Each rule becomes one self-contained Lua chunk: the shared helpers (common.lua), the pack's
`lib`, the rule's `match`, then `report(...)`, which applies escalation and the severity
threshold and builds the message. The threshold is baked into the source, so the engine's
compile cache (keyed on source) keeps one compiled chunk per rule and threshold.
"""

from __future__ import annotations

from typing import Any

from coterm.config.schema import CommandConfig, Snippet
from coterm.packs.catalog import SEVERITIES, Pack, PackRule, common_lua, load_packs
from coterm.packs.settings import PackSettings

_CACHE: dict[PackSettings, list[CommandConfig]] = {}


def lua_string(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{out}"'


def rule_source(rule: PackRule, pack: Pack, threshold: str) -> str:
    """The complete Lua lint for one rule: paste-able into process_config as it is."""
    kinds = ", ".join(lua_string(k) for k in rule.escalate)
    report = (
        f"return report({lua_string(rule.id)}, {SEVERITIES.index(rule.severity) + 1}, "
        f"{SEVERITIES.index(threshold) + 1}, hit, facts, {{{kinds}}}, "
        f"{lua_string(rule.summary)}, {lua_string(rule.safer)})"
    )
    return "\n".join(
        [
            f"-- {rule.id}: {rule.summary} (from {pack.file})",
            common_lua(),
            pack.lib,
            "local function match()",
            rule.match.rstrip("\n"),
            "end",
            "local hit, facts = match()",
            "if not hit then return nil end",
            report,
            "",
        ]
    )


def pack_commands(cfg: Any) -> list[CommandConfig]:
    """The rule engine's hook: command entries for the enabled pack rules under `cfg`."""
    settings = PackSettings.from_section(cfg.section("packs"))
    found = _CACHE.get(settings)
    if found is None:
        found = build_commands(settings)
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[settings] = found
    return found


def build_commands(settings: PackSettings) -> list[CommandConfig]:
    packs = load_packs()
    active = set(settings.active([p.name for p in packs]))
    ignored = settings.ignored()
    threshold = settings.effective_threshold
    out: list[CommandConfig] = []
    for pack in packs:
        if pack.name not in active:
            continue
        # One entry per distinct command list, so the engine's per-command filter stays short.
        groups: dict[tuple[str, ...], CommandConfig] = {}
        for index, rule in enumerate(pack.rules):
            if rule.id in ignored:
                continue
            entry = groups.get(rule.commands)
            if entry is None:
                entry = CommandConfig(names=list(rule.commands), file=pack.file)
                groups[rule.commands] = entry
                out.append(entry)
            entry.lints.append(
                Snippet(
                    kind="lint",
                    source=rule_source(rule, pack, threshold),
                    file=pack.file,
                    where=rule.id,
                    line=rule.line,
                    index=index,
                    rule_id=rule.id,
                )
            )
    return out
