"""Rebuilding sessions and their text index from .cast files (after an upgrade, or a lost db).

Output events become text lines through coterm.termtext, the same terminal-to-text step the recorder
uses live, fed the same events, so a rebuilt index answers searches the way the live one did.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Callable, Optional

from coterm.model import CommandEvent
from coterm.store import casts, events, lines, sessions
from coterm.store.db import Writer
from coterm.store.records import ReindexResult, StoredSession
from coterm.store.schema import reset_lines

Progress = Callable[[StoredSession, int], None]
DRAIN_EVERY = 1.0  # the recorder hands lines to its sinks about this often


def reindex(
    w: Writer,
    sessions_dir: Path,
    ids: Optional[list[str]] = None,
    missing_only: bool = False,
    progress: Optional[Progress] = None,
) -> ReindexResult:
    sessions.discover(w, sessions_dir)
    sessions.mark_dead(w)
    result = ReindexResult()
    targets = _targets(w, ids, missing_only)
    everything = ids is None and not missing_only and not _any_running(w)
    if everything and all(os.path.isfile(s.cast_path) for s in targets):
        with w.transaction() as c:
            reset_lines(c)
    for s in targets:
        try:
            cast = casts.open_cast(Path(s.cast_path))
        except casts.CastError as e:
            result.skipped.append(str(e))
            continue
        owner = cast.coterm.get("session")
        if owner and owner != s.id:  # `-o FILE` reused by a later session
            result.skipped.append(f"{cast.path}: now holds session {owner}, not {s.id}")
            continue
        chars, count = _reindex_one(w, s, cast)
        result.sessions.append(s.id)
        result.text_bytes += chars
        result.lines += count
        if progress:
            progress(s, chars)
    return result


def _targets(w: Writer, ids: Optional[list[str]], missing_only: bool) -> list[StoredSession]:
    chosen = []
    for s in sessions.listing(w.conn):  # oldest first, so block ids follow time
        if ids is not None and s.id not in ids:
            continue
        if missing_only and s.indexed:
            continue
        if s.state == "running":
            continue  # its recorder is indexing it live
        chosen.append(s)
    return chosen


def _any_running(w: Writer) -> bool:
    return w.conn.execute("SELECT 1 FROM sessions WHERE state = 'running' LIMIT 1").fetchone() is not None


def _reindex_one(w: Writer, s: StoredSession, cast: casts.Cast) -> tuple[int, int]:
    lines.remove(w, s.id)
    markers: list[tuple[float, str]] = []
    counted = _Counter(text_lines(cast, _collect(casts.events(cast), markers)))
    chars = lines.add(w, s.id, counted)
    ended = s.ended if s.ended is not None else s.started + casts.last_time(cast)
    with w.transaction() as c:
        c.execute(
            "UPDATE sessions SET indexed = 1, size = ?, ended = ?, "
            "exit_status = coalesce(exit_status, ?) WHERE id = ?",
            (cast.size, ended, cast.exit_status, s.id),
        )
    _restore_events(w, s, markers)
    return chars, counted.n


def text_lines(cast: casts.Cast, evs: Iterable[tuple[float, str, str]]) -> Iterator[tuple[float, str]]:
    """Text lines with offsets from a cast's events, through coterm.termtext's LineCollector fed the
    way the recorder feeds it live: output as written, resizes, lines made final about once a second."""
    from coterm.termtext import LineCollector

    width, height = casts.term_size(cast)
    collector = LineCollector(width, height)
    t = last_drain = 0.0
    for t, code, data in evs:
        if t - last_drain >= DRAIN_EVERY:
            yield from collector.drain(t)
            last_drain = t
        if code == "o":
            yield from collector.feed(data, t)
        elif code == "r":
            cols, _, rows = data.partition("x")
            if cols.isdigit() and rows.isdigit():
                collector.resize(int(cols), int(rows))
    yield from collector.flush(t)


def _collect(
    evs: Iterable[tuple[float, str, str]], markers: list[tuple[float, str]]
) -> Iterator[tuple[float, str, str]]:
    """Pass events through, keeping the command markers aside."""
    for ev in evs:
        if ev[1] == "m":
            markers.append((ev[0], ev[2]))
        yield ev


def _restore_events(w: Writer, s: StoredSession, markers: list[tuple[float, str]]) -> None:
    """A session with no events in the db (the db was lost) gets them back from its markers."""
    if not markers:
        return
    if w.conn.execute("SELECT 1 FROM events WHERE session_id = ? LIMIT 1", (s.id,)).fetchone():
        return
    with w.transaction():
        for t, line in markers:
            ev = CommandEvent(
                session_id=s.id,
                start=s.started + t,
                line=line,
                user=s.user,
                host=s.host,
                shell=s.shell,
                source="cast",
            )
            events.add(w, ev)


class _Counter:
    def __init__(self, it: Iterable[tuple[float, str]]) -> None:
        self.it = iter(it)
        self.n = 0

    def __iter__(self) -> Iterator[tuple[float, str]]:
        for item in self.it:
            self.n += 1
            yield item
