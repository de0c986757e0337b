"""`ddcoterm` / `ddcoterm -- CMD` end to end: real programs on real ptys, driven by pexpect."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import List, Optional, Tuple

import pexpect
import pytest
from conftest import ddcoterm_cmd

from coterm.record.cast import open_cast, output_bytes

DD = ddcoterm_cmd()
PY = sys.executable


def spawn(args: List[str], rows: int = 24, cols: int = 80, timeout: float = 10) -> pexpect.spawn:
    return pexpect.spawn(
        DD[0], DD[1:] + args, env=dict(os.environ, TERM="xterm"), timeout=timeout,
        dimensions=(rows, cols),
    )  # fmt: skip


def run(args: List[str], stdin: Optional[bytes] = None, timeout: float = 20):
    return subprocess.run(
        DD + args, input=stdin if stdin is not None else b"", capture_output=True,
        timeout=timeout, start_new_session=True,
    )  # fmt: skip


def events(path: Path) -> Tuple[dict, List[list]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def recorded(path: Path) -> bytes:
    return b"".join(data for _, data in output_bytes(open_cast(path)))


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f"#!{PY}\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def rcfile(tmp_path: Path) -> Path:
    rc = tmp_path / "rc"
    rc.write_text("PS1='P> '\nunset PROMPT_COMMAND\nbind 'set enable-bracketed-paste off'\n")
    return rc


WRITER = """
import os, time
w = lambda b: os.write(1, b)
w(b"plain\\n")
w(b"\\xe2\\x82"); time.sleep(0.05); w(b"\\xac split\\n")
w(b"bad \\xff\\xfe\\x80 end\\n")
w(b"\\x1b[31mred\\x1b[0m \\xf0\\x9f\\x90"); time.sleep(0.05); w(b"\\x8d\\n")
w(bytes(range(32, 127)) * 300 + b"\\n")
"""


def test_output_is_recorded_byte_exact_with_header(tmp_path: Path) -> None:
    cast = tmp_path / "out.cast"
    prog = script(tmp_path, "writer.py", WRITER)
    child = spawn(["-o", str(cast), "--title", "exact", "--", str(prog)])
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    want = (
        b"plain\n\xe2\x82\xac split\nbad \xff\xfe\x80 end\n\x1b[31mred\x1b[0m \xf0\x9f\x90\x8d\n"
        + bytes(range(32, 127)) * 300
        + b"\n"
    ).replace(b"\n", b"\r\n")
    assert recorded(cast) == want
    assert want in child.before.replace(b"\r\r\n", b"\r\n")  # the screen got the bytes too
    header, evs = events(cast)
    outs = [e for e in evs if e[1] == "o"]
    # Split characters waited for their second half; only the invalid bytes needed a `b` event.
    assert "€ split" in "".join(e[2] for e in outs) and "🐍" in "".join(e[2] for e in outs)
    assert [e[1] for e in evs].count("b") == 1
    assert [e[0] for e in evs] == sorted(e[0] for e in evs)
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    assert abs(header["timestamp"] - time.time()) < 60 and header["title"] == "exact"
    assert header["command"] == str(prog) and header["env"]["TERM"] == "xterm"
    assert header["coterm"]["session"] and header["coterm"]["mode"] == "all"
    assert {"user", "host", "save_level"} <= set(header["coterm"])
    shown = subprocess.run(
        ["asciinema", "cat", str(cast)], capture_output=True, stdin=subprocess.DEVNULL,
        start_new_session=True, timeout=20,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == want.decode("utf-8", "replace").encode()


def test_exit_status_signals_and_piped_input(tmp_path: Path) -> None:
    cast = tmp_path / "x.cast"
    assert run(["-q", "-o", str(cast), "--", "sh", "-c", "exit 7"]).returncode == 7
    assert run(["-q", "-o", str(cast), "--", "sh", "-c", "kill -SEGV $$"]).returncode == 139
    assert run(["-q", "-o", str(cast), "--", "sh", "-c", "kill -TERM $$"]).returncode == 143
    piped = run(["-o", str(cast), "--", "cat"], stdin=b"hello\nworld")
    assert piped.returncode == 0
    assert piped.stdout == b"hello\r\nworld"  # no terminal: no echo, input not doubled
    assert recorded(cast) == b"hello\r\nworld"  # the unfinished last line reached cat too
    sid = open_cast(cast).header["coterm"]["session"]
    start, end = piped.stderr.decode().splitlines()
    assert f"session {sid} started" in start and "ddcoterm play" in start and str(cast) in start
    assert f"session {sid} ended, exit status 0" in end and "ddcoterm play" in end
    missing = run(["-o", str(tmp_path / "never.cast"), "--", "no-such-program-xyz"])
    assert missing.returncode == 127
    assert missing.stderr.decode().strip() == "ddcoterm: no-such-program-xyz: command not found"
    assert not (tmp_path / "never.cast").exists()


def test_interactive_shell_keys_resize_and_password(tmp_path: Path) -> None:
    cast = tmp_path / "shell.cast"
    rc = rcfile(tmp_path)
    child = spawn(["--stdin", "-q", "-o", str(cast), "--", "bash", "--rcfile", str(rc), "--noprofile", "-i"])
    child.expect("P> ")
    child.sendline("stty size")
    child.expect("24 80")
    child.setwinsize(30, 100)
    child.sendline("stty size")
    child.expect("30 100")
    child.sendline("sleep 20")
    time.sleep(0.3)
    child.sendcontrol("c")  # reaches sleep: the prompt comes back at once
    child.expect("P> ", timeout=3)
    child.sendline("sleep 20")
    time.sleep(0.3)
    child.sendcontrol("z")
    child.expect("Stopped")
    child.sendline("fg")
    time.sleep(0.3)
    child.sendcontrol("\\")
    child.expect("Quit")
    child.expect("P> ")
    child.sendline('read -r -s -p "Password: " pw; echo "len=${#pw}"')
    child.expect("Password: ")
    time.sleep(0.3)
    child.send("hunter2-SECRET\r")
    child.expect("len=14")
    child.sendline("cat")  # a program reading with echo on: keystrokes are recorded
    time.sleep(0.3)
    child.send("visible-typed\r")
    child.expect("visible-typed\r\n")
    child.sendcontrol("d")
    child.expect("P> ")
    child.sendline("exit 4")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4
    text = cast.read_text()
    assert "hunter2" not in text  # typed with echo off: never stored
    _, evs = events(cast)
    assert ["r", "100x30"] in [e[1:] for e in evs]
    typed = "".join(e[2] for e in evs if e[1] == "i")
    # Typed at readline's prompt (echo off there) or at `read -s`: not kept; into cat: kept.
    assert "visible-typed\r" in typed and "stty size" not in typed


def test_keys_and_pastes_reach_a_raw_mode_program_unchanged(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        "keys.py",
        """
        import os, tty
        tty.setraw(0)
        os.write(1, b"ready\\r\\n")
        got = b""
        while not got.endswith(b"END"):
            got += os.read(0, 64)
        os.write(1, repr(got).encode() + b"\\r\\n")
        """,
    )
    child = spawn(["-q", "-o", str(tmp_path / "k.cast"), "--", str(prog)])
    child.expect("ready")
    keys = b"\x1b[200~pasted\ttext\x1b[201~\x03\x1a\x1c\x04\x1b[AEND"
    child.send(keys)
    child.expect(re.escape(repr(keys).encode()))
    child.expect(pexpect.EOF)


def test_terminal_modes_restored_after_sighup_sigterm_and_crash(tmp_path: Path) -> None:
    rc = rcfile(tmp_path)
    pidfile = tmp_path / "pid"
    outer = pexpect.spawn(
        "bash", ["--rcfile", str(rc), "--noprofile", "-i"], env=dict(os.environ, TERM="xterm"),
        timeout=10, cwd=str(tmp_path),
    )  # fmt: skip
    outer.expect("P> ")
    outer.sendline("stty -g > before")
    outer.expect("P> ")
    dd = " ".join(DD)
    for sig, rc_want in ((signal.SIGHUP, 129), (signal.SIGTERM, 129), (None, 139)):
        pidfile.unlink(missing_ok=True)
        body = "echo $PPID > pid; exec sleep 30" if sig else 'printf "\\033[?1049h"; kill -SEGV $$'
        outer.sendline(f"{dd} -q -o x.cast -- sh -c '{body}'; echo rc=$?")
        if sig is not None:
            deadline = time.time() + 10
            while not (pidfile.exists() and pidfile.read_text().strip()):
                assert time.time() < deadline
                time.sleep(0.05)
            time.sleep(0.2)
            os.kill(int(pidfile.read_text()), sig)
        outer.expect(f"rc={rc_want}")
        if sig is None:  # died in full-screen mode: ddcoterm put the terminal back
            assert outer.before.endswith(b"\x1b[?1049h\x1b[?1049l")
        outer.sendline("stty -g | cmp -s - before && echo MODES-SAME || echo MODES-DIFFER")
        outer.expect("MODES-(SAME|DIFFER)")
        assert outer.match.group(1) == b"SAME", sig
        assert open_cast(tmp_path / "x.cast").header["version"] == 2
    outer.sendline("exit")
    outer.expect(pexpect.EOF)


@pytest.mark.parametrize("whole_group", [False, True], ids=["proxy", "proxy+recorder"])
def test_kill9_mid_output_leaves_a_cast_asciinema_reads(tmp_path: Path, whole_group: bool) -> None:
    cast = tmp_path / "k.cast"
    prog = script(
        tmp_path,
        "loop.py",
        """
        import sys, time
        for i in range(100000):
            print("line", i, flush=True)
            time.sleep(0.002)
        """,
    )
    child = spawn(["-q", "-o", str(cast), "--", str(prog)])
    child.expect("line 200\r\n")
    time.sleep(0.3)  # the recording is at most ~100 ms behind the screen
    if whole_group:
        os.killpg(child.pid, signal.SIGKILL)
    else:
        os.kill(child.pid, signal.SIGKILL)
    child.close(force=True)
    size, deadline = -1, time.time() + 5
    while size != cast.stat().st_size and time.time() < deadline:  # the recorder finishing
        size = cast.stat().st_size
        time.sleep(0.2)
    shown = subprocess.run(
        ["asciinema", "cat", str(cast)], capture_output=True, stdin=subprocess.DEVNULL,
        start_new_session=True, timeout=20,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert b"line 0\r\n" in shown.stdout and b"line 200\r\n" in shown.stdout


def test_background_job_holding_the_pty_does_not_hang_exit(tmp_path: Path) -> None:
    cast = tmp_path / "bg.cast"
    started = time.monotonic()
    child = spawn(["-q", "-o", str(cast), "--", "bash", "-c", "sleep 30 & echo started; exit 3"])
    child.expect(pexpect.EOF, timeout=8)
    child.close()
    assert child.exitstatus == 3
    assert time.monotonic() - started < 6
    assert b"started" in recorded(cast)


FULLSCREEN = """
import os, time
w = lambda b: os.write(1, b)
w(b"before\\n\\x1b[?1049h")
for i in range(5):
    w(b"\\x1b[H\\x1b[2J\\x1b[1;1Htop line %d\\x1b[12;30H\\x1b[7mmiddle %d\\x1b[0m" % (i, i))
    time.sleep(0.02)
