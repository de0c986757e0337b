"""Project rule files apply only when trusted; any edit needs trust again."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import ddcoterm_cmd
from evalhelp import check_json, write_config

PROJECT_RULES = """\
[[process_config.commands]]
command = "terraform"
lints = ['if has_arg("destroy") then return "destroying the project stack" end']
"""


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*ddcoterm_cmd(), *args], capture_output=True, text=True, cwd=cwd, timeout=30)


def test_untrusted_ignored_with_notice_then_trusted_then_edited(tmp_path: Path, coterm_home: Path) -> None:
    write_config(coterm_home, "")
    project = tmp_path / "infra"
    sub = project / "modules" / "db"
    sub.mkdir(parents=True)
    rules = project / ".ddcoterm.toml"
    rules.write_text(PROJECT_RULES)

    status, out = check_json("terraform destroy", str(sub))
    assert out["decision"] == "allow" and status == 0
    proc = _run("check", "--", "terraform destroy", cwd=sub)
    assert f"ignoring {rules} (not trusted)" in proc.stderr
    assert f"ddcoterm trust {rules}" in proc.stderr

    proc = _run("trust", cwd=sub)
    assert proc.returncode == 0 and f"trusted {rules}" in proc.stdout
    status, out = check_json("terraform destroy", str(sub))
    assert out["decision"] == "confirm" and status == 1
    assert out["messages"] == ["destroying the project stack"]
    assert out["rules"][0]["file"] == str(rules)

    rules.write_text(PROJECT_RULES.replace("destroying", "DESTROYING"))
    status, out = check_json("terraform destroy", str(sub))
    assert out["decision"] == "allow", "an edited file must be trusted again"
    listing = _run("trust", "--list", cwd=sub)
    assert "changed since trusted" in listing.stdout

    _run("trust", str(rules), cwd=tmp_path)
    assert check_json("terraform destroy", str(sub))[1]["messages"] == ["DESTROYING the project stack"]
    proc = _run("untrust", cwd=project)
    assert proc.returncode == 0
    assert check_json("terraform destroy", str(sub))[1]["decision"] == "allow"


def test_trust_without_a_project_file_says_where_it_looked(tmp_path: Path) -> None:
    proc = _run("trust", cwd=tmp_path)
    assert proc.returncode == 1
    assert "no .ddcoterm/config.yaml or .ddcoterm.toml" in proc.stderr
