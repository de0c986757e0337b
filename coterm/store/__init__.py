"""The local store: SQLite (WAL) with sessions, command events, full-text lines and an outbox.

A leaf: stdlib sqlite3 plus coterm.model and coterm.paths (and coterm.termtext when reindexing).
"""

from __future__ import annotations

from coterm.store.api import Store
from coterm.store.db import StoreError
from coterm.store.query import QueryError
from coterm.store.records import Hit, OutboxItem, PruneResult, ReindexResult, StoredSession

__all__ = [
    "Hit",
    "OutboxItem",
    "PruneResult",
    "QueryError",
    "ReindexResult",
    "Store",
    "StoreError",
    "StoredSession",
]
