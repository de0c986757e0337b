"""Added latency of the coterm hook per command, per shell, through a real pty.

For each of bash, zsh, fish and xonsh: one shell with the hook and one without (same rc
otherwise), both driven with pexpect; 200 commands (`true` alternating with compound lines),
sent to the two shells interleaved; time from Enter to the next prompt. A 50-rule config
(bench/hooks_config.py) is in force. Also: `ddcoterm init zsh` time, and the memory that 20
hooked shells add.

    python3 bench/hooks_latency.py [--n 200] [--repeat 3] [--shells bash,zsh,fish,xonsh]
                                   [--skip-memory]

With --repeat, each figure is the median over the runs (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from hooks_config import fifty_rules  # noqa: E402

PY = sys.executable
PROMPT = {
    "bash": r"\x1b\[\?2004hCTP> ",
    "zsh": r"CTP> ",
    "fish": r"CTP> ",
    "xonsh": r"\x1b\[\?2004h(?:\x1b\[[0-9;?]*[a-zA-Z])*CTP>",
}
MIX = {
    "posix": [
        "true && true",
        "true; kubectl get pods -n default >/dev/null",
        "for i in 1 2 3; do true; done",
        'test -n "$HOME" || echo no',
        "x=$(echo hi)",
        "echo $((6*7)) >/dev/null | true",
    ],
    "fish": [
        "true; and true",
        "true; kubectl get pods -n default >/dev/null",
        "for i in 1 2 3; true; end",
        'test -n "$HOME"; or echo no',
        "set x (echo hi)",
        "math 6 '*' 7 >/dev/null",
    ],
    "xonsh": [
        "true && true",
        "kubectl get pods -n default > /dev/null",
        "x = 6 * 7",
        "echo hi > /dev/null",
        "y = $(echo hi)",
        "true || echo no",
    ],
}


def rc(shell: str, hooked: bool) -> tuple[str, str]:
    """(rc path relative to HOME, content)."""
    init = f"eval \"$('{PY}' -m coterm init {shell})\"" if hooked else ""
    if shell == "bash":
        return ".bashrc", f"PS1='CTP> '\n{init}\n"
    if shell == "zsh":
        return ".zshrc", f"PROMPT='CTP> '\nunsetopt PROMPT_SP\n{init}\n"
    if shell == "fish":
        init = f"'{PY}' -m coterm init fish | source" if hooked else ""
        return ".config/fish/config.fish", (
            f"function fish_prompt; echo -n 'CTP> '; end\nfunction fish_greeting; end\n{init}\n"
        )
    load = "xontrib load coterm" if hooked else ""
    return ".xonshrc", (
        f"$PROMPT = 'CTP> '\n$UPDATE_PROMPT_ON_KEYPRESS = False\n$XONSH_HISTORY_BACKEND = 'dummy'\n{load}\n"
    )


def make_home(base: Path, shell: str, hooked: bool) -> Path:
    home = base / f"{shell}-{'hook' if hooked else 'plain'}"
    path, text = rc(shell, hooked)
    (home / path).parent.mkdir(parents=True, exist_ok=True)
    (home / path).write_text(text)
    return home


def environ(home: Path, coterm_home: Path, bindir: Path, hooked: bool, shell: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COTERM_")}
    env.update(
        HOME=str(home),
        ZDOTDIR=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        COTERM_HOME=str(coterm_home),
        PATH=f"{bindir}:{os.environ['PATH']}",
        TERM="xterm-256color",
        LC_ALL="C.UTF-8",
    )
    env.pop("XDG_RUNTIME_DIR", None)
    if shell == "xonsh" and not hooked:
        env["XONTRIBS_AUTOLOAD_DISABLED"] = "coterm"  # the entry point would load it anyway
    return env


class Driven:
    def __init__(self, shell: str, env: dict) -> None:
        self.shell = shell
        self.child = pexpect.spawn(
            shutil.which(shell),
            ["-i"],
            env=env,
            cwd=env["HOME"],
            encoding="utf-8",
            codec_errors="replace",
            timeout=30,
            dimensions=(40, 200),
        )
        self.child.delaybeforesend = None
        self.prompt = re.compile(PROMPT[shell])
        self.child.expect(self.prompt)

    def time_line(self, line: str) -> float:
        t0 = time.perf_counter()
        self.child.send(line + "\r")
        self.child.expect(self.prompt)
        return (time.perf_counter() - t0) * 1000

    def close(self) -> None:
        self.child.close(force=True)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def bench_shell(shell: str, n: int, base: Path, coterm_home: Path, bindir: Path) -> dict:
    plain = Driven(shell, environ(make_home(base, shell, False), coterm_home, bindir, False, shell))
    hooked = Driven(shell, environ(make_home(base, shell, True), coterm_home, bindir, True, shell))
    mix = MIX["fish" if shell == "fish" else "xonsh" if shell == "xonsh" else "posix"]
    lines = [("true" if i % 2 == 0 else mix[(i // 2) % len(mix)]) for i in range(n)]
    try:
        for line in lines[:10]:  # warm both (first evaluations compile, caches fill)
            plain.time_line(line)
            hooked.time_line(line)
        eval_times(coterm_home)  # reset the server's counters
        t_plain, t_hook = [], []
        for i, line in enumerate(lines):
            pair = (plain, hooked) if i % 2 == 0 else (hooked, plain)
            for sh in pair:
                (t_plain if sh is plain else t_hook).append(sh.time_line(line))
    finally:
        plain.close()
        hooked.close()
    diffs = [h - p for h, p in zip(t_hook, t_plain)]
    evals = eval_times(coterm_home)
    return {
        "shell": shell,
        "plain_p50": pct(t_plain, 50),
        "plain_p99": pct(t_plain, 99),
        "hook_p50": pct(t_hook, 50),
        "hook_p99": pct(t_hook, 99),
        "added_p50": pct(t_hook, 50) - pct(t_plain, 50),
        "added_p99": pct(t_hook, 99) - pct(t_plain, 99),
        "paired_median": statistics.median(diffs),
        "eval_p50": pct(evals, 50) if evals else float("nan"),
        "eval_p99": pct(evals, 99) if evals else float("nan"),
    }


def eval_times(coterm_home: Path) -> list[float]:
    """Time the evaluator itself spent per line, as the server measured it (then reset)."""
    import json

    from coterm.server import control
    from coterm.server.layout import Layout
    from coterm.server.protocol import Request

    reply = control.request(Request("stats"), Layout(runtime_dir(coterm_home)))
    return json.loads(reply.text)["eval_ms"] if reply and reply.text else []


def bench_init(runs: int = 15) -> dict:
    out = {}
    for label, argv in (
        ("python -c pass (baseline: the interpreter's own start)", [PY, "-c", "pass"]),
        ("python -m coterm init zsh", [PY, "-m", "coterm", "init", "zsh", "--no-start"]),
        ("ddcoterm init zsh", [shutil.which("ddcoterm") or "ddcoterm", "init", "zsh", "--no-start"]),
    ):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
            times.append((time.perf_counter() - t0) * 1000)
        out[label] = statistics.median(times)
    return out


def rss_kb(pid: int) -> int:
    total = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total = int(line.split()[1])
    except OSError:
        pass
    return total


def tree_rss(pid: int) -> int:
    """RSS of a process and its descendants (a shell's helpers count against it)."""
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(c) for c in (task / "children").read_text().split()]
    return rss_kb(pid) + sum(tree_rss(k) for k in kids)


