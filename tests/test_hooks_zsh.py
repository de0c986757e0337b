"""zsh hook through a real pty: gate at accept-line, y/n, deny, history, aliases, vi mode,
evaluator failures, double init, coexistence with zsh-autosuggestions/-syntax-highlighting."""

from __future__ import annotations

import signal
import time
from pathlib import Path

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

AUTOSUGGEST = "/usr/share/zsh-autosuggestions/zsh-autosuggestions.zsh"
HIGHLIGHT = "/usr/share/zsh-syntax-highlighting/zsh-syntax-highlighting.zsh"


def zshrc(env: Env, before: str = "", after: str = "") -> None:
    init = init_line("zsh")
    (env.home / ".zshrc").write_text(
        "PROMPT='CTP> '\nunsetopt PROMPT_SP\nHISTSIZE=100\n"
        f"{before}\n{init}\n{init}\n{after}\n"  # loaded twice on purpose: must hook once
        "alias kk='kubectl scale deploy/aliased'\n"
        # a plugin-style widget that calls the builtin accept-line, around our widgets
        "bypass() { zle .accept-line }\nzle -N bypass\nbindkey '^X^A' bypass\n"
    )


def spawn(env: Env) -> Shell:
    sh = Shell("zsh", env, [require("zsh"), "-i"])
    sh.prompt()
    return sh


@pytest.fixture(scope="module")
def zenv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("zsh")
    env = Env(tmp, tmp / "coterm-home")
    start_server(env)
    yield env
    env.stop_server()


@pytest.fixture(scope="module")
def zsh(zenv):
    zshrc(zenv, before=f"source {AUTOSUGGEST}\nsource {HIGHLIGHT}")
    sh = spawn(zenv)
    yield sh
    sh.close()


def test_allowed_line_runs_once_and_prints_nothing(zsh, zenv):
    marker = zenv.marks / "allowed"
    out = zsh.run(f"echo x >> {marker}; echo $((6*7))")
    assert count_lines(marker) == 1
    assert "42" in out and "CoTerm" not in out


def test_the_users_reply_variable_survives_the_hook(zsh, zenv):
    zsh.run("REPLY=mine")
    assert "r=mine" in zsh.run("echo r=$REPLY")


def test_lint_answered_y_runs_once(zsh, zenv):
    out = zsh.ask("kubectl scale deploy/web --replicas=0", "y")
    assert "Warning from CoTerm: scaling in prod" in out
    # init loaded twice, asked once (zsh shows the question, then prints it for the scrollback)
    assert out.count("Do you want to continue") == 2
    assert zenv.kubectl_calls() == ["scale deploy/web --replicas=0"]


def test_lint_answered_n_cancels_and_keeps_the_buffer(zsh, zenv):
    before = len(zenv.kubectl_calls())
    zsh.ask("kubectl scale deploy/api --replicas=0", "n")
    assert len(zenv.kubectl_calls()) == before
    buf = zenv.marks / "buffer"
    # The cancelled line is still in the buffer: prefix it and run it as echo's arguments.
    zsh.send(f"\x01echo >{buf} \r")
    zsh.prompt()
    assert buf.read_text().strip() == "kubectl scale deploy/api --replicas=0"


def test_other_answers_cancel(zsh, zenv):
    before = len(zenv.kubectl_calls())
    for key in ("\x1b", "\r", "x"):
        zsh.ask("kubectl scale deploy/other", key)
        zsh.clear_line()
    assert len(zenv.kubectl_calls()) == before


def test_deny_blocks_with_reason(zsh, zenv):
    before = len(zenv.kubectl_calls())
    zsh.send("kubectl delete ns prod\r")
    zsh.expect("CoTerm: blocked: no deletes in prod")
    zsh.clear_line()
    assert len(zenv.kubectl_calls()) == before


