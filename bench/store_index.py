"""Indexing throughput of the local store.

1. Store.add_lines (blocks + FTS5) with ~1 MB calls, what the recorder's StoreSink hands over when
   output comes fast. Baseline, same run, same lines: the same rows into a plain SQLite table with
   no full-text index, so the ratio is the price of searchability.
2. The sink path as the recorder drives it: StoreSink.output_lines with 2000-line calls paced at
   --rate (default 20 MB/s of text) for --seconds; reports lines dropped (output faster than the
   index: those sessions wait for `ddcoterm reindex --missing`) and how long the backlog took.
Goal: >= 20 MB/s.

    python3 bench/store_index.py [--size 100MB] [--rate 20MB] [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_corpus import lines as corpus_lines  # noqa: E402

from coterm.model import SessionInfo  # noqa: E402
from coterm.store import Store  # noqa: E402
from coterm.store.sink import StoreSink  # noqa: E402
from coterm.store.when import parse_size  # noqa: E402

SESSION_CHARS = 4_000_000
CALL_LINES = 2000  # the recorder hands its sinks at most this many lines at once


def batches(total: int, call_chars: int, seed: int = 7) -> list[tuple[str, list[tuple[float, str]]]]:
    """(session id, lines) calls of about call_chars characters, adding up to total."""
    out, size, n, t, in_session = [], 0, 0, 0.0, 0
    source = corpus_lines(seed)
    while size < total:
        chunk, chars = [], 0
        while chars < call_chars:
            text = next(source)
            t += 0.002
            chunk.append((t, text))
            chars += len(text) + 1
        out.append((f"s{n}", chunk))
        size += chars
        in_session += chars
        if in_session >= SESSION_CHARS:
            n, in_session, t = n + 1, 0, 0.0
    return out


def mb_of(work: list) -> float:
    return sum(len(x) + 1 for _, chunk in work for _, x in chunk) / 1e6


def run_store(path: Path, work: list) -> tuple[float, float]:
    """(wall seconds, CPU seconds) spent in add_lines."""
    store = Store.open(path)
    for sid in sorted({sid for sid, _ in work}):
        store.add_session(SessionInfo(sid, time.time(), "u", "h", "sh", "sh", "all", ""))
    wall, cpu = time.perf_counter(), time.process_time()
    for sid, chunk in work:
        store.add_lines(sid, chunk)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    store.close()
    return wall, cpu


def run_plain(path: Path, work: list) -> tuple[float, float]:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE lines (id INTEGER PRIMARY KEY, session_id TEXT, offset REAL, text TEXT)")
    conn.execute("CREATE INDEX lines_session ON lines(session_id)")
    wall, cpu = time.perf_counter(), time.process_time()
    for sid, chunk in work:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO lines (session_id, offset, text) VALUES (?, ?, ?)", [(sid, o, t) for o, t in chunk]
        )
        conn.execute("COMMIT")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    conn.close()
    return wall, cpu


def run_sink(path: Path, rate: float, seconds: float) -> dict:
    """Feed a StoreSink at `rate` chars/s in recorder-sized calls; what got dropped, how far behind."""
    flat = [item for _, chunk in batches(int(rate * seconds), 1 << 20) for item in chunk]
    calls = [flat[i : i + CALL_LINES] for i in range(0, len(flat), CALL_LINES)]
    sink = StoreSink(path=path)
    info = SessionInfo("paced", time.time(), "u", "h", "sh", "sh", "all", "")
    sink.session_started(info)
    start = time.perf_counter()
    sent = 0
    for call in calls:
        sink.output_lines(info.id, call)
        sent += sum(len(t) + 1 for _, t in call)
        ahead = sent / rate - (time.perf_counter() - start)
        if ahead > 0:
            time.sleep(ahead)
    fed = time.perf_counter() - start
    sink.flush(60)
    done = time.perf_counter() - start
    sink.close()
    return {"mb": sent / 1e6, "fed_s": fed, "done_s": done, "dropped": sink.dropped_lines, "lines": len(flat)}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100MB", help="text for the add_lines run (default 100MB)")
    ap.add_argument("--rate", default="20MB", help="text per second fed to the sink (default 20MB)")
    ap.add_argument("--seconds", type=float, default=5.0, help="how long the sink is fed (default 5)")
    args = ap.parse_args()
    print(f"load average at start: {load()} ({os.cpu_count()} cpus)")
    work = batches(parse_size(args.size), 1 << 20)
    mb = mb_of(work)
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
        plain = run_plain(Path(tmp) / "plain.db", work)
        store = run_store(Path(tmp) / "store.db", work)
        size = sum(f.stat().st_size for f in Path(tmp).glob("store.db*"))
        sink = run_sink(Path(tmp) / "sink.db", parse_size(args.rate), args.seconds)
    print(f"\n1. {mb:.0f} MB of terminal text, ~1 MB per call")
    for name, (wall, cpu) in (("baseline (plain table)", plain), ("store.add_lines", store)):
        print(f"   {name:<24} {mb / wall:6.1f} MB/s wall  {mb / cpu:6.1f} MB/s per CPU-second")
    print(f"   ratio store/baseline: {store[0] / plain[0]:.1f}x wall")
    print(f"   db size {size / 1e6:.0f} MB ({size / 1e6 / mb:.2f}x the text)")
    kept = 100 * (1 - sink["dropped"] / sink["lines"])
    print(f"\n2. StoreSink fed {sink['mb']:.0f} MB at {args.rate}/s in {CALL_LINES}-line calls")
    print(f"   fed in {sink['fed_s']:.1f}s, all written {sink['done_s']:.1f}s after the start; ", end="")
    print(f"{kept:.1f}% of lines indexed live ({sink['dropped']} left for reindex)")
    print(f"\nload average at end: {load()}")


if __name__ == "__main__":
    main()
