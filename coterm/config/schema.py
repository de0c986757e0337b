"""Validate one file's data against the config schema and turn it into typed command rules.

Errors name the file, the line and the field, and say what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from coterm.config.source import ConfigIssue, FieldPath, SourceFile, format_path
from coterm.model import ACTIONS

GLOBAL_KEYS = {
    "process_config": "command rules, lints and default actions",
    "enable_telemetry": "bool",
    "enable_ptrace": "bool",
    "connection_config": "Datadog connection: host, port, api_key, app_key",
    "redaction": "secret redaction settings",
    "recording": "recording settings",
    "approvals": "approval backend settings",
    "store": "local store settings",
    "packs": "default rule packs",
    "aliases": "alias name -> expansion, applied to the line as typed",
    "fail_closed": "bool: block when a rule cannot be evaluated",
    "noninteractive": "deny | allow: what shims do when no terminal can answer",
    "datadog": "Datadog shipping settings",
}
BOOL_KEYS = {"enable_telemetry", "enable_ptrace", "fail_closed"}
# Project files may only add or tighten; everything that carries credentials or weakens is global-only.
PROJECT_KEYS = {"process_config", "redaction", "packs"}
PROJECT_SUBKEYS = {"redaction": {"patterns"}, "packs": {"enabled", "severity_threshold"}}
COMMAND_KEYS = {"command", "lints", "rules", "fail_closed", "noninteractive"}
RULE_KEYS = {"rule", "actions", "deny", "id"}
NONINTERACTIVE = ("deny", "allow")
# recording.outside: what a hooked shell outside `ddcoterm` does when a rule says record
RECORDING_OUTSIDE = ("rules", "off")


@dataclass
class Snippet:
    """One Lua lint or rule, with where it came from."""

    kind: str  # "lint" | "rule"
    source: str
    file: str
    where: str
    line: int
    index: int
    actions: Optional[list[str]] = None
    deny: bool = False
    rule_id: str = ""


@dataclass
class CommandConfig:
    names: list[str]  # executables this entry applies to; "*" for any
    lints: list[Snippet] = field(default_factory=list)
    rules: list[Snippet] = field(default_factory=list)
    fail_closed: Optional[bool] = None
    noninteractive: Optional[str] = None
    file: str = ""


@dataclass
class FileConfig:
    """What one valid file contributes."""

    file: str
    commands: list[CommandConfig] = field(default_factory=list)
    default_actions: Optional[list[str]] = None
    sections: dict[str, Any] = field(default_factory=dict)
    issues: list[ConfigIssue] = field(default_factory=list)  # non-fatal ones (dropped keys)


class _Checker:
    def __init__(self, src: SourceFile, display: str, project: bool) -> None:
        self.src = src
        self.display = display
        self.project = project
        self.issues: list[ConfigIssue] = []

    def issue(
        self, path: FieldPath, message: str, fatal: bool = True, at: Optional[FieldPath] = None
    ) -> None:
        line = self.src.line_of(at or path)
        self.issues.append(ConfigIssue(self.display, line, format_path(path), message, fatal))

    def expect(self, value: Any, kind: type, path: FieldPath, what: str) -> bool:
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            self.issue(path, f"expected {what}, got {_describe(value)}")
        return ok


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }
    return names.get(type(value), type(value).__name__)


def check_file(src: SourceFile, display: str, project: bool) -> tuple[FileConfig, list[ConfigIssue]]:
    """Validate; returns the file's contribution and all issues (fatal ones mean: do not use it)."""
    ck = _Checker(src, display, project)
    out = FileConfig(file=display)
    for key, value in src.data.items():
        key = str(key)
        if key not in GLOBAL_KEYS:
            expected = ", ".join(sorted(GLOBAL_KEYS))
            ck.issue((key,), f"unknown key (expected one of {expected})")
        elif project and key not in PROJECT_KEYS:
            ck.issue(
                (key,),
                "not allowed in a project file: credentials, sinks, approval backends "
                "and recording settings belong in the global config; this key is ignored",
                fatal=False,
            )
        elif key == "process_config":
            _process_config(ck, value, out)
        else:
            _section(ck, key, value, out)
    out.issues = [i for i in ck.issues if not i.fatal]
    return out, ck.issues


def _section(ck: _Checker, key: str, value: Any, out: FileConfig) -> None:
    if key in BOOL_KEYS:
        if ck.expect(value, bool, (key,), "true or false"):
            out.sections[key] = value
        return
    if key == "noninteractive":
        if value in NONINTERACTIVE:
            out.sections[key] = value
        else:
            ck.issue((key,), f"expected one of {', '.join(NONINTERACTIVE)}, got {value!r}")
        return
    if not ck.expect(value, dict, (key,), "a mapping"):
        return
    if ck.project and key in PROJECT_SUBKEYS:
        allowed = PROJECT_SUBKEYS[key]
        for sub in list(value):
            if sub not in allowed:
                ck.issue(
                    (key, sub),
                    f"not allowed in a project file (it may only set {', '.join(sorted(allowed))}); ignored",
                    fatal=False,
                )
        value = {k: v for k, v in value.items() if k in allowed}
    if key == "packs":
        from coterm.packs.settings import check_section

        value, found = check_section(value, ck.project)
        for sub, message, fatal in found:
            ck.issue((key, *sub), message, fatal=fatal)
    if key == "recording":
        _recording(ck, value)
    if key == "aliases":
        for name, expansion in value.items():
            ck.expect(expansion, str, (key, str(name)), "a string (the alias expansion)")
    out.sections[key] = value


