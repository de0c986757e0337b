"""Evaluator speed: in-process decision latency with a 50-rule config, and CLI cold starts.

    python3 bench/evaluator_bench.py [--iterations N]

Prints p50/p99 per evaluated line (config and rules loaded, bashlex imported), the cold
start of `ddcoterm check` and `ddcoterm --version` (median of 10), and `python3 -c pass`
measured in the same run as the baseline they are compared with.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOOLS = ["kubectl", "git", "terraform", "rm", "docker", "helm", "aws", "psql", "systemctl", "ssh"]

LINES = [
    "kubectl get pods -n kube-system",
    "kubectl --context prod-eu scale deploy/web --replicas=0",
    "git push origin main",
    "git status && git diff --stat",
    "ls -la | grep foo | wc -l",
    "terraform plan -out tf.plan",
    "sudo systemctl restart nginx",
    'for f in *.log; do gzip "$f"; done',
    "docker ps --format '{{.Names}}' | xargs -n1 docker inspect",
    "cd /tmp && rm -rf ./build",
]


def make_config(home: Path) -> None:
    rules = []
    for i in range(50):
        tool = TOOLS[i % len(TOOLS)]
        if i % 2:
            rules.append(
                f"    - command: {tool}\n      lints:\n        - |\n"
                f'          if has_arg("danger{i}") and flags.force then return "lint {i}" end\n'
            )
        else:
            rules.append(
                f"    - command: {tool}\n      rules:\n        - rule: |\n"
                f'            return has_arg("x{i}") and (k8s_context or \'\'):match("prod"), "msg {i}"\n'
                "          actions: [record, process_info]\n"
            )
    (home / "config.yaml").write_text("process_config:\n  commands:\n" + "".join(rules))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def in_process(iterations: int, unique: bool) -> list[float]:
    """unique: every line is new text (no parse cache hit), as when typing new commands."""
    from coterm.evaluator import Evaluator

    ev = Evaluator()
    cwd = os.getcwd()
    env = dict(os.environ)
    for line in LINES:  # warm: imports, config load, compile
        ev.evaluate(line, cwd=cwd, env=env)
    samples = []
    for i in range(iterations):
        line = LINES[i % len(LINES)]
        if unique:
            line = f"cd /srv/app{i} && {line}"
        t = time.perf_counter()
        ev.evaluate(line, cwd=cwd, env=env)
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def cold(argv: list[str], runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=5000)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="coterm-bench-"))
    os.environ["COTERM_HOME"] = str(home)
    make_config(home)
    for unique, label in ((True, "new lines (parse cache miss)"), (False, "repeated lines (cached parse)")):
        samples = in_process(args.iterations, unique)
        print(
            f"in-process evaluate, 50-rule config + default packs, {label}, {len(samples)} lines: "
            f"p50 {pct(samples, 50):.3f} ms  p99 {pct(samples, 99):.3f} ms  max {max(samples):.2f} ms"
        )
    exe = shutil.which("ddcoterm") or sys.argv[0]
    base = cold([sys.executable, "-c", "pass"])
    version = cold([exe, "--version"])
    check = cold([exe, "check", "--", "kubectl --context prod scale deploy/web --replicas=0"])
    print(f"python3 -c pass (baseline): {base:.1f} ms")
    print(f"ddcoterm --version: {version:.1f} ms ({version / base:.2f}x baseline)")
    print(f"ddcoterm check (cold, 50 rules): {check:.1f} ms ({check / base:.2f}x baseline)")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