w(b"\\x1b[?1049lafter\\n")
"""


def test_full_screen_output_replays_and_exports(tmp_path: Path) -> None:
    prog = script(tmp_path, "tui.py", FULLSCREEN)
    rec = run(["--", str(prog)])
    assert rec.returncode == 0
    sid = re.search(rb"session (\w+) started", rec.stderr).group(1).decode()
    cast = Path(os.environ["COTERM_HOME"]) / "sessions" / f"{sid}.cast"
    assert cast.exists() and f"ddcoterm play {sid}" in rec.stderr.decode()
    played = run(["play", sid[:10], "--speed", "20"])
    assert played.returncode == 0 and played.stdout == recorded(cast)  # same bytes, in order
    skipped = run(["play", sid, "--at", "0:00.05", "--idle-limit", "0.01"])
    assert skipped.returncode == 0 and skipped.stdout == recorded(cast)  # fast-forwarded
    text = run(["export", sid[-8:], "--format", "txt"])
    lines = [line.strip() for line in text.stdout.decode().splitlines() if line.strip()]
    assert lines == ["before", "top line 4", "middle 4", "after"]  # the last frame, once
    assert "\x1b" not in text.stdout.decode()
    copy = tmp_path / "copy.cast"
    assert run(["export", str(cast), "--format", "cast", "-o", str(copy)]).returncode == 0
    assert copy.read_bytes() == cast.read_bytes()
    bad = run(["play", "nosuchsession"])
    assert bad.returncode == 1 and bad.stderr.decode().startswith("ddcoterm play: no session")


def test_play_keys_pause_step_quit(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        "ticks.py",
        """
        import time
        for i in range(10):
            print("tick", i, flush=True)
            time.sleep(0.25)
        """,
    )
    cast = tmp_path / "t.cast"
    assert run(["-q", "-o", str(cast), "--", str(prog)]).returncode == 0
    child = spawn(["play", str(cast)])
    child.expect("tick 1\r\n")
    child.send(" ")
    with pytest.raises(pexpect.TIMEOUT):
        child.expect("tick 5", timeout=1.2)  # paused
    seen = max([1] + [int(n) for n in re.findall(rb"tick (\d+)", child.before)])
    child.send(".")
    child.expect(f"tick {seen + 1}\r\n", timeout=2)
    child.send("q")
    child.expect(pexpect.EOF, timeout=3)
    child.close()
    assert child.exitstatus == 0 and b"tick 9" not in child.before


FAKE_SHELL = r"""
import os, sys, time
nonce = os.environ["COTERM_NONCE"]
w = lambda s: (os.write(1, s.encode()), time.sleep(0.02))
w("env %s %s\n" % (os.environ["COTERM_MODE"], os.environ["COTERM_SESSION"]))
w("before\n")
mark = "\x1b]6973;%s;start;rec=1;line=echo hi%%3B 100%%25\x07" % nonce
w(mark[:9]); time.sleep(0.05); w(mark[9:])
w("cmd output\n")
w("\x1b]6973;%s;end;status=3\x1b\\" % nonce)
w("\x1b]6973;%s;start;rec=1;line=forged\x07" % ("0" * 32))
w("between\n")
w("\x1b]6973;%s;start;rec=0;line=quiet-cmd\x07" % nonce)
w("not for rules mode\n")
w("\x1b]6973;%s;end;status=0\x07" % nonce)
w("after\n")
"""


def test_marks_become_markers_and_rules_mode_keeps_marked_output(tmp_path: Path) -> None:
    shell = script(tmp_path, "fakesh", FAKE_SHELL)
    cast = tmp_path / "all.cast"
    assert run(["-q", "-o", str(cast), "--shell", str(shell)]).returncode == 0
    header, evs = events(cast)
    out = recorded(cast)
    assert [e[2] for e in evs if e[1] == "m"] == ["echo hi; 100%", "quiet-cmd"]
    assert b"before" in out and b"cmd output" in out and b"not for rules mode" in out
    assert b"\x1b]6973;" + b"0" * 32 + b";start;rec=1;line=forged\x07" in out  # stays output
    assert b"6973;" + b"0" * 32 not in out.replace(b"0" * 32 + b";start;rec=1;line=forged", b"")
    assert f"env all {header['coterm']['session']}".encode() in out
    assert b"status=" not in out
    cast = tmp_path / "rules.cast"
    assert run(["-q", "-o", str(cast), "--mode", "rules", "--shell", str(shell)]).returncode == 0
    _, evs = events(cast)
    assert recorded(cast) == b"cmd output\r\n"
    assert [e[2] for e in evs if e[1] == "m"] == ["echo hi; 100%"]


def test_save_level_and_approval_overrides(tmp_path: Path) -> None:
    cast = tmp_path / "meta.cast"
    cmd = ["sh", "-c", 'echo "levels $COTERM_SAVE_LEVEL $COTERM_APPROVAL"']
    meta = run(["-q", "-o", str(cast), "--save-level", "metadata", "--approval", "false", "--", *cmd])
    assert meta.returncode == 0 and b"levels metadata false" in meta.stdout
    header, evs = events(cast)
    assert header["coterm"]["save_level"] == "metadata" and header["coterm"]["approval"] is False
    assert not [e for e in evs if e[1] == "o"]
    none = tmp_path / "none.cast"
    quiet = run(["-o", str(none), "--save-level", "none", "--", *cmd])
    assert quiet.returncode == 0 and b"levels none" in quiet.stdout and not none.exists()
    assert b"not recorded" in quiet.stderr
    bad = run(["--approval", "maybe", "--", "true"])
    assert bad.returncode == 2 and b"expected true or false" in bad.stderr
    assert run(["ls"]).returncode == 2  # a command needs `--`


SINK_RUNNER = r"""
import json, sys
from coterm.record.session import RecordOptions, run_session

