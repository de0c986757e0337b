"""Drive a real interactive shell with the coterm hook through a pty (pexpect).

Each Shell gets a temp HOME (plus ZDOTDIR / XDG_CONFIG_HOME), an rc file that loads the
hook the way a user would, a fake `kubectl` on PATH that appends its argv to a log, and a
prompt (`CTP> `) that typed text never contains.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import pexpect
import pytest

PROMPT = "CTP> "
CANCELLED = "CoTerm: cancelled; the line is still here to edit."
ASK = r"Do you want to continue\? \(y/n\)"
ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

SETUP_HINT = (
    "is not installed: run the README's test setup "
    "(apt-get install zsh fish zsh-autosuggestions zsh-syntax-highlighting; pip install -e '.[test]')"
)


def require(shell: str) -> str:
    path = shutil.which(shell)
    if not path:
        pytest.fail(f"{shell} {SETUP_HINT}", pytrace=False)
    return path


def init_line(shell: str) -> str:
    py = sys.executable
    if shell == "fish":
        return f"'{py}' -m coterm init fish | source"
    return f"eval \"$('{py}' -m coterm init {shell})\""


CONFIG = """\
process_config:
  commands:
    - command: kubectl
      lints:
        - |
          if has_arg("scale") then return "scaling in prod" end
      rules:
        - rule: |
            return has_arg("delete"), "no deletes in prod", ""
          deny: true
    - command: terraform
      fail_closed: true
      lints:
        - |
          if has_arg("destroy") then return "destroying infrastructure" end
    - command: approve-me
      rules:
        - rule: return true, "needs a second pair of eyes", "check the plan"
          actions: ["approval"]
    - command: recme
      rules:
        - rule: return true, "", ""
          actions: ["record"]
"""


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class Env:
    """Per-test files: HOME, COTERM_HOME (with CONFIG), a bin dir with fake tools, markers."""

    def __init__(self, tmp: Path, coterm_home: Path) -> None:
        self.tmp = tmp
        self.home = tmp / "home"
        self.home.mkdir(exist_ok=True)
        self.coterm_home = coterm_home
        self.marks = tmp / "m"
        self.marks.mkdir(exist_ok=True)
        self.bin = tmp / "bin"
        self.bin.mkdir(exist_ok=True)
        self.kubectl_log = self.marks / "kubectl.log"
        coterm_home.mkdir(exist_ok=True)
        (coterm_home / "config.yaml").write_text(CONFIG)
        fake = self.bin / "kubectl"
        # fish's completion file runs `kubectl completion fish`: not a call under test
        fake.write_text(
            '#!/bin/sh\n[ "$1" = completion ] && exit 0\n'
            f'echo "$*" >> "{self.kubectl_log}"\necho kubectl-ran\n'
        )
        fake.chmod(0o755)
        recme = self.bin / "recme"  # its rule says record
        recme.write_text(
            '#!/bin/sh\necho "recme-ran $*"; echo "recme-err" >&2\n[ "$1" = slow ] && exec sleep 30\n'
        )
        recme.chmod(0o755)

    def kubectl_calls(self) -> list[str]:
        if not self.kubectl_log.exists():
            return []
        return self.kubectl_log.read_text().splitlines()

    def environ(self, extra: Optional[dict[str, str]] = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("COTERM_", "ZSH", "BASH_", "XONSH", "PROMPT_COMMAND", "fish"))
        }
        env.update(
            HOME=str(self.home),
            ZDOTDIR=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local/share"),
            COTERM_HOME=str(self.coterm_home),
            PATH=f"{self.bin}:{os.environ['PATH']}",
            TERM="xterm-256color",
            PYTHONPATH=f"{TESTS}{os.pathsep}{ROOT}",
            LC_ALL="C.UTF-8",
            # No terminal emulator answers on this pty; prompt_toolkit >= 3.0.53 would otherwise
            # wait for a cursor-position reply and stop at "Press ENTER to continue...".
            PROMPT_TOOLKIT_NO_CPR="1",
        )
        env.pop("XDG_RUNTIME_DIR", None)
        env.pop("HISTFILE", None)
        if extra:
            env.update(extra)
        return env

    def runtime_dir(self) -> Path:
        from coterm import paths

        old = os.environ.get("COTERM_HOME")
        os.environ["COTERM_HOME"] = str(self.coterm_home)
        xdg = os.environ.pop("XDG_RUNTIME_DIR", None)
        try:
            return paths.runtime_dir()
        finally:
            if old is not None:
                os.environ["COTERM_HOME"] = old
            if xdg is not None:
                os.environ["XDG_RUNTIME_DIR"] = xdg

    def server_pid(self) -> Optional[int]:
        try:
            return int((self.runtime_dir() / "pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def wait_server(self, timeout: float = 15.0, not_pid: Optional[int] = None) -> int:
        """Wait for a live server (its pid file is written once it is ready to answer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.server_pid()
            if pid and pid != not_pid and _running(pid):
                return pid
            time.sleep(0.05)
        raise AssertionError("the resident evaluator did not start")

    def kill_server(self, sig: int = signal.SIGKILL) -> Optional[int]:
        """Signal the server; returns its pid (pass it to wait_server to wait for the next)."""
        pid = self.server_pid()
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            if sig == signal.SIGSTOP:
                # The stop reaches a threaded process a moment after kill() returns; fish's
                # hook reads /proc to tell a stopped evaluator, so wait until it shows.
                wait_for(lambda: _state(pid) in ("T", "t", ""), timeout=2)
            if sig == signal.SIGKILL:
                # The main thread shows as a zombie while other threads still hold the
                # sockets: wait until nothing accepts any more.
                deadline = time.monotonic() + 5
                while (_running(pid) or self._accepts()) and time.monotonic() < deadline:
                    time.sleep(0.02)
        return pid

    def _accepts(self) -> bool:
        import socket

        rt = self.runtime_dir()
        try:
            port = int((rt / "tcp").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            port = 0
        targets = [(socket.AF_UNIX, str(rt / "eval.sock"))]
        if port:
            targets.append((socket.AF_INET, ("127.0.0.1", port)))
        for family, addr in targets:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.2)
                try:
                    sock.connect(addr)
                    return True
                except OSError:
                    pass
        return False

    def stop_server(self, timeout: float = 15.0) -> None:
        """Stop whichever server holds this home's lock (a hook may have started a new one)."""
        import fcntl

        lock = self.runtime_dir() / "lock"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.server_pid()
            if pid and _running(pid):
                for sig in (signal.SIGCONT, signal.SIGTERM):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, sig)
            try:
                fd = os.open(lock, os.O_RDWR)
            except FileNotFoundError:
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                time.sleep(0.1)
            finally:
                os.close(fd)


