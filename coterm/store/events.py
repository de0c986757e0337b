"""Command events: one row per command line a hook, shim or `ddcoterm -- CMD` saw, cancelled ones too."""

from __future__ import annotations

import re
import sqlite3
from typing import Optional

from coterm.model import CommandEvent
from coterm.store.db import Writer
from coterm.store.records import EVENT_FIELDS, command_name, event_from_row, event_values

_SHELL_SEPARATORS = re.compile(r"[\s;|&()`]+")
_PLACEHOLDERS = ", ".join("?" for _ in EVENT_FIELDS.split(","))
_ASSIGN = ", ".join(f"{f.strip()} = ?" for f in EVENT_FIELDS.split(","))


def runs_command(line: str, name: str) -> bool:
    """Does a command line mention `name` as a command word (`sudo kubectl`, `/usr/bin/kubectl`)?"""
    return any(w.rsplit("/", 1)[-1] == name for w in _SHELL_SEPARATORS.split(line or ""))


def install_functions(conn: sqlite3.Connection) -> None:
    conn.create_function("coterm_runs", 2, runs_command, deterministic=True)


def add(w: Writer, ev: CommandEvent) -> int:
    with w.transaction() as c:
        cur = c.execute(
            f"INSERT INTO events ({EVENT_FIELDS}) VALUES ({_PLACEHOLDERS})",
            event_values(ev, command_name(ev)),
        )
    ev.id = int(cur.lastrowid or 0)
    return ev.id


def update(w: Writer, ev: CommandEvent) -> None:
    """Rewrite every field of a stored event (ev.id set), e.g. when its command finished."""
    with w.transaction() as c:
        c.execute(f"UPDATE events SET {_ASSIGN} WHERE id = ?", (*event_values(ev, command_name(ev)), ev.id))


def finish(
    w: Writer,
    event_id: int,
    duration: Optional[float],
    exit_status: Optional[int],
    lint_outcome: Optional[str] = None,
    approval_id: Optional[str] = None,
    approval_outcome: Optional[str] = None,
) -> None:
    sets = {"duration": duration, "exit_status": exit_status}
    for name, value in (
        ("lint_outcome", lint_outcome),
        ("approval_id", approval_id),
        ("approval_outcome", approval_outcome),
    ):
        if value is not None:
            sets[name] = value
    assign = ", ".join(f"{k} = ?" for k in sets)
    with w.transaction() as c:
        c.execute(f"UPDATE events SET {assign} WHERE id = ?", (*sets.values(), event_id))


def query(
    conn: sqlite3.Connection,
    session: Optional[str] = None,
    since: Optional[float] = None,
    command: Optional[str] = None,
    limit: Optional[int] = None,
) -> list[CommandEvent]:
    """Events oldest first; with limit, the most recent ones."""
    where, params = [], []
    if session is not None:
        where.append("session_id = ?")
        params.append(session)
    if since is not None:
        where.append("start >= ?")
        params.append(since)
    if command:
        where.append("(command = ? OR coterm_runs(line, ?))")
        params += [command, command]
    sql = f"SELECT id, {EVENT_FIELDS} FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY start DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = [event_from_row(r) for r in conn.execute(sql, params)]
    rows.reverse()
    return rows
