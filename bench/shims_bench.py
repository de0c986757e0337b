"""Shim overhead: a shimmed `kubectl` against the same program run directly, in the same run.

    python3 bench/shims_bench.py [--iterations N] [--pty-iterations M]

The "real" kubectl is a symlink to `true`, so the numbers are the shim's cost alone. The
config holds CoTerm's documented kubectl lint and rule (so Lua runs for every call);
`kubectl get pods` matches neither. Cases, interleaved round-robin so load hits them alike:

  direct          the real binary, by absolute path
  python floor    `python -IS -c pass`: the interpreter start every shim pays
  shim+server     the shim, resident evaluator up (python -m coterm.server)
  shim, no server the shim evaluating in-process (config, Lua)
  lint via pty    `kubectl scale ...` (the lint fires), answered y through a pty, server up;
                  its baseline is the real binary run through the same pty
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

CONFIG = """\
process_config:
  commands:
    - command: kubectl
      lints:
        - |
          if has_arg("scale") and flags.context == nil then
            return string.format("No kubectl context specified (effective context: '%s').", k8s_context)
          end
      rules:
        - rule: |
            return has_arg("scale") and k8s_context:match("prod"), "Proceed with caution.", "Check the plan."
          actions: ["record", "process_info", "approval"]
"""


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


CPU: dict[str, list[float]] = {}


def timed(argv: list[str], env: dict[str, str], label: str = "") -> float:
    """Wall time of one run; its CPU time (user + sys, less sensitive to load) goes to CPU[label]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU.setdefault(label, []).append(cpu)
    return wall


def timed_pty(argv: list[str], env: dict[str, str], answer: bool) -> float:
    start = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, timeout=30)
    child.delaybeforesend = None  # pexpect's own pauses are not the shim's cost
    child.delayafterclose = 0
    if answer:
        child.expect_exact("(y/n)")
        child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    if child.exitstatus != 0:
        raise SystemExit(f"{argv} exited {child.exitstatus}")
    return time.perf_counter() - start


def setup(root: Path) -> tuple[dict[str, str], str]:
    home = root / "home"
    real = root / "realbin"
    real.mkdir(parents=True)
    (real / "kubectl").symlink_to(shutil.which("true") or "/bin/true")
    home.mkdir()
    (home / "config.yaml").write_text(CONFIG)
    env = dict(os.environ)
    env["COTERM_HOME"] = str(home)
    env.pop("XDG_RUNTIME_DIR", None)
    env["KUBECONFIG"] = str(root / "kubeconfig")
    (root / "kubeconfig").write_text("current-context: dev\n")
    os.environ.update(COTERM_HOME=str(home))
    os.environ.pop("XDG_RUNTIME_DIR", None)
    from coterm.shims import manage

    shim = manage.create("kubectl").path
    env["PATH"] = f"{shim.parent}{os.pathsep}{real}{os.pathsep}{env.get('PATH', '')}"
    return env, str(real / "kubectl")


def start_server(env: dict[str, str]) -> subprocess.Popen:
    from coterm.server import control

    proc = subprocess.Popen(
        [sys.executable, "-m", "coterm.server"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    if not control.wait_running(timeout=30):
        raise SystemExit("the resident evaluator did not start")
    return proc


def report(name: str, values: list[float], base: list[float]) -> None:
    p50, p99 = statistics.median(values) * 1000, pct(values, 99) * 1000
    b50 = statistics.median(base) * 1000
    cpu = CPU.get(name)
    cpu_text = f"  cpu p50 {statistics.median(cpu) * 1000:5.1f} ms" if cpu else ""
    print(f"{name:<18} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  overhead p50 {p50 - b50:6.1f} ms{cpu_text}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--pty-iterations", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env, real = setup(Path(tmp))
        from coterm.server import control

        shim_cmd = ["kubectl", "get", "pods"]
        direct: list[float] = []
        floor: list[float] = []
        up: list[float] = []
        down: list[float] = []
        server = start_server(env)
        try:
            for _ in range(3):  # warm caches (pyc files, config state)
                timed(shim_cmd, env)
            # Round-robin; the server is stopped and restarted in batches so "no server" is real.
            batch = 10
            for _ in range(max(1, args.iterations // batch)):
                for _ in range(batch):
                    direct.append(timed([real, "get", "pods"], env, "direct"))
                    floor.append(timed([sys.executable, "-IS", "-c", "pass"], env, "python -IS floor"))
                    up.append(timed(shim_cmd, env, "shim+server"))
                control.stop()
                server.wait(timeout=10)
                for _ in range(batch):
                    down.append(timed(shim_cmd, env, "shim, no server"))
                server = start_server(env)
            pty_direct: list[float] = []
            pty_lint: list[float] = []
            lint_cmd = [shutil.which("kubectl", path=env["PATH"]) or "kubectl", "scale", "deploy/web"]
            for _ in range(args.pty_iterations):
                pty_direct.append(timed_pty([real, "scale", "deploy/web"], env, answer=False))
                pty_lint.append(timed_pty(lint_cmd, env, answer=True))
        finally:
            control.stop()
            server.wait(timeout=10)
    load = os.getloadavg()[0]
    print(f"iterations {args.iterations} (pty {args.pty_iterations}), load average {load:.1f}")
    report("direct", direct, direct)
    report("python -IS floor", floor, direct)
    report("shim+server", up, direct)
    report("shim, no server", down, direct)
    report("pty direct", pty_direct, pty_direct)
    report("lint via pty", pty_lint, pty_direct)


if __name__ == "__main__":
    main()
