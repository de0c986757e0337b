"""The store's API on a real temp database: sessions, lines and search, events, outbox, migrations."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coterm import paths
from coterm.model import CommandEvent, SessionInfo
from coterm.store import QueryError, Store, StoreError


def _session(sid: str, started: float, **kw) -> SessionInfo:
    base = dict(user="alice", host="web-1", command="bash", shell="/bin/bash", mode="all", cast_path="")
    base.update(kw)
    return SessionInfo(id=sid, started=started, **base)


@pytest.fixture
def store():
    s = Store.open()
    yield s
    s.close()


def test_search_finds_lines_with_offsets_and_highlights(store: Store) -> None:
    t0 = time.time() - 100
    store.add_session(_session("s1", t0))
    store.add_lines("s1", [(0.5, "starting up"), (12.25, "Error: connection refused (port 5432)")])
    hits = store.search("connection refused")
    assert [(h.session_id, h.offset, h.text) for h in hits] == [
        ("s1", 12.25, "Error: connection refused (port 5432)")
    ]
    h = hits[0]
    assert [h.text[a:b] for a, b in h.spans] == ["connection", "refused"]
    assert h.at == "00:12" and h.replay == "ddcoterm play s1 --at 00:12"
    assert store.search("5432")[0].offset == 12.25


def test_query_syntax_words_phrases_prefix(store: Store) -> None:
    store.add_session(_session("s1", time.time()))
    store.add_lines(
        "s1",
        [
            (1, "kubectl get pods -n payments"),
            (2, "pods are ready, kubectl said"),
            (3, "echo hello-needle"),
            (4, "snake_case_word and CamelCase"),
        ],
    )
    assert {h.offset for h in store.search("kubectl pods")} == {1, 2}  # all words, any order
    assert [h.offset for h in store.search('"kubectl get"')] == [1]  # phrase: adjacent, in order
    assert [h.offset for h in store.search('"get kubectl"')] == []
    assert [h.offset for h in store.search("kube*")] == [2, 1]  # newest first
    assert [h.offset for h in store.search("hello-needle")] == [3]
    assert [h.offset for h in store.search("HELLO")] == [3]  # case-insensitive
    assert [h.offset for h in store.search("case")] == [4]  # "_" separates words
    assert store.search("paym*")[0].spans == [(20, 28)]  # the whole word "payments"


def test_a_hit_is_one_line_even_when_lines_share_a_block(store: Store) -> None:
    store.add_session(_session("s1", time.time()))
    store.add_lines("s1", [(1, "alpha one"), (2, "beta two"), (3, "alpha beta")])
    assert [h.offset for h in store.search("alpha beta")] == [3]
    assert [h.offset for h in store.search('"one beta"')] == []  # no phrase across a line break


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unterminated',
        "*",
        "a AND",
        "NEAR(x y)",
        "^x",
        "-x",
        "x:y",
        "(",
        ")",
        "{a b}:c",
        "a OR",
        "'",
        "NOT",
        "col:",
        "''",
        "\\",
        "日本語",
        "x" * 500,
        "a\x00b",
        '"a" + "b"',
        "*foo",
        "foo**",
    ],
)
def test_no_user_text_is_an_fts_syntax_error(store: Store, query: str) -> None:
    store.add_session(_session("s1", time.time()))
    store.add_lines("s1", [(1, "x y a b foo 日本語 near col")])
    with contextlib.suppress(QueryError):  # only "nothing to search for", never an sqlite error
        store.search(query)


def test_filters_user_host_session_command_since(store: Store) -> None:
    now = time.time()
    store.add_session(_session("old", now - 7200, user="bob", host="db-1"))
    store.add_session(_session("new", now - 60, user="alice", host="web-2", command="kubectl logs web"))
    store.add_lines("old", [(1, "needle in the old one")])
    store.add_lines("new", [(1, "needle in the new one"), (30, "needle again")])
    for hook_line, start, dur in (("kubectl get pods", now - 50, 5.0), ("ls", now - 40, 1.0)):
        store.add_event(CommandEvent(session_id="old", start=start, line=hook_line, duration=dur))
    ids = lambda q, **kw: sorted({h.session_id for h in store.search(q, **kw)})  # noqa: E731
    assert ids("needle") == ["new", "old"]
    assert ids("needle user:bob") == ["old"]
    assert ids("needle host:web-*") == ["new"]
    assert ids("needle session:ne") == ["new"]  # a unique id prefix
    assert ids("needle", session="old") == ["old"]
    assert ids("needle", since=now - 3600) == ["new"]
    assert [h.offset for h in store.search("needle", since=now - 45)] == [30]
    assert ids("needle command:kubectl") == ["new"]  # the session's own command
    with pytest.raises(StoreError):
        store.search("needle", session="nope")
    with pytest.raises(QueryError):
        store.search("user:bob")


def test_command_filter_uses_event_windows(store: Store) -> None:
    now = time.time()
    store.add_session(_session("s", now - 100))
    store.add_event(CommandEvent(session_id="s", start=now - 90, line="kubectl get pods", duration=5))
    store.add_lines("s", [(12, "error from kubectl window"), (50, "error later, from ls")])
    assert [h.offset for h in store.search("error command:kubectl")] == [12]
    assert store.search("error command:terraform") == []


def test_sessions_running_ended_killed_and_json(store: Store, tmp_path: Path) -> None:
    cast = tmp_path / "a.cast"
    cast.write_text('{"version": 2, "width": 80, "height": 24}\n[0.5, "o", "hi\\r\\n"]\n')
    t0 = time.time() - 50
    store.add_session(_session("live", t0, cast_path=str(cast)), pid=os.getpid())
    dead = subprocess.Popen(["true"])
    dead.wait()
    store.add_session(_session("dead", t0 + 1, cast_path=str(cast)), pid=dead.pid)
    store.add_session(_session("done", t0 + 2))
    store.end_session("done", t0 + 12, 3)
    by_id = {s.id: s for s in store.sessions()}
    assert by_id["live"].state == "running" and by_id["live"].size == cast.stat().st_size
    assert by_id["dead"].state == "killed" and by_id["dead"].ended is not None
    assert not by_id["dead"].indexed  # its last lines may only be in the cast: reindex --missing
    assert by_id["done"].state == "ended" and by_id["done"].exit_status == 3
    assert by_id["done"].duration == pytest.approx(10)
    keys = set(by_id["done"].to_json())
    assert keys == {
        "id",
        "started",
        "started_ts",
        "ended",
        "ended_ts",
        "duration",
        "state",
        "exit_status",
        "command",
        "shell",
        "user",
        "host",
        "mode",
        "title",
        "path",
        "size",
        "width",
        "height",
        "indexed",
    }
    assert [s.id for s in store.sessions(limit=2)] == ["dead", "done"]


def test_events_outcomes_duration_and_command_filter(store: Store) -> None:
    t = time.time() - 30
    allowed = CommandEvent(session_id="s", start=t, line="ls -l", argv=["ls", "-l"])
    store.add_event(allowed)
    store.finish_event(allowed.id, 0.25, 0)
    confirmed = CommandEvent(
        session_id="s",
        start=t + 1,
        line="kubectl scale deploy/web --replicas=0",
        decision="confirm",
        rules=[{"kind": "lint", "message": "No kubectl context specified"}],
    )
    store.add_event(confirmed)
    store.finish_event(confirmed.id, 2.5, 0, lint_outcome="confirmed")
    cancelled = CommandEvent(
        session_id="s",
        start=t + 2,
        line="sudo kubectl delete ns prod",
        decision="confirm",
        lint_outcome="cancelled",
    )
    store.add_event(cancelled)
    failed = CommandEvent(
        session_id="", start=t + 3, line="false", duration=0.01, exit_status=1, source="shim"
    )
    store.add_event(failed)
    rows = store.events()
    assert [(e.line, e.duration, e.exit_status, e.lint_outcome) for e in rows] == [
        ("ls -l", 0.25, 0, ""),
        ("kubectl scale deploy/web --replicas=0", 2.5, 0, "confirmed"),
        ("sudo kubectl delete ns prod", None, None, "cancelled"),
        ("false", 0.01, 1, ""),
    ]
    assert rows[1].rules == [{"kind": "lint", "message": "No kubectl context specified"}]
    assert [e.line for e in store.events(command="kubectl")] == [confirmed.line, cancelled.line]
    assert [e.line for e in store.events(session="s", limit=1)] == [cancelled.line]
    assert [e.line for e in store.events(since=t + 2.5)] == ["false"]


def test_outbox_queue(store: Store) -> None:
    a = store.enqueue("log", {"msg": "one"})
    b = store.enqueue("event", {"msg": "two"})
    assert [(i.id, i.payload) for i in store.dequeue()] == [(a, {"msg": "one"}), (b, {"msg": "two"})]
    store.retry_later(a, "HTTP 503", delay=60)
    assert [i.id for i in store.dequeue()] == [b]
    store.ack([b])
    assert store.dequeue() == []


def test_schema_is_versioned_and_newer_db_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    Store.open(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("PRAGMA user_version=999")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store.open(db)


def test_default_path_is_under_coterm_home(coterm_home: Path) -> None:
    Store.open().close()
    assert paths.db_file().is_file() and paths.db_file().parent == coterm_home


def test_cli_json_shapes(store: Store) -> None:
    from conftest import ddcoterm_cmd

    now = time.time()
    store.add_session(_session("abc123", now - 10))
    store.add_lines("abc123", [(3.5, "the needle is here")])
    store.add_event(CommandEvent(session_id="abc123", start=now - 9, line="grep needle", exit_status=0))
    out = subprocess.run([*ddcoterm_cmd(), "search", "needle", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    (hit,) = json.loads(out.stdout)
    assert hit["session"] == "abc123" and hit["at"] == "00:03" and hit["spans"] == [[4, 10]]
    assert hit["replay"] == "ddcoterm play abc123 --at 00:03"
    out = subprocess.run([*ddcoterm_cmd(), "events", "--json"], capture_output=True, text=True)
    assert json.loads(out.stdout)[0]["line"] == "grep needle"
    out = subprocess.run([*ddcoterm_cmd(), "search", "nothing-like-this"], capture_output=True, text=True)
    assert out.returncode == 1 and "no matches" in out.stdout
    out = subprocess.run([*ddcoterm_cmd(), "search", "user:x"], capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr and out.stderr.count("\n") == 1
    out = subprocess.run([*ddcoterm_cmd(), "events", "--since", "yesterday"], capture_output=True, text=True)
    assert out.returncode == 2 and "--since" in out.stderr and "Traceback" not in out.stderr
    assert sys.executable  # the CLI ran under the same interpreter family
