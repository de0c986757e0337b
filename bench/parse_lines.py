"""Parser speed: parse_line on typical lines, against bashlex.parse alone on the same lines.

    python3 bench/parse_lines.py [--iterations N]

Prints the one-off import costs, then per line group the median and p99 of parse_line and
the ratio to a bare bashlex.parse measured in the same run (the floor parse_line stands on).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time

TYPICAL = [
    "kubectl --context prod scale deploy/web --replicas=0",
    "git push -f origin main && echo done",
    'sudo -u postgres psql -c "DROP TABLE x"',
    "find . -name '*.log' | xargs rm -f",
    "for i in 1 2 3; do echo $i; done",
    "cat <<EOF | psql\nselect 1;\nEOF\n",
    "ssh -p 22 host 'sudo systemctl restart nginx'",
    "ls -la | grep x | wc -l",
]
FALLBACK = [
    "[[ -f x ]] && kubectl delete ns prod",
    "case $x in a) rm x;; esac",
    "echo $((1+2)) && rm x",
    "for f in (ls); rm $f; end",
]
ARGV = [
    ["kubectl", "get", "pods"],
    ["sudo", "-u", "root", "env", "A=1", "kubectl", "delete", "ns", "x"],
    ["watch", "-n", "1", "kubectl", "get", "pods"],
]


def timed(fn, arg, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn(arg)
        out.append(time.perf_counter() - t)
    return out


def p99(xs: list[float]) -> float:
    return sorted(xs)[int(len(xs) * 0.99) - 1]


def import_cost(stmt: str) -> float:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(5)]
    return statistics.median(runs)


def group(name: str, lines: list[str], n: int) -> None:
    import bashlex

    from coterm.parse import parse_line

    ours: list[float] = []
    base: list[float] = []
    for line in lines:
        ours += timed(parse_line, line, n)
        with contextlib.suppress(Exception):  # bashlex rejects the fallback lines: no floor
            base += timed(bashlex.parse, line, n)
    med = statistics.median(ours)
    ratio = f"{med / statistics.median(base):.2f}x bashlex.parse" if base else "no bashlex floor"
    print(f"{name:<10} p50 {med * 1e3:.3f} ms  p99 {p99(ours) * 1e3:.3f} ms  ({ratio})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=300)
    n = ap.parse_args().iterations
    print(f"import coterm.parse   {import_cost('import coterm.parse') * 1e3:.1f} ms (no bashlex)")
    print(f"import bashlex        {import_cost('import bashlex') * 1e3:.1f} ms (paid once, lazily)")
    group("typical", TYPICAL, n)
    group("fallback", FALLBACK, n)
    from coterm.parse import unwrap_argv

    argv_times: list[float] = []
    for argv in ARGV:
        argv_times += timed(unwrap_argv, argv, n * 10)
    print(
        f"{'argv':<10} p50 {statistics.median(argv_times) * 1e6:.1f} us  "
        f"p99 {p99(argv_times) * 1e6:.1f} us  (unwrap_argv, shim path, no bashlex)"
    )


if __name__ == "__main__":
    main()
