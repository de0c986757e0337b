"""The outbox: facts waiting to be shipped (to Datadog, later). Only the queue lives here."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Optional

from coterm.store.db import Writer
from coterm.store.records import OutboxItem


def enqueue(w: Writer, kind: str, payload: Any) -> int:
    with w.transaction() as c:
        cur = c.execute(
            "INSERT INTO outbox (kind, payload, created) VALUES (?, ?, ?)",
            (kind, json.dumps(payload, default=str), time.time()),
        )
    return int(cur.lastrowid or 0)


def due(
    conn: sqlite3.Connection, limit: int = 100, kind: Optional[str] = None, now: Optional[float] = None
) -> list[OutboxItem]:
    """Items whose next attempt is due, oldest first. They stay queued until ack()."""
    sql = "SELECT id, kind, payload, created, attempts, last_error FROM outbox WHERE next_attempt <= ?"
    params: list[Any] = [time.time() if now is None else now]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    sql += " ORDER BY id LIMIT ?"
    params.append(limit)
    return [
        OutboxItem(r["id"], r["kind"], json.loads(r["payload"]), r["created"], r["attempts"], r["last_error"])
        for r in conn.execute(sql, params)
    ]


def ack(w: Writer, ids: list[int]) -> None:
    """Shipped: remove them."""
    with w.transaction() as c:
        c.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


def retry_later(w: Writer, item_id: int, error: str, delay: float) -> None:
    with w.transaction() as c:
        c.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ?",
            (error, time.time() + delay, item_id),
        )


def size(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
