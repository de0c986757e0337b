"""`ddcoterm rules list|explain` and the pack findings in `ddcoterm check --json`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import ddcoterm_cmd
from evalhelp import check_json, write_config

from coterm.packs import all_rules


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*ddcoterm_cmd(), *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_rules_list_one_line_per_rule_with_status(coterm_home: Path, tmp_path: Path) -> None:
    write_config(
        coterm_home,
        "packs:\n  disabled: [publish]\n  ignore: [{id: git.reset-hard, reason: we reset CI clones}]\n",
        packs=True,
    )
    proc = _run("rules", "list", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(all_rules())
    pack, rule_id, severity, *summary = lines[0].split()
    assert (pack, rule_id, severity) == ("fs", "fs.rm-root", "critical") and summary
    by_id = {line.split()[1]: line for line in lines}
    assert by_id["git.reset-hard"].endswith("(ignored: we reset CI clones)")
    assert by_id["publish.release"].endswith("(pack disabled)")
    assert by_id["git.branch-force-delete"].endswith("(escalated only)")
    assert "threshold medium" in proc.stderr

    proc = _run("rules", "list", "--pack", "git", "--json", cwd=tmp_path)
    rows = json.loads(proc.stdout)
    assert {r["pack"] for r in rows} == {"git"}
    assert {"id", "severity", "summary", "commands", "escalate", "status"} <= set(rows[0])


def test_rules_explain(coterm_home: Path, tmp_path: Path) -> None:
    proc = _run("rules", "explain", "git.push-force", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for fragment in (
        "git.push-force  (pack git, severity medium)",
        "Why it matters:",
        "Safer:\n  git push --force-with-lease",
        "the branch involved is main, master or release/*",
        "Decision: confirm (y/n)",
        "Fires on:\n  git push -f origin main",
        "Stays silent on:\n  git push --force-with-lease origin feature",
        "Message for the first example:\n  git.push-force [high]",
        "      - id: git.push-force\n        reason:",
        "git.yaml:",
    ):
        assert fragment in out, fragment

    proc = _run("rules", "explain", "git.push", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (
        "ddcoterm rules: no rule 'git.push' (did you mean: git.push-force, git.push-delete, "
        "git.reset-hard?); see: ddcoterm rules list"
    )
    proc = _run("rules", "explain", "databases", cwd=tmp_path)
    assert proc.returncode == 0 and "databases.drop" in proc.stdout


def test_explain_lua_is_a_lint_you_can_paste_into_your_config(coterm_home: Path, tmp_path: Path) -> None:
    lua = _run("rules", "explain", "git.push-force", "--lua", cwd=tmp_path).stdout
    indented = "\n".join("          " + line for line in lua.splitlines())
    write_config(
        coterm_home,
        f"packs:\n  disabled: [git]\nprocess_config:\n  commands:\n    - command: git\n      lints:\n"
        f"        - |\n{indented}\n",
        packs=True,
    )
    status, out = check_json("git push -f origin main", str(tmp_path))
    assert status == 1 and out["decision"] == "confirm"
    assert out["messages"][0].startswith("git.push-force [high]: force push")
    assert out["rules"][0]["where"] == "process_config.commands[0].lints[0]"


def test_check_json_carries_rule_ids(coterm_home: Path, tmp_path: Path) -> None:
    status, out = check_json("sudo env X=1 rm -rf /", str(tmp_path))
    assert status == 1 and out["decision"] == "confirm"
    assert [r["rule_id"] for r in out["rules"]] == ["fs.rm-root"]
    assert out["rules"][0]["kind"] == "lint" and out["rules"][0]["file"].endswith("packs/fs.yaml")
    assert out["commands"][0]["wrappers"] == ["sudo", "env"]

    status, out = check_json("echo 'DROP TABLE users' | psql", str(tmp_path))
    assert [r["rule_id"] for r in out["rules"]] == ["databases.drop"]
    assert "Safer: take a dump first" in out["messages"][0]

    status, out = check_json("git push --force-with-lease origin feature", str(tmp_path))
    assert status == 0 and out["decision"] == "allow" and out["rules"] == []
