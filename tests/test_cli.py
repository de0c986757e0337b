"""The front door: --version, --help that lists only working commands, clear usage errors."""

from __future__ import annotations

import subprocess

from conftest import ddcoterm_cmd

from coterm.cli.commands import COMMANDS


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ddcoterm_cmd(), *args], capture_output=True, text=True, timeout=60)


def test_version() -> None:
    proc = _run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("ddcoterm ")


def test_help_lists_every_command_and_each_command_teaches() -> None:
    top = _run("--help")
    assert top.returncode == 0
    assert "usage: ddcoterm [OPTIONS] [-- <COMMAND>...] [COMMAND]" in top.stdout
    for name in COMMANDS:
        if name == "record":
            continue
        assert f"  {name} " in top.stdout, name
        sub = _run(name, "--help")
        assert sub.returncode == 0, (name, sub.stderr)
        assert f"ddcoterm {name}" in sub.stdout
        assert "example" in sub.stdout.lower(), f"`ddcoterm {name} --help` shows no examples"


def test_unknown_command_suggests_and_exits_2() -> None:
    proc = _run("chek", "--", "ls")
    assert proc.returncode == 2
    assert "Did you mean `ddcoterm check`?" in proc.stderr and "ddcoterm -- chek" in proc.stderr
