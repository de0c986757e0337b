"""`ddcoterm check` is a public contract: its JSON keys, exit codes and batch form."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import ddcoterm_cmd
from evalhelp import check_json, lint_config, write_config

KEYS = {"decision", "messages", "approver_messages", "actions", "record", "commands", "parser", "rules"}


def _config(home: Path) -> None:
    write_config(
        home,
        lint_config('if has_arg("scale") then return "scaling " .. args[#args] end')
        + "    - command: rm\n      rules:\n        - rule: has_flag('r') and has_arg('/')\n"
        "          deny: true\n          actions: [record]\n",
    )


def test_json_shape_and_exit_codes(coterm_home: Path, tmp_path: Path) -> None:
    _config(coterm_home)
    status, out = check_json("echo ok && kubectl scale deploy/web --replicas=0", str(tmp_path))
    assert set(out) >= KEYS
    assert status == 1 and out["decision"] == "confirm"
    assert out["messages"] == ["scaling --replicas=0"]
    assert [c["argv"][0] for c in out["commands"]] == ["echo", "kubectl"]
    assert set(out["commands"][1]) >= {"argv", "wrappers", "remote", "assignments"}
    assert out["parser"] == "bashlex"
    assert out["rules"][0]["kind"] == "lint" and out["rules"][0]["line"] == 6

    status, out = check_json("sudo rm -rf /", str(tmp_path))
    assert status == 1 and out["decision"] == "deny"
    assert out["commands"][0]["wrappers"] == ["sudo"]

    status, out = check_json('echo "kubectl scale x" && grep scale notes.txt', str(tmp_path))
    assert status == 0 and out["decision"] == "allow" and out["record"] is True


def test_bashlex_failure_falls_back_and_still_finds_the_command(coterm_home: Path, tmp_path: Path) -> None:
    _config(coterm_home)
    status, out = check_json("[[ -f x ]] && kubectl scale deploy/web --replicas=0", str(tmp_path))
    assert out["parser"] == "fallback" and out["decision"] == "confirm"


def test_human_output_names_rule_file_and_index(coterm_home: Path, tmp_path: Path) -> None:
    _config(coterm_home)
    proc = subprocess.run(
        [*ddcoterm_cmd(), "check", "--", "kubectl scale deploy/web --replicas=0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert "command 1: kubectl scale deploy/web --replicas=0" in proc.stdout
    assert f"lint process_config.commands[0].lints[0] ({coterm_home}/config.yaml:6)" in proc.stdout
    assert "decision: confirm" in proc.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run([*ddcoterm_cmd(), "check"], capture_output=True, text=True)
    assert proc.returncode == 2 and "give a command line after --" in proc.stderr
    proc = subprocess.run(
        [*ddcoterm_cmd(), "check", "--cwd", str(tmp_path / "nope"), "--", "ls"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "no such directory" in proc.stderr


def test_batch_json_lines_nul_separated(coterm_home: Path, tmp_path: Path) -> None:
    _config(coterm_home)
    lines = ["ls -la", "kubectl scale a --replicas=1", "for i in 1 2; do\n  rm -rf /\ndone", "git status"]
    proc = subprocess.run(
        [*ddcoterm_cmd(), "check", "--file", "-", "-0", "--json"],
        input="\0".join(lines),
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    rows = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["line"] for r in rows] == lines
    assert [r["decision"] for r in rows] == ["allow", "confirm", "deny", "allow"]


def test_batch_table_lists_only_flagged_lines(coterm_home: Path, tmp_path: Path) -> None:
    _config(coterm_home)
    history = tmp_path / "history"
    history.write_text("ls\nkubectl scale a --replicas=1\ncd /tmp\nsudo rm -rf /\n")
    proc = subprocess.run([*ddcoterm_cmd(), "check", "--file", str(history)], capture_output=True, text=True)
    assert proc.returncode == 1
    rows = proc.stdout.splitlines()
    assert len(rows) == 2 and rows[0].startswith("confirm") and rows[1].startswith("deny")
    assert "4 lines checked, 2 not allowed" in proc.stderr