def _state(pid: int) -> str:
    """The process state letter from /proc (R, S, T, Z, ...), "" when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def _running(pid: int) -> bool:
    return _state(pid) not in ("Z", "X", "")


def start_server(env: Env) -> int:
    """Start the resident evaluator for this Env and wait until it answers."""
    environ = env.environ()
    proc = subprocess.Popen(
        [sys.executable, "-m", "coterm.server"],
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Reap it when it dies, as init would for a server a hook started: no zombie left.
    threading.Thread(target=proc.wait, daemon=True).start()
    return env.wait_server()


CPR_QUERY = "\x1b[6n"


class TerminalSpawn(pexpect.spawn):
    """A pty child whose cursor-position queries are answered, as a terminal would answer
    them: prompt_toolkit (xonsh) waits for the reply and otherwise stops at
    "Press ENTER to continue...", depending on timing."""

    def read_nonblocking(self, size: int = 1, timeout: Optional[float] = -1) -> str:
        data = super().read_nonblocking(size, timeout)
        if CPR_QUERY in data:
            self.send("\x1b[1;1R" * data.count(CPR_QUERY))
        return data


class Shell:
    def __init__(self, kind: str, env: Env, argv: list[str], extra_env=None) -> None:
        self.kind = kind
        self.env = env
        self.child = TerminalSpawn(
            argv[0],
            argv[1:],
            env=env.environ(extra_env),
            cwd=str(env.home),
            encoding="utf-8",
            codec_errors="replace",
            timeout=8,
            dimensions=(40, 200),
        )
        self.child.delaybeforesend = None
        if os.environ.get("COTERM_TEST_LOG"):
            self.child.logfile_read = sys.stdout

    # -- low level ---------------------------------------------------------------------------

    def expect(self, pattern, timeout: Optional[float] = None) -> int:
        return self.child.expect(pattern, timeout=timeout if timeout is not None else -1)

    def send(self, text: str) -> None:
        self.child.send(text)

    def prompt(self, timeout: Optional[float] = None) -> str:
        """Wait for a fresh prompt: one that starts a new line editor, not a redraw of the
        current one (bash redraws after every bind -x call, zsh after a y/n question). A
        fresh editor is told apart by switching bracketed paste on (bash before the prompt,
        zsh after it)."""
        t = timeout if timeout is not None else -1
        if self.kind == "bash":
            self.child.expect(r"\x1b\[\?2004hCTP> ", timeout=t)
        elif self.kind == "zsh":
            # (a line put back into the editor may stand after the prompt)
            self.child.expect(
                r"CTP> [^\x1b\r\n]*(?:\x1b\[[0-9;?]*[a-zA-Z]|\x1b[=>])*\x1b\[\?2004h", timeout=t
            )
        elif self.kind == "xonsh":  # prompt_toolkit redraws on each key; a fresh one starts so
            self.child.expect(r"\x1b\[\?2004h(?:\x1b\[[0-9;?]*[a-zA-Z])*CTP>", timeout=t)
        else:
            self.child.expect_exact(PROMPT, timeout=t)
        return self.child.before

    # -- checks ------------------------------------------------------------------------------

    def run(self, line: str, timeout: Optional[float] = None) -> str:
        """Type a line, press Enter, return everything printed until the next prompt."""
        self.send(line + "\r")
        return self.prompt(timeout)

    def ask(self, line: str, answer: str, key: str = "\r") -> str:
        """Type a line that must be questioned, answer it, return output up to the prompt."""
        self.send(line + key)
        self.child.expect(ASK)
        before = self.child.before + self.child.after
        self.send(answer)
        if answer.strip() in ("y", "Y"):
            return before + self.prompt()
        # A cancel redraws the line in place: no new prompt, the line stays to edit.
        self.child.expect_exact(CANCELLED)
        return before + self.child.before

    def expect_cancelled(self) -> None:
        self.child.expect_exact(CANCELLED)

    def clear_line(self) -> None:
        """Kill the line kept after a cancel or a block. zsh first: wait for the prompt to be
        redrawn with it, because `zle -I` puts the tty back in cooked mode until the widget
        returns, and a ^U typed in that window is eaten by the tty's line discipline."""
        if self.kind == "zsh":
            self.child.expect_exact(PROMPT)
        self.send("\x15")  # ^U: kill the whole line (emacs and vi-insert)

    def close(self) -> None:
        self.child.close(force=True)


