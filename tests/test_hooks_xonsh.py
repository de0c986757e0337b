"""xonsh xontrib through a real pty: on_transform_command gate, y/n with the line put back,
deny, compound lines, aliases, vi mode, evaluator failures, double load, recorder marks."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from shellpty import (
    Env,
    Shell,
    approvals_configured,
    check_recorded_in_place,
    count_lines,
    require,
    start_server,
    wait_for,
)


def xonshrc(env: Env) -> None:
    (env.home / ".xonshrc").write_text(
        "$PROMPT = 'CTP> '\n$UPDATE_PROMPT_ON_KEYPRESS = False\n$XONSH_HISTORY_BACKEND = 'dummy'\n"
        "xontrib load coterm\nxontrib load coterm\n"  # twice on purpose
        "aliases['kk'] = 'kubectl scale deploy/aliased'\n"
    )


def spawn(env: Env, extra=None) -> Shell:
    sh = Shell("xonsh", env, [require("xonsh"), "-i"], extra)
    sh.prompt(timeout=30)
    return sh


@pytest.fixture(scope="module")
def xenv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xonsh")
    env = Env(tmp, tmp / "coterm-home")
    start_server(env)
    xonshrc(env)
    yield env
    env.stop_server()


@pytest.fixture(scope="module")
def xonsh(xenv):
    sh = spawn(xenv)
    yield sh
    sh.close()


def answer(sh: Shell, line: str, key: str) -> str:
    """Type a line that must be questioned and answer with `key` + Enter (input())."""
    return sh.ask(line, key + "\r")


def test_allowed_line_runs_once_and_prints_nothing(xonsh, xenv):
    marker = xenv.marks / "allowed"
    out = xonsh.run(f"echo x >> {marker}")
    assert wait_for(lambda: count_lines(marker) == 1)
    assert "CoTerm" not in out


def test_lint_answered_y_runs_once(xonsh, xenv):
    out = answer(xonsh, "kubectl scale deploy/web --replicas=0", "y")
    assert "Warning from CoTerm: scaling in prod" in out
    # loaded three times, asked once (the question itself is redrawn by prompt_toolkit)
    assert out.count("Warning from CoTerm: scaling in prod") == 1
    assert wait_for(lambda: xenv.kubectl_calls() == ["scale deploy/web --replicas=0"])


def test_lint_answered_n_cancels_and_puts_the_line_back(xonsh, xenv):
    before = len(xenv.kubectl_calls())
    answer(xonsh, "kubectl scale deploy/api --replicas=0", "n")
    buf = xenv.marks / "buffer"
    xonsh.prompt()
    xonsh.send(f"\x01echo >{buf} \r")
    assert wait_for(lambda: buf.exists() and buf.read_text().strip())
    assert buf.read_text().strip() == "kubectl scale deploy/api --replicas=0"
    assert len(xenv.kubectl_calls()) == before


def test_deny_compound_and_alias(xonsh, xenv):
    before = len(xenv.kubectl_calls())
    xonsh.send("kubectl delete ns prod\r")
    xonsh.expect("CoTerm: blocked: no deletes in prod")
    xonsh.prompt()
    xonsh.clear_line()
    first = xenv.marks / "compound"
    answer(xonsh, f"echo ok > {first} && kubectl scale deploy/web", "n")
    xonsh.prompt()
    xonsh.clear_line()
    answer(xonsh, "kk", "n")
    xonsh.prompt()
    xonsh.clear_line()
    time.sleep(0.2)
    assert not first.exists()
    assert len(xenv.kubectl_calls()) == before


def test_vi_mode(xonsh, xenv):
    xonsh.run("$VI_MODE = True")
    before = len(xenv.kubectl_calls())
    xonsh.send("kubectl scale deploy/vi\x1b")
    time.sleep(0.2)
    answer(xonsh, "", "n")
    xonsh.prompt()
    xonsh.send("\x1bcc")
    time.sleep(0.2)
    xonsh.run("$VI_MODE = False")
    assert len(xenv.kubectl_calls()) == before


def test_approval_without_an_approver_group_fails_closed(xonsh, xenv):
    ran = xenv.marks / "unapproved-ran"
    xonsh.send(f"approve-me now || echo x >> {ran}\r")
    xonsh.expect("needs approval: needs a second pair of eyes")
    xonsh.expect("message for the approver: check the plan")
    xonsh.expect("approvers_group is not set")
    xonsh.expect("CoTerm: not approved; the line is still here to edit.")
    xonsh.prompt()
    xonsh.clear_line()
    time.sleep(0.2)
    assert not ran.exists()


def test_configured_approval_runs_the_approvals_flow(xonsh, xenv):
    ran = xenv.marks / "approved-ran"
    with approvals_configured(xenv):
        xonsh.send(f"approve-me now || echo x >> {ran}\r")
        if xonsh.expect(["waiting for approval", "approval failed"], timeout=30) == 0:
            time.sleep(0.3)
            xonsh.send("\x03")  # withdraw
        xonsh.expect("CoTerm: not approved; the line is still here to edit.")
        xonsh.prompt()
        xonsh.clear_line()
    time.sleep(0.2)
    assert not ran.exists()


def test_evaluator_killed_then_line_runs_with_notice_and_it_comes_back(xonsh, xenv):
    old = xenv.kill_server()
    marker = xenv.marks / "killed"
    xonsh.send(f"echo x >> {marker}\r")
    xonsh.expect("CoTerm: evaluator not running")
    assert wait_for(lambda: count_lines(marker) == 1)
    xenv.wait_server(not_pid=old)
    xonsh.prompt()
    out = answer(xonsh, "kubectl scale deploy/back", "n")
    assert "scaling in prod" in out
    xonsh.prompt()
    xonsh.clear_line()


def test_stopped_evaluator_fails_open(xonsh, xenv):
    xenv.kill_server(signal.SIGSTOP)
    try:
        xonsh.send("terraform apply\r")  # fail_closed: blocked while no answer comes
        xonsh.expect("rules for terraform say fail_closed")
        xonsh.prompt()
        xonsh.clear_line()
        marker = xenv.marks / "hung"
        t0 = time.monotonic()
        xonsh.send(f"echo x >> {marker}\r")
        xonsh.expect("did not answer within 300 ms")
        assert wait_for(lambda: count_lines(marker) == 1)
        assert time.monotonic() - t0 < 3
        xonsh.prompt()
    finally:
        xenv.kill_server(signal.SIGCONT)


def test_commands_are_stored_as_events_with_status_and_duration(xonsh, xenv):
    from coterm.store import Store

    xonsh.run("sleep 0.2 && false")

    def finished():
        with Store.open(xenv.coterm_home / "coterm.db") as store:
            return [e for e in store.events() if e.line == "sleep 0.2 && false" and e.exit_status is not None]

    assert wait_for(finished)
    ev = finished()[-1]
    assert ev.exit_status == 1 and ev.duration >= 0.2 and ev.shell == "xonsh"


def test_recorded_session_marks_and_hidden_nonce(xenv):
    nonce = "12" * 16
    sh = spawn(xenv, {"COTERM_SESSION": "s1", "COTERM_NONCE": nonce, "COTERM_MODE": "all"})
    try:
        sh.send("echo nonce=@($(env).count('COTERM_NONCE'))\r")
        sh.expect(r"\x1b\]6973;" + nonce + r";end;status=0\x07")
        out = sh.child.before
        assert "nonce=0" in out
        assert f"\x1b]6973;{nonce};start;rec=1;line=echo nonce=" in out
    finally:
        sh.close()


def test_in_process_evaluator_mode(xenv):
    sh = spawn(xenv, {"COTERM_XONSH_INPROCESS": "1"})
    try:
        before = len(xenv.kubectl_calls())
        out = answer(sh, "kubectl scale deploy/inproc", "n")
        assert "scaling in prod" in out
        sh.prompt()
        time.sleep(0.2)
        assert len(xenv.kubectl_calls()) == before
    finally:
        sh.close()


def test_non_interactive_xonsh_is_untouched(xenv):
    out = subprocess.run(
        [require("xonsh"), "-c", "xontrib load coterm; import coterm.xontrib as x; print(x._GATE)"],
        env=xenv.environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip().endswith("None")


def test_rule_that_says_record_records_the_line_in_place(xonsh, xenv):
    check_recorded_in_place(xonsh, xenv, "v = 'inplace'", "cd /tmp && recme @(v)")
