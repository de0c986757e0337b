"""Session rows: added by the recorder, ended by it, marked killed when it died, found on disk."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Optional

from coterm.model import SessionInfo
from coterm.store import casts
from coterm.store.db import StoreError, Writer
from coterm.store.liveness import alive, hostname, start_stamp
from coterm.store.records import SESSION_COLUMNS, StoredSession, session_from_row

_UPSERT = """
INSERT INTO sessions (id, started, ended, user, host, command, shell, mode, title, cast_path,
                      width, height, exit_status, state, size, indexed, pid, pid_start, pid_host)
VALUES (:id, :started, :ended, :user, :host, :command, :shell, :mode, :title, :cast_path,
        :width, :height, :exit_status, :state, :size, :indexed, :pid, :pid_start, :pid_host)
ON CONFLICT(id) DO UPDATE SET
    started=excluded.started, ended=excluded.ended, user=excluded.user, host=excluded.host,
    command=excluded.command, shell=excluded.shell, mode=excluded.mode, title=excluded.title,
    cast_path=excluded.cast_path, width=excluded.width, height=excluded.height,
    exit_status=excluded.exit_status, state=excluded.state, size=excluded.size,
    indexed=excluded.indexed, pid=excluded.pid, pid_start=excluded.pid_start,
    pid_host=excluded.pid_host
"""


def add(w: Writer, info: SessionInfo, pid: Optional[int] = None, indexed: bool = True) -> None:
    row = {
        "id": info.id,
        "started": info.started,
        "ended": info.ended,
        "user": info.user,
        "host": info.host,
        "command": info.command,
        "shell": info.shell,
        "mode": info.mode,
        "title": info.title,
        "cast_path": os.path.abspath(info.cast_path) if info.cast_path else "",
        "width": info.width,
        "height": info.height,
        "exit_status": info.exit_status,
        "state": info.state,
        "size": file_size(info.cast_path),
        "indexed": int(indexed),
        "pid": pid,
        "pid_start": start_stamp(pid) if pid else "",
        "pid_host": hostname() if pid else "",
    }
    with w.transaction() as c:
        c.execute(_UPSERT, row)


def end(
    w: Writer,
    session_id: str,
    ended: float,
    exit_status: Optional[int],
    state: str = "ended",
) -> None:
    with w.transaction() as c:
        row = c.execute("SELECT cast_path FROM sessions WHERE id = ?", (session_id,)).fetchone()
        size = file_size(row[0]) if row else 0
        c.execute(
            "UPDATE sessions SET ended = ?, exit_status = ?, state = ?, size = ?, pid = NULL WHERE id = ?",
            (ended, exit_status, state, size, session_id),
        )


def get(conn: sqlite3.Connection, session_id: str) -> Optional[StoredSession]:
    row = conn.execute(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return session_from_row(row) if row else None


def resolve(conn: sqlite3.Connection, text: str) -> str:
    """A full session id from an id or a unique prefix of one (or a .cast path)."""
    row = conn.execute(
        "SELECT id FROM sessions WHERE id = ? OR cast_path = ?", (text, os.path.abspath(text))
    ).fetchone()
    if row:
        return str(row[0])
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    ids = [
        r[0] for r in conn.execute("SELECT id FROM sessions WHERE id LIKE ? ESCAPE '\\' LIMIT 5", (pattern,))
    ]
    if len(ids) == 1:
        return str(ids[0])
    if not ids:
        raise StoreError(f"no session {text!r}: see `ddcoterm sessions`")
    raise StoreError(f"{text!r} matches several sessions ({', '.join(ids)}): give more of the id")


def listing(
    conn: sqlite3.Connection, since: Optional[float] = None, limit: Optional[int] = None
) -> list[StoredSession]:
    """Sessions oldest first; with limit, the most recent ones. Running ones show their live size."""
    where, params = "", []
    if since is not None:
        where = "WHERE coalesce(ended, 1e300) >= ?"
        params.append(since)
    sql = f"SELECT {SESSION_COLUMNS} FROM sessions {where} ORDER BY started DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = [session_from_row(r) for r in conn.execute(sql, params)]
    rows.reverse()
    for s in rows:
        if s.state == "running":
            s.size = file_size(s.cast_path) or s.size
    return rows


def mark_dead(w: Writer) -> list[str]:
    """Running sessions whose recorder (on this host) is gone become `killed`."""
    here = hostname()
    rows = w.conn.execute(
        "SELECT id, pid, pid_start, cast_path, started FROM sessions "
        "WHERE state = 'running' AND pid IS NOT NULL AND pid_host = ?",
        (here,),
    ).fetchall()
    dead = [r for r in rows if not alive(r["pid"], r["pid_start"])]
    for r in dead:
        ended = _last_activity(w.conn, r["id"], r["cast_path"], r["started"])
        with w.transaction() as c:
            c.execute(
                # indexed = 0: lines the recorder had not handed over yet are only in the cast
                "UPDATE sessions SET state = 'killed', ended = ?, size = ?, pid = NULL, indexed = 0 "
                "WHERE id = ? AND state = 'running'",
                (ended, file_size(r["cast_path"]), r["id"]),
            )
    return [r["id"] for r in dead]


def discover(w: Writer, directory: Path) -> list[str]:
    """Register .cast files in directory that the db does not know (db lost, crash before insert).

    Only the session row is written (cheap); its lines wait for `ddcoterm reindex`.
    """
    try:
        paths = sorted(directory.glob("*.cast"))
    except OSError:
        return []
    if not paths:
        return []
    known_paths = {r[0] for r in w.conn.execute("SELECT cast_path FROM sessions")}
    known_ids = {r[0] for r in w.conn.execute("SELECT id FROM sessions")}
    added = []
    for path in paths:
        if path.stem in known_ids or str(path) in known_paths or str(path.resolve()) in known_paths:
            continue  # the recorder names casts <session id>.cast
        try:
            cast = casts.open_cast(path)
        except casts.CastError:
            continue
        if cast.session_id in known_ids:
            continue
        info = _info_from_cast(cast)
        add(w, info, pid=None, indexed=False)
        added.append(info.id)
    return added


def _info_from_cast(cast: casts.Cast) -> SessionInfo:
    info = casts.session_info(cast)
    info.cast_path = str(cast.path.resolve())
    pid = cast.coterm.get("pid")
    if isinstance(pid, int) and cast.coterm.get("host", hostname()) == hostname() and alive(pid):
        return info  # still being recorded: stays running
    last = casts.last_time(cast)
    info.ended = info.started + last
    info.exit_status = cast.exit_status
    info.state = "ended"
    return info


def _last_activity(conn: sqlite3.Connection, session_id: str, cast_path: str, started: float) -> float:
    try:
        return os.stat(cast_path).st_mtime
    except OSError:
        row = conn.execute("SELECT max(last) FROM lines WHERE session_id = ?", (session_id,)).fetchone()
        return started + (row[0] or 0.0)


def file_size(path: str) -> int:
    try:
        return os.stat(path).st_size if path else 0
    except OSError:
        return 0
