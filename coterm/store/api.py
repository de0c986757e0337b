"""coterm.store.Store: the one object the recorder, hooks, shims, approvals and CLI talk to.

One Store holds one SQLite connection, used by any thread of the process through its Writer lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from coterm import paths
from coterm.model import CommandEvent, SessionInfo
from coterm.store import events as _events
from coterm.store import lines as _lines
from coterm.store import outbox as _outbox
from coterm.store import prune as _prune
from coterm.store import query as _query
from coterm.store import reindex as _reindex
from coterm.store import search as _search
from coterm.store import sessions as _sessions
from coterm.store.db import StoreError, Writer, connect
from coterm.store.records import Hit, OutboxItem, PruneResult, ReindexResult, StoredSession
from coterm.store.schema import migrate


class Store:
    def __init__(self, writer: Writer) -> None:
        self._w = writer
        self.path = writer.path

    @classmethod
    def open(cls, path: Optional[Path] = None, cache_mb: int = 8, mmap_mb: int = 0) -> Store:
        """Open (creating and migrating as needed) the db at path, default coterm.paths.db_file()."""
        path = Path(path) if path is not None else paths.db_file()
        conn = connect(path, cache_mb=cache_mb, mmap_mb=mmap_mb)
        _events.install_functions(conn)
        store = cls(Writer(conn, path))
        migrate(store._w)
        return store

    def close(self) -> None:
        with self._w.lock:
            self._w.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # sessions

    def add_session(self, info: SessionInfo, pid: Optional[int] = None) -> None:
        """Insert or replace a session. pid: the recorder's, so a dead recorder shows as killed."""
        _sessions.add(self._w, info, pid=pid)

    def end_session(
        self, session_id: str, ended: float, exit_status: Optional[int], state: str = "ended"
    ) -> None:
        _sessions.end(self._w, session_id, ended, exit_status, state)

    def session(self, id_or_prefix: str) -> StoredSession:
        """One session by id, unique id prefix or cast path; StoreError when none or ambiguous."""
        found = _sessions.get(self._w.conn, _sessions.resolve(self._w.conn, id_or_prefix))
        if found is None:
            raise StoreError(f"no session {id_or_prefix!r}")
        return found

    def sessions(
        self, since: Optional[float] = None, limit: Optional[int] = None, refresh: bool = True
    ) -> list[StoredSession]:
        """Oldest first (the latest `limit`). refresh: first register casts found on disk and mark
        sessions whose recorder died as killed."""
        if refresh:
            self.refresh()
        return _sessions.listing(self._w.conn, since=since, limit=limit)

    def refresh(self) -> tuple[list[str], list[str]]:
        """(ids found on disk, ids marked killed)."""
        found = _sessions.discover(self._w, paths.sessions_dir())
        return found, _sessions.mark_dead(self._w)

    def unindexed(self) -> list[str]:
        """Sessions whose text is missing from the index until `ddcoterm reindex`."""
        return [r[0] for r in self._w.conn.execute("SELECT id FROM sessions WHERE indexed = 0")]

    def mark_unindexed(self, session_id: str) -> None:
        with self._w.transaction() as c:
            c.execute("UPDATE sessions SET indexed = 0 WHERE id = ?", (session_id,))

    # events

    def add_event(self, event: CommandEvent) -> int:
        """Store a command event; sets and returns event.id."""
        return _events.add(self._w, event)

    def update_event(self, event: CommandEvent) -> None:
        _events.update(self._w, event)

    def finish_event(
        self,
        event_id: int,
        duration: Optional[float],
        exit_status: Optional[int],
        lint_outcome: Optional[str] = None,
        approval_id: Optional[str] = None,
        approval_outcome: Optional[str] = None,
    ) -> None:
        _events.finish(self._w, event_id, duration, exit_status, lint_outcome, approval_id, approval_outcome)

    def events(
        self,
        session: Optional[str] = None,
        since: Optional[float] = None,
        command: Optional[str] = None,
        limit: Optional[int] = None,
    ) -> list[CommandEvent]:
        """Oldest first (the latest `limit`)."""
        return _events.query(self._w.conn, session, since, command, limit)

    # lines and search

    def add_lines(self, session_id: str, lines: list[tuple[float, str]]) -> int:
        """Index text lines (offset seconds, text); returns the characters stored."""
        return _lines.add(self._w, session_id, lines)

    def lines(self, session_id: str) -> list[tuple[float, str]]:
        return _lines.of_session(self._w.conn, session_id)

    def search(
        self,
        query: str,
        session: Optional[str] = None,
        since: Optional[float] = None,
        limit: Optional[int] = 20,
    ) -> list[Hit]:
        """Lines matching query, newest first. QueryError for a query with no words."""
        q = _query.parse(query)
        wanted = q.filters.get("session", []) + ([session] if session else [])
        ids = [_sessions.resolve(self._w.conn, s) for s in wanted]
        return _search.run(self._w.conn, q, ids, since=since, limit=limit)

    # retention and rebuild

    def prune(
        self,
        older_than_seconds: Optional[float] = None,
        cap_bytes: Optional[int] = None,
        dry_run: bool = False,
    ) -> PruneResult:
        self.refresh()
        return _prune.prune(self._w, paths.sessions_dir(), older_than_seconds, cap_bytes, dry_run=dry_run)

    def reindex(
        self,
        sessions: Optional[list[str]] = None,
        missing_only: bool = False,
        progress: Optional[_reindex.Progress] = None,
    ) -> ReindexResult:
        ids = None if sessions is None else [_sessions.resolve(self._w.conn, s) for s in sessions]
        return _reindex.reindex(self._w, paths.sessions_dir(), ids, missing_only, progress)

    # outbox

    def enqueue(self, kind: str, payload: Any) -> int:
        return _outbox.enqueue(self._w, kind, payload)

    def dequeue(self, limit: int = 100, kind: Optional[str] = None) -> list[OutboxItem]:
        """Due items, oldest first; they stay queued until ack()."""
        return _outbox.due(self._w.conn, limit, kind)

    def ack(self, ids: list[int]) -> None:
        _outbox.ack(self._w, ids)

    def retry_later(self, item_id: int, error: str, delay: float) -> None:
        _outbox.retry_later(self._w, item_id, error, delay)
