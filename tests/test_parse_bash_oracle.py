"""Parser against the real thing: run each line in bash, with every interesting command
replaced by a stub that logs its argv (and psql its stdin), and check the parser found
exactly what bash ran (or, where a branch is not taken, at least that)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from coterm.parse import parse_line

STUBS = ("rm", "kubectl", "psql", "grep", "git")
REAL = ("sh", "bash", "env", "nice", "timeout", "nohup", "xargs")
ALIASES = {"k": "kubectl", "nuke": "rm -rf a; rm -rf b"}

# Each stub builds its record first and appends it with a single write: commands in a
# pipeline run at once, and several small writes each would interleave in the log.
STUB = """#!/bin/sh
r="${0##*/}"; for a in "$@"; do r="$r$(printf '\\037')$a"; done
printf '%s\\n' "$r" >>"$LOG"
"""
PSQL = """#!/bin/sh
r=psql; for a in "$@"; do r="$r$(printf '\\037')$a"; done; r="$r$(printf '\\036')"
while IFS= read -r l; do r="$r$l$(printf '\\035')"; done
printf '%s\\n' "$r" >>"$LOG"
"""


@pytest.fixture(scope="module")
def stub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bin_dir = tmp_path_factory.mktemp("stubs")
    for name in STUBS:
        script = bin_dir / name
        script.write_text(PSQL if name == "psql" else STUB)
        script.chmod(0o755)
    for name in REAL:
        real = subprocess.run(["sh", "-c", f"command -v {name}"], capture_output=True, text=True)
        if real.returncode == 0:
            (bin_dir / name).symlink_to(real.stdout.strip())
    return bin_dir


def run_in_bash(line: str, stub_dir: Path, tmp_path: Path) -> list[tuple[list[str], str]]:
    """(argv, stdin) of every stubbed command bash ran for `line`."""
    log = tmp_path / "log"
    log.write_text("")
    prelude = "shopt -s expand_aliases\n" + "".join(f"alias {k}='{v}'\n" for k, v in ALIASES.items())
    env = {"PATH": str(stub_dir), "LOG": str(log), "HOME": str(tmp_path)}
    subprocess.run(
        [str(stub_dir / "bash"), "--norc", "--noprofile", "-c", prelude + line],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=10,
    )
    ran = []
    for entry in log.read_text().split("\n")[:-1]:
        argv_part, _, stdin = entry.partition("\x1e")
        ran.append((argv_part.split("\x1f"), stdin.replace("\x1d", "\n").rstrip("\n")))
    return ran


def parsed(line: str) -> list[tuple[list[str], str]]:
    out = []
    for cmd in parse_line(line, ALIASES).commands:
        if cmd.executable in STUBS and not any("$" in a or "`" in a for a in cmd.argv):
            out.append((cmd.argv, cmd.stdin if cmd.executable == "psql" else ""))
    return out


ALL = [
    "rm a; rm b && rm c",
    "echo \"rm -rf /\"; grep 'DROP TABLE' x.sql",
    "sh -c 'rm -rf x; kubectl delete ns a'",
    "sh -c 'rm '\"'\"'q r'\"'\"''",
    'bash -c "rm a | grep b"',
    "env A=1 rm x",
    'env -i PATH="$PATH" LOG="$LOG" rm x',
    "nice -n 5 rm x",
    "timeout 5 rm x",
    "nohup rm x",
    "command rm x",
    "exec rm x",
    "eval \"rm x; rm 'y z'\"",
    "xargs rm < /dev/null",
    "echo $(rm y)",
    "x=$(rm a && rm b)",
    "(rm a); { rm b; }",
    "f() { rm c; }; f",
    "\"rm\" x; \\rm y; r''m z",
    "if rm a; then rm b; fi",
    "[[ -f nope ]] || rm y",
    "echo $((1+2)) && rm x",
    "time rm x",
    "A=1 rm x",
    "ls | grep x | rm y",
    "rm <<EOF\n$(rm h)\nEOF",
    "psql -h db <<EOF\nDROP TABLE x;\nEOF",
    "echo 'DROP TABLE y' | psql",
    "bash <<EOF\nrm -rf x\nEOF",
    "echo 'rm z' | sh",
    "k get pods",
    "nuke",
    "git push -f origin main",
    "{rm,-rf,x}; rm -rf {a,b}/c",
    'c=rm; $c x; "$c" y',
    "$'rm' q",
    "sh -c 'rm '\"'\"'a b'\"'\"''",
]


@pytest.mark.parametrize("line", ALL)
def test_parser_finds_what_bash_runs(line: str, stub_dir: Path, tmp_path: Path) -> None:
    ran = run_in_bash(line, stub_dir, tmp_path)
    assert sorted(parsed(line)) == sorted(ran)


SOME = [
    "rm a || rm b",
    "while false; do rm x; done",
    "case a in a) rm x;; b) rm y;; esac",
    "true || { kubectl delete ns a; }",
]


@pytest.mark.parametrize("line", SOME)
def test_parser_finds_at_least_what_bash_runs(line: str, stub_dir: Path, tmp_path: Path) -> None:
    ran = run_in_bash(line, stub_dir, tmp_path)
    found = parsed(line)
    assert all(item in found for item in ran)
    assert len(found) > len(ran)  # the branch bash skipped is still reported


def test_stub_dir_only_holds_stubs(stub_dir: Path) -> None:
    """The oracle must never reach a real rm or kubectl."""
    for name in STUBS:
        assert not os.path.islink(stub_dir / name)
