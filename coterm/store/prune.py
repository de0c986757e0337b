"""Retention: old sessions go, cast file and rows together; a disk cap drops the oldest first.

Only casts inside the sessions directory are deleted; a cast written elsewhere with `-o FILE` is the
user's file, so only its rows go.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Optional

from coterm.store import lines
from coterm.store.db import Writer, retry
from coterm.store.records import PruneResult
from coterm.store.sessions import file_size


def prune(
    w: Writer,
    sessions_dir: Path,
    older_than: Optional[float] = None,
    cap_bytes: Optional[int] = None,
    now: Optional[float] = None,
    dry_run: bool = False,
) -> PruneResult:
    now = time.time() if now is None else now
    result = PruneResult()
    victims = _victims(w, older_than, cap_bytes, now)
    for session_id, cast_path, freed in victims:
        result.sessions.append(session_id)
        result.bytes_freed += freed
        if not dry_run:
            _remove_cast(cast_path, sessions_dir)
            _remove_rows(w, session_id)
    if older_than is not None:
        result.events = _old_loose_events(w, now - older_than, dry_run)
    if victims and not dry_run:
        retry(lambda: w.conn.execute("PRAGMA incremental_vacuum"), w.path)
    return result


def _victims(
    w: Writer, older_than: Optional[float], cap_bytes: Optional[int], now: float
) -> list[tuple[str, str, int]]:
    rows = w.conn.execute(
        "SELECT id, cast_path, size, text_bytes, state, coalesce(ended, started) AS t "
        "FROM sessions ORDER BY t, id"
    ).fetchall()
    sizes = {r["id"]: _size(r) for r in rows}
    total = sum(sizes.values())
    out = []
    for r in rows:
        if r["state"] == "running":
            continue
        too_old = older_than is not None and r["t"] < now - older_than
        over_cap = cap_bytes is not None and total > cap_bytes
        if not (too_old or over_cap):
            continue
        out.append((r["id"], r["cast_path"], sizes[r["id"]]))
        total -= sizes[r["id"]]
    return out


def _size(row) -> int:  # type: ignore[no-untyped-def]
    cast = file_size(row["cast_path"]) if row["cast_path"] else 0
    return (cast or row["size"]) + row["text_bytes"]


def _remove_cast(cast_path: str, sessions_dir: Path) -> None:
    if not cast_path:
        return
    path = Path(cast_path)
    try:
        inside = path.resolve().parent == sessions_dir.resolve()
    except OSError:
        return
    if inside:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _remove_rows(w: Writer, session_id: str) -> None:
    lines.remove(w, session_id)
    with w.transaction() as c:
        c.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
        c.execute("DELETE FROM sessions WHERE id = ?", (session_id,))


def _old_loose_events(w: Writer, cutoff: float, dry_run: bool) -> int:
    """Events outside any recorded session (hooks in an unrecorded shell) age out on their own."""
    where = "session_id NOT IN (SELECT id FROM sessions) AND start < ?"
    if dry_run:
        return int(w.conn.execute(f"SELECT count(*) FROM events WHERE {where}", (cutoff,)).fetchone()[0])
    with w.transaction() as c:
        return int(c.execute(f"DELETE FROM events WHERE {where}", (cutoff,)).rowcount)
