"""CoTerm's two published examples work unchanged (docs.datadoghq.com/coterm/rules)."""

from __future__ import annotations

from pathlib import Path

import pytest
from evalhelp import check_json, write_config

DOCS_CONFIG = """\
process_config:
  commands:
    - command: "kubectl"
      lints:
        - |
          if has_arg("scale") and flags.context == nil then
            return string.format("No kubectl context specified (effective context: '%s'). It is recommended to always explicitly specify the context when running `kubectl scale`.", k8s_context)
          end
      rules:
        # Record and require approval for all executions of `kubectl scale` in a production context
        - rule: |
            local k8s_context = flags.context or k8s_current_context or "unknown"
            local matches = has_arg("scale") and k8s_context:match("prod")
            local user_message = "Proceed with caution. This command may disrupt your Kubernetes cluster setup."
            local approver_message = "Ensure that the user has documented a rollback plan before approving."
            return matches, user_message, approver_message
          actions: ["record", "logs", "process_info", "approval"]
        # Record all other executions of kubectl scale, but don't require approval
        - rule: has_arg("scale")
          actions: ["record", "logs", "process_info"]
        # For all other kubectl commands, just run the command with ~zero overhead
        - rule: true
          actions: []
"""

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: {current}
contexts:
  - name: minikube
    context: {{cluster: minikube, user: me}}
  - name: prod-us1
    context: {{cluster: prod, user: me, namespace: payments}}
"""


@pytest.fixture
def kube(tmp_path: Path, coterm_home: Path, monkeypatch: pytest.MonkeyPatch):
    write_config(coterm_home, DOCS_CONFIG)
    path = tmp_path / "kubeconfig"

    def use(current: str) -> None:
        path.write_text(KUBECONFIG.format(current=current))
        monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{path}")

    return use


def test_lint_without_context_warns_with_effective_context(kube, tmp_path: Path) -> None:
    kube("minikube")
    status, out = check_json("kubectl scale foo --replicas=2", str(tmp_path))
    assert status == 1 and out["decision"] == "confirm"
    assert out["messages"][0].startswith("No kubectl context specified (effective context: 'minikube').")
    assert out["actions"] == ["record", "logs", "process_info"]  # the second rule matched
    status, out = check_json("kubectl --context minikube scale foo --replicas=2", str(tmp_path))
    assert out["decision"] == "allow" and out["record"] is True


def test_approval_rule_in_prod_context(kube, tmp_path: Path) -> None:
    kube("prod-us1")
    status, out = check_json("kubectl --context=prod-us1 scale deploy/web --replicas=0", str(tmp_path))
    assert status == 1 and out["decision"] == "approval"
    assert "Proceed with caution." in out["messages"][0]
    assert out["approver_messages"] == [
        "Ensure that the user has documented a rollback plan before approving."
    ]
    assert out["actions"] == ["record", "logs", "process_info", "approval"]
    fired = [r for r in out["rules"] if r["kind"] == "rule"]
    assert fired[0]["where"] == "process_config.commands[0].rules[0]" and fired[0]["index"] == 0
    # Through the kubeconfig's current-context too, and a wrapper does not hide it.
    status, out = check_json("sudo -E env FOO=1 kubectl scale deploy/web --replicas=0", str(tmp_path))
    assert out["decision"] == "approval"
    # Any other kubectl command runs with no overhead.
    status, out = check_json("kubectl get pods", str(tmp_path))
    assert status == 0 and out["decision"] == "allow" and out["actions"] == [] and out["record"] is False


def test_break_glass_inline_bypasses_approval_and_is_flagged(kube, tmp_path: Path) -> None:
    kube("prod-us1")
    line = "COTERM_BREAK_GLASS=true kubectl --context=prod-us1 scale deploy/web --replicas=0"
    status, out = check_json(line, str(tmp_path))
    assert out["decision"] == "allow" and out["break_glass"] is True
    assert out["commands"][0]["assignments"] == {"COTERM_BREAK_GLASS": "true"}
    assert "approval" in out["actions"], "the bypassed action stays visible for the audit trail"
    # Break glass skips the approver, never the lints.
    status, out = check_json("COTERM_BREAK_GLASS=1 kubectl scale deploy/web --replicas=0", str(tmp_path))
    assert out["decision"] == "confirm" and out["break_glass"] is True
