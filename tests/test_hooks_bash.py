"""bash hook through a real pty: the two-step readline macro on Enter/C-j/C-o, y/n, deny,
history expansion, aliases, PS2 continuation and here-docs as one line, vi mode, evaluator
failures, double init, PROMPT_COMMAND (string/array), a DEBUG trap and preexec-style hooks."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from shellpty import (
    ASK,
    Env,
    Shell,
    approvals_configured,
    check_ctrl_c_in_place,
    check_recorded_in_place,
    count_lines,
    init_line,
    require,
    start_server,
    wait_for,
)

# A bash-preexec-style user setup (preexec from a DEBUG trap gated by bash-preexec's
# interactive-mode flag, precmd from an array PROMPT_COMMAND) that must keep firing beside
# the hook. (bash-preexec itself is not packaged for Debian or PyPI; this mimics its flow.)
PREEXEC_STYLE = r"""
__bp_preexec_interactive_mode=
__t_preexec() {
  [[ -n $__bp_preexec_interactive_mode && -z $COMP_LINE ]] || return
  __bp_preexec_interactive_mode=
  echo "$(HISTTIMEFORMAT= history 1)" >> "$M/preexec.log"
}
__t_precmd() { local s=$?; echo "status=$s" >> "$M/precmd.log"; __bp_preexec_interactive_mode=on; }
trap '__t_preexec' DEBUG
PROMPT_COMMAND=(__t_precmd)
"""


def bashrc(env: Env, before: str = "", after: str = "") -> None:
    init = init_line("bash")
    (env.home / ".bashrc").write_text(
        f"PS1='CTP> '\nM={env.marks}\n{before}\n{init}\n{init}\n{after}\n"
        "alias kk='kubectl scale deploy/aliased'\n"
    )


def spawn(env: Env, extra=None) -> Shell:
    sh = Shell("bash", env, [require("bash"), "-i"], extra)
    sh.prompt()
    return sh


@pytest.fixture(scope="module")
def benv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bash")
    env = Env(tmp, tmp / "coterm-home")
    start_server(env)
    yield env
    env.stop_server()


@pytest.fixture(scope="module")
def bash(benv):
    bashrc(
        benv,
        before="PROMPT_COMMAND='echo pc >> $M/pc.log'\n"
        "trap 'echo \"dbg:$BASH_COMMAND\" >> $M/debug.log' DEBUG",
    )
    sh = spawn(benv)
    yield sh
    sh.close()


def test_allowed_line_runs_once_and_prints_nothing(bash, benv):
    marker = benv.marks / "allowed"
    out = bash.run(f"echo x >> {marker}; echo $((6*7))")
    assert count_lines(marker) == 1
    assert "42" in out and "CoTerm" not in out


def test_the_users_reply_variable_survives_the_hook(bash, benv):
    bash.run("REPLY=mine")
    assert "r=mine" in bash.run("echo r=$REPLY")


def test_existing_prompt_command_string_and_debug_trap_still_work(bash, benv):
    bash.run("echo dbg-check")
    assert count_lines(benv.marks / "pc.log") >= 2
    assert "dbg:echo dbg-check" in (benv.marks / "debug.log").read_text()


def test_lint_answered_y_runs_once(bash, benv):
    out = bash.ask("kubectl scale deploy/web --replicas=0", "y")
    assert "Warning from CoTerm: scaling in prod" in out
    assert out.count("Do you want to continue") == 1  # init loaded twice, asked once
    assert benv.kubectl_calls() == ["scale deploy/web --replicas=0"]


def test_lint_answered_n_cancels_and_keeps_the_buffer(bash, benv):
    before = len(benv.kubectl_calls())
    bash.ask("kubectl scale deploy/api --replicas=0", "n")
    assert len(benv.kubectl_calls()) == before
    buf = benv.marks / "buffer"
    bash.send(f"\x01echo >{buf} \r")
    bash.prompt()
    assert buf.read_text().strip() == "kubectl scale deploy/api --replicas=0"


def test_other_answers_cancel(bash, benv):
    before = len(benv.kubectl_calls())
    for key in ("\x1b", "\r", "x"):
        bash.ask("kubectl scale deploy/other", key)
        bash.clear_line()
    assert len(benv.kubectl_calls()) == before


def test_deny_blocks_with_reason(bash, benv):
    before = len(benv.kubectl_calls())
    bash.send("kubectl delete ns prod\r")
    bash.expect("CoTerm: blocked: no deletes in prod")
    bash.clear_line()
    assert len(benv.kubectl_calls()) == before


def test_approval_without_an_approver_group_fails_closed(bash, benv):
    ran = benv.marks / "unapproved-ran"
    bash.send(f"approve-me now || echo x >> {ran}\r")
    bash.expect("needs approval: needs a second pair of eyes")
    bash.expect("message for the approver: check the plan")
    bash.expect("approvers_group is not set")
    bash.expect("CoTerm: not approved; the line is still here to edit.")
    bash.clear_line()
    time.sleep(0.2)
    assert not ran.exists()


def test_bracketed_paste_of_several_lines_is_one_check(bash, benv):
    marker = benv.marks / "paste"
    before = len(benv.kubectl_calls())
    bash.send(f"\x1b[200~echo a >> {marker}\nkubectl scale deploy/pasted\x1b[201~")
    bash.send("\r")
    bash.expect(ASK)
    bash.send("n")
    bash.expect_cancelled()
    time.sleep(0.1)
    bash.send("\x03")
    bash.prompt()
    assert not marker.exists()
    assert len(benv.kubectl_calls()) == before


def test_config_error_notice_is_shown_once(bash, benv):
    cfg = benv.coterm_home / "config.yaml"
    good = cfg.read_text()
    try:
        cfg.write_text(good + "  bogus_key: [\n")
        first = bash.run("echo $((3*5))")
        second = bash.run("echo $((3*6))")
        assert "15" in first and "18" in second
        assert "config.yaml" in first and "config.yaml" not in second
        out = bash.ask("kubectl scale deploy/still", "n")  # the last good config stays
        assert "scaling in prod" in out
        bash.clear_line()
    finally:
        cfg.write_text(good)


def test_configured_approval_runs_the_approvals_flow(bash, benv):
    ran = benv.marks / "approved-ran"
    with approvals_configured(benv):
        bash.send(f"approve-me now || echo x >> {ran}\r")
        if bash.expect(["waiting for approval", "approval failed"], timeout=30) == 0:
            time.sleep(0.3)
            bash.send("\x03")  # withdraw
        bash.expect("CoTerm: not approved; the line is still here to edit.")
        bash.clear_line()
    time.sleep(0.2)
    assert not ran.exists()


def test_compound_line_with_risky_second_command_is_stopped_whole(bash, benv):
    first = benv.marks / "compound"
    before = len(benv.kubectl_calls())
    bash.ask(f"echo ok > {first} && kubectl scale deploy/web", "n")
    bash.clear_line()
    assert not first.exists()
    assert len(benv.kubectl_calls()) == before


def test_history_expansion_is_checked(bash, benv):
    bash.ask("kubectl scale deploy/hist", "y")
    before = len(benv.kubectl_calls())
    out = bash.ask("!!", "n")
    assert "scaling in prod" in out
    bash.clear_line()
    out = bash.ask("echo hi; !kub", "n")
    bash.clear_line()
    assert len(benv.kubectl_calls()) == before


def test_alias_of_first_word_is_checked(bash, benv):
    before = len(benv.kubectl_calls())
    bash.ask("kk", "n")
    bash.clear_line()
    assert len(benv.kubectl_calls()) == before


def test_other_accept_keys_are_gated(bash, benv):
    before = len(benv.kubectl_calls())
    bash.ask("kubectl scale deploy/ctrl-j", "n", key="\n")
    bash.clear_line()
    bash.ask("kubectl scale deploy/ctrl-o", "n", key="\x0f")
    bash.clear_line()
    assert len(benv.kubectl_calls()) == before
    marker = benv.marks / "ctrl-o"
    bash.send(f"echo x >> {marker}\x0f")
    bash.prompt()
    assert wait_for(lambda: count_lines(marker) == 1)


def test_edit_and_execute_command_is_gated(bash, benv):
    """C-x C-e (and vi `v`) runs what the editor wrote: that is what gets checked."""
    editor = benv.bin / "edit-to-risky"
    editor.write_text('#!/bin/sh\necho "kubectl scale deploy/edited" > "$1"\n')
    editor.chmod(0o755)
    bash.run(f"export VISUAL={editor}")
    before = len(benv.kubectl_calls())
    bash.send("echo harmless\x18\x05")
    bash.expect(ASK)
    bash.send("n")
    bash.expect_cancelled()
    bash.clear_line()
    assert len(benv.kubectl_calls()) == before
    bash.send("echo harmless\x18\x05")
    bash.expect(ASK)
    bash.send("y")
    bash.prompt()
    assert wait_for(lambda: benv.kubectl_calls()[-1:] == ["scale deploy/edited"])
    bash.run("set -o vi")
    bash.send("echo harmless\x1bv")
    bash.expect(ASK)
    bash.send("n")
    bash.expect_cancelled()
    bash.send("cc")
    bash.run("set -o emacs; unset VISUAL")
    assert len(benv.kubectl_calls()) == before + 1


def test_continuation_lines_and_heredoc_are_checked_as_one(bash, benv):
    before = len(benv.kubectl_calls())
    bash.send("for i in 1; do\r")
    bash.send("kubectl scale deploy/loop; done\r")
    bash.expect(ASK)
    bash.send("n")
    bash.expect_cancelled()
    time.sleep(0.1)  # a Ctrl-C while the bind -x handler still runs confuses readline
    bash.send("\x03")
    bash.prompt()
    assert len(benv.kubectl_calls()) == before
    marker = benv.marks / "heredoc"
    bash.send(f"cat > {marker} <<EOF\r")
    bash.send("line one\r")
    bash.send("EOF\r")
    bash.prompt()
    assert wait_for(lambda: marker.exists() and marker.read_text() == "line one\n")
    # the whole loop ran once, as one history entry
    loop = benv.marks / "loop"
    bash.send("for i in 1 2; do\r")
    bash.send(f"echo $i >> {loop}; done\r")
    bash.prompt()
    assert wait_for(lambda: count_lines(loop) == 2)


def test_vi_mode_insert_and_command(bash, benv):
    bash.run("set -o vi")
    before = len(benv.kubectl_calls())
    bash.ask("kubectl scale deploy/vi-insert", "n")
    bash.send("\x1bcc")
    bash.send("kubectl scale deploy/vi-cmd\x1b\r")
    bash.expect(ASK)
    bash.send("n")
    bash.expect_cancelled()
    bash.send("cc")
    bash.run("set -o emacs")
    assert len(benv.kubectl_calls()) == before


def test_evaluator_killed_then_line_runs_with_notice_and_it_comes_back(bash, benv):
    old = benv.kill_server()
    marker = benv.marks / "killed"
    out = bash.run(f"echo x >> {marker}")
    assert "CoTerm: evaluator not running" in out
    assert wait_for(lambda: count_lines(marker) == 1)
    benv.wait_server(not_pid=old)
    time.sleep(0.3)
    out = bash.ask("kubectl scale deploy/back", "n")
    assert "scaling in prod" in out
    bash.clear_line()


def test_hung_evaluator_fails_open_within_the_timeout(bash, benv):
    benv.kill_server(signal.SIGSTOP)
    try:
        bash.send("terraform apply\r")  # fail_closed: blocked while no answer comes
        bash.expect("rules for terraform say fail_closed")
        bash.clear_line()
        marker = benv.marks / "hung"
        t0 = time.monotonic()
        out = bash.run(f"echo x >> {marker}")
        assert time.monotonic() - t0 < 2
        assert "did not answer within 300 ms" in out
        assert wait_for(lambda: count_lines(marker) == 1)
    finally:
        benv.kill_server(signal.SIGCONT)


def test_commands_are_stored_as_events_with_status_and_duration(bash, benv):
    from coterm.store import Store

    bash.run("sleep 0.2; false")

    def events():
        with Store.open(benv.coterm_home / "coterm.db") as store:
            return store.events()

    def finished():
        return [e for e in events() if e.line == "sleep 0.2; false" and e.exit_status is not None]

    assert wait_for(finished)
    ev = finished()[-1]
    assert ev.exit_status == 1 and ev.duration >= 0.2 and ev.shell == "bash" and ev.source == "hook"
    cancelled = [e for e in events() if e.line == "kubectl scale deploy/api --replicas=0"]
    assert cancelled and cancelled[-1].lint_outcome == "cancelled"
    confirmed = [e for e in events() if e.line == "kubectl scale deploy/web --replicas=0"]
    assert confirmed and confirmed[-1].lint_outcome == "confirmed"


def test_recorded_session_marks_and_hidden_nonce(benv):
    nonce = "cd" * 16
    sh = spawn(benv, {"COTERM_SESSION": "s1", "COTERM_NONCE": nonce, "COTERM_MODE": "all"})
    try:
        out = sh.run("echo nonce=${COTERM_NONCE:-none}; env | grep -c COTERM_NONCE")
        assert "nonce=none" in out and "\n0" in out.replace("\r", "")
        assert f"\x1b]6973;{nonce};start;rec=1;line=echo nonce=" in out
        assert f"\x1b]6973;{nonce};end;status=1\x07" in out
    finally:
        sh.close()


def test_preexec_style_hooks_and_array_prompt_command(benv):
    for before, after in ((PREEXEC_STYLE, ""), ("", PREEXEC_STYLE)):
        for name in ("preexec.log", "precmd.log"):
            (benv.marks / name).unlink(missing_ok=True)
        bashrc(benv, before=before, after=after)
        sh = spawn(benv)
        try:
            sh.run("false")
            out = sh.ask("kubectl scale deploy/pre", "y")
            assert out.count("Do you want to continue") == 1
            assert "kubectl scale deploy/pre" in (benv.marks / "preexec.log").read_text()
            assert "status=1" in (benv.marks / "precmd.log").read_text()
        finally:
            sh.close()


def test_non_interactive_bash_is_untouched(benv):
    out = subprocess.run(
        [require("bash"), "-c", f"{init_line('bash')}; echo hooked=${{__coterm_hooked:-no}}"],
        env=benv.environ(),
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert out.stdout.strip() == "hooked=no"
    assert out.stderr == ""


def test_rule_that_says_record_records_the_line_in_place(bash, benv):
    check_recorded_in_place(bash, benv, "v=inplace", "cd /tmp && recme $v")


def test_ctrl_c_in_a_line_recorded_in_place_gives_the_terminal_back(bash, benv):
    check_ctrl_c_in_place(bash, benv)
