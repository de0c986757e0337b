"""Retention: old sessions go with their casts, rows, text and events; running ones stay; a disk cap
drops the oldest first; `ddcoterm prune` reads the config's store section."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from conftest import ddcoterm_cmd

from coterm import paths
from coterm.model import CommandEvent, SessionInfo
from coterm.store import Store

DAY = 86400


def _cast(path: Path, size: int = 10_000) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 2, "width": 80, "height": 24}\n' + "x" * (size - 42) + "\n")
    return str(path)


def _add(store: Store, sid: str, age_days: float, cast: str = "", running: bool = False) -> None:
    started = time.time() - age_days * DAY
    store.add_session(
        SessionInfo(
            sid, started, "u", "h", "sh", "sh", "all", cast or _cast(paths.sessions_dir() / f"{sid}.cast")
        ),
        pid=os.getpid() if running else None,
    )
    store.add_lines(sid, [(1.0, f"text of {sid}")])
    store.add_event(CommandEvent(session_id=sid, start=started + 1, line=f"cmd {sid}"))
    if not running:
        store.end_session(sid, started + 60, 0)


def test_prune_older_than_removes_cast_rows_text_and_events(tmp_path: Path) -> None:
    outside = _cast(tmp_path / "mine.cast")
    with Store.open() as store:
        _add(store, "old", 40)
        _add(store, "oldrun", 40, running=True)
        _add(store, "oldout", 40, cast=outside)
        _add(store, "new", 1)
        store.add_event(CommandEvent(session_id="", start=time.time() - 40 * DAY, line="loose"))
        preview = store.prune(30 * DAY, dry_run=True)
        assert sorted(preview.sessions) == ["old", "oldout"] and (paths.sessions_dir() / "old.cast").exists()
        result = store.prune(30 * DAY)
        assert sorted(result.sessions) == ["old", "oldout"] and result.events == 1
        assert sorted(s.id for s in store.sessions()) == ["new", "oldrun"]
        assert not (paths.sessions_dir() / "old.cast").exists()
        assert Path(outside).exists()  # a cast the user put elsewhere with -o stays
        assert {h.session_id for h in store.search("text")} == {"oldrun", "new"}
        assert {e.session_id for e in store.events()} == {"oldrun", "new"}


def test_disk_cap_drops_oldest_ended_sessions_first() -> None:
    with Store.open() as store:
        for sid, age in (("a", 5), ("b", 4), ("c", 3), ("d", 2)):
            _add(store, sid, age)
        result = store.prune(cap_bytes=25_000)  # each session: 10 kB cast + a few bytes of text
        assert result.sessions == ["a", "b"]
        assert [s.id for s in store.sessions()] == ["c", "d"]


def test_prune_cli_uses_config_and_explains_nothing_to_do() -> None:
    with Store.open() as store:
        _add(store, "old", 40)
        _add(store, "new", 1)
    out = subprocess.run([*ddcoterm_cmd(), "prune"], capture_output=True, text=True)
    assert out.returncode == 2 and "nothing to do" in out.stderr and out.stderr.count("\n") == 1
    paths.config_file().write_text("store:\n  max_age: 30d\n")
    out = subprocess.run([*ddcoterm_cmd(), "prune", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["sessions"] == ["old"]
    paths.config_file().write_text("store:\n  max_bytes: lots\n")
    out = subprocess.run([*ddcoterm_cmd(), "prune"], capture_output=True, text=True)
    assert out.returncode == 2 and "store.max_bytes" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run([*ddcoterm_cmd(), "prune", "--older-than", "soon"], capture_output=True, text=True)
    assert out.returncode == 2 and "duration" in out.stderr
