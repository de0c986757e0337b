"""Helpers for evaluator tests: write config files, evaluate lines as the hooks would."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

from conftest import ddcoterm_cmd

from coterm.evaluator import Evaluator
from coterm.model import Decision

NO_PACKS = "packs:\n  enabled: []\n"


def write_config(home: Path, text: str, packs: bool = False) -> Path:
    """Write the global config; the default rule packs are off unless asked for, so that
    a test sees only the rules it wrote."""
    path = home / "config.yaml"
    path.write_text(textwrap.dedent(text) + ("" if packs else NO_PACKS))
    # Same-second rewrites keep mtime; bump it so the cache sees every edit.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    return path


def lint_config(*lints: str, command: str = "kubectl", extra: str = "") -> str:
    body = "".join(f"        - |\n{textwrap.indent(textwrap.dedent(s).strip(), ' ' * 10)}\n" for s in lints)
    return f"process_config:\n  commands:\n    - command: {command}\n{extra}      lints:\n{body}"


def evaluate(line: str, cwd: str | None = None, **kw: Any) -> Decision:
    return Evaluator().evaluate(line, cwd=cwd or os.getcwd(), env=kw.pop("env", {}), **kw)


def check_json(line: str, cwd: str | None = None, *extra: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [*ddcoterm_cmd(), "check", "--json", *extra, "--", line],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=30,
    )
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)