def test_approval_without_an_approver_group_fails_closed(zsh, zenv):
    ran = zenv.marks / "unapproved-ran"
    zsh.send(f"approve-me now || echo x >> {ran}\r")
    zsh.expect("needs approval: needs a second pair of eyes")
    zsh.expect("message for the approver: check the plan")
    zsh.expect("approvers_group is not set")
    zsh.expect("CoTerm: not approved; the line is still here to edit.")
    zsh.clear_line()
    time.sleep(0.2)
    assert not ran.exists()


def test_bracketed_paste_of_several_lines_is_one_check(zsh, zenv):
    marker = zenv.marks / "paste"
    before = len(zenv.kubectl_calls())
    zsh.send(f"\x1b[200~echo a >> {marker}\nkubectl scale deploy/pasted\x1b[201~")
    zsh.send("\r")
    zsh.expect(ASK)
    zsh.send("n")
    zsh.expect_cancelled()
    time.sleep(0.1)
    zsh.send("\x03")
    zsh.prompt()
    assert not marker.exists()
    assert len(zenv.kubectl_calls()) == before


def test_config_error_notice_is_shown_once(zsh, zenv):
    cfg = zenv.coterm_home / "config.yaml"
    good = cfg.read_text()
    try:
        cfg.write_text(good + "  bogus_key: [\n")
        first = zsh.run("echo $((3*5))")
        second = zsh.run("echo $((3*6))")
        assert "15" in first and "18" in second
        assert "config.yaml" in first and "config.yaml" not in second
        out = zsh.ask("kubectl scale deploy/still", "n")  # the last good config stays
        assert "scaling in prod" in out
        zsh.clear_line()
    finally:
        cfg.write_text(good)


def test_configured_approval_runs_the_approvals_flow(zsh, zenv):
    ran = zenv.marks / "approved-ran"
    with approvals_configured(zenv):
        zsh.send(f"approve-me now || echo x >> {ran}\r")
        if zsh.expect(["waiting for approval", "approval failed"], timeout=30) == 0:
            time.sleep(0.3)
            zsh.send("\x03")  # withdraw
        zsh.expect("CoTerm: not approved; the line is still here to edit.")
        zsh.clear_line()
    time.sleep(0.2)
    assert not ran.exists()


def test_compound_line_with_risky_second_command_is_stopped_whole(zsh, zenv):
    first = zenv.marks / "compound"
    before = len(zenv.kubectl_calls())
    zsh.ask(f"echo ok > {first} && kubectl scale deploy/web", "n")
    zsh.clear_line()
    assert not first.exists()
    assert len(zenv.kubectl_calls()) == before


def test_history_expansion_is_checked(zsh, zenv):
    zsh.ask("kubectl scale deploy/hist", "y")
    before = len(zenv.kubectl_calls())
    out = zsh.ask("!!", "n")
    assert "scaling in prod" in out
    zsh.clear_line()
    assert len(zenv.kubectl_calls()) == before


def test_alias_of_first_word_is_checked(zsh, zenv):
    before = len(zenv.kubectl_calls())
    zsh.ask("kk", "n")
    zsh.clear_line()
    assert len(zenv.kubectl_calls()) == before


def test_other_accept_keys_are_gated(zsh, zenv):
    before = len(zenv.kubectl_calls())
    zsh.ask("kubectl scale deploy/ctrl-o", "n", key="\x0f")  # ^O accept-line-and-down-history
    zsh.clear_line()
    zsh.ask("kubectl scale deploy/m-a", "n", key="\x1ba")  # M-a accept-and-hold
    zsh.clear_line()
    zsh.ask("kubectl scale deploy/ctrl-j", "n", key="\n")
    zsh.clear_line()
    assert len(zenv.kubectl_calls()) == before


def test_continuation_lines_are_checked_as_one(zsh, zenv):
    before = len(zenv.kubectl_calls())
    zsh.send("for i in 1; do\r")
    zsh.send("kubectl scale deploy/loop; done\r")
    zsh.expect(ASK)
    zsh.send("n")
    zsh.expect_cancelled()
    zsh.send("\x03")  # abandon the half-typed loop
    zsh.prompt()
    assert len(zenv.kubectl_calls()) == before


