"""Run the configured lints and rules for each simple command and combine them into a Decision.

Pure policy: given parsed commands and a loaded Config, no I/O beyond what the Lua context
reads (kubeconfig, .git/HEAD). The evaluator front door wires parsing and config to this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from coterm.config import CommandConfig, Config, ConfigIssue, Snippet
from coterm.config.schema import FileConfig
from coterm.model import DEFAULT_ACTIONS, Decision, RuleHit, SimpleCommand
from coterm.rules.context import build_context
from coterm.rules.sandbox import Compiled, LuaSandbox, RuleError

TRUE_WORDS = {"1", "true", "yes", "on"}
SAVE_LEVELS = ("none", "metadata", "record")
MAX_COMPILED = 4000


@dataclass
class Overrides:
    """CLI flags that take precedence over every rule (CoTerm's --save-level and --approval)."""

    save_level: Optional[str] = None
    approval: Optional[bool] = None


@dataclass
class _CommandOutcome:
    actions: list[str]
    hits: list[RuleHit] = field(default_factory=list)
    lint_messages: list[str] = field(default_factory=list)
    user_messages: list[str] = field(default_factory=list)
    approver_messages: list[str] = field(default_factory=list)
    failed_open: list[str] = field(default_factory=list)
    failed_closed: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    approval: bool = False


class RuleEngine:
    def __init__(self, time_budget: float = 0.05) -> None:
        self.time_budget = time_budget
        self._sandbox: Optional[LuaSandbox] = None
        self._compiled: dict[tuple[str, str], Compiled] = {}
        # Rule packs plug in here: Config -> extra command entries (see coterm.packs).
        self.extra_commands: Optional[Callable[[Config], list[CommandConfig]]] = None
        self._extra: list[CommandConfig] = []
        self._extra_for: Optional[Config] = None

    @property
    def sandbox(self) -> LuaSandbox:
        if self._sandbox is None:
            self._sandbox = LuaSandbox(self.time_budget)
        return self._sandbox

    def compile(self, snippet: Snippet) -> Compiled:
        key = (snippet.source, snippet.where)
        found = self._compiled.get(key)
        if found is None:
            if len(self._compiled) > MAX_COMPILED:
                self._compiled.clear()
                self._sandbox = None  # a fresh runtime drops the old chunks' memory too
            found = self.sandbox.compile(snippet.source, snippet.where)
            self._compiled[key] = found
        return found

    def commands(self, cfg: Config) -> list[CommandConfig]:
        """The config's command entries, then those of the enabled rule packs."""
        if self.extra_commands is None:
            return cfg.commands
        # Holding the Config keeps its identity unique: an id() could be reused once the
        # config cache drops an old one, and the packs would then be stale.
        if self._extra_for is not cfg:
            self._extra = self.extra_commands(cfg)
            self._extra_for = cfg
        return [*cfg.commands, *self._extra]

    def check_file(self, fc: FileConfig) -> list[ConfigIssue]:
        """Compile every snippet of a file; syntax errors become issues at the right line."""
        issues = []
        for cmd in fc.commands:
            for snippet in [*cmd.lints, *cmd.rules]:
                try:
                    self.compile(snippet)
                except RuleError as exc:
                    line, message = _lua_line(str(exc), snippet.line)
                    issues.append(
                        ConfigIssue(snippet.file, line, snippet.where, f"Lua syntax error: {message}")
                    )
        return issues

    def decide(
        self,
        commands: list[SimpleCommand],
        cfg: Config,
        *,
        line: str,
        cwd: str,
        env: Mapping[str, str],
        shell: str,
        parser: str,
        overrides: Optional[Overrides] = None,
    ) -> Decision:
        outcomes = [self._evaluate(cmd, cfg, line=line, cwd=cwd, env=env, shell=shell) for cmd in commands]
        decision = _combine(outcomes, cfg)
        decision.commands = commands
        decision.parser = parser
        decision.line = line
        decision.break_glass = _break_glass(commands, env)
        _apply_overrides(decision, overrides)
        if decision.decision == "approval" and (decision.break_glass or "approval" not in decision.actions):
            # Break glass skips the approver, never the lints.
            warned = any(o.lint_messages or o.failed_open for o in outcomes)
            decision.decision = "confirm" if warned else "allow"
        decision.record = "record" in decision.actions
        return decision

    def _evaluate(
        self, cmd: SimpleCommand, cfg: Config, *, line: str, cwd: str, env: Mapping[str, str], shell: str
    ) -> _CommandOutcome:
        entries = [c for c in self.commands(cfg) if cmd.executable in c.names or "*" in c.names]
        default = _default_actions(cfg)
        out = _CommandOutcome(actions=list(default))
        if not entries:
            return out
        try:
            ctx = self.sandbox.prepare(build_context(cmd, line=line, cwd=cwd, env=env, shell=shell))
        except RuleError as exc:
            out.failed_open.append(f"cannot build the rule context for {cmd.executable}: {exc}")
            return out
        global_closed = bool(cfg.setting("fail_closed", False))
        for entry in entries:
            for snippet in entry.lints:
                self._lint(snippet, entry, ctx, out, cmd, global_closed)
        for entry in entries:
            for snippet in entry.rules:
                if self._rule(snippet, entry, ctx, out, cmd, global_closed, default):
                    return out
        return out

    def _attempt(
        self,
        snippet: Snippet,
        hit: RuleHit,
        entry: CommandConfig,
        ctx: Any,
        out: _CommandOutcome,
        global_closed: bool,
    ) -> Optional[tuple]:
        """The snippet's values, or None after recording why it failed (fail open or closed)."""
        try:
            return self.sandbox.run(self.compile(snippet), ctx)
        except RuleError as exc:
            self._failed(hit, str(exc), entry, out, global_closed)
            return None

    def _lint(
        self,
        snippet: Snippet,
        entry: CommandConfig,
        ctx: Any,
        out: _CommandOutcome,
        cmd: SimpleCommand,
        global_closed: bool,
    ) -> None:
        hit = _hit(snippet, cmd)
        values = self._attempt(snippet, hit, entry, ctx, out, global_closed)
        if values is None:
            return
        result = values[0] if values else None
        if result is None or result is False:
            return
        hit.message = result if isinstance(result, str) else f"{snippet.where} fired"
        out.lint_messages.append(hit.message)
        out.hits.append(hit)

    def _rule(
        self,
        snippet: Snippet,
        entry: CommandConfig,
        ctx: Any,
        out: _CommandOutcome,
        cmd: SimpleCommand,
        global_closed: bool,
        default: list[str],
    ) -> bool:
        hit = _hit(snippet, cmd)
        values = self._attempt(snippet, hit, entry, ctx, out, global_closed)
        if values is None:
            return False
        values = (*values, None, None, None)
        if values[0] is None or values[0] is False:  # Lua truthiness: "" and 0 match
            return False
        hit.message = _text(values[1])
        hit.approver_message = _text(values[2])
        hit.actions = list(snippet.actions) if snippet.actions is not None else list(default)
        out.actions = list(hit.actions)
        out.hits.append(hit)
        if hit.message:
            out.user_messages.append(hit.message)
        if hit.approver_message:
            out.approver_messages.append(hit.approver_message)
        if snippet.deny:
            out.deny.append(hit.message or f"blocked by {snippet.where} in {snippet.file}")
        out.approval = "approval" in hit.actions
        return True

    def _failed(
        self, hit: RuleHit, error: str, entry: CommandConfig, out: _CommandOutcome, global_closed: bool
    ) -> None:
        hit.error = error
        out.hits.append(hit)
        where = f"{hit.file}:{hit.line}" if hit.line else hit.file
        text = f"{hit.kind} {hit.where} ({where}) failed: {error}"
        closed = entry.fail_closed if entry.fail_closed is not None else global_closed
        (out.failed_closed if closed else out.failed_open).append(text)


def _default_actions(cfg: Config) -> list[str]:
    return cfg.default_actions if cfg.default_actions is not None else DEFAULT_ACTIONS


def _hit(snippet: Snippet, cmd: SimpleCommand) -> RuleHit:
    return RuleHit(
        kind=snippet.kind,
        command=cmd.executable,
        file=snippet.file,
        index=snippet.index,
        where=snippet.where,
        line=snippet.line,
        rule_id=snippet.rule_id,
    )


def _text(value: Any) -> str:
    return (
        value if isinstance(value, str) else ("" if value is None or isinstance(value, bool) else str(value))
    )


def _combine(outcomes: list[_CommandOutcome], cfg: Config) -> Decision:
    d = Decision(decision="allow", actions=[])
    for o in outcomes:
        d.rules.extend(o.hits)
        for action in o.actions:
            if action not in d.actions:
                d.actions.append(action)
        d.messages.extend(o.lint_messages + o.user_messages)
        d.messages.extend(f"coterm could not check this command: {t}" for t in o.failed_open)
        d.approver_messages.extend(o.approver_messages)
    if not outcomes:
        d.actions = list(_default_actions(cfg))
    closed = [t for o in outcomes for t in o.failed_closed]
    denied = [t for o in outcomes for t in o.deny]
    if closed or denied:
        d.decision = "deny"
        d.fail_closed = bool(closed)
        d.messages = denied + [f"blocked (fail_closed): {t}" for t in closed] + d.messages
    elif any(o.approval for o in outcomes):
        d.decision = "approval"
    elif any(o.lint_messages or o.failed_open for o in outcomes):
        d.decision = "confirm"
    return _dedupe(d)


def _dedupe(d: Decision) -> Decision:
    d.messages = list(dict.fromkeys(d.messages))
    d.approver_messages = list(dict.fromkeys(d.approver_messages))
    return d


def _break_glass(commands: list[SimpleCommand], env: Mapping[str, str]) -> bool:
    values = [env.get("COTERM_BREAK_GLASS", "")]
    values += [c.assignments.get("COTERM_BREAK_GLASS", "") for c in commands]
    return any(v.strip().lower() in TRUE_WORDS for v in values)


def _apply_overrides(d: Decision, overrides: Optional[Overrides]) -> None:
    if overrides is None:
        return
    if overrides.approval is True and "approval" not in d.actions:
        d.actions.append("approval")
        if d.decision in ("allow", "confirm"):
            d.decision = "approval"
    elif overrides.approval is False:
        d.actions = [a for a in d.actions if a != "approval"]
    if overrides.save_level == "none":
        d.actions = [a for a in d.actions if a not in ("record", "logs", "process_info")]
    elif overrides.save_level == "metadata":
        d.actions = [a for a in d.actions if a not in ("record", "logs")]
    elif overrides.save_level == "record" and "record" not in d.actions:
        d.actions.insert(0, "record")


_LUA_POS = re.compile(r"^.*?:(\d+): (.*)$")


def _lua_line(message: str, first_line: int) -> tuple[int, str]:
    """Map `chunk:N: msg` to the config file's line (the snippet text starts at first_line)."""
    m = _LUA_POS.match(message)
    if not m:
        return first_line, message
    return first_line + int(m.group(1)) - 1, m.group(2)
