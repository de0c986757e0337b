"""Opening the SQLite file and running short write transactions that wait instead of failing.

WAL lets readers run beside one writer; writers queue on the busy timeout. Every write starts with
BEGIN IMMEDIATE so a transaction never has to upgrade a read lock (the case the busy handler cannot
wait out), and a lock still held after the timeout is retried, so "database is locked" never reaches
the user while another recorder is writing.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT = 10.0  # seconds SQLite itself waits for a lock
GIVE_UP_AFTER = 300.0  # seconds of retries before a write reports the database as stuck


class StoreError(RuntimeError):
    """The store cannot be used; the message says why and what to do."""


def connect(path: Path, cache_mb: int = 8, mmap_mb: int = 0) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"{path}: cannot open the database ({e.strerror}: {e.filename})") from None
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as e:
        raise StoreError(f"{path}: cannot open the database ({e})") from None
    # auto_vacuum only takes on a brand-new file, so it goes before anything writes the header.
    conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
    retry(lambda: conn.execute("PRAGMA journal_mode=WAL"), path)
    conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
    conn.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
    conn.execute(f"PRAGMA mmap_size={mmap_mb * 1024 * 1024}")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.row_factory = sqlite3.Row
    return conn


def is_locked(e: BaseException) -> bool:
    text = str(e).lower()
    return isinstance(e, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def retry(fn, path: Path):  # type: ignore[no-untyped-def]
    """Run fn until it gets past a lock, up to GIVE_UP_AFTER seconds."""
    deadline = time.monotonic() + GIVE_UP_AFTER
    delay = 0.01
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if not is_locked(e):
                raise StoreError(f"{path}: {e}") from None
            if time.monotonic() > deadline:
                raise StoreError(
                    f"{path}: still locked by another process after {GIVE_UP_AFTER:.0f}s; "
                    "find it with `fuser` and stop it"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


class Writer:
    """The one write path of a connection: a lock for threads, BEGIN IMMEDIATE for processes."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            if self._depth:  # nested: join the outer transaction
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            retry(lambda: self.conn.execute("BEGIN IMMEDIATE"), self.path)
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            try:
                retry(lambda: self.conn.execute("COMMIT"), self.path)
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