def _recording(ck: _Checker, value: dict) -> None:
    for sub, item in value.items():
        if sub != "outside":
            ck.issue(("recording", str(sub)), "unknown key (expected outside)")
        elif item not in RECORDING_OUTSIDE and item is not False:  # YAML reads a bare off as false
            ck.issue(("recording", sub), f"expected one of {', '.join(RECORDING_OUTSIDE)}, got {item!r}")


def _process_config(ck: _Checker, value: Any, out: FileConfig) -> None:
    if not ck.expect(value, dict, ("process_config",), "a mapping with `commands`"):
        return
    for key, item in value.items():
        path = ("process_config", str(key))
        if key == "commands":
            if ck.expect(item, list, path, "a list of commands"):
                for i, entry in enumerate(item):
                    cmd = _command(ck, entry, (*path, i))
                    if cmd:
                        out.commands.append(cmd)
        elif key == "default_actions":
            if ck.project:
                ck.issue(path, "not allowed in a project file; ignored", fatal=False)
            else:
                out.default_actions = _actions(ck, item, path)
        else:
            ck.issue(path, "unknown key (expected commands or default_actions)")


def _command(ck: _Checker, entry: Any, path: FieldPath) -> Optional[CommandConfig]:
    if not ck.expect(entry, dict, path, "a mapping with `command`, `lints`, `rules`"):
        return None
    for key in entry:
        if key not in COMMAND_KEYS:
            ck.issue((*path, str(key)), f"unknown key (expected one of {', '.join(sorted(COMMAND_KEYS))})")
    names = entry.get("command")
    if isinstance(names, str):
        names = [names]
    if not (isinstance(names, list) and names and all(isinstance(n, str) and n for n in names)):
        ck.issue((*path, "command"), f"expected the executable's name, got {_describe(entry.get('command'))}")
        return None
    cmd = CommandConfig(names=names, file=ck.display)
    for i, src in enumerate(_list(ck, entry.get("lints"), (*path, "lints"))):
        lpath = (*path, "lints", i)
        if ck.expect(src, str, lpath, "a Lua snippet (a string)"):
            cmd.lints.append(_snippet(ck, "lint", src, lpath, i))
    for i, rule in enumerate(_list(ck, entry.get("rules"), (*path, "rules"))):
        snip = _rule(ck, rule, (*path, "rules", i), i)
        if snip:
            cmd.rules.append(snip)
    if "fail_closed" in entry and ck.expect(
        entry["fail_closed"], bool, (*path, "fail_closed"), "true or false"
    ):
        cmd.fail_closed = entry["fail_closed"]
    if "noninteractive" in entry:
        if entry["noninteractive"] in NONINTERACTIVE:
            cmd.noninteractive = entry["noninteractive"]
        else:
            ck.issue((*path, "noninteractive"), f"expected deny or allow, got {entry['noninteractive']!r}")
    return cmd


def _list(ck: _Checker, value: Any, path: FieldPath) -> list:
    if value is None:
        return []
    return value if ck.expect(value, list, path, "a list") else []


def _snippet(ck: _Checker, kind: str, src: str, path: FieldPath, index: int) -> Snippet:
    line = ck.src.lines.get((*path, "__text__"), ck.src.line_of(path))
    return Snippet(kind=kind, source=src, file=ck.display, where=format_path(path), line=line, index=index)


def _rule(ck: _Checker, rule: Any, path: FieldPath, index: int) -> Optional[Snippet]:
    if isinstance(rule, str):  # shorthand: a bare rule with default actions
        rule = {"rule": rule}
    if not ck.expect(rule, dict, path, "a mapping with `rule` and `actions`"):
        return None
    for key in rule:
        if key not in RULE_KEYS:
            ck.issue((*path, str(key)), f"unknown key (expected one of {', '.join(sorted(RULE_KEYS))})")
    if isinstance(rule.get("rule"), bool):  # CoTerm's docs write `rule: true`, which YAML reads as a bool
        rule = {**rule, "rule": "true" if rule["rule"] else "false"}
    if not ck.expect(rule.get("rule"), str, (*path, "rule"), "a Lua snippet (a string)"):
        return None
    snip = _snippet(ck, "rule", rule["rule"], (*path, "rule"), index)
    snip.where = format_path(path)
    if "actions" in rule:
        snip.actions = _actions(ck, rule["actions"], (*path, "actions"))
    if "deny" in rule and ck.expect(rule["deny"], bool, (*path, "deny"), "true or false"):
        snip.deny = rule["deny"]
    if "id" in rule and ck.expect(rule["id"], str, (*path, "id"), "a string"):
        snip.rule_id = rule["id"]
    return snip


def _actions(ck: _Checker, value: Any, path: FieldPath) -> Optional[list[str]]:
    if not ck.expect(value, list, path, f"a list of actions ({', '.join(ACTIONS)})"):
        return None
    out = []
    for i, action in enumerate(value):
        if action in ACTIONS:
            out.append(action)
        else:
            shown = f'"{action}"' if isinstance(action, str) else _describe(action)
            ck.issue(path, f"unknown action {shown} (expected one of {', '.join(ACTIONS)})", at=(*path, i))
    return out
