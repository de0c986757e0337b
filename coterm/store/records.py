"""What the store hands back: rows as plain dataclasses, and their public JSON shapes."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Optional

from coterm.model import CommandEvent, SessionInfo
from coterm.store.when import format_clock, iso

SESSION_COLUMNS = (
    "id, started, ended, user, host, command, shell, mode, title, cast_path, width, height, "
    "exit_status, state, size, text_bytes, indexed, pid"
)
EVENT_FIELDS = (
    "session_id, start, line, command, argv, cwd, user, host, shell, duration, exit_status, "
    "decision, rules, lint_outcome, approval_id, approval_outcome, break_glass, source"
)


@dataclass
class StoredSession(SessionInfo):
    """A session as the store keeps it: SessionInfo plus sizes and bookkeeping."""

    size: int = 0  # bytes of the .cast file
    text_bytes: int = 0  # bytes of indexed text
    indexed: bool = True  # False: lines missing from the index until `ddcoterm reindex`
    pid: Optional[int] = None  # the recorder's pid while it runs

    @property
    def duration(self) -> Optional[float]:
        return None if self.ended is None else max(0.0, self.ended - self.started)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started": iso(self.started),
            "started_ts": self.started,
            "ended": iso(self.ended),
            "ended_ts": self.ended,
            "duration": self.duration,
            "state": self.state,
            "exit_status": self.exit_status,
            "command": self.command,
            "shell": self.shell,
            "user": self.user,
            "host": self.host,
            "mode": self.mode,
            "title": self.title,
            "path": self.cast_path,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "indexed": self.indexed,
        }


def session_from_row(row: sqlite3.Row) -> StoredSession:
    return StoredSession(
        id=row["id"],
        started=row["started"],
        ended=row["ended"],
        user=row["user"],
        host=row["host"],
        command=row["command"],
        shell=row["shell"],
        mode=row["mode"],
        title=row["title"],
        cast_path=row["cast_path"],
        width=row["width"],
        height=row["height"],
        exit_status=row["exit_status"],
        state=row["state"],
        size=row["size"],
        text_bytes=row["text_bytes"],
        indexed=bool(row["indexed"]),
        pid=row["pid"],
    )


def event_values(ev: CommandEvent, command: str) -> tuple[Any, ...]:
    """Column values in EVENT_FIELDS order."""
    return (
        ev.session_id,
        ev.start,
        ev.line,
        command,
        json.dumps(list(ev.argv)),
        ev.cwd,
        ev.user,
        ev.host,
        ev.shell,
        ev.duration,
        ev.exit_status,
        ev.decision,
        json.dumps(list(ev.rules), default=str),
        ev.lint_outcome,
        ev.approval_id,
        ev.approval_outcome,
        int(bool(ev.break_glass)),
        ev.source,
    )


def event_from_row(row: sqlite3.Row) -> CommandEvent:
    return CommandEvent(
        id=row["id"],
        session_id=row["session_id"],
        start=row["start"],
        line=row["line"],
        cwd=row["cwd"],
        user=row["user"],
        host=row["host"],
        shell=row["shell"],
        argv=json.loads(row["argv"]),
        duration=row["duration"],
        exit_status=row["exit_status"],
        decision=row["decision"],
        rules=json.loads(row["rules"]),
        lint_outcome=row["lint_outcome"],
        approval_id=row["approval_id"],
        approval_outcome=row["approval_outcome"],
        break_glass=bool(row["break_glass"]),
        source=row["source"],
    )


def event_json(ev: CommandEvent) -> dict[str, Any]:
    return {
        "id": ev.id,
        "session": ev.session_id or None,
        "start": iso(ev.start),
        "start_ts": ev.start,
        "duration": ev.duration,
        "line": ev.line,
        "argv": list(ev.argv),
        "command": command_name(ev),
        "cwd": ev.cwd,
        "user": ev.user,
        "host": ev.host,
        "shell": ev.shell,
        "exit_status": ev.exit_status,
        "decision": ev.decision,
        "rules": list(ev.rules),
        "lint_outcome": ev.lint_outcome or None,
        "approval_id": ev.approval_id or None,
        "approval_outcome": ev.approval_outcome or None,
        "break_glass": ev.break_glass,
        "source": ev.source,
    }


def command_name(ev: CommandEvent) -> str:
    """The executable an event ran: argv[0]'s basename, else the line's first word."""
    if ev.argv:
        return ev.argv[0].rsplit("/", 1)[-1]
    return first_word(ev.line)


def first_word(line: str) -> str:
    for word in line.split():
        if "=" in word and not word.startswith("="):  # VAR=value prefix
            continue
        return word.rsplit("/", 1)[-1]
    return ""


@dataclass
class Hit:
    """One line of session output that matched a search."""

    session_id: str
    offset: float  # seconds into the recording
    text: str
    spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of each match in text
    started: Optional[float] = None  # session start, epoch seconds
    user: str = ""
    host: str = ""
    command: str = ""  # the session's command or shell
    cast_path: str = ""

    @property
    def at(self) -> str:
        return format_clock(self.offset)

    @property
    def replay(self) -> str:
        return f"ddcoterm play {self.session_id} --at {self.at}"

    def to_json(self) -> dict[str, Any]:
        when = None if self.started is None else self.started + self.offset
        return {
            "session": self.session_id,
            "offset": round(self.offset, 3),
            "at": self.at,
            "time": iso(when),
            "time_ts": when,
            "text": self.text,
            "spans": [list(s) for s in self.spans],
            "command": self.command,
            "user": self.user,
            "host": self.host,
            "replay": self.replay,
        }


@dataclass
class OutboxItem:
    id: int
    kind: str
    payload: Any
    created: float
    attempts: int
    last_error: str = ""


@dataclass
class PruneResult:
    sessions: list[str] = field(default_factory=list)  # ids removed (or that would be, dry run)
    events: int = 0  # events removed that belonged to no session
    bytes_freed: int = 0  # cast bytes + indexed text bytes

    def to_json(self) -> dict[str, Any]:
        return {"sessions": self.sessions, "events": self.events, "bytes_freed": self.bytes_freed}


@dataclass
class ReindexResult:
    sessions: list[str] = field(default_factory=list)
    lines: int = 0
    text_bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: why" for casts that could not be read
