"""Full-text search: FTS5 finds candidate blocks newest first; each line is then checked on its own,
so a hit is always one line holding every term, whatever block it was stored in."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Callable, Optional

from coterm.store.blocks import line_offsets
from coterm.store.query import Query, lines_in
from coterm.store.records import Hit, first_word

# A command's output may start a moment before the hook's start mark (the echoed Enter).
WINDOW_SLACK = 1.0


def run(
    conn: sqlite3.Connection,
    query: Query,
    sessions: list[str],
    since: Optional[float] = None,
    limit: Optional[int] = 20,
) -> list[Hit]:
    names = query.filters.get("command", [])
    in_command = CommandFilter(conn, names) if names else None
    if in_command is not None and not in_command.possible():
        return []
    hits: list[Hit] = []
    for row in _candidates(conn, query, sessions, since):
        offsets = line_offsets(row["offset"], row["deltas"])
        keep = _line_filter(row, offsets, since, in_command)
        for index, text, spans in reversed(lines_in(query, row["text"], keep)):
            hits.append(_hit(row, offsets[index], text, spans))
            if limit is not None and len(hits) >= limit:
                return hits
    return hits


def _line_filter(
    row: sqlite3.Row, offsets: list[float], since: Optional[float], in_command: Optional[CommandFilter]
) -> Optional[Callable[[int], bool]]:
    """What a line of this block must pass besides the text match (None: nothing)."""
    started = row["started"]
    if in_command is None and (since is None or started is None or started + offsets[0] >= since):
        return None

    def keep(index: int) -> bool:
        if since is not None and started is not None and started + offsets[index] < since:
            return False
        return in_command is None or in_command.allows(row, offsets[index])

    return keep


def _candidates(
    conn: sqlite3.Connection, query: Query, sessions: list[str], since: Optional[float]
) -> Iterator[sqlite3.Row]:
    sql = [
        "SELECT l.id, l.session_id, l.offset, l.deltas, l.text,",
        "       s.started, s.user, s.host, s.command, s.shell, s.cast_path",
        "FROM lines_fts JOIN lines l ON l.id = lines_fts.rowid",
        "LEFT JOIN sessions s ON s.id = l.session_id",
        "WHERE lines_fts MATCH ?",
    ]
    params: list[object] = [query.fts(sessions)]
    if sessions:
        sql.append(f"AND l.session_id IN ({', '.join('?' for _ in sessions)})")
        params += sessions
    if since is not None:
        floor = _first_block_since(conn, since)
        if floor is None:
            return
        sql.append("AND lines_fts.rowid >= ? AND s.started + l.last >= ?")
        params += [floor, since]
    for key in ("user", "host"):
        values = query.filters.get(key, [])
        if values:
            sql.append("AND (" + " OR ".join(f"s.{key} GLOB ?" for _ in values) + ")")
            params += [_glob(v) for v in values]
    sql.append("ORDER BY lines_fts.rowid DESC")
    yield from conn.execute("\n".join(sql), params)


def _first_block_since(conn: sqlite3.Connection, since: float) -> Optional[int]:
    """The lowest block id of any session still running at `since`: no earlier block can match."""
    row = conn.execute(
        "SELECT min((SELECT min(id) FROM lines WHERE session_id = s.id)) FROM sessions s "
        "WHERE coalesce(s.ended, 1e300) >= ?",
        (since,),
    ).fetchone()
    return None if row[0] is None else int(row[0])


class CommandFilter:
    """`command:NAME`: a line matches inside a session recording NAME, or while a command event of
    NAME ran in its session. Looked up per session, as candidates come."""

    def __init__(self, conn: sqlite3.Connection, names: list[str]) -> None:
        self.conn = conn
        self.names = names
        self._whole: dict[str, bool] = {}
        self._windows: dict[str, list[tuple[float, float]]] = {}

    def possible(self) -> bool:
        """False when no event and no session mentions NAME: nothing can match."""
        for name in self.names:
            if self.conn.execute("SELECT 1 FROM events WHERE command = ? LIMIT 1", (name,)).fetchone():
                return True
            like = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            found = self.conn.execute(
                "SELECT 1 FROM sessions WHERE command LIKE ? ESCAPE '\\' LIMIT 1", (like,)
            ).fetchone()
            if found:
                return True
        return False

    def allows(self, row: sqlite3.Row, offset: float) -> bool:
        sid = row["session_id"]
        whole = self._whole.get(sid)
        if whole is None:
            whole = self._whole[sid] = first_word(row["command"] or "") in self.names
        if whole:
            return True
        if row["started"] is None:
            return False
        t = row["started"] + offset
        return any(a <= t <= b for a, b in self._windows_of(sid))

    def _windows_of(self, sid: str) -> list[tuple[float, float]]:
        found = self._windows.get(sid)
        if found is None:
            now = time.time()
            marks = ", ".join("?" for _ in self.names)
            found = self._windows[sid] = [
                (start - WINDOW_SLACK, now if duration is None else start + duration + WINDOW_SLACK)
                for start, duration in self.conn.execute(
                    f"SELECT start, duration FROM events WHERE session_id = ? AND command IN ({marks})",
                    (sid, *self.names),
                )
            ]
        return found


def _glob(value: str) -> str:
    return value if any(c in value for c in "*?[") else value.replace("[", "[[]")


def _hit(row: sqlite3.Row, offset: float, text: str, spans: list[tuple[int, int]]) -> Hit:
    return Hit(
        session_id=row["session_id"],
        offset=offset,
        text=text,
        spans=spans,
        started=row["started"],
        user=row["user"] or "",
        host=row["host"] or "",
        command=row["command"] or row["shell"] or "",
        cast_path=row["cast_path"] or "",
    )
