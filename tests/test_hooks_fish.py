"""fish hook through a real pty: Enter bound in every bind mode, FIFO route to the evaluator,
y/n, deny, compound lines, aliases (functions), multi-line buffers, vi mode, evaluator
failures (killed, stopped), double init, recorder marks."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from shellpty import (
    ASK,
    Env,
    Shell,
    approvals_configured,
    count_lines,
    init_line,
    require,
    start_server,
    wait_for,
)


def config_fish(env: Env, after: str = "") -> None:
    conf = env.home / ".config" / "fish"
    conf.mkdir(parents=True, exist_ok=True)
    init = init_line("fish")
    (conf / "config.fish").write_text(
        "function fish_prompt; echo -n 'CTP> '; end\n"
        "function fish_greeting; end\n"
        f"{init}\n{init}\n{after}\n"
        "alias kk 'kubectl scale deploy/aliased'\n"
    )


def spawn(env: Env, extra=None) -> Shell:
    sh = Shell("fish", env, [require("fish"), "-i"], extra)
    sh.prompt()
    return sh


@pytest.fixture(scope="module")
def fenv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fish")
    env = Env(tmp, tmp / "coterm-home")
    start_server(env)
    config_fish(env)
    yield env
    env.stop_server()


@pytest.fixture(scope="module")
def fish(fenv):
    sh = spawn(fenv)
    yield sh
    sh.close()


def test_allowed_line_runs_once_and_prints_nothing(fish, fenv):
    marker = fenv.marks / "allowed"
    out = fish.run(f"echo x >> {marker}; echo (math 6 '*' 7)")
    assert wait_for(lambda: count_lines(marker) == 1)
    assert "42" in out and "CoTerm" not in out


def test_lint_answered_y_runs_once(fish, fenv):
    out = fish.ask("kubectl scale deploy/web --replicas=0", "y")
    assert "Warning from CoTerm: scaling in prod" in out
    assert out.count("Do you want to continue") == 1  # init loaded twice, asked once
    assert wait_for(lambda: fenv.kubectl_calls() == ["scale deploy/web --replicas=0"])


def test_lint_answered_n_cancels_and_keeps_the_buffer(fish, fenv):
    before = len(fenv.kubectl_calls())
    fish.ask("kubectl scale deploy/api --replicas=0", "n")
    buf = fenv.marks / "buffer"
    fish.send(f"\x01echo >{buf} \r")
    assert wait_for(lambda: buf.exists() and buf.read_text().strip())
    fish.prompt()
    assert buf.read_text().strip() == "kubectl scale deploy/api --replicas=0"
    assert len(fenv.kubectl_calls()) == before


def test_other_answers_cancel(fish, fenv):
    before = len(fenv.kubectl_calls())
    for key in ("\r", "x"):
        fish.ask("kubectl scale deploy/other", key)
        fish.clear_line()
    time.sleep(0.2)
    assert len(fenv.kubectl_calls()) == before


def test_deny_blocks_with_reason(fish, fenv):
    before = len(fenv.kubectl_calls())
    fish.send("kubectl delete ns prod\r")
    fish.expect("CoTerm: blocked: no deletes in prod")
    fish.clear_line()
    time.sleep(0.2)
    assert len(fenv.kubectl_calls()) == before


def test_compound_line_with_risky_second_command_is_stopped_whole(fish, fenv):
    first = fenv.marks / "compound"
    before = len(fenv.kubectl_calls())
    fish.ask(f"echo ok > {first}; and kubectl scale deploy/web", "n")
    fish.clear_line()
    fish.ask(f"echo ok > {first} && kubectl scale deploy/web", "n")
    fish.clear_line()
    time.sleep(0.2)
    assert not first.exists()
    assert len(fenv.kubectl_calls()) == before


def test_alias_is_checked(fish, fenv):
    before = len(fenv.kubectl_calls())
    fish.ask("kk", "n")
    fish.clear_line()
    time.sleep(0.2)
    assert len(fenv.kubectl_calls()) == before


def test_abbreviation_is_checked_as_it_expands(fish, fenv):
    """A space expands an abbreviation while typing; Enter right after it expands it only
    as the line runs: the check must see the expansion."""
    fish.run("abbr -a -- ks 'kubectl scale deploy/abbr'")
    before = len(fenv.kubectl_calls())
    out = fish.ask("ks", "n")
    assert "scaling in prod" in out
    fish.clear_line()
    assert len(fenv.kubectl_calls()) == before
    fish.ask("ks", "y")
    assert wait_for(lambda: fenv.kubectl_calls()[-1:] == ["scale deploy/abbr"])


def test_multi_line_buffer_is_checked_as_one(fish, fenv):
    before = len(fenv.kubectl_calls())
    fish.send("begin\r")  # incomplete: fish adds a newline, no question yet
    fish.send("kubectl scale deploy/block; end\r")
    fish.expect(ASK)
    fish.send("n")
    fish.expect_cancelled()
    time.sleep(0.2)
    fish.send("\x03")  # cancel-commandline: drop the whole multi-line buffer
    fish.prompt()
    time.sleep(0.2)
    assert len(fenv.kubectl_calls()) == before


def test_ctrl_j_and_vi_mode(fish, fenv):
    before = len(fenv.kubectl_calls())
    fish.ask("kubectl scale deploy/ctrl-j", "n", key="\n")
    fish.clear_line()
    fish.run("fish_vi_key_bindings")
    fish.ask("kubectl scale deploy/vi-insert", "n")
    fish.clear_line()
    fish.send("kubectl scale deploy/vi-normal\x1b")
    time.sleep(0.3)
    fish.send("\r")
    fish.expect(ASK)
    fish.send("n")
    fish.expect_cancelled()
    fish.send("cc")  # normal mode: change the whole line, back in insert mode
    marker = fenv.marks / "vi-normal-run"
    fish.send(f"echo x >> {marker}\x1b")
    time.sleep(0.3)
    fish.send("\r")
    assert wait_for(lambda: count_lines(marker) == 1)
    fish.prompt()
    fish.run("fish_default_key_bindings")
    time.sleep(0.2)
    assert len(fenv.kubectl_calls()) == before


def test_approval_without_an_approver_group_fails_closed(fish, fenv):
    ran = fenv.marks / "unapproved-ran"
    fish.send(f"approve-me now || echo x >> {ran}\r")
    fish.expect("needs approval: needs a second pair of eyes")
    fish.expect("message for the approver: check the plan")
    fish.expect("approvers_group is not set")
    fish.expect("CoTerm: not approved; the line is still here to edit.")
    fish.clear_line()
    time.sleep(0.2)
    assert not ran.exists()


def test_configured_approval_runs_the_approvals_flow(fish, fenv):
    ran = fenv.marks / "approved-ran"
    with approvals_configured(fenv):
        fish.send(f"approve-me now || echo x >> {ran}\r")
        if fish.expect(["waiting for approval", "approval failed"], timeout=30) == 0:
            time.sleep(0.3)
            fish.send("\x03")  # withdraw
        fish.expect("CoTerm: not approved; the line is still here to edit.")
        fish.clear_line()
    time.sleep(0.2)
    assert not ran.exists()


def test_evaluator_killed_then_line_runs_with_notice_and_it_comes_back(fish, fenv):
    old = fenv.kill_server()
    marker = fenv.marks / "killed"
    fish.send(f"echo x >> {marker}\r")
    fish.expect("CoTerm: evaluator not running")
    assert wait_for(lambda: count_lines(marker) == 1)
    fenv.wait_server(not_pid=old)
    time.sleep(0.5)
    fish.prompt()
    out = fish.ask("kubectl scale deploy/back", "n")
    assert "scaling in prod" in out
    fish.clear_line()


def test_stopped_evaluator_fails_open(fish, fenv):
    fenv.kill_server(signal.SIGSTOP)
    try:
        fish.send("terraform apply\r")  # fail_closed: blocked while no answer comes
        fish.expect("rules for terraform say fail_closed")
        fish.clear_line()
        marker = fenv.marks / "hung"
        t0 = time.monotonic()
        fish.send(f"echo x >> {marker}\r")
        fish.expect("did not answer within 300 ms")
        assert wait_for(lambda: count_lines(marker) == 1)
        assert time.monotonic() - t0 < 2
        fish.prompt()
    finally:
        fenv.kill_server(signal.SIGCONT)


def test_evaluator_that_hangs_without_stopping_costs_one_ctrl_c(fish, fenv):
    """fish cannot time out a wait on the evaluator. One that is alive but does not serve
    (here: the pid file names a live `coterm-eval` that never reads) holds Enter until
    Ctrl-C; after that, lines run with the notice until the evaluator is replaced, and then
    they are checked again."""
    import sys

    fake = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import ctypes,time; ctypes.CDLL(None).prctl(15, b'coterm-eval'); time.sleep(60)",
        ]
    )
    try:
        assert wait_for(lambda: Path(f"/proc/{fake.pid}/comm").read_text().strip() == "coterm-eval")
        fenv.kill_server()
        (fenv.runtime_dir() / "pid").write_text(f"{fake.pid}\n")
        marker = fenv.marks / "hang"
        fish.send(f"echo x >> {marker}\r")
        time.sleep(1.0)
        assert not marker.exists()  # held: nobody serves
        fish.send("\x03")
        fish.clear_line()
        out = fish.run(f"echo x >> {marker}")
        assert "did not answer" in out and count_lines(marker) == 1
    finally:
        fake.kill()
        fake.wait()
        start_server(fenv)
    out = fish.ask("kubectl scale deploy/after-hang", "n")  # a new evaluator is in charge
    assert "scaling in prod" in out
    fish.clear_line()


def test_commands_are_stored_as_events_with_status_and_duration(fish, fenv):
    from coterm.store import Store

    fish.run("sleep 0.2; false")

    def finished():
        with Store.open(fenv.coterm_home / "coterm.db") as store:
            return [e for e in store.events() if e.line == "sleep 0.2; false" and e.exit_status is not None]

    assert wait_for(finished)
    ev = finished()[-1]
    assert ev.exit_status == 1 and ev.duration >= 0.2 and ev.shell == "fish"


def test_slow_evaluation_is_answered_by_the_server_in_time(fish, fenv):
    """fish cannot time out a read: the server answers a late evaluation itself."""
    cfg = fenv.coterm_home / "config.yaml"
    good = cfg.read_text()
    many = "".join(
        f"    - command: big{i}\n      lints:\n        - |\n"
        f'          if has_arg("x{i}") then return "l{i}" end\n'
        for i in range(10000)
    )
    marker = fenv.marks / "slow"
    try:
        cfg.write_text(good + many)  # the next evaluation compiles 10000 lints
        t0 = time.monotonic()
        fish.send(f"echo x >> {marker}\r")
        fish.expect("evaluator took over 250 ms; the line ran unchecked")
        assert wait_for(lambda: count_lines(marker) == 1)
        assert time.monotonic() - t0 < 3
    finally:
        cfg.write_text(good)
    fish.prompt()
    # back to normal once the evaluator has caught up
    assert wait_for(lambda: "CoTerm" not in fish.run("true"), timeout=20)


def test_recorded_session_marks_and_hidden_nonce(fenv):
    nonce = "ef" * 16
    sh = spawn(fenv, {"COTERM_SESSION": "s1", "COTERM_NONCE": nonce, "COTERM_MODE": "all"})
    try:
        sh.send("echo nonce=(set -q COTERM_NONCE; and echo leaked; or echo none); false\r")
        sh.expect(r"\x1b\]6973;" + nonce + r";end;status=1\x07")
        out = sh.child.before
        assert "nonce=none" in out
        assert f"\x1b]6973;{nonce};start;rec=1;line=echo nonce=" in out
    finally:
        sh.close()


def test_non_interactive_fish_is_untouched(fenv):
    out = subprocess.run(
        [require("fish"), "-c", f"{init_line('fish')}; set -q __coterm_hooked; and echo hooked"],
        env=fenv.environ(),
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert "hooked" not in out.stdout


def test_rule_that_says_record_runs_with_a_notice_once(fish, fenv):
    """fish cannot point one command's output elsewhere: the line runs, and the user is
    told once how to get it recorded."""
    out = fish.run("recme one")
    assert "recme-ran one" in out
    assert "fish cannot record one command in place" in out and "ddcoterm shim create recme" in out
    out = fish.run("recme two")
    assert "recme-ran two" in out and "cannot record" not in out
