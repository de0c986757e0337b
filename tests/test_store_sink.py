"""StoreSink as the recorder uses it: batched background writes, one event per command, bounded
memory when the database cannot keep up, and failures reported without stopping anything."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from coterm import paths
from coterm.model import CommandEvent, SessionInfo
from coterm.store import Store
from coterm.store.sink import StoreSink, StoreSinkError


def _info(sid: str = "sink1") -> SessionInfo:
    return SessionInfo(sid, time.time(), "alice", "web-1", "bash", "bash", "all", "")


def test_sink_writes_sessions_lines_and_events_in_order() -> None:
    sink = StoreSink(flush_interval=0.05)
    info = _info()
    sink.session_started(info)
    for i in range(50):
        sink.output_lines(info.id, [(i + j / 10, f"line {i} {j} payload") for j in range(10)])
    start = info.started + 5
    sink.command_event(CommandEvent(session_id=info.id, start=start, line="make test"))
    sink.command_event(
        CommandEvent(session_id=info.id, start=start, line="make test", duration=2.0, exit_status=2)
    )
    assert sink.flush(5)
    with Store.open() as store:
        assert store.sessions()[0].state == "running"
    info.ended, info.exit_status, info.state = info.started + 60, 0, "ended"
    sink.session_ended(info)
    with Store.open() as store:
        (s,) = store.sessions()
        assert (s.state, s.exit_status, s.ended) == ("ended", 0, info.ended)
        assert len(store.lines(info.id)) == 500
        assert [h.offset for h in store.search('"line 49 9"')] == [pytest.approx(49.9)]
        (ev,) = store.events()  # the start and the end of one command are one event
        assert (ev.line, ev.duration, ev.exit_status) == ("make test", 2.0, 2)


def test_a_locked_database_never_blocks_the_recorder_and_memory_stays_bounded() -> None:
    Store.open().close()
    blocker = sqlite3.connect(str(paths.db_file()), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    sink = StoreSink(flush_interval=0.05, max_pending_chars=20_000)
    info = _info("busy")
    sink.session_started(info)
    slowest = 0.0
    for i in range(200):
        t = time.perf_counter()
        sink.output_lines(info.id, [(i, "x" * 100 + f" chunk{i}") for _ in range(5)])
        slowest = max(slowest, time.perf_counter() - t)
    assert slowest < 0.05
    assert sink.dropped_lines > 0 and sink._pending_chars <= 20_000
    blocker.execute("COMMIT")
    blocker.close()
    sink.session_ended(info)
    with Store.open() as store:
        (s,) = store.sessions()
        assert not s.indexed and store.unindexed() == ["busy"]  # reindex will complete it
        assert store.search("chunk0")  # what was kept is there


def test_a_store_that_cannot_be_written_is_reported_at_the_end(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    sink = StoreSink(path=blocked / "coterm.db", flush_interval=0.01)
    info = _info()
    sink.session_started(info)
    sink.output_lines(info.id, [(0.0, "hello")])
    with pytest.raises(StoreSinkError, match="cannot open"):
        sink.session_ended(info)


def test_live_indexing_resumes_when_a_flood_is_over() -> None:
    sink = StoreSink(flush_interval=0.05, max_pending_chars=50_000)
    info = _info("flood")
    sink.session_started(info)
    for i in range(100):  # ~1 MB at once: far faster than anything is written
        sink.output_lines(info.id, [(i, "y" * 100 + f" flood{i}") for _ in range(100)])
    assert sink.dropped_lines > 0
    assert sink.flush(10)
    time.sleep(1.1)  # a quiet second: the flood is over
    sink.output_lines(info.id, [(200.0, "after the flood")])
    assert sink.flush(10)
    with Store.open() as store:
        assert [h.text for h in store.search("after the flood")] == ["after the flood"]
    sink.close()
