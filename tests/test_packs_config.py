"""`packs:` config (enable, disable, ignore with a reason, threshold; projects only tighten)
and context escalation (prod kube context, terraform workspace, protected branch, SSH, root)."""

from __future__ import annotations

from pathlib import Path

import pytest
from evalhelp import write_config

from coterm.config.trust import TrustStore
from coterm.evaluator import Evaluator
from coterm.model import Decision, SimpleCommand
from coterm.rules.context import build_context


def _eval(line: str, cwd: Path, **env: str) -> Decision:
    base = {"HOME": "/home/user", "PATH": "/usr/bin:/bin", "KUBECONFIG": str(cwd / "no-kubeconfig")}
    return Evaluator().evaluate(line, cwd=str(cwd), env={**base, **env})


def _fired(line: str, cwd: Path, **env: str) -> list[str]:
    return [h.rule_id for h in _eval(line, cwd, **env).rules if h.rule_id]


def _issues(home: Path, cwd: Path) -> list[str]:
    return [f"{'error' if i.fatal else 'warning'}: {i}" for i in Evaluator().config(str(cwd)).issues]


def test_disable_a_pack_and_ignore_a_rule_with_a_reason(coterm_home: Path, tmp_path: Path) -> None:
    assert _fired("git push -f origin main", tmp_path) == ["git.push-force"]
    write_config(
        coterm_home,
        """\
        packs:
          disabled: [kubernetes]
          ignore:
            - id: git.push-force
              reason: review branches are force-pushed by the bot
        """,
        packs=True,
    )
    assert _issues(coterm_home, tmp_path) == []
    assert _fired("git push -f origin main", tmp_path) == []
    assert _fired("kubectl delete ns payments", tmp_path) == []
    assert _fired("git reset --hard", tmp_path) == ["git.reset-hard"]  # the rest of the pack stays on


def test_enabled_lists_the_only_packs_that_run(coterm_home: Path, tmp_path: Path) -> None:
    write_config(coterm_home, "packs:\n  enabled: [git]\n", packs=True)
    assert _fired("git reset --hard && rm -rf /", tmp_path) == ["git.reset-hard"]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "packs:\n  ignore:\n    - id: git.push-force\n",
            "error: {cfg}:3: packs.ignore[0]: give a reason for ignoring git.push-force",
        ),
        (
            "packs:\n  severity_threshold: extreme\n",
            "error: {cfg}:2: packs.severity_threshold: expected one of low",
        ),
        ("packs:\n  enable: [git]\n", "error: {cfg}:2: packs.enable: unknown key (expected one of enabled"),
        (
            "packs:\n  disabled: [gti]\n",
            "warning: {cfg}:2: packs.disabled[0]: unknown pack 'gti' (packs: fs, git",
        ),
        (
            "packs:\n  ignore:\n    - {id: git.push-forced, reason: typo}\n",
            "warning: {cfg}:3: packs.ignore[0].id: no rule 'git.push-forced'",
        ),
    ],
)
def test_bad_packs_section_names_file_line_and_field(
    coterm_home: Path, tmp_path: Path, text: str, expected: str
) -> None:
    cfg = write_config(coterm_home, text, packs=True)
    issues = _issues(coterm_home, tmp_path)
    assert len(issues) == 1 and issues[0].startswith(expected.format(cfg=cfg)), issues


def test_a_broken_packs_section_keeps_the_last_good_one(coterm_home: Path, tmp_path: Path) -> None:
    write_config(coterm_home, "packs:\n  disabled: [git]\n", packs=True)
    assert _fired("git reset --hard", tmp_path) == []
    write_config(coterm_home, "packs:\n  disabled: [git]\n  ignore: [{id: fs.rm-root}]\n", packs=True)
    assert _fired("git reset --hard", tmp_path) == [], "the last good packs section stays in force"


def test_severity_threshold(coterm_home: Path, tmp_path: Path) -> None:
    assert _fired("git branch -D feature/x", tmp_path) == []  # low: only escalated by default
    write_config(coterm_home, "packs:\n  severity_threshold: low\n", packs=True)
    assert _fired("git branch -D feature/x", tmp_path) == ["git.branch-force-delete"]
    write_config(coterm_home, "packs:\n  severity_threshold: high\n", packs=True)
    assert _fired("git reset --hard", tmp_path) == []  # medium
    assert _fired("git clean -fdx", tmp_path) == ["git.clean-force"]  # high with -x
    # Escalation lifts a medium rule over a high threshold: force push to main is high.
    assert _fired("git push -f origin feature", tmp_path) == []
    assert _fired("git push -f origin main", tmp_path) == ["git.push-force"]


def _project(root: Path, text: str) -> Path:
    rules = root / ".ddcoterm" / "config.yaml"
    rules.parent.mkdir(parents=True)
    rules.write_text(text)
    TrustStore().trust(rules)
    return rules


def test_project_files_only_add_packs_or_tighten(coterm_home: Path, tmp_path: Path) -> None:
    write_config(coterm_home, "packs:\n  disabled: [publish]\n  severity_threshold: high\n", packs=True)
    project = tmp_path / "app"
    _project(
        project,
        "packs:\n  enabled: [publish]\n  severity_threshold: low\n  disabled: [git]\n"
        "  ignore: [{id: fs.rm-root, reason: nope}]\n",
    )
    issues = _issues(coterm_home, project)
    assert any("packs.disabled: not allowed in a project file" in i for i in issues), issues
    assert _fired("npm publish", project) == ["publish.release"]  # the project added the pack
    assert _fired("git branch -D feature/x", project) == ["git.branch-force-delete"]  # threshold lowered
    assert _fired("rm -rf /", project) == ["fs.rm-root"]  # project cannot ignore rules
    assert _fired("npm publish", tmp_path) == []  # outside the project the global config rules


