"""Recording one command line in place, for a hooked shell outside a recorded session.

When a matching rule's actions say `record` and the shell is not inside `ddcoterm`, the
eval reply carries REC=2. The hook then sends `attach` (pid, line, cwd); the server opens a
pty shaped like the shell's terminal, starts `coterm.record.attached` on it and answers with
the pty's path. The shell points the command's stdout and stderr there until its prompt
comes back (bash, zsh, xonsh redirect their own descriptors; the line runs in the shell
itself, with its functions, variables and cwd), while its stdin stays on the terminal, so
Ctrl-C, job control and password prompts behave as before. `end` from the shell (or the
shell going away) tells the recorder the command is over.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass
from typing import IO, Callable, Optional

from coterm.model import Decision
from coterm.record.ids import new_session_id
from coterm.server.protocol import ATTACH, Reply, Request

log = logging.getLogger("coterm.server")

READY_WAIT = 2.5  # seconds; hooks wait up to 3 s for the answer to `attach`
DRAIN_WAIT = 0.5  # seconds; hooks wait up to 1 s for the answer to `end` after one
# Shells whose hook can redirect its own output around one command (fish cannot).
IN_PLACE_SHELLS = ("bash", "zsh", "xonsh")


def rule_says_record(decision: Decision) -> bool:
    """Only an explicit rule counts: default actions (record for every command) would start
    a recorder for each line, which is what `ddcoterm` (a recorded shell) is for."""
    if not decision.record:
        return False
    return any(h.kind == "rule" and not h.error and "record" in h.actions for h in decision.rules)


def fish_notice(decision: Decision) -> str:
    names = sorted({h.command for h in decision.rules if h.kind == "rule" and "record" in h.actions})
    name = names[0] if names else "this command"
    return (
        f"CoTerm: rules say to record {name}; fish cannot record one command in place, so it runs "
        f"unrecorded. Record the whole shell with `ddcoterm`, or every {name} with "
        f"`ddcoterm shim create {name}`."
    )


@dataclass
class _Running:
    proc: subprocess.Popen
    control: int  # write end of the recorder's control pipe; closing it says "the command ended"


class Attachments:
    def __init__(self, log_path: str = "", on_start: Optional[Callable[[str, str], None]] = None) -> None:
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._log_path = log_path
        self._on_start = on_start  # (shell pid, session id): links the command's event

    def start(self, req: Request) -> Reply:
        pid = req.get("pid")
        if not pid.isdigit():
            return Reply("error", True, "", "CoTerm: attach needs the shell's pid")
        self.ended(pid)  # a previous command of this shell that never said `end`
        try:
            path = self._spawn(req, pid)
        except OSError as e:
            log.warning("cannot record in place for pid %s: %s", pid, e)
            return Reply("error", True, "", f"CoTerm: cannot record this command ({e.strerror or e})")
        return Reply(ATTACH, True, path, "")

    def ended(self, pid: str) -> bool:
        """The shell's command is over: returns once its output is on the screen (at most
        DRAIN_WAIT), True when this shell had a command recorded in place."""
        with self._lock:
            running = self._running.pop(pid, None)
        if running is None:
            return False
        with contextlib.suppress(OSError):
            os.close(running.control)
        _wait_for(running.proc, b"drained", DRAIN_WAIT)
        _close(running.proc.stdout)
        return True

    def _reap(self, pid: str, running: _Running) -> None:
        """The recorder is gone (its command is over, or its shell died without an `end`):
        let go of its pipes unless `ended` already owns them."""
        running.proc.wait()
        with self._lock:
            mine = self._running.get(pid) is running
            if mine:
                del self._running[pid]
        if mine:
            with contextlib.suppress(OSError):
                os.close(running.control)
            _close(running.proc.stdout)

    def _spawn(self, req: Request, pid: str) -> str:
        tty = _open_terminal(req.get("tty"), pid)
        fds = [tty]
        try:
            master, slave = os.openpty()
            fds += [master, slave]
            _shape_like(slave, tty)
            path = os.ttyname(slave)
            ctl_r, ctl_w = os.pipe()
            fds.append(ctl_r)
            try:
                proc = self._popen(master, slave, tty, ctl_r, pid)
            except OSError:
                os.close(ctl_w)
                raise
        finally:
            for fd in fds:
                os.close(fd)
        meta = {k: req.get(k) for k in ("line", "cwd", "sh")}
        meta["session"] = new_session_id()
        try:
            os.write(ctl_w, (json.dumps(meta) + "\n").encode())
            if not _wait_for(proc, b"ready", READY_WAIT):
                raise OSError(0, "the recorder did not start")
        except OSError:
            os.close(ctl_w)
            proc.kill()
            _close(proc.stdout)
            threading.Thread(target=proc.wait, daemon=True).start()
            raise
        running = _Running(proc, ctl_w)
        with self._lock:
            self._running[pid] = running
        if self._on_start is not None:
            self._on_start(pid, meta["session"])
        reaper = threading.Thread(target=self._reap, args=(pid, running), name="coterm-attach-reaper")
        reaper.daemon = True
        reaper.start()
        return path

    def _popen(self, master: int, slave: int, tty: int, control: int, pid: str) -> subprocess.Popen:
        argv = [sys.executable, "-m", "coterm.record.attached", str(master), str(slave), str(tty)]
        argv += [str(control), pid]
        err = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            return subprocess.Popen(
                argv,
                pass_fds=(master, slave, tty, control),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,  # one line: "ready"
                stderr=err,
                start_new_session=True,  # not in the shell's job: its Ctrl-C is not ours
            )
        finally:
            if err is not subprocess.DEVNULL:
                err.close()


def _close(stream: Optional[IO[bytes]]) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()


def _wait_for(proc: subprocess.Popen, word: bytes, timeout: float) -> bool:
    """Wait for the recorder to say `word` on its stdout (see coterm.record.attached)."""
    import select

    if proc.stdout is None or proc.stdout.closed:
        return False
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    got = b""
    while not got.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return False
        chunk = os.read(fd, 1)
        if not chunk:
            proc.stdout.close()
            return False
        got += chunk
    return got.strip() == word


def _open_terminal(named: str, pid: str) -> int:
    """The shell's terminal: the one it named (zsh's $TTY; zle runs widgets with stdin
    from /dev/null), else the first of its stdin, stdout, stderr that is a terminal."""
    candidates = [named] if named else []
    candidates += [f"/proc/{pid}/fd/{n}" for n in (0, 1, 2)]
    for path in candidates:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError:
            continue
        if os.isatty(fd):
            return fd
        os.close(fd)
    raise OSError(0, "the shell has no terminal to show it on")


def _shape_like(slave: int, tty: int) -> None:
    """The pty takes the terminal's size and modes, minus output processing: the bytes go on
    to the terminal, which applies its own (so a program that set raw mode there still
    gets exactly what it wrote)."""
    import fcntl

    size = fcntl.ioctl(tty, termios.TIOCGWINSZ, b"\0" * 8)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
    attrs = termios.tcgetattr(tty)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)


def in_place_for(req: Request) -> Optional[bool]:
    """True: this shell can record a line in place; False: it cannot (say so); None: it is
    inside a recorded session already, where the recorder does it."""
    if req.get("sess"):
        return None
    return req.get("sh") in IN_PLACE_SHELLS
