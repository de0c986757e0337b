"""What the local store costs the recorder: `ddcoterm -o X -- cat F` with no session sinks, with a
no-op sink (the recorder's live line collector alone) and with StoreSink, interleaved round by round.

    python3 bench/store_sink_cost.py [--mb 40] [--rounds 3]

Redaction is off (config) so only the sinks differ. The store's share is StoreSink vs no-op.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DRIVER = """
import sys
import coterm.record.sinks as s
class Noop:
    def session_started(self, i): pass
    def output_lines(self, sid, lines): pass
    def command_event(self, e): pass
    def session_ended(self, i): pass
mode, cast, text = sys.argv[1:4]
if mode == "none":
    s.default_sinks = lambda: []
elif mode == "noop":
    s.default_sinks = lambda: [Noop()]
from coterm.cli import main
sys.exit(main(["-q", "-o", cast, "--", "cat", text]))
"""
MODES = ("none", "noop", "store")


def run(mode: str, home: Path, text: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MB of the largest child)"""
    env = dict(os.environ, COTERM_HOME=str(home))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", DRIVER, mode, str(home / f"{mode}.cast"), str(text)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - t
    return wall, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def wait_indexed(home: Path) -> float:
    """Seconds until the background reindex of what live indexing dropped is done."""
    from coterm.store import Store

    t = time.perf_counter()
    while time.perf_counter() - t < 300:
        with Store.open(home / "coterm.db") as store:
            if not store.unindexed():
                break
        time.sleep(0.2)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=40, help="size of the text file cat'ed (default 40)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cpus)")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "config.yaml").write_text("redaction:\n  enabled: false\n")
        text = home / "text.txt"
        with open(text, "w") as f:
            line = "".join(chr(48 + i % 75) for i in range(76)) + "\n"
            for i in range(args.mb * 1_000_000 // 77):
                f.write(f"{i:08d} {line}")
        walls: dict[str, list[float]] = {m: [] for m in MODES}
        catch_up: list[float] = []
        for _ in range(args.rounds):
            for mode in MODES:
                walls[mode].append(run(mode, home, text)[0])
            catch_up.append(wait_indexed(home))
    med = {m: statistics.median(v) for m, v in walls.items()}
    for mode in MODES:
        print(f"{mode:<6} median {med[mode]:.2f}s  ({', '.join(f'{w:.2f}' for w in walls[mode])})")
    print(f"live line collector (noop / none): {med['noop'] / med['none']:.2f}x")
    print(f"the store's share (store / noop):  {med['store'] / med['noop']:.2f}x")
    late = statistics.median(catch_up)
    print(f"background catch-up after the store run (niced, off the terminal's path): {late:.1f}s")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