def test_project_threshold_cannot_loosen_the_default(coterm_home: Path, tmp_path: Path) -> None:
    project = tmp_path / "app"
    _project(project, "packs:\n  severity_threshold: critical\n  enabled: [git]\n")
    assert _fired("git reset --hard", project) == ["git.reset-hard"]  # default medium still applies
    assert _fired("kubectl delete ns payments", project) == ["kubernetes.delete-namespace"]


def _message(line: str, cwd: Path, rule_id: str, **env: str) -> str:
    hits = [h for h in _eval(line, cwd, **env).rules if h.rule_id == rule_id]
    assert hits, f"{rule_id} did not fire on {line!r}"
    return hits[0].message


def test_prod_kube_context_escalates_and_lets_low_rules_speak(coterm_home: Path, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gke_acme_prod-eu\n"
        "contexts:\n- name: gke_acme_prod-eu\n  context: {cluster: c, user: u}\n"
    )
    assert _fired("kubectl apply -f deploy.yaml", tmp_path) == []
    message = _message(
        "kubectl apply -f deploy.yaml", tmp_path, "kubernetes.prod-write", KUBECONFIG=str(kubeconfig)
    )
    assert "[medium]" in message and "production Kubernetes context 'gke_acme_prod-eu'" in message
    message = _message(
        "kubectl delete ns web", tmp_path, "kubernetes.delete-namespace", KUBECONFIG=str(kubeconfig)
    )
    assert "[critical]" in message and "Escalated from high" in message
    # --context wins over the kubeconfig's current context.
    assert _fired("kubectl --context dev apply -f d.yaml", tmp_path, KUBECONFIG=str(kubeconfig)) == []


def test_terraform_workspace_escalates(coterm_home: Path, tmp_path: Path) -> None:
    message = _message(
        "terraform apply -auto-approve", tmp_path, "iac.apply-auto-approve", TF_WORKSPACE="prod"
    )
    assert "[high]" in message and "production workspace 'prod'" in message
    message = _message(
        "terraform apply -auto-approve", tmp_path, "iac.apply-auto-approve", TF_WORKSPACE="dev"
    )
    assert "[medium]" in message and "Escalated" not in message


def _has_tf_workspace_global() -> bool:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / ".terraform").mkdir()
        (Path(tmp) / ".terraform" / "environment").write_text("probe\n")
        cmd = SimpleCommand(argv=["terraform", "plan"])
        ctx = build_context(cmd, line="terraform plan", cwd=tmp, env={}, shell="bash")
    return ctx.get("tf_workspace") == "probe"


@pytest.mark.skipif(
    not _has_tf_workspace_global(),
    reason="needs the tf_workspace global (.terraform/environment) in coterm/rules/context.py",
)
def test_terraform_environment_file_escalates(coterm_home: Path, tmp_path: Path) -> None:
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "environment").write_text("production\n")
    message = _message("terraform destroy", tmp_path, "iac.destroy")
    assert "[critical]" in message and "production workspace 'production'" in message


def _repo(root: Path, branch: str) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text(f"ref: refs/heads/{branch}\n")
    return root


def test_protected_branch_escalates(coterm_home: Path, tmp_path: Path) -> None:
    main = _repo(tmp_path / "on-main", "main")
    feature = _repo(tmp_path / "on-feature", "feature/x")
    message = _message("git push -f", main, "git.push-force")
    assert "[high]" in message and "protected branch 'main'" in message
    message = _message("git push -f", feature, "git.push-force")
    assert "[medium]" in message and "Escalated" not in message
    message = _message("git push -f origin release/2.0", feature, "git.push-force")
    assert "protected branch 'release/2.0'" in message


def test_ssh_session_escalates_and_root_is_named(coterm_home: Path, tmp_path: Path) -> None:
    assert _fired("reboot", tmp_path) == []
    message = _message("reboot", tmp_path, "system.power", SSH_CONNECTION="10.0.0.1 50000 10.0.0.2 22")
    assert "[medium]" in message and "in an SSH session" in message
    message = _message("sudo rm -rf ./*", tmp_path, "fs.rm-cwd-glob")
    assert "running as root" in message and "[high]" in message


def test_pack_findings_confirm_and_configured_rules_still_decide(coterm_home: Path, tmp_path: Path) -> None:
    d = _eval("sudo rm -rf /", tmp_path)
    assert d.decision == "confirm" and [h.rule_id for h in d.rules] == ["fs.rm-root"]
    write_config(
        coterm_home,
        """\
        process_config:
          commands:
            - command: rm
              rules:
                - rule: has_flag('r') and has_arg('/')
                  deny: true
                  actions: [record]
        """,
        packs=True,
    )
    d = _eval("sudo rm -rf /", tmp_path)
    assert d.decision == "deny"
    assert "fs.rm-root" in [h.rule_id for h in d.rules]  # the pack's warning is still reported