def test_vi_mode_insert_and_command(zsh, zenv):
    zsh.run("bindkey -v")
    before = len(zenv.kubectl_calls())
    zsh.ask("kubectl scale deploy/vi-insert", "n")
    zsh.send("\x1bcc")  # leave the cancelled line: vicmd, change whole line
    zsh.send("kubectl scale deploy/vi-cmd\x1b\r")  # Enter in vicmd
    zsh.expect(ASK)
    zsh.send("n")
    zsh.expect_cancelled()
    zsh.send("cc")
    zsh.run("bindkey -e")
    assert len(zenv.kubectl_calls()) == before


def test_evaluator_killed_then_line_runs_with_notice_and_it_comes_back(zsh, zenv):
    old = zenv.kill_server()
    marker = zenv.marks / "killed"
    out = zsh.run(f"echo x >> {marker}")
    assert "CoTerm: evaluator not running" in out
    assert wait_for(lambda: count_lines(marker) == 1)
    zenv.wait_server(not_pid=old)  # the hook started a new one on its own
    time.sleep(0.3)
    out = zsh.ask("kubectl scale deploy/back", "n")
    assert "scaling in prod" in out
    zsh.clear_line()


def test_hung_evaluator_fails_open_within_the_timeout(zsh, zenv):
    zenv.kill_server(signal.SIGSTOP)
    try:
        zsh.send("terraform apply\r")  # fail_closed: blocked while no answer comes
        zsh.expect("rules for terraform say fail_closed")
        zsh.clear_line()
        marker = zenv.marks / "hung"
        t0 = time.monotonic()
        out = zsh.run(f"echo x >> {marker}")
        assert time.monotonic() - t0 < 2
        assert "did not answer within 300 ms" in out
        assert wait_for(lambda: count_lines(marker) == 1)
    finally:
        zenv.kill_server(signal.SIGCONT)


def test_commands_are_stored_as_events_with_status_and_duration(zsh, zenv):
    from coterm.store import Store

    zsh.run("sleep 0.2; false")

    def events():
        with Store.open(zenv.coterm_home / "coterm.db") as store:
            return store.events()

    def finished():
        return [e for e in events() if e.line == "sleep 0.2; false" and e.exit_status is not None]

    assert wait_for(finished)
    ev = finished()[-1]
    assert ev.exit_status == 1 and ev.duration >= 0.2 and ev.shell == "zsh" and ev.source == "hook"
    cancelled = [e for e in events() if e.line == "kubectl scale deploy/api --replicas=0"]
    assert cancelled and cancelled[-1].lint_outcome == "cancelled"
    confirmed = [e for e in events() if e.line == "kubectl scale deploy/web --replicas=0"]
    assert confirmed and confirmed[-1].lint_outcome == "confirmed"


def test_doctor_and_evaluator_status_see_this_shell(zsh, zenv):
    import sys

    out = zsh.run(f"'{sys.executable}' -m coterm doctor", timeout=60)
    assert "evaluator   running" in out
    assert "this shell  zsh" in out and "hooked, gate (protected)" in out
    out = zsh.run(f"'{sys.executable}' -m coterm evaluator status", timeout=30)
    assert "evaluator: running" in out and ": zsh (gate)" in out


def test_recorded_session_marks_and_hidden_nonce(zenv):
    nonce = "ab" * 16
    sh = Shell(
        "zsh",
        zenv,
        [require("zsh"), "-i"],
        {"COTERM_SESSION": "s1", "COTERM_NONCE": nonce, "COTERM_MODE": "all"},
    )
    try:
        sh.prompt()
        out = sh.run("echo nonce=${COTERM_NONCE:-none}; env | grep -c COTERM_NONCE")
        assert "nonce=none" in out and "\n0" in out.replace("\r", "")
        assert f"\x1b]6973;{nonce};start;rec=1;line=echo nonce=" in out
        assert f"\x1b]6973;{nonce};end;status=1\x07" in out  # grep -c found nothing
    finally:
        sh.close()