log = open(sys.argv[1], "a")

class FileSink:
    def session_started(self, info): self._w("started", info.id)
    def output_lines(self, sid, lines): self._w("lines", lines)
    def command_event(self, ev): self._w("command", [ev.line, ev.exit_status, ev.source])
    def session_ended(self, info): self._w("ended", [info.exit_status, info.state])
    def _w(self, kind, data):
        log.write(json.dumps([kind, data]) + "\n"); log.flush()

class BrokenSink:
    def session_started(self, info): pass
    def output_lines(self, sid, lines): raise RuntimeError("disk on fire")
    def command_event(self, ev): pass
    def session_ended(self, info): pass

opts = RecordOptions(command=sys.argv[3:], output=sys.argv[2], quiet=True,
                     shell=None, sinks=lambda: [BrokenSink(), FileSink()])
sys.exit(run_session(opts))
"""


def test_sinks_get_lines_and_command_events_and_a_failing_sink_is_dropped(tmp_path: Path) -> None:
    runner = tmp_path / "runner.py"
    runner.write_text(SINK_RUNNER)
    log, cast = tmp_path / "sink.log", tmp_path / "s.cast"
    prog = "printf 'one\\rONE\\n\\033[32mtwo\\033[0m\\n'; exit 5"
    res = subprocess.run(
        [PY, str(runner), str(log), str(cast), "sh", "-c", prog], capture_output=True,
        stdin=subprocess.DEVNULL, timeout=20, start_new_session=True,
    )  # fmt: skip
    assert res.returncode == 5
    assert res.stderr.decode().count("BrokenSink.output_lines failed") == 1
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    kinds = [c[0] for c in calls]
    assert kinds[0] == "started" and kinds[-1] == "ended" and calls[-1][1] == [5, "ended"]
    lines = [text for c in calls if c[0] == "lines" for _, text in c[1]]
    assert lines == ["ONE", "two"]
    assert ["command", ["sh -c " + repr(prog).replace('"', "'"), 5, "record"]] in calls or any(
        c[0] == "command" and c[1][1:] == [5, "record"] for c in calls
    )
    assert recorded(cast) == b"one\rONE\r\n\x1b[32mtwo\x1b[0m\r\n"


def test_setuid_programs_work_inside_a_recorded_session(tmp_path: Path) -> None:
    """No ptrace and no no_new_privs on the recording path: a setuid program run inside
    `ddcoterm` (sudo, ping, passwd) still gets its privileges."""
    import shutil
    import tempfile

    cast = tmp_path / "suid.cast"
    cmd = "grep -E '^(NoNewPrivs|TracerPid):' /proc/self/status"
    spare = None
    if os.geteuid() == 0:  # also run a setuid-root program as nobody and see it become root
        spare = Path(tempfile.mkdtemp(prefix="coterm-suid-"))
        spare.chmod(0o755)
        suid_id = spare / "id"
        shutil.copy("/usr/bin/id", suid_id)
        suid_id.chmod(0o4755)
        cmd += f"; setpriv --reuid=65534 --regid=65534 --clear-groups {suid_id} -u"
    try:
        res = run(["-q", "-o", str(cast), "--", "sh", "-c", cmd])
    finally:
        if spare is not None:
            shutil.rmtree(spare)
    out = recorded(cast).decode()
    assert res.returncode == 0, res.stderr
    assert re.search(r"NoNewPrivs:\s+0", out) and re.search(r"TracerPid:\s+0", out)
    if spare is not None:
        assert out.strip().splitlines()[-1].strip() == "0"  # euid 0: the setuid bit took effect
