"""The pty proxy: the user's terminal <-> the program's pty, with a tap for the recording.

The hot path is a burst of reads from the pty (read again at once while reads come back
full), each written to the screen at once, then the burst as one frame to the recording
process (see frames.py, one writev). Per read: one read(2), one write(2), a list append; no
decoding, no JSON, no regex. Input goes the other way without buffering beyond what the
pty will not take yet (bounded). Signals arrive through a wakeup pipe and are handled in
the loop: SIGWINCH resizes the pty, SIGCHLD reaps the child, SIGHUP/SIGTERM end the
session as if the terminal closed, SIGINT/SIGQUIT sent to ddcoterm go to the program.
After the child exits, remaining output is drained for a bounded time: a background job
that keeps the pty open cannot keep ddcoterm alive.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import select
import signal
import termios
import time
from typing import List, Optional

from coterm.record import frames
from coterm.record.terminal import Size, TerminalModes, get_size, set_size

READ_SIZE = 65536
BURST = 16  # reads in a row without polling while they come back full
FULL_READ = 2048  # a pty read returns at most ~4 KiB; this much means more is waiting
BATCH_MAX = 131072  # output bytes per frame to the recording process
INPUT_MAX = 65536  # typed/piped bytes the pty has not taken yet; beyond it stdin waits
DRAIN_QUIET = 0.2  # after the child exits: stop once the pty is quiet this long...
DRAIN_MAX = 2.0  # ...or after this long whatever happens
HANGUP_GRACE = 2.0  # after SIGHUP/SIGTERM: how long the program gets to exit
_PRIVATE_MODE = re.compile(rb"\x1b\[\?([0-9;]+)([hl])")
_ALT_SCREEN = (b"1049", b"1047", b"47")
_IN = select.POLLIN | select.POLLPRI
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


class Tap:
    """Sends frames to the recording process; if that process is gone, recording stops
    (said once) and the session goes on. Output read in a burst is sent as one frame,
    handed to the kernel as it was read (writev: no copy, no join)."""

    def __init__(self, fd: Optional[int], t0: float) -> None:
        self.fd = fd
        self.t0 = t0
        self._batch: List[bytes] = []
        self._batch_size = 0
        self._batch_t = 0.0

    def output(self, chunks: List[bytes], now: float) -> None:
        if not self._batch:
            self._batch_t = now - self.t0
        self._batch.extend(chunks)
        self._batch_size += sum(map(len, chunks))
        if self._batch_size >= BATCH_MAX:
            self.flush()

    def flush(self) -> None:
        if self._batch:
            parts, size = self._batch, self._batch_size
            self._batch, self._batch_size = [], 0
            self._write(frames.OUTPUT, self._batch_t, parts, size)

    def send(self, kind: bytes, payload: bytes) -> None:
        self.flush()
        self._write(kind, time.monotonic() - self.t0, [payload], len(payload))

    def _write(self, kind: bytes, t: float, parts: List[bytes], size: int) -> None:
        if self.fd is None:
            return
        try:
            frames.write_frame(self.fd, kind, t, parts, size)
        except OSError:
            self.close_quietly()
            os.write(2, b"\r\nddcoterm: the recording process is gone; recording stopped\r\n")

    def end(self, status: Optional[int], state: str) -> None:
        self.send(frames.END, json.dumps({"status": status, "state": state}).encode())
        self.close_quietly()

    def close_quietly(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


class Proxy:
    def __init__(
        self,
        master: int,
        pid: int,
        tap: Tap,
        sig_fd: int,
        *,
        modes: Optional[TerminalModes],
        size_fd: Optional[int],
        size: Size,
        record_input: bool = False,
        stdin: int = 0,
        stdout: int = 1,
    ) -> None:
        self.master, self.pid, self.tap, self.sig_fd = master, pid, tap, sig_fd
        self.modes, self.size_fd, self.size = modes, size_fd, size
        self.record_input = record_input
        self.stdin, self.stdout = stdin, stdout
        self.status: Optional[int] = None
        self.hangup: Optional[int] = None  # the signal that ended the session, if any
        self._poll = select.poll()
        self._stdin_open = True
        self._master_open = True
        self._screen_ok = True
        self._pending = bytearray()
        self._last_in = b"\n"
        self._exit_at: Optional[float] = None
        self._hangup_at: Optional[float] = None
        self._last_out = time.monotonic()
        self._alt_screen = False
        self._cursor_hidden = False

    # -- loop ---------------------------------------------------------------------------

    def run(self) -> Optional[int]:
        self._poll.register(self.master, _IN)
        self._poll.register(self.stdin, _IN)
        self._poll.register(self.sig_fd, _IN)
        self._reap()  # it may have ended before our SIGCHLD handler existed
        master, stdin, sig_fd = self.master, self.stdin, self.sig_fd
        while not self._finished():
            self.tap.flush()  # before waiting: the recording is never behind an idle screen
            for fd, ev in self._poll.poll(self._timeout_ms()):
                if fd == master:
                    self._on_master(ev)
                elif fd == sig_fd:
                    self._on_signals()
                elif fd == stdin:
                    self._on_stdin()
        return self.status

    def _finished(self) -> bool:
        now = time.monotonic()
        if self._hangup_at is not None and now >= self._hangup_at + HANGUP_GRACE:
            return True
        if self._exit_at is None:
            return False
        if not self._master_open:
            return True
        return now >= min(self._exit_at + DRAIN_MAX, self._last_out + DRAIN_QUIET)

    def _timeout_ms(self) -> int:
        deadlines = []
        if self._hangup_at is not None:
            deadlines.append(self._hangup_at + HANGUP_GRACE)
        if self._exit_at is not None:
            deadlines.append(min(self._exit_at + DRAIN_MAX, self._last_out + DRAIN_QUIET))
        if not deadlines:
            return -1
        return max(0, int((min(deadlines) - time.monotonic()) * 1000) + 1)

    # -- output: pty -> screen + recording ------------------------------------------------

    def _on_master(self, ev: int) -> None:
        if ev & select.POLLOUT:
            self._flush_input()
        if not ev & (_IN | _GONE):
            return
        # Bulk output: read again at once while reads come back full (the program writes
        # faster than we poll), up to BURST reads before serving input and signals. Each read
        # goes to the screen at once (the terminal works while we read on); the burst goes
        # to the recording process as one frame.
        master, chunks = self.master, []
        for _ in range(BURST):
            try:
                data = os.read(master, READ_SIZE)
            except BlockingIOError:
                break
            except OSError:  # EIO: every copy of the pty's other side is closed
                data = b""
            if not data:
                self._close_master()
                break
            if self._screen_ok:
                self._to_screen(data)
                # Single-byte searches first: a three-byte search costs ~20x more per read.
                if b"?" in data and b"\x1b" in data and b"\x1b[?" in data:
                    self._track_modes(data)
            chunks.append(data)
            if len(data) < FULL_READ:
                break
        if chunks:
            now = self._last_out = time.monotonic()
            self.tap.output(chunks, now)

    def _to_screen(self, data: bytes) -> None:
        try:
            n = os.write(self.stdout, data)
        except BlockingIOError:
            n = 0
        except OSError:
            self._screen_ok = False
            return
        if n == len(data):
            return
        view = memoryview(data)[n:]
        while view:
            try:
                view = view[os.write(self.stdout, view) :]
            except BlockingIOError:  # someone made the terminal non-blocking: wait for it
                select.select([], [self.stdout], [], 1.0)
            except OSError:  # the terminal or reader is gone; keep recording
                self._screen_ok = False
                return

    def _track_modes(self, data: bytes) -> None:
        for params, state in _PRIVATE_MODE.findall(data):
            for p in params.split(b";"):
                if p in _ALT_SCREEN:
                    self._alt_screen = state == b"h"
                elif p == b"25":
                    self._cursor_hidden = state == b"l"

    def tidy_screen(self) -> None:
        """A program that died in full-screen mode would leave the user's terminal there."""
        fix = (b"\x1b[?1049l" if self._alt_screen else b"") + (b"\x1b[?25h" if self._cursor_hidden else b"")
        if fix and self._screen_ok:
            self._to_screen(fix)

    def _close_master(self) -> None:
        if self._master_open:
            self._master_open = False
            self._poll.unregister(self.master)
            self._pending.clear()

    # -- input: user -> pty ---------------------------------------------------------------

    def _on_stdin(self) -> None:
        try:
            data = os.read(self.stdin, READ_SIZE)
        except OSError:
            data = b""
        if not data:
            self._stdin_eof()
            return
        if self._exit_at is not None or not self._master_open:
            return
        if self.record_input and self._echo_on():
            self.tap.send(frames.INPUT, data)
        self._pending += data
        self._last_in = data[-1:]
        self._flush_input()

    def _echo_on(self) -> bool:
        """Passwords: the pty's own modes say when the program turned echo off."""
        try:
            return bool(termios.tcgetattr(self.master)[3] & termios.ECHO)
        except termios.error:
            return False

    def _flush_input(self) -> None:
        if self._pending and self._master_open:
            try:
                del self._pending[: os.write(self.master, self._pending)]
            except BlockingIOError:
                pass
            except OSError:
                self._pending.clear()
        self._update_interest()

    def _update_interest(self) -> None:
        if self._master_open:
            self._poll.modify(self.master, _IN | (select.POLLOUT if self._pending else 0))
        if self._stdin_open:
            self._poll.modify(self.stdin, _IN if len(self._pending) < INPUT_MAX else 0)

    def _stdin_eof(self) -> None:
        self._stop_stdin()
        if self.modes is not None:  # the terminal itself went away
            self._end_session(signal.SIGHUP)
            return
        if self._exit_at is None and self._master_open:
            # Piped input ended: give the program end-of-file, as a terminal's Ctrl-D would
            # (twice when a partial line is pending: the first one only sends that line).
            try:
                veof = termios.tcgetattr(self.master)[6][termios.VEOF]
            except termios.error:
                veof = b"\x04"
            self._pending += veof if self._last_in == b"\n" else veof * 2
            self._flush_input()

    def _stop_stdin(self) -> None:
        if self._stdin_open:
            self._stdin_open = False
            self._poll.unregister(self.stdin)

    # -- signals --------------------------------------------------------------------------

    def _on_signals(self) -> None:
        try:
            data = os.read(self.sig_fd, 512)
        except BlockingIOError:
            return
        for signum in data:
            if signum == signal.SIGCHLD:
                self._reap()
            elif signum == signal.SIGWINCH:
                self.sync_size()
            elif signum in (signal.SIGHUP, signal.SIGTERM):
                self._end_session(signum)
            elif signum in (signal.SIGINT, signal.SIGQUIT):
                self._to_foreground(signum)
            elif signum == signal.SIGTSTP:
                self._suspend()
            elif signum == signal.SIGCONT:
                self._resume()

    def _reap(self) -> None:
        if self.status is not None:
            return
        try:
            pid, wstatus = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, wstatus = self.pid, 0
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(wstatus)
        self.status = 128 - code if code < 0 else code
        self._exit_at = time.monotonic()
        self._stop_stdin()
        self._pending.clear()
        self._update_interest()

    def sync_size(self) -> None:
        size = get_size([self.size_fd]) if self.size_fd is not None else None
        if size is None or size == self.size:
            return
        self.size = size
        if self._master_open:
            with contextlib.suppress(OSError):
                set_size(self.master, size)
        self.tap.send(frames.RESIZE, f"{size[0]}x{size[1]}".encode())

    def _to_foreground(self, signum: int) -> None:
        """A signal sent to ddcoterm (not a typed key: those are bytes) goes to the program."""
        try:
            os.killpg(os.tcgetpgrp(self.master), signum)
        except OSError:
            _kill_group(self.pid, signum)

    def _end_session(self, signum: int) -> None:
        """Terminal closed or ddcoterm told to stop: hang up the program, as a terminal would."""
        if self._hangup_at is not None:
            return
        self.hangup = signum
        self._hangup_at = time.monotonic()
        if signum == signal.SIGHUP:
            self._screen_ok = False
            self._stop_stdin()
        if self.status is not None:
            return
        groups = {self.pid}
        with contextlib.suppress(OSError):
            groups.add(os.tcgetpgrp(self.master))
        for group in groups:
            _kill_group(group, signal.SIGHUP)
            _kill_group(group, signal.SIGCONT)

    def _suspend(self) -> None:
        """Job control of ddcoterm itself: give the terminal back, stop, and on `fg` resume."""
        if self.modes is not None:
            self.modes.restore()
        os.kill(os.getpid(), signal.SIGSTOP)
        self._resume()

    def _resume(self) -> None:
        if self.modes is not None and not self.modes.is_raw and self.hangup is None:
            self.modes.raw()
        self.sync_size()


def _kill_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except OSError as e:
        if e.errno not in (errno.ESRCH, errno.EPERM):
            raise
