"""`ddcoterm doctor`: is this shell protected, does the evaluator answer, is config valid?"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

DESCRIPTION = "Check the shell hooks: which shells are hooked, the evaluator, the config."
EPILOG = """
examples:
  ddcoterm doctor          # run it from the shell you want to check
  ddcoterm doctor --json

A shell counts as protected only when its hook has talked to the evaluator; a hook that could
not install its gate (bash < 4.3, no line editing, zsh without zsh/net/socket) reports
"degraded" here and once at shell start.
"""

RC_FILES = {
    "bash": (".bashrc", "ddcoterm init bash"),
    "zsh": (".zshrc", "ddcoterm init zsh"),
    "fish": (".config/fish/config.fish", "ddcoterm init fish"),
    "xonsh": (".xonshrc", "xontrib load coterm"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    report = {
        "evaluator": _evaluator(),
        "this_shell": None,
        "shells": {name: _shell(name) for name in RC_FILES},
        "config": _config(),
    }
    report["this_shell"] = _this_shell(report["evaluator"].get("shells", []))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    ok = report["evaluator"]["running"] and not report["config"]["errors"]
    return 0 if ok else 1


def _evaluator() -> dict:
    import time

    from coterm.server import control
    from coterm.server.layout import layout
    from coterm.server.protocol import Request

    lay = layout()
    t0 = time.perf_counter()
    pid = control.server_pid(lay)
    ms = round((time.perf_counter() - t0) * 1000, 2)
    shells = []
    if pid:
        reply = control.request(Request("shells"), lay)
        shells = json.loads(reply.text) if reply and reply.text else []
    return {
        "running": pid is not None,
        "pid": pid,
        "ping_ms": ms,
        "dir": str(lay.dir),
        "log": str(lay.log),
        "shells": shells,
    }


def _this_shell(known: list[dict]) -> Optional[dict]:
    """The nearest ancestor process that a hook registered with the evaluator."""
    by_pid = {str(s.get("pid")): s for s in known}
    pid = os.getppid()
    for _ in range(8):
        if str(pid) in by_pid:
            return by_pid[str(pid)]
        pid = _parent(pid)
        if pid <= 1:
            break
    return None


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _shell(name: str) -> dict:
    path = shutil.which(name)
    info: dict = {"installed": bool(path), "path": path, "version": "", "gate": "", "rc": ""}
    rc, needle = RC_FILES[name]
    rc_path = Path.home() / rc
    if name == "zsh" and os.environ.get("ZDOTDIR"):
        rc_path = Path(os.environ["ZDOTDIR"]) / rc
    with contextlib.suppress(OSError):
        info["rc"] = str(rc_path) if needle in rc_path.read_text() else ""
    if not path:
        return info
    info["version"], info["gate"] = _probe(name, path)
    return info


def _probe(name: str, path: str) -> tuple[str, str]:
    scripts = {
        "bash": 'echo "$BASH_VERSION"',
        "zsh": 'echo "$ZSH_VERSION"; zmodload zsh/net/socket 2>/dev/null && echo socket',
        "fish": "echo $version",
        "xonsh": "import xonsh; print(xonsh.__version__)",
    }
    try:
        out = subprocess.run(
            [path, "-c", scripts[name]],
            capture_output=True,
            text=True,
            timeout=10,
            env={**os.environ, "XONSH_NO_RC": "1"},
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return "", "unknown"
    version = out[0] if out else ""
    nums = [int(n) for n in re.findall(r"\d+", version)[:2]] + [0, 0]
    if name == "bash":
        gate = "readline Enter macro" if nums[:2] >= [4, 3] else "degraded (bash < 4.3)"
    elif name == "zsh":
        gate = "accept-line widgets" if "socket" in out else "degraded (no zsh/net/socket)"
    elif name == "fish":
        gate = "Enter bindings, all bind modes" if nums[:2] >= [3, 1] else "degraded (< 3.1)"
    else:
        gate = "on_transform_command"
    return version, gate


def _config() -> dict:
    try:
        from coterm.config import load_config

        cfg = load_config(os.getcwd())
        issues = [str(i) for i in cfg.issues]
        return {"files": list(cfg.files), "errors": issues}
    except Exception as exc:  # doctor reports; it must not crash on a broken install
        return {"files": [], "errors": [f"cannot load config: {exc}"]}


def _print(report: dict) -> None:
    ev = report["evaluator"]
    if ev["running"]:
        print(f"evaluator   running, pid {ev['pid']}, ping {ev['ping_ms']} ms ({ev['dir']})")
    else:
        print("evaluator   NOT running: hooks start it on demand, or `ddcoterm evaluator start`")
    this = report["this_shell"]
    if this:
        state = this.get("state", "gate")
        word = "protected" if state == "gate" else "NOT protected"
        print(f"this shell  {this.get('shell')} pid {this.get('pid')}: hooked, {state} ({word})")
    else:
        print("this shell  not hooked (or it has not talked to the evaluator yet)")
    for name, sh in report["shells"].items():
        if not sh["installed"]:
            print(f"{name:<11} not installed")
            continue
        rc = f"hooked in {sh['rc']}" if sh["rc"] else f"not in its rc file: {_hint(name)}"
        print(f"{name:<11} {sh['version']}: {sh['gate']}; {rc}")
    cfg = report["config"]
    if cfg["errors"]:
        for err in cfg["errors"]:
            print(f"config      {err}")
    else:
        print(f"config      ok ({len(cfg['files'])} file(s))")


def _hint(name: str) -> str:
    if name == "xonsh":
        return "add `xontrib load coterm` to ~/.xonshrc"
    if name == "fish":
        return "add `ddcoterm init fish | source` to ~/.config/fish/config.fish"
    return f'add eval "$(ddcoterm init {name})" to ~/.{name}rc'
