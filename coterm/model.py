"""Plain data shared across coterm: what the parser finds, what the evaluator decides,
and what the recorder and hooks report. A leaf: imports nothing from coterm."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

ACTIONS = ("record", "logs", "process_info", "approval", "incidents")
DEFAULT_ACTIONS = ["record", "process_info"]
DECISIONS = ("allow", "confirm", "approval", "deny")


@dataclass
class SimpleCommand:
    """One simple command that would run, after unwrapping sudo/env/sh -c/...

    argv[0] is the basename of the real executable (`/usr/bin/kubectl` -> `kubectl`);
    raw_argv is the command as written, wrappers included.
    """

    argv: list[str]
    raw_argv: list[str] = field(default_factory=list)
    wrappers: list[str] = field(default_factory=list)
    assignments: dict[str, str] = field(default_factory=dict)
    remote: bool = False
    origin: str = "top"  # top | pipeline | substitution | heredoc | wrapper | function | ...
    path: str = ""  # argv[0] as written before basename, e.g. /usr/bin/kubectl
    redirects: list[str] = field(default_factory=list)  # e.g. [">/dev/sda", "2>&1", "<in.sql"]
    stdin: str = ""  # here-doc / here-string body, or the literal text piped in by `echo X |`
    depth: int = 0  # nesting through wrappers and `sh -c` payloads

    @property
    def executable(self) -> str:
        return self.argv[0] if self.argv else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "argv": list(self.argv),
            "wrappers": list(self.wrappers),
            "remote": self.remote,
            "assignments": dict(self.assignments),
        }


@dataclass
class ParseResult:
    commands: list[SimpleCommand]
    parser: str  # "bashlex" | "fallback"
    error: Optional[str] = None  # why bashlex failed, when parser == "fallback"


@dataclass
class RuleHit:
    """A lint or rule that fired (or failed) for one command."""

    kind: str  # "lint" | "rule"
    command: str  # the executable the rule is attached to
    file: str
    index: int  # position in its lints/rules list
    where: str  # e.g. "process_config.commands[0].rules[1]"
    line: int = 0  # line in the file, 0 when unknown
    message: str = ""
    approver_message: str = ""
    error: str = ""  # set when the snippet raised or ran out of budget
    actions: list[str] = field(default_factory=list)
    rule_id: str = ""  # rule-pack id when the rule came from a pack

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Decision:
    decision: str  # one of DECISIONS
    messages: list[str] = field(default_factory=list)
    approver_messages: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=lambda: list(DEFAULT_ACTIONS))
    record: bool = True
    commands: list[SimpleCommand] = field(default_factory=list)
    parser: str = "bashlex"
    rules: list[RuleHit] = field(default_factory=list)
    fail_closed: bool = False
    notices: list[str] = field(default_factory=list)  # config errors, untrusted files: say once
    break_glass: bool = False
    line: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "messages": list(self.messages),
            "approver_messages": list(self.approver_messages),
            "actions": list(self.actions),
            "record": self.record,
            "commands": [c.to_json() for c in self.commands],
            "parser": self.parser,
            "rules": [r.to_json() for r in self.rules],
            "fail_closed": self.fail_closed,
            "break_glass": self.break_glass,
            "notices": list(self.notices),
        }


@dataclass
class SessionInfo:
    """A recorded session as the recorder announces it and the store keeps it."""

    id: str
    started: float  # epoch seconds
    user: str
    host: str
    command: str  # the recorded command line, or the shell
    shell: str
    mode: str  # all | rules | off
    cast_path: str
    title: str = ""
    width: int = 80
    height: int = 24
    ended: Optional[float] = None
    exit_status: Optional[int] = None
    state: str = "running"  # running | ended | killed


@dataclass
class CommandEvent:
    """One command line seen by a hook, a shim or `ddcoterm -- CMD`. Cancelled lines too."""

    session_id: str
    start: float  # epoch seconds
    line: str  # redacted before it is stored
    cwd: str = ""
    user: str = ""
    host: str = ""
    shell: str = ""
    argv: list[str] = field(default_factory=list)
    duration: Optional[float] = None
    exit_status: Optional[int] = None
    decision: str = "allow"
    rules: list[dict[str, Any]] = field(default_factory=list)
    lint_outcome: str = ""  # "" | confirmed | cancelled
    approval_id: str = ""
    approval_outcome: str = ""
    break_glass: bool = False
    source: str = "hook"  # hook | shim | record | approve
    id: Optional[int] = None