def bench_memory(base: Path, coterm_home: Path, bindir: Path, per_shell: int = 5) -> dict:
    shells = [s for s in ("bash", "zsh", "fish", "xonsh") if shutil.which(s)]
    result = {}
    for hooked in (False, True):
        started = []
        for shell in shells:
            env = environ(make_home(base, shell, hooked), coterm_home, bindir, hooked, shell)
            for _ in range(per_shell):
                sh = Driven(shell, env)
                sh.time_line("true")
                started.append(sh)
        time.sleep(0.5)
        total = sum(tree_rss(sh.child.pid) for sh in started)
        result["hooked" if hooked else "plain"] = (total, len(started))
        for sh in started:
            sh.close()
    server_pid = int((runtime_dir(coterm_home) / "pid").read_text())
    result["server_kb"] = rss_kb(server_pid)
    return result


def runtime_dir(coterm_home: Path) -> Path:
    os.environ["COTERM_HOME"] = str(coterm_home)
    os.environ.pop("XDG_RUNTIME_DIR", None)
    from coterm import paths

    return paths.runtime_dir()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--shells", default="bash,zsh,fish,xonsh")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="runs per shell; medians are printed")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="coterm-bench-"))
    coterm_home = base / "coterm-home"
    coterm_home.mkdir()
    (coterm_home / "config.yaml").write_text(fifty_rules())
    bindir = base / "bin"
    bindir.mkdir()
    (bindir / "kubectl").write_text("#!/bin/sh\nexit 0\n")
    (bindir / "kubectl").chmod(0o755)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
    print(
        f"{'shell':<6} {'plain p50':>9} {'p99':>7} {'hook p50':>9} {'p99':>7} "
        f"{'added p50':>9} {'added p99':>9} {'paired med':>10} {'eval p50':>8} {'p99':>7}"
        f"  (ms, n={args.n})"
    )
    try:
        for shell in args.shells.split(","):
            if not shutil.which(shell):
                print(f"{shell:<6} not installed")
                continue
            runs = [bench_shell(shell, args.n, base, coterm_home, bindir) for _ in range(args.repeat)]
            r = {k: statistics.median(run[k] for run in runs) for k in runs[0] if k != "shell"}
            print(
                f"{shell:<6} {r['plain_p50']:9.2f} {r['plain_p99']:7.2f} {r['hook_p50']:9.2f} "
                f"{r['hook_p99']:7.2f} {r['added_p50']:9.2f} {r['added_p99']:9.2f} "
                f"{r['paired_median']:10.2f} {r['eval_p50']:8.2f} {r['eval_p99']:7.2f}"
            )
        for label, ms in bench_init().items():
            print(f"init: {label}: median {ms:.1f} ms")
        if not args.skip_memory:
            mem = bench_memory(base, coterm_home, bindir)
            (plain_kb, n), (hook_kb, _) = mem["plain"], mem["hooked"]
            added = (hook_kb - plain_kb + mem["server_kb"]) / 1024
            print(
                f"memory: {n} shells plain {plain_kb / 1024:.1f} MB, hooked "
                f"{hook_kb / 1024:.1f} MB, evaluator {mem['server_kb'] / 1024:.1f} MB; "
                f"added {added:.1f} MB in total"
            )
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        sock_dir = runtime_dir(coterm_home)
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((sock_dir / "pid").read_text()), 15)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
