"""Recorder speed: bulk output and keystroke echo through `ddcoterm` vs `script` vs direct.

    python3 bench/record_throughput.py [--mb 300] [--rounds 5] [--echo 300]

Every variant runs under the same pty driver (a stand-in for a terminal emulator: a fresh
120x40 pty whose master is drained in 64 KiB reads), interleaved round by round, so load
from other jobs on the machine hits all variants alike; medians are reported.

- bulk: `cat F` of a text file (F is made once, /tmp/coterm-bench-<MB>.txt)
    direct       cat F
    script       script -q -c 'cat F' /dev/null          (the issue's baseline)
    script>file  script -q -c 'cat F' /tmp/...typescript (script also writing its log)
    dd recorder  ddcoterm -q -o CAST -- cat F, redaction off (config), no session sinks
    dd redact    the same with redaction on (the default), no session sinks
    dd +store    redaction off, with the default sinks (the local store's index)
    dd default   ddcoterm as installed: redaction on, local store
  ddcoterm runs as `python -m coterm` (no launcher script in the way).
- echo: one byte typed, time until its echo comes back, with `cat` waiting for input
  (direct on the pty vs through ddcoterm); p50/p90 and the added p50.
- memory: peak RSS of the largest single process of the ddcoterm tree (wait4 rusage: the
  proxy waits for its recording process, so both are covered), and the peak of the proxy +
  recording process PSS sum (/proc/PID/smaps_rollup, sampled every 0.25 s). The two are
  fork-related and share copy-on-write pages, so their summed RSS (also printed) counts
  those twice; PSS does not.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import random
import select
import shutil
import statistics
import string
import struct
import sys
import termios
import time
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
COLS, ROWS = 120, 40
CAST = "/tmp/coterm-bench.cast"


def make_file(mb: int) -> Path:
    path = Path(f"/tmp/coterm-bench-{mb}.txt")
    size = mb * 1_000_000
    if path.exists() and path.stat().st_size == size:
        return path
    rng = random.Random(7)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(500)]
    block_lines = []
    for i in range(2000):
        n = rng.randint(4, 16)
        block_lines.append(f"{i:05d} " + " ".join(rng.choices(words, k=n)))
    block = ("\n".join(block_lines) + "\n").encode()
    with open(path, "wb") as f:
        written = 0
        while written < size:
            chunk = block[: size - written]
            f.write(chunk)
            written += len(chunk)
    return path


# The recorder alone: no session sinks (the local store) called.
NO_SINKS = (
    "import sys; import coterm.record.sinks as s; s.default_sinks = lambda: []; "
    "from coterm.cli import main; sys.exit(main(sys.argv[1:]))"
)


def ddcoterm_argv(*args: str) -> List[str]:
    return [sys.executable, "-m", "coterm", *args]


def _spawn(argv: List[str], env: Dict[str, str]) -> Tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    return pid, fd


def _tree_mem_kb(pid: int) -> Tuple[int, int]:
    """(RSS, PSS) summed over pid and its python children (proxy + recording process).

    The recording process is forked from the proxy, so the two share the interpreter and
    every module imported before the fork (copy-on-write): summed RSS counts those pages
    twice. PSS charges each shared page half to each process, so the PSS sum is the memory
    the recorder really takes."""
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    rss = pss = 0
    for p in pids:
        try:
            if "python" not in Path(f"/proc/{p}/comm").read_text() and p != pid:
                continue
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss, pss


def drive(argv: List[str], env: Dict[str, str], sample_rss: bool = False) -> Dict[str, float]:
    start = time.perf_counter()
    pid, fd = _spawn(argv, env)
    seen = 0
    peak_rss = peak_pss = 0
    next_sample = start
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        seen += len(data)
        if sample_rss and time.perf_counter() >= next_sample:
            rss, pss = _tree_mem_kb(pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            next_sample = time.perf_counter() + 0.25
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    os.close(fd)
    return {
        "wall": wall,
        "bytes": seen,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "sum_rss_mb": peak_rss / 1024,
        "sum_pss_mb": peak_pss / 1024,
        "status": os.waitstatus_to_exitcode(status),
    }


def echo_latency(argv: List[str], env: Dict[str, str], n: int) -> List[float]:
    """Type one byte at a time into `cat`; time until the pty echo comes back."""
    pid, fd = _spawn(argv, env)
    time.sleep(1.0)  # let the program start
    _drain(fd, 0.2)
    samples = []
    for i in range(n):
        ch = bytes([97 + i % 26])
        t = time.perf_counter()
        os.write(fd, ch)
        got = b""
        while ch not in got:
            ready, _, _ = select.select([fd], [], [], 2.0)
            if not ready:
                break
            got += os.read(fd, 1024)
        samples.append(time.perf_counter() - t)
        if i % 60 == 59:
            os.write(fd, b"\r")
            _drain(fd, 0.02)
        time.sleep(0.003)
    os.write(fd, b"\r\x04")
    _drain(fd, 1.0, until_eof=True)
    os.waitpid(pid, 0)
    os.close(fd)
    return samples


def _drain(fd: int, seconds: float, until_eof: bool = False) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], max(0.0, end - time.perf_counter()))
        if not ready:
            if not until_eof:
                return
            continue
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def pct(values: List[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--echo", type=int, default=300, help="keystrokes per echo run (0: skip)")
    args = ap.parse_args()

    homes: List[Path] = []

    def home(name: str, config: str = "") -> Dict[str, str]:
        path = Path(f"/tmp/coterm-bench-{name}")
        shutil.rmtree(path, ignore_errors=True)  # a fresh store each run
        path.mkdir()
        homes.append(path)
        (path / "config.yaml").write_text(config)
        env = dict(os.environ, COTERM_HOME=str(path), TERM="xterm-256color")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return env

    env = home("default")
    off = "redaction:\n  enabled: false\n"
    path = make_file(args.mb)
    rec = ["-q", "-o", CAST, "--", "cat", str(path)]
    variants: Dict[str, Tuple[List[str], Dict[str, str]]] = {
        "direct": (["cat", str(path)], env),
        "script": (["script", "-q", "-c", f"cat {path}", "/dev/null"], env),
        "script>file": (["script", "-q", "-c", f"cat {path}", "/tmp/coterm-bench.typescript"], env),
        "dd recorder": ([sys.executable, "-c", NO_SINKS, *rec], home("off", off)),
        "dd redact": ([sys.executable, "-c", NO_SINKS, *rec], env),
        "dd +store": (ddcoterm_argv(*rec), home("store-off", off)),
        "dd default": (ddcoterm_argv(*rec), env),
    }

    print(f"load average before: {os.getloadavg()}, cpus: {os.cpu_count()}")
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB), rounds: {args.rounds}")
    results: Dict[str, List[Dict[str, float]]] = {k: [] for k in variants}
    for r in range(args.rounds):
        order = list(variants)
        if r % 2:
            order.reverse()
        for name in order:
            argv, venv = variants[name]
            res = drive(argv, venv, sample_rss=name.startswith("dd"))
            results[name].append(res)
            print(
                f"  round {r + 1} {name:12s} {res['wall']:6.2f}s  {res['bytes'] / 1e6:6.1f} MB"
                f"  cpu {res['cpu']:5.2f}s  maxrss {res['maxrss_mb']:5.1f} MB  rc {res['status']}"
            )
    med = {k: statistics.median(x["wall"] for x in v) for k, v in results.items()}
    cpu = {k: statistics.median(x["cpu"] for x in v) for k, v in results.items()}
    print("\nbulk (median wall; median CPU of the whole tree, cat included):")
    for name, wall in med.items():
        extra = ""
        if name.startswith("dd"):
            rss = max(x["maxrss_mb"] for x in results[name])
            rss_sum = max(x["sum_rss_mb"] for x in results[name])
            pss_sum = max(x["sum_pss_mb"] for x in results[name])
            extra = (
                f"  = {wall / med['script']:.2f}x script ({cpu[name] / cpu['script']:.2f}x CPU),"
                f" {wall / med['direct']:.2f}x direct; peak RSS {rss:.1f} MB largest process;"
                f" proxy+recorder peak PSS {pss_sum:.1f} MB (summed RSS {rss_sum:.1f} MB)"
            )
        elif name != "direct":
            extra = f"  = {wall / med['direct']:.2f}x direct"
        print(f"  {name:12s} {wall:6.2f}s  cpu {cpu[name]:5.2f}s{extra}")
    if Path(CAST).exists():
        print(f"  cast size: {Path(CAST).stat().st_size / 1e6:.1f} MB")

    if args.echo:
        print(f"\necho latency ({args.echo} keystrokes each, interleaved x2):")
        direct: List[float] = []
        proxied: List[float] = []
        for _ in range(2):
            direct += echo_latency(["cat"], env, args.echo)
            proxied += echo_latency(ddcoterm_argv("-q", "-o", CAST, "--", "cat"), env, args.echo)
        d50, p50 = pct(direct, 0.5) * 1e3, pct(proxied, 0.5) * 1e3
        print(f"  direct   p50 {d50:.3f} ms  p90 {pct(direct, 0.9) * 1e3:.3f} ms")
        print(f"  ddcoterm p50 {p50:.3f} ms  p90 {pct(proxied, 0.9) * 1e3:.3f} ms")
        print(f"  added p50 {p50 - d50:.3f} ms")
    print(f"\nload average after: {os.getloadavg()}")
    for path in homes:
        shutil.rmtree(path, ignore_errors=True)
    for path in (Path(CAST), Path("/tmp/coterm-bench.typescript")):
        path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