def test_plugins_loaded_after_the_hook(zenv):
    zshrc(zenv, after=f"source {HIGHLIGHT}\nsource {AUTOSUGGEST}")
    sh = spawn(zenv)
    try:
        marker = zenv.marks / "order-b"
        sh.run(f"echo x >> {marker}")
        sh.run(f"echo x >> {marker}")  # second line: autosuggestions re-wrapped at precmd
        assert count_lines(marker) == 2
        before = len(zenv.kubectl_calls())
        out = sh.ask("kubectl scale deploy/plugins", "y")
        assert out.count("Do you want to continue") == 2
        assert len(zenv.kubectl_calls()) == before + 1
        assert "maximum nested function level" not in out
    finally:
        sh.close()


def test_non_interactive_zsh_is_untouched(zenv):
    import subprocess

    init = subprocess.run(
        [require("zsh"), "-c", f"{init_line('zsh')}; echo ${{+__coterm_hooked}}"],
        env=zenv.environ(),
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert init.stdout.strip() == "0"


def test_rule_that_says_record_records_the_line_in_place(zsh, zenv):
    check_recorded_in_place(zsh, zenv, "v=inplace", "cd /tmp && recme $v")
    # the command's event points at its recording
    from coterm.store import Store

    def linked():
        with Store.open(zenv.coterm_home / "coterm.db") as store:
            ev = [e for e in store.events() if e.line == "cd /tmp && recme $v"]
            sessions = {s.id: s for s in store.sessions()}
        return ev and ev[-1].session_id in sessions and sessions[ev[-1].session_id].command == ev[-1].line

    assert wait_for(linked)


def test_ctrl_c_in_a_line_recorded_in_place_gives_the_terminal_back(zsh, zenv):
    check_ctrl_c_in_place(zsh, zenv)


def test_a_widget_calling_the_builtin_accept_line_is_still_checked(zsh, zenv):
    before = len(zenv.kubectl_calls())
    out = zsh.ask("kubectl scale deploy/bypass", "n", key="\x18\x01")
    assert "scaling in prod" in out
    # nothing ran, and the line is back in the editor at the next prompt
    buf = zenv.marks / "bypass-buffer"
    zsh.prompt()
    zsh.send(f"\x01echo >{buf} \r")
    zsh.prompt()
    assert buf.read_text().strip() == "kubectl scale deploy/bypass"
    assert len(zenv.kubectl_calls()) == before
    zsh.ask("kubectl scale deploy/bypass-y", "y", key="\x18\x01")
    assert wait_for(lambda: zenv.kubectl_calls()[-1:] == ["scale deploy/bypass-y"])
    assert len(zenv.kubectl_calls()) == before + 1
    zsh.send("kubectl delete ns prod\x18\x01")
    zsh.expect("CoTerm: blocked: no deletes in prod")
    zsh.prompt()  # a fresh prompt, the blocked line back in the editor
    zsh.send("\x15")
    marker = zenv.marks / "bypass-allowed"
    zsh.send(f"echo x >> {marker}\x18\x01")
    zsh.prompt()
    assert count_lines(marker) == 1
    assert len(zenv.kubectl_calls()) == before + 1


def test_a_line_recorded_in_place_that_never_runs_leaves_no_recorder(zsh, zenv):
    out = zsh.run("recme a; ) oops")
    assert "parse error" in out and "recme-ran" not in out

    def recorders() -> list:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"coterm.record.attached" in argv and argv[-2:] == [str(zsh.child.pid).encode(), b""]:
                found.append(proc.name)
        return found

    assert wait_for(lambda: not recorders(), timeout=3)
