"""The store behind the real recorder: sessions recorded on a pty are found by `ddcoterm search`
(live too), killed sessions are listed, and a lost database is rebuilt from the casts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
from conftest import ddcoterm_cmd

from coterm import paths
from coterm.store import Store


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ddcoterm_cmd(), *args], capture_output=True, text=True, timeout=60)


def _json(*args: str):  # type: ignore[no-untyped-def]
    out = _cli(*args, "--json")
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def _wait_indexed(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not all(s["indexed"] for s in _json("sessions")):
        time.sleep(0.3)


def _record(*command: str, output: str = "") -> pexpect.spawn:
    argv = [*ddcoterm_cmd()[1:], *(["-o", output] if output else []), "--", *command]
    return pexpect.spawn(ddcoterm_cmd()[0], argv, encoding="utf-8", timeout=30, dimensions=(24, 100))


def test_recorded_output_is_found_with_its_offset(tmp_path: Path) -> None:
    cast = tmp_path / "needle.cast"
    child = _record("sh", "-c", "sleep 1; echo hello-needle; exit 3", output=str(cast))
    child.expect("hello-needle")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    (hit,) = _json("search", "hello-needle")
    assert hit["text"] == "hello-needle"
    assert 0.9 <= hit["offset"] <= 2.0 and hit["at"] == "00:01"
    assert hit["replay"] == f"ddcoterm play {hit['session']} --at 00:01"
    played = subprocess.run(
        [*ddcoterm_cmd(), "play", hit["session"], "--at", hit["at"]],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert played.returncode == 0 and "hello-needle" in played.stdout  # the replay command works
    (session,) = _json("sessions")
    assert session["id"] == hit["session"] and session["path"] == str(cast)
    assert session["state"] == "ended" and session["exit_status"] == 3
    assert session["size"] == cast.stat().st_size
    (event,) = _json("events", "--session", session["id"])
    assert event["line"] == "sh -c 'sleep 1; echo hello-needle; exit 3'"
    assert event["exit_status"] == 3 and 0.9 <= event["duration"] <= 3.0
    coloured = _cli("search", "hello-needle", "--color", "always").stdout
    assert "\x1b[1;31mhello-needle\x1b[0m" in coloured
    assert "\x1b" not in _cli("search", "hello-needle").stdout  # not a tty: no colour


def test_live_session_is_searchable_within_two_seconds() -> None:
    child = _record("sh", "-c", "echo live-needle-one; sleep 3; echo live-needle-two")
    child.expect("live-needle-one")
    seen = time.monotonic()
    found = []
    while time.monotonic() - seen < 2.0 and not found:
        found = _json("search", "live-needle-one")
    elapsed = time.monotonic() - seen
    states = [s["state"] for s in _json("sessions")]
    child.expect(pexpect.EOF, timeout=20)
    child.close()
    assert found, "live output not searchable within 2 s"
    assert elapsed < 2.0 and states == ["running"]
    assert [h["text"] for h in _json("search", "live-needle*")] == ["live-needle-two", "live-needle-one"]


def test_killed_recorder_leaves_a_killed_searchable_session() -> None:
    child = _record("sh", "-c", "echo before-the-kill; sleep 8")
    child.expect("before-the-kill")
    time.sleep(1.5)  # the recorder hands lines over about once a second
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    deadline = time.monotonic() + 10
    states = []
    while time.monotonic() < deadline:
        states = [s["state"] for s in _json("sessions")]
        if states and states[0] != "running":
            break
        time.sleep(0.2)
    assert states == ["killed"]
    assert [h["text"] for h in _json("search", "before-the-kill")] == ["before-the-kill"]


def test_reindex_after_losing_the_db_gives_the_same_results() -> None:
    script = (
        "printf 'progress 10%%\\rprogress 55%%\\rprogress 100%%\\n'; "
        "printf '\\033[31mred alert\\033[0m in colour\\n'; "
        'i=0; while [ $i -lt 3000 ]; do echo "row $i of the bulk output"; i=$((i+1)); done; '
        "sleep 1; echo 'after a pause: the end'"
    )
    child = _record("sh", "-c", script)
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    queries = ["progress", "red alert", "row 1234", "row*", "bulk 2999", "pause end"]

    def results() -> list:
        with Store.open() as store:
            return [[(h.text, h.offset) for h in store.search(q, limit=None)] for q in queries]

    def same(a: list, b: list) -> bool:
        """Same hits in the same order; offsets agree to a few ms (blocks keep ms deltas)."""
        pairs = [(x, y) for qa, qb in zip(a, b) for x, y in zip(qa, qb)]
        return [len(q) for q in a] == [len(q) for q in b] and all(
            x[0] == y[0] and abs(x[1] - y[1]) < 0.003 for x, y in pairs
        )

    _wait_indexed()  # under load the live index may have left a burst to the background catch-up
    live = results()
    assert live[0] == [("progress 100%", live[0][0][1])]  # the bar collapsed to its final state
    assert len(live[3]) == 3000 and live[4][0][0] == "row 2999 of the bulk output"
    for f in paths.home().glob("coterm.db*"):
        f.unlink()
    (found,) = _json("sessions")
    assert found["indexed"] is False and found["state"] == "ended"
    assert _json("search", "progress") == []
    out = _cli("reindex")
    assert out.returncode == 0 and "reindexed 1 session" in out.stdout, out.stderr
    assert same(results(), live)
    assert _cli("reindex", found["id"][:6]).returncode == 0  # one session, over its old rows
    assert _cli("reindex").returncode == 0  # everything, over a full index
    assert same(results(), live)
    assert sys.executable


def test_ten_recorders_at_once_lose_nothing() -> None:
    script = 'i=0; while [ $i -lt 200 ]; do echo "rec{n} line $i"; i=$((i+1)); done'
    procs = [
        subprocess.Popen(
            [*ddcoterm_cmd(), "--", "sh", "-c", script.format(n=n)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(10)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    failed = [(p.returncode, err) for p, err in zip(procs, errors) if p.returncode != 0]
    assert not failed, "\n".join(f"exit {rc}: {err}" for rc, err in failed)
    for err in errors:
        assert "locked" not in err and "failed" not in err, err
    sessions = _json("sessions")
    assert len(sessions) == 10 and {s["state"] for s in sessions} == {"ended"}
    assert all(s["indexed"] for s in sessions)
    assert len(_json("events")) == 10
    for n in range(10):
        hits = _json("search", f"rec{n} line", "-n", "0")
        assert len(hits) == 200, n


def test_output_faster_than_the_index_is_caught_up_after_the_session() -> None:
    import sqlite3

    Store.open().close()
    blocker = sqlite3.connect(str(paths.db_file()), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the index cannot keep up: nothing can be written
    child = _record("sh", "-c", "seq 1 400000; echo the-last-line")
    child.expect("the-last-line", timeout=60)
    blocker.execute("COMMIT")
    blocker.close()
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    assert child.exitstatus == 0
    _wait_indexed()  # a background reindex completes the session
    (session,) = _json("sessions")
    assert session["indexed"]
    assert [h["text"] for h in _json("search", "the-last-line")] == ["the-last-line"]
    assert [h["text"] for h in _json("search", "123456")] == ["123456"]  # dropped live: > 1M chars
    assert [h["text"] for h in _json("search", "399999")] == ["399999"]
