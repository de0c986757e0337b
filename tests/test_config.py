"""Config errors name file, line and field; the last good config stays in force; told once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import ddcoterm_cmd
from evalhelp import evaluate, lint_config, write_config

from coterm.evaluator import Evaluator

GOOD = lint_config('if has_arg("scale") then return "scaling!" end')


def _errors(home: Path) -> list[str]:
    cfg = Evaluator().config(str(home))
    return [str(i) for i in cfg.issues if i.fatal]


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("process_config:\n  commands:\n    - command: kubectl\n      lints: [\n", 5, "invalid YAML"),
        (
            "process_config:\n  commands: 12\n",
            2,
            "process_config.commands: expected a list of commands, got a number",
        ),
        (
            "process_config:\n  commands:\n    - command: kubectl\n      rules:\n        - rule: 'true'\n"
            "          actions: [record]\n        - rule: 'true'\n          actions:\n            - record\n"
            "            - aproval\n",
            10,
            'process_config.commands[0].rules[1].actions: unknown action "aproval" (expected one of '
            "record, logs, process_info, approval, incidents)",
        ),
        (
            "process_config:\n  commands:\n    - lints: ['return 1']\n",
            3,
            "commands[0].command: expected the executable",
        ),
        (
            "process_config:\n  commands:\n    - command: kubectl\n      lints: [5]\n",
            4,
            "lints[0]: expected a Lua snippet",
        ),
        ("proces_config: {}\n", 1, "proces_config: unknown key"),
        ("fail_closed: 'yes'\n", 1, "fail_closed: expected true or false, got a string"),
        (
            "process_config:\n  commands:\n    - command: kubectl\n      lints:\n        - |\n"
            "          if has_arg('x') then\n            return 'y'\n          ende\n",
            8,
            "Lua syntax error",
        ),
    ],
)
def test_yaml_errors_name_file_line_and_field(coterm_home: Path, text: str, line: int, fragment: str) -> None:
    write_config(coterm_home, text, packs=True)
    errors = _errors(coterm_home)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{coterm_home}/config.yaml:{line}: "), errors[0]
    assert fragment in errors[0]


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("[process_config\ncommands = 1\n", 1, "invalid TOML"),
        ('[[process_config.commands]]\ncommand = "kubectl"\nlints = "x"\n', 3, "lints: expected a list"),
        (
            '[[process_config.commands]]\ncommand = "git"\n\n[[process_config.commands]]\ncommand = "kubectl"\n'
            '[[process_config.commands.rules]]\nrule = "true"\nactions = ["recrod"]\n',
            8,
            'process_config.commands[1].rules[0].actions: unknown action "recrod"',
        ),
    ],
)
def test_toml_project_errors_name_file_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    rules = project / ".ddcoterm.toml"
    rules.write_text(text)
    subprocess.run([*ddcoterm_cmd(), "trust", str(rules)], check=True, capture_output=True)
    cfg = Evaluator().config(str(project))
    errors = [str(i) for i in cfg.issues if i.fatal]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{rules}:{line}: "), errors[0]
    assert fragment in errors[0]


def test_last_good_config_stays_in_force_and_error_is_told_once(coterm_home: Path) -> None:
    write_config(coterm_home, GOOD)
    ev = Evaluator()
    first = ev.evaluate("kubectl scale deploy/web --replicas=0", cwd=str(coterm_home), env={})
    assert first.decision == "confirm" and first.messages == ["scaling!"]
    write_config(coterm_home, GOOD.replace("end", "ende"))
    broken = ev.evaluate("kubectl scale deploy/web --replicas=0", cwd=str(coterm_home), env={})
    assert broken.decision == "confirm", "the last good rules must still apply"
    assert len(broken.notices) == 1 and "Lua syntax error" in broken.notices[0]
    assert "last good version stays in force" in broken.notices[0]
    again = ev.evaluate("kubectl get pods", cwd=str(coterm_home), env={})
    assert again.notices == [], "the same error is told once, not on every command"
    # A fresh process (a new evaluator after a restart) still applies the last good version.
    assert evaluate("kubectl scale x", cwd=str(coterm_home)).decision == "confirm"


def test_config_command_reports_problems(coterm_home: Path) -> None:
    write_config(coterm_home, "process_config:\n  commands: 3\n")
    proc = subprocess.run([*ddcoterm_cmd(), "config"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert f"{coterm_home}/config.yaml:2: process_config.commands: expected a list" in proc.stdout


def test_project_file_cannot_set_credentials_or_default_actions(tmp_path: Path, coterm_home: Path) -> None:
    write_config(coterm_home, "")
    project = tmp_path / "proj"
    (project / ".ddcoterm").mkdir(parents=True)
    rules = project / ".ddcoterm" / "config.yaml"
    rules.write_text(
        "connection_config:\n  api_key: stolen\napprovals:\n  backend: local\n"
        "process_config:\n  default_actions: []\n  commands:\n    - command: terraform\n"
        "      lints: ['return \"project says careful\"']\n"
    )
    subprocess.run([*ddcoterm_cmd(), "trust", str(rules)], check=True, capture_output=True)
    cfg = Evaluator().config(str(project))
    assert "connection_config" not in cfg.sections and "approvals" not in cfg.sections
    assert cfg.default_actions is None
    warnings = [str(i) for i in cfg.issues]
    assert any("connection_config: not allowed in a project file" in w for w in warnings)
    assert any("default_actions: not allowed in a project file" in w for w in warnings)
    assert evaluate("terraform apply", cwd=str(project)).messages == ["project says careful"]
