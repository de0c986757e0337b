"""`ddcoterm approve` / `ddcoterm approvals` as one user: config errors, break glass, refusals."""

from __future__ import annotations

import grp
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ddcoterm_cmd
from fake_datadog import FakeDatadog

MARK_CMD = ["sh", "-c", "echo ran >> marker"]


def ddcoterm() -> list[str]:
    """The installed console script next to this interpreter (skips a pyenv shim's startup cost)."""
    script = Path(sys.executable).with_name("ddcoterm")
    return [str(script)] if script.is_file() else ddcoterm_cmd()


def cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ddcoterm(), *args],
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=30,
    )


def ran(tmp_path: Path) -> int:
    marker = tmp_path / "marker"
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def my_group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


def test_bad_config_is_one_clear_line_and_no_run(tmp_path, coterm_home):
    (coterm_home / "config.yaml").write_text("approvals:\n  backend: local\n  timeout: soon\n")
    proc = cli(tmp_path, "approve", "--", *MARK_CMD)
    assert proc.returncode == 2
    assert (
        f"{coterm_home / 'config.yaml'}:3: approvals.timeout: expected a duration such as 90s" in proc.stderr
    )
    assert "Traceback" not in proc.stderr and ran(tmp_path) == 0

    (coterm_home / "config.yaml").write_text("approvals:\n  backend: local\n")
    proc = cli(tmp_path, "approve", "--for-line", "rm -rf /srv")
    assert proc.returncode == 2
    assert "approvals.approvers_group is not set" in proc.stderr


def test_usage_errors(tmp_path):
    proc = cli(tmp_path, "approve")
    assert proc.returncode == 2 and "say what needs approval" in proc.stderr
    proc = cli(tmp_path, "approve", "--for-line", "ls", "--", "ls")
    assert proc.returncode == 2 and "not both" in proc.stderr
    proc = cli(tmp_path, "approvals", "grant")
    assert proc.returncode == 2 and "needs a request ID" in proc.stderr


def test_unsafe_or_missing_spool_is_refused(tmp_path, coterm_home):
    spool = tmp_path / "spool"
    (coterm_home / "config.yaml").write_text(
        f"approvals:\n  spool: {spool}\n  approvers_group: {my_group()}\n  timeout: 5s\n"
    )
    proc = cli(tmp_path, "approve", "--", *MARK_CMD)
    assert proc.returncode == 2
    assert f"the approvals spool {spool} does not exist" in proc.stderr
    assert f"ddcoterm approvals setup --spool {spool} --group {my_group()}" in proc.stderr

    setup = cli(tmp_path, "approvals", "setup")
    assert setup.returncode == 0, setup.stderr
    (spool / "decisions").chmod(0o3777)
    proc = cli(tmp_path, "approve", "--", *MARK_CMD)
    assert proc.returncode == 2
    assert "decisions is writable by everyone" in proc.stderr
    assert ran(tmp_path) == 0


def test_approver_refusals_for_unknown_and_own_requests(tmp_path, coterm_home):
    spool = tmp_path / "spool"
    (coterm_home / "config.yaml").write_text(
        f"approvals:\n  spool: {spool}\n  approvers_group: {my_group()}\n  timeout: 30s\n  poll_interval: 0.1\n"
    )
    assert cli(tmp_path, "approvals", "setup").returncode == 0
    proc = cli(tmp_path, "approvals", "grant", "aaaaaaaaaaaaaaaa")
    assert proc.returncode == 1 and "no approval request aaaaaaaaaaaaaaaa" in proc.stderr
    proc = cli(tmp_path, "approvals", "show", "../../etc/passwd")
    assert proc.returncode == 1 and "is not a request id" in proc.stderr

    waiter = subprocess.Popen(
        [*ddcoterm(), "approve", "--json", "--", *MARK_CMD],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        request_id = _wait_for_request(spool)
        listing = cli(tmp_path, "approvals", "list", "--json")
        assert [r["id"] for r in json.loads(listing.stdout)] == [request_id]
        own = cli(tmp_path, "approvals", "grant", request_id)
        assert own.returncode == 1 and "is your own" in own.stderr
    finally:
        waiter.terminate()  # SIGTERM withdraws, like Ctrl-C
    out, err = waiter.communicate(timeout=20)
    assert waiter.returncode == 1, err
    assert json.loads(out)["state"] == "withdrawn"
    assert ran(tmp_path) == 0


def _wait_for_request(spool: Path) -> str:
    import time

    deadline = time.time() + 15
    while time.time() < deadline:
        names = [p.stem for p in (spool / "requests").glob("*.json")]
        if names:
            return names[0]
        time.sleep(0.05)
    raise AssertionError("no request was filed")


def test_break_glass_runs_without_asking_and_stores_a_high_severity_event(tmp_path, coterm_home):
    with FakeDatadog() as dd:
        (coterm_home / "config.yaml").write_text(
            f"approvals:\n  backend: datadog\n  project_id: {dd.project_id}\n"
        )
        proc = cli(
            tmp_path,
            "approve",
            "--",
            *MARK_CMD,
            env={**dd.env(), "COTERM_BREAK_GLASS": "true", "COTERM_SESSION": "s-42"},
        )
        assert dd.requests == []
    assert proc.returncode == 0, proc.stderr
    assert "COTERM_BREAK_GLASS is set: running without approval" in proc.stderr
    assert ran(tmp_path) == 1
    events = json.loads(cli(tmp_path, "events", "--json").stdout)
    [event] = events
    assert event["break_glass"] is True and event["approval_outcome"] == "break_glass"
    assert event["rules"][0]["severity"] == "high"
    assert event["line"] == "sh -c 'echo ran >> marker'"


def test_record_break_glass_redacts_the_line(tmp_path):
    from coterm.approvals import record_break_glass
    from coterm.store import Store

    secret = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    event_id = record_break_glass(f"curl -H 'Authorization: token {secret}' https://x", str(tmp_path))
    assert event_id
    with Store.open() as store:
        [event] = store.events()
    assert event.break_glass and secret not in event.line
    assert event.rules == [{"kind": "break_glass", "severity": "high", "reason": "COTERM_BREAK_GLASS=true"}]


@pytest.mark.parametrize(
    "text, seconds",
    [("90", 90), (90, 90), ("90s", 90), ("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("2d", 172800)],
)
def test_timeouts_accept_the_usual_durations(text, seconds):
    from coterm.approvals.settings import parse_duration

    assert parse_duration(text) == seconds


def test_help_teaches_the_shared_host_setup(tmp_path):
    out = cli(tmp_path, "approvals", "--help").stdout
    assert "ddcoterm approvals setup --spool /var/spool/ddcoterm --group ops" in out
    assert "chmod 3775 /var/spool/ddcoterm/decisions" in out
    out = cli(tmp_path, "approve", "--help").stdout
    assert "1  not granted: denied, expired, or withdrawn with Ctrl-C" in out
