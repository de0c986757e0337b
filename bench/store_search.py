"""Search latency of the local store over a large index of session text.

Builds (once, cached under bench/out/) a store holding --size of terminal text spread over many
sessions, users, hosts and days, with command events and planted needles, timing the indexing as it
goes. Then runs a mix of queries the way `ddcoterm search` does (limit 20): rare words, absent words,
common words, phrases, prefixes, IP-like phrases, and session/since/user/host/command filters.
Baseline, same run: a linear scan of the same text (what you get without the index), as a ratio.
Goal: p50 <= 50 ms, p99 <= 200 ms over 1 GB; indexing >= 20 MB/s.

    python3 bench/store_search.py --size 100MB        # quick
    python3 bench/store_search.py --size 1GB          # the goal; reuses bench/out/store-1GB.db
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from store_corpus import lines as corpus_lines  # noqa: E402

from coterm.model import CommandEvent, SessionInfo  # noqa: E402
from coterm.store import Store  # noqa: E402
from coterm.store.when import parse_size  # noqa: E402

SESSION_CHARS = 2_000_000
BATCH = 11000  # lines per add_lines call (~1 MB): what StoreSink writes at once when output is fast
USERS = ["alice", "bob", "carol", "dave", "erin", "root"]
NEEDLES = 300
DAY = 86400.0


def build(path: Path, total: int, seed: int = 11) -> dict:
    """Fill a new store with `total` characters of text; returns timing facts."""
    r = random.Random(seed)
    source = corpus_lines(seed)
    store = Store.open(path, cache_mb=64)
    n_sessions = max(1, total // SESSION_CHARS)
    needle_at = set(r.sample(range(n_sessions * (SESSION_CHARS // 90)), NEEDLES))
    now = time.time()
    chars = line_no = 0
    busy = cpu = 0.0
    for n in range(n_sessions):
        started = now - 30 * DAY + 30 * DAY * n / n_sessions
        command = r.choice(["bash"] * 8 + ["kubectl logs -f deploy/web", "tail -f /var/log/syslog"])
        sid = f"s{n:05d}"
        store.add_session(
            SessionInfo(sid, started, r.choice(USERS), f"host-{r.randint(1, 40)}", command, "bash", "all", "")
        )
        _events(store, sid, started, r)
        t, size = 0.0, 0
        while size < SESSION_CHARS:
            batch = []
            want = min(BATCH, max(1, (SESSION_CHARS - size) // 90))
            for text in itertools.islice(source, want):
                t += r.random() * 0.6
                if line_no in needle_at:
                    text += f" needle{line_no}x"
                batch.append((t, text))
                line_no += 1
                size += len(text) + 1
            w0, c0 = time.perf_counter(), time.process_time()
            store.add_lines(sid, batch)
            busy += time.perf_counter() - w0
            cpu += time.process_time() - c0
        store.end_session(sid, started + t, 0)
        chars += size
        if n % 50 == 0:
            print(f"  built {n + 1}/{n_sessions} sessions, {chars / 1e6:.0f} MB", flush=True)
    store.close()
    return {
        "mb": chars / 1e6,
        "sessions": n_sessions,
        "index_mb_s": chars / 1e6 / busy,
        "index_mb_s_cpu": chars / 1e6 / cpu,
        "needles": sorted(needle_at),
        "built": time.strftime("%Y-%m-%d %H:%M"),
        "load": os.getloadavg()[0],
    }


def _events(store: Store, sid: str, started: float, r: random.Random) -> None:
    t = 0.0
    for _ in range(30):
        t += r.random() * 200
        cmd = r.choice(["kubectl get pods", "git status", "make -j2", "ls -l", "kubectl logs web"])
        store.add_event(
            CommandEvent(session_id=sid, start=started + t, line=cmd, duration=r.random() * 60, exit_status=0)
        )


def queries(info: dict, store: Store, r: random.Random) -> list[tuple[str, dict]]:
    """(kind, search kwargs) for one round of the mix."""
    newest = store._w.conn.execute("SELECT max(started) FROM sessions").fetchone()[0]
    sid = f"s{r.randrange(info['sessions']):05d}"
    needle = f"needle{r.choice(info['needles'])}x"
    ip = f'"10.0.{r.randint(0, 9)}.{r.randint(1, 254)}"'
    return [
        ("rare word", {"query": needle}),
        ("absent word", {"query": f"zzqx{r.randint(0, 10**6)}"}),
        ("common word", {"query": r.choice(["timeout", "error", "pods", "running"])}),
        ("phrase", {"query": r.choice(['"connection refused"', '"unused variable"', '"worker pool"'])}),
        ("prefix", {"query": r.choice(["upstr*", "kube*", "snap*", "roll*"])}),
        ("ip phrase", {"query": ip}),
        ("two words", {"query": r.choice(["deploy rollback", "cache miss", "leader election"])}),
        ("session filter", {"query": r.choice(["error", "timeout", "GET"]), "session": sid}),
        ("since 6h", {"query": r.choice(["error", "pods"]), "since": newest - 6 * 3600}),
        ("user filter", {"query": f"timeout user:{r.choice(USERS)}"}),
        ("host filter", {"query": f"ready host:host-{r.randint(1, 4)}*"}),
        ("command filter", {"query": "error command:kubectl"}),
        ("rare + user", {"query": f"{needle} user:{r.choice(USERS)}"}),
        ("rare in session", {"query": needle, "session": sid}),
    ]


def linear_scan(store: Store, word: str) -> float:
    """The baseline: find lines holding `word` without the index."""
    t = time.perf_counter()
    store._w.conn.execute(
        "SELECT id FROM lines WHERE instr(lower(text), ?) > 0 ORDER BY id DESC LIMIT 20", (word,)
    ).fetchall()
    return time.perf_counter() - t


def _cli_time(db: Path, query: str) -> float:
    """One `ddcoterm search` run against the bench db (its COTERM_HOME points there)."""
    home = db.parent / f"home-{db.stem}"
    home.mkdir(exist_ok=True)
    target = home / "coterm.db"
    if not target.exists():
        target.symlink_to(db)
    env = dict(os.environ, COTERM_HOME=str(home))
    t = time.perf_counter()
    argv = [sys.executable, "-m", "coterm", "search", query]
    subprocess.run(argv, env=env, capture_output=True, check=False)
    return time.perf_counter() - t


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1GB", help="indexed text to search over (default 1GB)")
    ap.add_argument("--rounds", type=int, default=30, help="rounds of the query mix (default 30)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached db")
    args = ap.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    os.environ["COTERM_HOME"] = str(out / "home")
    label = args.size.replace(" ", "")
    db, facts = out / f"store-{label}.db", out / f"store-{label}.json"
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cpus)")
    if args.rebuild or not (db.exists() and facts.exists()):
        for f in out.glob(f"store-{label}.db*"):
            f.unlink()
        print(f"building {db} ...")
        info = build(db, parse_size(args.size))
        facts.write_text(json.dumps(info))
    else:
        info = json.loads(facts.read_text())
        print(f"using cached {db} (built {info['built']})")
    size = sum(f.stat().st_size for f in out.glob(f"store-{label}.db*"))
    print(
        f"index: {info['mb']:.0f} MB of text in {info['sessions']} sessions; db {size / 1e6:.0f} MB; "
        f"indexed at {info['index_mb_s']:.1f} MB/s wall, {info['index_mb_s_cpu']:.1f} MB/s per CPU-second "
        f"(load {info['load']:.1f} when built)"
    )
    r = random.Random(5)
    times: dict[str, list[float]] = {}
    with Store.open(db) as store:  # as `ddcoterm search` opens it
        store.search("warmup")
        for _ in range(args.rounds):
            for kind, kw in queries(info, store, r):
                t = time.perf_counter()
                store.search(limit=20, **kw)
                times.setdefault(kind, []).append(time.perf_counter() - t)
        base = [linear_scan(store, w) for w in ("zzqx1", "needle")]
    cli = _cli_time(db, f"needle{info['needles'][0]}x")
    every = [t for ts in times.values() for t in ts]
    print(f"\n{'query':<16} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, ts in times.items():
        print(f"{kind:<16} {pct(ts, 50) * 1e3:8.1f} {pct(ts, 99) * 1e3:8.1f} {max(ts) * 1e3:8.1f}")
    p50, p99 = pct(every, 50), pct(every, 99)
    print(
        f"{'ALL':<16} {p50 * 1e3:8.1f} {p99 * 1e3:8.1f} {max(every) * 1e3:8.1f}   goal p50 <= 50, p99 <= 200"
    )
    scan = statistics.median(base)
    print(f"\nbaseline linear scan (no index): {scan * 1e3:.0f} ms per query")
    print(f"ratio baseline / index p50: {scan / p50:.0f}x")
    print(f"whole `ddcoterm search` command (interpreter start included): {cli * 1e3:.0f} ms")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
