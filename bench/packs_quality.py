"""Rule packs: precision and recall over the labelled corpus, and what the packs cost per line.

    python3 bench/packs_quality.py [--iterations N]

Quality: every line of tests/data/packs_corpus.tsv is evaluated in-process by one Evaluator
with all packs on (clean env, empty temp cwd). A risky line counts as found when its
expected rule fired; a safe line that fires anything, or a risky line where another rule
fired too, counts as a false positive. Targets: precision and recall >= 0.97.

Speed: p50/p99 evaluation time of everyday lines with all packs on, against the same
Evaluator with the packs unhooked, measured in the same run (target: p50 <= 1 ms). Also
the one-time cost of loading the pack files and compiling their Lua.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the corpus reader lives with the tests that use it

TYPICAL = [
    "ls -la",
    "cd src && git status",
    "git push origin main",
    "git diff --stat | head -20",
    "git commit -m 'fix: handle empty config'",
    "git log --oneline | head",
    "cat README.md | grep foo | wc -l",
    "kubectl get pods -n kube-system",
    "terraform plan -out tf.plan",
    "echo hello > out.txt",
    "rm -rf ./build",
    "docker ps",
    "make -j4 test",
    "python3 -m pytest -q",
    "vim coterm/packs/fs.yaml",
    "grep -rn TODO src/",
    "npm install",
    "find . -name '*.py' | xargs wc -l",
    "ssh web-1 uptime",
    "psql -c 'select 1'",
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def timings(evaluator: object, lines: list[str], iterations: int, cwd: str, env: dict) -> list[float]:
    for line in lines:  # warm: imports, pack files, compiled Lua
        evaluator.evaluate(line, cwd=cwd, env=env)  # type: ignore[attr-defined]
    samples = []
    for i in range(iterations):
        line = lines[i % len(lines)]
        t = time.perf_counter()
        evaluator.evaluate(line, cwd=cwd, env=env)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def one_time_cost() -> tuple[float, float]:
    """Milliseconds to parse the pack files, and to compile every rule's Lua."""
    from coterm.packs import build_commands, catalog
    from coterm.packs.settings import PackSettings
    from coterm.rules.sandbox import LuaSandbox

    catalog.load_packs.cache_clear()
    catalog.common_lua.cache_clear()
    t = time.perf_counter()
    catalog.load_packs()
    load_ms = (time.perf_counter() - t) * 1000
    commands = build_commands(PackSettings())
    sandbox = LuaSandbox()
    t = time.perf_counter()
    for entry in commands:
        for snippet in entry.lints:
            sandbox.compile(snippet.source, snippet.where)
    return load_ms, (time.perf_counter() - t) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=4000)
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="coterm-bench-")
    os.environ["COTERM_HOME"] = home
    cwd = tempfile.mkdtemp(prefix="coterm-bench-cwd-")

    import packscorpus

    from coterm.evaluator import Evaluator
    from coterm.packs import all_rules

    env = packscorpus.clean_env(cwd)
    cases = packscorpus.load()
    evaluator = Evaluator()
    score = packscorpus.score(evaluator, cases, cwd, env)
    risky = sum(1 for c in cases if c.label == "risky")
    ids = {c.expected for c in cases if c.expected}
    print(
        f"corpus: {len(cases)} lines ({risky} risky, {len(cases) - risky} safe), "
        f"{len(ids)} of {len(all_rules())} rules covered"
    )
    print(
        f"precision {score.precision:.4f}  recall {score.recall:.4f}  "
        f"(tp {score.tp}, fp {score.fp}, fn {score.fn})"
    )
    for failure in score.failures():
        print("  miss:", failure)

    baseline = Evaluator()
    baseline.engine.extra_commands = None
    base = timings(baseline, TYPICAL, args.iterations, cwd, env)
    packs = timings(evaluator, TYPICAL, args.iterations, cwd, env)
    corpus_lines = [c.line for c in cases]
    corpus = timings(evaluator, corpus_lines, max(args.iterations, len(corpus_lines)), cwd, env)
    p50, base50 = statistics.median(packs), statistics.median(base)
    print(
        f"everyday lines, {args.iterations} evaluations: "
        f"packs on p50 {p50:.3f} ms p99 {pct(packs, 99):.3f} ms; "
        f"packs off p50 {base50:.3f} ms p99 {pct(base, 99):.3f} ms; ratio p50 {p50 / base50:.2f}x"
    )
    print(f"corpus lines, packs on: p50 {statistics.median(corpus):.3f} ms  p99 {pct(corpus, 99):.3f} ms")
    load_ms, compile_ms = one_time_cost()
    print(
        f"one-time: parse pack files {load_ms:.1f} ms, compile {len(all_rules())} rules {compile_ms:.1f} ms"
    )

    ok = score.precision >= 0.97 and score.recall >= 0.97 and p50 <= 1.0
    print("targets (precision, recall >= 0.97; p50 <= 1 ms):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
