"""Versioned schema: PRAGMA user_version counts the migrations applied, in order.

To change the schema, append a function to MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from coterm.store.db import StoreError, Writer

_V1 = (
    """
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    started     REAL NOT NULL,
    ended       REAL,
    user        TEXT NOT NULL DEFAULT '',
    host        TEXT NOT NULL DEFAULT '',
    command     TEXT NOT NULL DEFAULT '',
    shell       TEXT NOT NULL DEFAULT '',
    mode        TEXT NOT NULL DEFAULT 'all',
    title       TEXT NOT NULL DEFAULT '',
    cast_path   TEXT NOT NULL DEFAULT '',
    width       INTEGER NOT NULL DEFAULT 80,
    height      INTEGER NOT NULL DEFAULT 24,
    exit_status INTEGER,
    state       TEXT NOT NULL DEFAULT 'running',
    size        INTEGER NOT NULL DEFAULT 0,
    text_bytes  INTEGER NOT NULL DEFAULT 0,
    indexed     INTEGER NOT NULL DEFAULT 1,
    pid         INTEGER,
    pid_start   TEXT NOT NULL DEFAULT '',
    pid_host    TEXT NOT NULL DEFAULT ''
)
    """,
    """
CREATE INDEX sessions_started ON sessions(started)
    """,
    """
CREATE INDEX sessions_cast ON sessions(cast_path)
    """,
    """
CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    session_id       TEXT NOT NULL DEFAULT '',
    start            REAL NOT NULL,
    line             TEXT NOT NULL DEFAULT '',
    command          TEXT NOT NULL DEFAULT '',
    argv             TEXT NOT NULL DEFAULT '[]',
    cwd              TEXT NOT NULL DEFAULT '',
    user             TEXT NOT NULL DEFAULT '',
    host             TEXT NOT NULL DEFAULT '',
    shell            TEXT NOT NULL DEFAULT '',
    duration         REAL,
    exit_status      INTEGER,
    decision         TEXT NOT NULL DEFAULT 'allow',
    rules            TEXT NOT NULL DEFAULT '[]',
    lint_outcome     TEXT NOT NULL DEFAULT '',
    approval_id      TEXT NOT NULL DEFAULT '',
    approval_outcome TEXT NOT NULL DEFAULT '',
    break_glass      INTEGER NOT NULL DEFAULT 0,
    source           TEXT NOT NULL DEFAULT 'hook'
)
    """,
    """
CREATE INDEX events_session ON events(session_id, start)
    """,
    """
CREATE INDEX events_start ON events(start)
    """,
    """
CREATE INDEX events_command ON events(command, start)
    """,
    """
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created      REAL NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT ''
)
    """,
    """
CREATE INDEX outbox_due ON outbox(next_attempt, id)
    """,
)


# Lines are stored in blocks (consecutive lines of one session, see blocks.py): FTS5 costs per row,
# and blocks index about three times faster than one row per line (bench/store_index.py). The FTS
# table reads its text from `lines` (external content), so the text is stored once.
_LINES = (
    """
CREATE TABLE lines (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    offset     REAL NOT NULL,
    last       REAL NOT NULL,
    deltas     TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL
)
    """,
    """
CREATE INDEX lines_session ON lines(session_id)
    """,
    """
CREATE VIRTUAL TABLE lines_fts USING fts5(
    text, session_id,
    content='lines', content_rowid='id',
    tokenize='unicode61 remove_diacritics 0'
)
    """,
    """
CREATE TRIGGER lines_ai AFTER INSERT ON lines BEGIN
    INSERT INTO lines_fts(rowid, text, session_id) VALUES (new.id, new.text, new.session_id);
END
    """,
    """
CREATE TRIGGER lines_ad AFTER DELETE ON lines BEGIN
    INSERT INTO lines_fts(lines_fts, rowid, text, session_id)
        VALUES ('delete', old.id, old.text, old.session_id);
END
    """,
    # Fewer merges while indexing; searches still touch only a few dozen segments.
    "INSERT INTO lines_fts(lines_fts, rank) VALUES ('automerge', 8)",
)


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _V1 + _LINES:
        conn.execute(statement)


def reset_lines(conn: sqlite3.Connection) -> None:
    """Empty the text index at once (a full reindex): dropping beats deleting row by row, which
    costs FTS5 as much as indexing. Keep _LINES the current shape when a migration changes it."""
    conn.execute("DROP TABLE IF EXISTS lines_fts")
    conn.execute("DROP TABLE IF EXISTS lines")
    for statement in _LINES:
        conn.execute(statement)
    conn.execute("UPDATE sessions SET text_bytes = 0")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
LATEST = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(writer: Writer) -> None:
    conn = writer.conn
    if version(conn) == LATEST:
        return
    with writer.transaction():
        current = version(conn)  # re-read under the write lock: another process may have migrated
        if current > LATEST:
            raise StoreError(
                f"{writer.path} has schema version {current}, newer than this ddcoterm knows "
                f"({LATEST}): upgrade ddcoterm"
            )
        for step in MIGRATIONS[current:]:
            step(conn)
        conn.execute(f"PRAGMA user_version={LATEST}")
