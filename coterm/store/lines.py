"""Writing and removing a session's text lines, in transactions short enough not to stall others."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from coterm.store.blocks import Block, pack, unpack
from coterm.store.db import Writer

TX_CHARS = 1 << 20  # text per write transaction: ~50 ms of FTS work; bigger segments, fewer merges
DELETE_BATCH = 500  # blocks removed per transaction


def add(w: Writer, session_id: str, lines: Iterable[tuple[float, str]]) -> int:
    """Index lines (offset seconds, text); returns the characters stored."""
    total = 0
    group: list[Block] = []
    size = 0
    for block in pack(lines):
        group.append(block)
        size += len(block.text)
        if size >= TX_CHARS:
            total += _write(w, session_id, group)
            group, size = [], 0
    if group:
        total += _write(w, session_id, group)
    return total


def _write(w: Writer, session_id: str, blocks: list[Block]) -> int:
    chars = sum(len(b.text) for b in blocks)
    with w.transaction() as c:
        c.executemany(
            "INSERT INTO lines (session_id, offset, last, deltas, text) VALUES (?, ?, ?, ?, ?)",
            [(session_id, b.offset, b.last, b.deltas, b.text) for b in blocks],
        )
        c.execute("UPDATE sessions SET text_bytes = text_bytes + ? WHERE id = ?", (chars, session_id))
    return chars


def remove(w: Writer, session_id: str) -> None:
    """Drop a session's lines (and their index entries), a batch per transaction."""
    while True:
        with w.transaction() as c:
            cur = c.execute(
                "DELETE FROM lines WHERE id IN (SELECT id FROM lines WHERE session_id = ? LIMIT ?)",
                (session_id, DELETE_BATCH),
            )
            if cur.rowcount < DELETE_BATCH:
                c.execute("UPDATE sessions SET text_bytes = 0 WHERE id = ?", (session_id,))
                return


def of_session(conn: sqlite3.Connection, session_id: str) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    for r in conn.execute(
        "SELECT offset, deltas, text FROM lines WHERE session_id = ? ORDER BY id", (session_id,)
    ):
        out.extend(unpack(r["offset"], r["deltas"], r["text"]))
    return out
