"""Ten processes writing to one fresh store at once: no write lost, no "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from coterm.store import Store

WRITERS = 10
ROUNDS = 40
LINES_PER_ROUND = 20

WRITER = (
    textwrap.dedent(
        """
    import os, sys, time
    from coterm.model import CommandEvent, SessionInfo
    from coterm.store import Store
    n, go = int(sys.argv[1]), sys.argv[2]
    while not os.path.exists(go):
        time.sleep(0.005)
    store = Store.open()  # all ten create and migrate the same new file at once
    sid = f"w{n}"
    store.add_session(SessionInfo(sid, time.time(), "u", "h", "sh", "sh", "all", ""), pid=os.getpid())
    for r in range(ROUNDS):
        store.add_lines(sid, [(r + i / 100, f"writer{n} round{r} line{i}") for i in range(LINES_PER_ROUND)])
        ev = CommandEvent(session_id=sid, start=time.time(), line=f"cmd{n} {r}")
        store.add_event(ev)
        store.finish_event(ev.id, 0.1, r % 3)
        if r % 10 == 0:
            store.search(f"writer{n}")  # readers run beside the writers
    store.end_session(sid, time.time(), 0)
    print("done", n)
    """
    )
    .replace("ROUNDS", str(ROUNDS))
    .replace("LINES_PER_ROUND", str(LINES_PER_ROUND))
)


def test_ten_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(n), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    time.sleep(0.5)  # let every interpreter start and wait at the line
    go.touch()
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert "locked" not in err.lower() and err == ""
        assert out.startswith("done")
    with Store.open() as store:
        sessions = store.sessions()
        assert sorted(s.id for s in sessions) == sorted(f"w{n}" for n in range(WRITERS))
        assert all(s.state == "ended" for s in sessions)
        events = store.events()
        assert len(events) == WRITERS * ROUNDS
        assert all(e.duration == 0.1 and e.exit_status is not None for e in events)
        for n in range(WRITERS):
            assert len(store.lines(f"w{n}")) == ROUNDS * LINES_PER_ROUND
            assert len(store.search(f"writer{n} line7", limit=None)) == ROUNDS
