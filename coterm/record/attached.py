"""The recorder for one command line of a hooked shell outside a recorded session.

Started by the resident evaluator (coterm/server/attach.py) with a pty it opened, a copy of
the pty's slave side (held until the shell has said the command ended, so the pty cannot
close under a shell that has not opened it yet), the shell's terminal, and a control pipe
whose first line describes the command. The shell sends the command's stdout and stderr to
the pty; this process copies what comes out to the terminal unchanged and records it like
`ddcoterm -- CMD` would (redaction, .cast, the local store). It ends once nothing holds the
pty any more: a job left running in the background is recorded until it exits.

    python -m coterm.record.attached MASTER SLAVE TTY CONTROL SHELL_PID

It prints `ready` on stdout once it copies output (the server answers the shell then).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import select
import socket
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from coterm import paths
from coterm.model import SessionInfo
from coterm.record import frames
from coterm.record.ids import new_session_id
from coterm.record.plan import SessionPlan
from coterm.record.proxy import Tap
from coterm.record.writer import start_writer, wait_writer
from coterm.whoami import current_user

READ_SIZE = 65536
TICK_MS = 250  # how often the terminal's size and the shell's life are looked at
DRAIN_QUIET_MS = 30  # after the command: the pty quiet this long means its output is all out


@dataclass
class Fds:
    master: int
    slave: Optional[int]
    tty: int
    control: Optional[int]
    shell_pid: int


def main(argv: list[str]) -> int:
    if len(argv) != 5 or not all(a.isdigit() for a in argv):
        print(__doc__, file=sys.stderr)
        return 2
    master, slave, tty, control, pid = (int(a) for a in argv)
    fds = Fds(master, slave, tty, control, pid)
    meta = _read_meta(control)
    plan = _plan(meta, _size(tty))
    cast_path = Path(plan.info.cast_path)
    cast_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    cast_fd = os.open(cast_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    from coterm.record.sinks import default_sinks

    writer_pid, frames_fd = start_writer(plan, cast_fd, [master, slave, tty, control], default_sinks)
    tap = Tap(frames_fd, plan.t0)
    _tell(b"ready")
    try:
        _copy(fds, tap, plan.info.width, plan.info.height)
    finally:
        tap.end(None, "ended")
        wait_writer(writer_pid)
    return 0


def _tell(word: bytes) -> None:
    """Tell the server (on our stdout): `ready` once output flows (the shell runs the
    command only then), `drained` once the command's output is all on the screen (the shell
    draws its prompt only then). Output never shows up on the wrong side of a prompt."""
    with contextlib.suppress(OSError):
        os.write(1, word + b"\n")


def _read_meta(control: int) -> dict:
    raw = b""
    while not raw.endswith(b"\n"):
        chunk = os.read(control, 65536)
        if not chunk:
            break
        raw += chunk
    try:
        meta = json.loads(raw.decode("utf-8", errors="surrogateescape") or "{}")
    except ValueError:
        meta = {}
    return meta if isinstance(meta, dict) else {}


def _plan(meta: dict, size: tuple[int, int]) -> SessionPlan:
    from coterm.record.session import RecordOptions, cast_header

    session_id = str(meta.get("session") or new_session_id())
    line, shell = str(meta.get("line", "")), str(meta.get("sh", ""))
    info = SessionInfo(
        id=session_id,
        started=time.time(),
        user=current_user(),
        host=socket.gethostname(),
        command=line,
        shell=shell,
        mode="all",
        cast_path=str(paths.sessions_dir() / f"{session_id}.cast"),
        width=size[0],
        height=size[1],
    )
    header = cast_header(info, RecordOptions(), line, "record")
    header["coterm"]["in_place"] = shell  # recorded by a shell hook outside `ddcoterm`
    return SessionPlan(
        info=info,
        header=header,
        t0=time.monotonic(),
        nonce="",
        command_line=line,
        cwd=str(meta.get("cwd") or os.getcwd()),
    )


def _copy(fds: Fds, tap: Tap, width: int, height: int) -> None:
    poller = select.poll()
    poller.register(fds.master, select.POLLIN)
    if fds.control is not None:
        poller.register(fds.control, select.POLLIN)
    size = (width, height)
    draining = False  # the command is over; say `drained` once the pty goes quiet
    while True:
        quiet = True
        for fd, _ in poller.poll(DRAIN_QUIET_MS if draining else TICK_MS):
            if fd == fds.master:
                if not _pass_output(fds, tap):
                    _tell(b"drained")
                    return
                quiet = False
            elif not _control_open(fds.control):
                poller.unregister(fds.control)
                _command_over(fds)
                draining = True
        tap.flush()
        if draining and quiet:  # what is left is a background job's: it goes on
            _tell(b"drained")
            draining = False
        size = _follow_size(fds, tap, size)
        if fds.slave is not None and not _alive(fds.shell_pid):
            _command_over(fds)


def _pass_output(fds: Fds, tap: Tap) -> bool:
    try:
        data = os.read(fds.master, READ_SIZE)
    except OSError as e:
        if e.errno == errno.EIO:  # nothing holds the slave side any more
            return False
        raise
    if not data:
        return False
    _write_all(fds.tty, data)
    tap.output([_as_shown(data, fds.tty)], time.monotonic())
    return True


def _as_shown(data: bytes, tty: int) -> bytes:
    """The terminal turns LF into CR LF unless the program set raw mode there; the recording
    gets what the screen got."""
    try:
        oflag = termios.tcgetattr(tty)[1]
    except termios.error:
        return data
    if oflag & termios.OPOST and oflag & termios.ONLCR:
        return data.replace(b"\n", b"\r\n")
    return data


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EINTR):
                time.sleep(0.005)
                continue
            print(f"ddcoterm: cannot write to the terminal: {e}", file=sys.stderr)
            return  # the terminal is gone: keep recording what the command writes
        view = view[n:]


def _control_open(control: Optional[int]) -> bool:
    if control is None:
        return False
    try:
        return bool(os.read(control, 4096))
    except OSError:
        return False


def _command_over(fds: Fds) -> None:
    """Let go of our hold on the pty: it closes once the command (and anything it left in
    the background) lets go too."""
    for name in ("slave", "control"):
        fd = getattr(fds, name)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
            setattr(fds, name, None)


def _follow_size(fds: Fds, tap: Tap, last: tuple[int, int]) -> tuple[int, int]:
    size = _size(fds.tty)
    if size != last and size[0] > 0:
        with contextlib.suppress(OSError):
            packed = fcntl.ioctl(fds.tty, termios.TIOCGWINSZ, b"\0" * 8)
            fcntl.ioctl(fds.master, termios.TIOCSWINSZ, packed)
        tap.send(frames.RESIZE, f"{size[0]}x{size[1]}".encode())
    return size


def _size(fd: int) -> tuple[int, int]:
    try:
        cols, rows = os.get_terminal_size(fd)
    except OSError:
        return (80, 24)
    return (cols, rows)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
