"""Redaction throughput on synthetic terminal output, with detect-secrets as the reference.

    python3 bench/redact_throughput.py                 # 100 MB, 3 repeats, detect-secrets on 2 MB
    python3 bench/redact_throughput.py --size 20 --repeat 1

Measures, in one run on the same seeded data (bench/redact_data.py):
- StreamRedactor fed 64 KiB chunks (as a recorder reads a pty), per prefilter backend:
  median MB/s over the repeats, by wall clock and by process CPU time (the second is what the
  code costs; the first also shows the machine's load);
- the prefilter alone with other libraries (pyahocorasick, google-re2) over the same anchors,
  to show why hyperscan was kept;
- detect-secrets `scan_file` on a slice (it runs at well under 1 MB/s), as a ratio;
- quality on this data: planted secrets caught, benign lines changed.

detect-secrets, pyahocorasick and google-re2 are only used here (pip install them to compare);
they are not runtime dependencies.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from redact_data import generate  # noqa: E402

from coterm.redact import StreamRedactor  # noqa: E402
from coterm.redact.engine import Engine  # noqa: E402
from coterm.redact.normalize import View  # noqa: E402

CHUNK = 65536
MB = 1e6


def stream(text: str, backend: str, chunk: int = CHUNK) -> tuple[str, float, float]:
    r = StreamRedactor(backend=backend)
    w0, c0 = time.perf_counter(), time.process_time()
    out = [r.feed(text[i : i + chunk]) for i in range(0, len(text), chunk)]
    out.append(r.flush())
    return "".join(out), time.perf_counter() - w0, time.process_time() - c0


def quality(text: str, out: str, secrets: list[str]) -> tuple[int, int]:
    """(planted secrets no longer present, lines changed that held no planted secret)."""
    caught = sum(1 for s in secrets if s not in out)
    changed = 0
    for before, after in zip(text.split("\n"), out.split("\n")):
        if before != after and not any(s in before for s in secrets):
            changed += 1
    return caught, changed


def prefilter_alternatives(text: str) -> list[tuple[str, float, int]]:
    """The anchor search alone, with each library, on the normalized text (CPU seconds)."""
    anchors = Engine("python").anchors
    norm = View(text, True).text
    results = []
    for name in ("hyperscan", "python"):
        try:
            pf = Engine(name).prefilter
        except Exception:
            continue
        c0 = time.process_time()
        n = len(pf.hits(norm))
        results.append((f"{name} (used)", time.process_time() - c0, n))
    try:
        import ahocorasick

        icase, exact = ahocorasick.Automaton(), ahocorasick.Automaton()
        for i, (lit, ci) in enumerate(anchors):
            (icase if ci else exact).add_word(lit, i)
        icase.make_automaton()
        exact.make_automaton()
        c0 = time.process_time()
        n = sum(1 for _ in icase.iter(norm.lower())) + sum(1 for _ in exact.iter(norm))
        results.append(("pyahocorasick", time.process_time() - c0, n))
    except ImportError:
        results.append(("pyahocorasick (not installed)", 0.0, 0))
    try:
        import re as stdre

        import re2

        parts = [f"(?i:{stdre.escape(lit)})" if ci else stdre.escape(lit) for lit, ci in anchors]
        rx = re2.compile("|".join(parts))
        c0 = time.process_time()
        n = sum(1 for _ in rx.finditer(norm))  # leftmost, non-overlapping: misses some hits
        results.append(("google-re2 alternation", time.process_time() - c0, n))
    except ImportError:
        results.append(("google-re2 (not installed)", 0.0, 0))
    return results


def detect_secrets_run(text: str, secrets: list[str]) -> tuple[float, float, int, int, int]:
    """detect-secrets scan_file: (wall s, CPU s, planted secrets whose line it flagged, lines
    flagged holding no planted secret, lines)."""
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    # detect-secrets reads with universal newlines: a bare CR (progress bars) ends a line too.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "session.log")
        Path(path).write_text(text)
        with default_settings():
            w0, c0 = time.perf_counter(), time.process_time()
            flagged = {s.line_number for s in scan_file(path)}
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    planted = {i + 1 for i, line in enumerate(lines) if any(s in line for s in secrets)}
    return wall, cpu, len(flagged & planted), len(flagged - planted), len(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=float, default=100, help="MB of terminal output (default 100)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ds-slice", type=float, default=2, help="MB for detect-secrets (default 2)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    text, secrets = generate(int(args.size * MB), seed=args.seed)
    size = len(text) / MB
    print(
        f"data: {size:.1f} MB, {text.count(chr(10))} lines, {len(secrets)} planted secrets "
        f"(generated in {time.perf_counter() - t0:.0f} s, seed {args.seed})"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")

    speeds: dict[str, float] = {}
    for backend in ("hyperscan", "python"):
        try:
            Engine(backend)
        except Exception as exc:
            print(f"{backend}: not available ({exc.__class__.__name__})")
            continue
        runs = [stream(text, backend) for _ in range(args.repeat if backend == "hyperscan" else 1)]
        wall = statistics.median(size / w for _, w, _ in runs)
        cpu = statistics.median(size / c for _, _, c in runs)
        caught, changed = quality(text, runs[0][0], secrets)
        speeds[backend] = cpu
        print(
            f"coterm.redact stream, {backend:9s}: {cpu:7.1f} MB/s CPU, {wall:7.1f} MB/s wall "
            f"(median of {len(runs)}); caught {caught}/{len(secrets)} planted, "
            f"{changed} benign lines changed"
        )

    if "hyperscan" in speeds:
        part = text[: int(20 * MB)]
        rates = []
        for chunk in (1024, 4096, 16384, CHUNK):
            _, _, cpu = stream(part, "hyperscan", chunk)
            rates.append(f"{chunk // 1024} KiB {len(part) / MB / cpu:.0f}")
        print(f"feed size (hyperscan, first 20 MB, MB/s CPU): {', '.join(rates)}")

    print("prefilter alone (anchor search over the normalized text, CPU):")
    for name, seconds, hits in prefilter_alternatives(text):
        rate = f"{size / seconds:8.1f} MB/s" if seconds else "       -    "
        print(f"  {name:32s} {rate}  {hits} hits")

    try:
        ds_text = text[: int(args.ds_slice * MB)]
        ds_text = ds_text[: ds_text.rfind("\n") + 1]
        ds_secrets = [s for s in secrets if s in ds_text]
        wall, cpu, found, fps, n = detect_secrets_run(ds_text, ds_secrets)
        ds_mb = len(ds_text) / MB
        print(
            f"detect-secrets scan_file on the first {ds_mb:.1f} MB: {ds_mb / cpu:.2f} MB/s CPU, "
            f"{ds_mb / wall:.2f} MB/s wall; flagged {found}/{len(ds_secrets)} planted lines, "
            f"{fps} of {n} other lines"
        )
        for backend, ours in speeds.items():
            print(f"  coterm.redact ({backend}) / detect-secrets, CPU: {ours / (ds_mb / cpu):.0f}x")
    except ImportError:
        print("detect-secrets: not installed (pip install detect-secrets to compare)")
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
