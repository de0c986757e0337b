"""The datadog approval backend against a fake Case Management API: a real `ddcoterm approve`
process polls while the test flips the case status; every failure means no run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pexpect
import pytest
from conftest import ddcoterm_cmd
from fake_datadog import FakeDatadog

MARK_CMD = ["sh", "-c", "echo ran >> marker"]


def ddcoterm() -> list[str]:
    """The installed console script next to this interpreter (skips a pyenv shim's startup cost)."""
    script = Path(sys.executable).with_name("ddcoterm")
    return [str(script)] if script.is_file() else ddcoterm_cmd()


@pytest.fixture
def dd():
    with FakeDatadog() as fake:
        yield fake


def write_config(home: Path, dd: FakeDatadog, **extra: object) -> None:
    settings = {
        "backend": "datadog",
        "project_id": dd.project_id,
        "timeout": "20s",
        "poll_interval": 0.1,
        "retries": 2,
        "retry_delay": 0.01,
        "http_timeout": "2s",
        **extra,
    }
    body = "".join(f"  {k}: {v}\n" for k, v in settings.items())
    (home / "config.yaml").write_text(f"approvals:\n{body}")


def env_for(dd: FakeDatadog, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper()}
    env.update(dd.env(), LANG="C.UTF-8", **extra)
    return env


def ran(tmp_path: Path) -> int:
    marker = tmp_path / "marker"
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def approve(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*ddcoterm(), "approve", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def flip_when_created(dd: FakeDatadog, status: str, by: str = "") -> threading.Thread:
    def flip() -> None:
        case = dd.wait_for_case()
        time.sleep(0.3)  # let the client poll a few times first
        dd.set_status(case, status, by=by or dd.approver_id)

    t = threading.Thread(target=flip, daemon=True)
    t.start()
    return t


def test_granted_by_status_flip_while_polling_on_a_pty(tmp_path, coterm_home, dd):
    write_config(coterm_home, dd)
    child = pexpect.spawn(
        ddcoterm()[0],
        [*ddcoterm()[1:], "approve", "--reason", "hotfix", "--", *MARK_CMD],
        cwd=str(tmp_path),
        env=env_for(dd),
        encoding="utf-8",
        timeout=15,
        dimensions=(24, 160),
    )
    child.expect(r"approval request (CTA-\d+) sent")
    key = child.match.group(1)
    child.expect(f"set case {key} to Approved")
    child.expect(r"waiting for approval · 0:0\d elapsed")
    assert ran(tmp_path) == 0
    dd.set_status(key, "APPROVED")
    child.expect("approved by")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert ran(tmp_path) == 1

    [create] = dd.calls("POST", "/api/v2/cases")
    assert create.headers["dd-api-key"] == dd.api_key
    assert create.headers["dd-application-key"] == dd.app_key
    attrs = create.body["data"]["attributes"]
    assert attrs["title"] == "Approval required: sh -c 'echo ran >> marker'"
    text = attrs["description"]
    for expected in (
        f"on {os.uname().nodename}",
        "- Command: `sh -c 'echo ran >> marker'`",
        f"- Working directory: {tmp_path}",
        "reason given by the requester: hotfix",
        "- Created: ",
        "- Expires: ",
    ):
        assert expected in text
    assert create.body["data"]["relationships"]["project"]["data"]["id"] == dd.project_id
    assert len(dd.calls("GET", "/api/v2/cases/")) >= 2, "the client should have polled more than once"


def test_declined_closed_and_archived_do_not_run(tmp_path, coterm_home, dd):
    write_config(coterm_home, dd)
    for status, word in (("DECLINED", "declined"), ("CLOSED", "closed (closed) without approval")):
        flip_when_created(dd, status)
        proc = approve(tmp_path, env_for(dd), "--", *MARK_CMD)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 1, err
        assert word in err and "the command was not run" in err
        dd.cases.clear()
    assert ran(tmp_path) == 0


def test_approvals_grant_by_another_user_runs_and_self_approval_is_refused(tmp_path, coterm_home, dd):
    write_config(coterm_home, dd)

    def grant_with(app_key: str) -> threading.Thread:
        def go() -> None:
            case = dd.wait_for_case()
            subprocess.run(
                [*ddcoterm(), "approvals", "grant", case, "--backend", "datadog", "--reason", "ok"],
                env=env_for(dd, DD_APP_KEY=app_key),
                check=True,
                capture_output=True,
            )

        t = threading.Thread(target=go, daemon=True)
        t.start()
        return t

    # the requester's own key approves: the case's modifier is its creator
    grant_with(dd.app_key)
    proc = approve(tmp_path, env_for(dd), "--", *MARK_CMD)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1, err
    assert "no self-approval" in err
    assert ran(tmp_path) == 0

    dd.cases.clear()
    grant_with(dd.approver_app_key)
    proc = approve(tmp_path, env_for(dd), "--", *MARK_CMD)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert ran(tmp_path) == 1
    [case] = dd.cases.values()
    assert case["comments"] == [{"comment": "CoTerm: Approved. ok"}]


@pytest.mark.parametrize(
    "fault, expected",
    [
        (401, "401 Unauthorized"),
        (403, "403 Forbidden"),
        (429, "rate limited by Datadog (429"),
        (500, "Datadog API error 500"),
        ("drop", "the connection was dropped"),
        ("offline", "connection refused"),
    ],
)
def test_errors_give_a_clear_message_and_no_run(tmp_path, coterm_home, dd, fault, expected):
    write_config(coterm_home, dd)
    env = env_for(dd)
    if fault == "drop":
        dd.drop(times=99)
    elif fault == "offline":
        env["COTERM_DD_API_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    else:
        dd.fail(fault, times=99, reset=0)
    proc = approve(tmp_path, env, "--", *MARK_CMD)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 2, err
    assert expected in err
    assert "approval failed" in err and "the command was not run" in err
    assert "Traceback" not in err
    assert ran(tmp_path) == 0
    if fault in (429, 500, "drop"):
        assert len(dd.requests) == 3, "2 retries after the first try"
    if fault in (401, 403):
        assert len(dd.requests) == 1, "credentials errors are not retried"


def test_errors_while_polling_stop_the_wait(tmp_path, coterm_home, dd):
    write_config(coterm_home, dd)

    def break_server() -> None:
        dd.wait_for_case()
        dd.fail(500, times=99, method="GET")

    threading.Thread(target=break_server, daemon=True).start()
    proc = approve(tmp_path, env_for(dd), "--", *MARK_CMD)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2, err
    assert "Datadog API error 500" in err
    assert ran(tmp_path) == 0


def test_transient_errors_are_retried_and_429_waits_for_reset(tmp_path, coterm_home, dd):
    write_config(coterm_home, dd)
    dd.fail(500, times=1, method="POST")
    dd.fail(429, times=1, method="GET", reset=1)

    def approve_at_once() -> None:
        case = dd.wait_for_case()
        dd.set_status(case, "APPROVED")

    threading.Thread(target=approve_at_once, daemon=True).start()
    proc = approve(tmp_path, env_for(dd), "--", *MARK_CMD)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert ran(tmp_path) == 1
    gets = dd.calls("GET", "/api/v2/cases/")
    assert gets[1].at - gets[0].at >= 0.9, "the retry after 429 waits X-RateLimit-Reset seconds"


def test_missing_keys_and_project(tmp_path, coterm_home, dd):
    write_config(coterm_home, dd)
    env = env_for(dd)
    del env["DD_APP_KEY"]
    proc = approve(tmp_path, env, "--", *MARK_CMD)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert "need DD_APP_KEY in the environment" in err
    write_config(coterm_home, dd, project_id='""')
    proc = approve(tmp_path, env_for(dd), "--", *MARK_CMD)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert "approvals.project_id" in err
    assert dd.requests == [] and ran(tmp_path) == 0


def test_expiry_and_withdraw_close_the_case(tmp_path, coterm_home, dd):
    write_config(coterm_home, dd, timeout="1s")
    proc = approve(tmp_path, env_for(dd), "--", *MARK_CMD)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1, err
    assert "expired (no decision within 0:01)" in err
    [case] = dd.cases.values()
    assert case["attributes"]["status"] == "CLOSED"
    assert "Expired" in case["comments"][0]["comment"]

    dd.cases.clear()
    write_config(coterm_home, dd)
    proc = approve(tmp_path, env_for(dd), "--", *MARK_CMD)
    dd.wait_for_case()
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1, err
    assert "withdrawn; the command was not run" in err
    [case] = dd.cases.values()
    assert case["attributes"]["status"] == "CLOSED"
    assert "Withdrawn by the requester" in case["comments"][0]["comment"]
    assert ran(tmp_path) == 0


def test_request_and_wait_in_process(tmp_path, coterm_home, dd, monkeypatch, capsys):
    from coterm.approvals import request_and_wait
    from coterm.store import Store

    write_config(coterm_home, dd)
    for name, value in dd.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COTERM_SESSION", "sess-1")
    flip_when_created(dd, "APPROVED")
    outcome = request_and_wait(
        "kubectl delete ns prod",
        cwd=str(tmp_path),
        user_message=["Production namespace."],
        approver_message=["Check the backup first."],
        source="shim",
        tty=False,
    )
    assert outcome.granted and outcome.state == "granted" and outcome.exit_code == 0
    [case_id] = dd.cases
    assert outcome.request_id == case_id
    assert "this command needs approval: Production namespace." in capsys.readouterr().err
    with Store.open() as store:
        events = store.events()
    assert [(e.approval_outcome, e.session_id, e.source) for e in events] == [
        ("created", "sess-1", "shim"),
        ("granted", "sess-1", "shim"),
    ]
    assert all(e.approval_id == case_id and e.line == "kubectl delete ns prod" for e in events)