def recorded_in_place(env: Env) -> list[tuple[str, str]]:
    """(command, output) of each recording a hook made in place, oldest first."""
    import json

    found = []
    for cast in sorted((env.coterm_home / "sessions").glob("*.cast"), key=lambda p: p.stat().st_mtime):
        lines = cast.read_text().splitlines()
        header = json.loads(lines[0]) if lines else {}
        if header.get("coterm", {}).get("in_place"):
            events = [json.loads(x) for x in lines[1:] if x.strip()]
            found.append((header.get("command", ""), "".join(e[2] for e in events if e[1] == "o")))
    return found


def check_recorded_in_place(sh: Shell, env: Env, assign: str, line: str) -> None:
    """Outside a recorder, `line` (a rule says record `recme`; it uses the variable `assign`
    set) runs in this shell (its variable and cd count), its output shows before the prompt,
    and it is recorded; the next line is not."""
    sh.run(assign)
    out = sh.run(line)
    assert "recme-ran inplace" in out and "recme-err" in out
    assert "/tmp" in sh.run("pwd")
    assert "after-it" in sh.run("cd; echo after-it")
    assert wait_for(lambda: "recme-err" in "".join(o for _, o in recorded_in_place(env)))
    assert len(recorded_in_place(env)) == 1
    recorded_line, output = recorded_in_place(env)[0]
    assert recorded_line == line
    assert "recme-ran inplace\r\n" in output and "recme-err" in output
    assert "after-it" not in output


def check_ctrl_c_in_place(sh: Shell, env: Env) -> None:
    """Ctrl-C in a line recorded in place gives the terminal back: the next line's output
    shows and is not recorded."""
    before = len(recorded_in_place(env))
    sh.send("recme slow\r")
    sh.expect("recme-err")
    sh.send("\x03")
    sh.prompt()
    assert "next-line" in sh.run("echo next-line")
    assert wait_for(lambda: len(recorded_in_place(env)) == before + 1)
    assert "next-line" not in recorded_in_place(env)[-1][1]


def write_marker_cmd(path: Path) -> str:
    return f"echo x >> {path}"


def count_lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


@contextlib.contextmanager
def approvals_configured(env: Env):
    """The config with an approvals section (local backend, spool set up when we may)."""
    cfg = env.coterm_home / "config.yaml"
    good = cfg.read_text()
    spool = env.coterm_home / "approvals"
    subprocess.run(
        [sys.executable, "-m", "coterm", "approvals", "setup", "--spool", str(spool), "--group", "root"],
        env=env.environ(),
        capture_output=True,
        timeout=60,
    )
    cfg.write_text(good + f"approvals:\n  backend: local\n  approvers_group: root\n  spool: {spool}\n")
    try:
        yield
    finally:
        cfg.write_text(good)
