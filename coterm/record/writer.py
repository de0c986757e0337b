"""The recording process: frames from the proxy in, asciicast lines and sink calls out.

It runs forked from ddcoterm, so JSON encoding, redaction and indexing never hold up the
user's keystrokes or screen (they share no interpreter lock with the proxy). Pipeline for
output bytes: marks taken out -> (rules mode: kept only inside a rec=1 command) ->
incremental UTF-8 decode (lossless, see cast.py) -> redaction -> `o` events and, when
there are sinks, terminal-emulated text lines. Lines are written to the .cast with one
write(2) per pipe read, so they reach the OS within ~100 ms. If ddcoterm itself is killed,
the pipe reaches EOF and this process still writes everything it has, then exits.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import select
import signal
import sys
import time
from operator import itemgetter
from typing import Callable, List, Optional, Sequence

from coterm.model import CommandEvent, SessionInfo
from coterm.record import frames
from coterm.record.cast import clean_text, event_line, header_line
from coterm.record.marks import Mark, MarkParser
from coterm.record.plan import SessionPlan
from coterm.record.redaction import IDENTITY, Redaction, load_redaction
from coterm.record.sinks import SinkFanout
from coterm.sinks import SessionSink
from coterm.termtext import Line, LineCollector

IDLE = 0.1  # no output for this long: the redactor may release what it holds
MAX_HOLD = 0.5  # ...and it is asked at least this often while output keeps coming
SINK_EVERY = 1.0  # text lines reach the sinks at least this often (live search)
SINK_MAX_LINES = 2000  # ...or as soon as this many wait (bounded memory)
COALESCE = 0.010  # output reads closer than this become one `o` event
READ_SIZE = 1 << 20
BATCH_WAIT = 0.005
HEAP_BUFFERS = 16 << 20  # allocations below this come from the reused heap, not mmap
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters

WRITER_WAIT = 10.0  # seconds to let the recording process finish (sinks may be flushing)

SinksFactory = Callable[[], Sequence[SessionSink]]


def start_writer(
    plan: SessionPlan, cast_fd: Optional[int], close_fds: Sequence[int], sinks: SinksFactory
) -> tuple:
    """Fork the recording process; returns (pid, fd to write frames to)."""
    r, w = frames.make_pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(r)
        if cast_fd is not None:
            os.close(cast_fd)
        return pid, w
    code = 1
    try:
        os.close(w)
        _detach(close_fds)
        _steady_heap()
        code = Recording(plan, cast_fd, sinks).run(r)
    except BaseException as e:  # report in one line; the session itself goes on
        _say(f"recording process failed: {type(e).__name__}: {e}")
    finally:
        os._exit(code)


def wait_writer(pid: int) -> None:
    """Reap the recording process, giving it WRITER_WAIT to finish (sinks may be flushing)."""
    deadline = time.monotonic() + WRITER_WAIT
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done or time.monotonic() >= deadline:
            return
        time.sleep(0.005)


def _detach(close_fds: Sequence[int]) -> None:
    """Keep only stderr of the user's terminal, and ignore the signals aimed at ddcoterm:
    this process ends when the proxy closes the pipe (or dies), never half-way."""
    for fd in close_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGWINCH):
        signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)


def _steady_heap() -> None:
    """Keep big buffers on the heap (glibc): each pipe read, decode and JSON pass makes
    ~1 MB strings, which glibc would otherwise mmap and unmap every time, page-faulting
    every byte of output in again (measured: a quarter of this process's CPU in bulk
    output). The heap then keeps about one round's worth of buffers for reuse."""
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):  # not glibc (or no ctypes): the default
        return
    mallopt(_M_MMAP_THRESHOLD, HEAP_BUFFERS)
    mallopt(_M_TRIM_THRESHOLD, 2 * HEAP_BUFFERS)


def _say(text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(2, f"\r\nddcoterm: {text}\r\n".encode("utf-8", "replace"))


class Recording:
    def __init__(self, plan: SessionPlan, cast_fd: Optional[int], sinks: SinksFactory) -> None:
        self.plan = plan
        self.info: SessionInfo = plan.info
        self._fd = cast_fd
        self._sinks = SinkFanout(self._make_sinks(sinks) if plan.stores_events else [])
        self._marks = MarkParser(plan.nonce) if plan.nonce else None
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._in_decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._redaction = self._load_redaction()
        self._may_keep = plan.stores_output and self._redaction is not None
        redaction = self._redaction or IDENTITY
        self._out_stage = redaction.new_stream()
        self._in_stage = redaction.new_stream()
        self._redact_line = redaction.text if self._redaction is not None else lambda s: ""
        self._passthrough = redaction.passthrough
        self._keep = self._may_keep and plan.keep_output
        self._collector: Optional[LineCollector] = None
        if self._sinks and self._may_keep:
            self._collector = LineCollector(self.info.width, self.info.height)
        self._out: List[bytes] = []
        self._lines: List[Line] = []
        self._open_cmd: Optional[tuple] = None
        self._last_t = 0.0
        self._last_output = 0.0
        self._idle_done = True
        self._released = time.monotonic()
        self._next_sink = time.monotonic() + SINK_EVERY
        self._sink_dirty = False
        self._status: Optional[int] = None
        self._state = "killed"  # until the proxy says how it ended

    # -- setup --------------------------------------------------------------------------

    @staticmethod
    def _make_sinks(factory: SinksFactory) -> Sequence[SessionSink]:
        try:
            return list(factory())
        except Exception as e:
            _say(f"session sinks unavailable ({type(e).__name__}: {e}); recording to the file only")
            return []

    def _load_redaction(self) -> Optional[Redaction]:
        if not (self.plan.stores_events or self.plan.writes_cast):
            return IDENTITY
        try:
            return load_redaction(self.plan.cwd)
        except Exception as e:
            _say(f"redaction failed to start ({type(e).__name__}: {e}); output is not recorded")
            return None

    # -- main loop ----------------------------------------------------------------------

    def run(self, fd: int) -> int:
        self._write_header()
        self._sinks.call("session_started", self.info)
        reader = frames.FrameReader()
        while True:
            ready, _, _ = select.select([fd], [], [], self._timeout())
            if ready:
                data = os.read(fd, READ_SIZE)
                if not data:
                    break
                self._handle(reader.feed(data))
                if len(data) < READ_SIZE // 4:
                    # Keeping up: let output gather for a moment, so bulk output makes a few
                    # big events and writes instead of one per pty read.
                    time.sleep(BATCH_WAIT)
            else:
                self._on_idle()
            if not self._idle_done and time.monotonic() - self._released >= MAX_HOLD:
                self._release()  # steady output (a spinner) must not keep text held forever
            self._maybe_send_lines()
            self._write_out()
        self._finish()
        return 0

    def _timeout(self) -> Optional[float]:
        now = time.monotonic()
        waits = []
        if not self._idle_done:
            waits.append(self._last_output + IDLE - now)
        if self._sink_dirty or self._lines:
            waits.append(self._next_sink - now)
        return max(0.0, min(waits)) if waits else None

    def _now(self) -> float:
        return max(self._last_t, time.monotonic() - self.plan.t0)

    def _handle(self, items: List[frames.Frame]) -> None:
        i, n = 0, len(items)
        while i < n:
            kind, t, payload = items[i]
            i += 1
            if kind == frames.OUTPUT:
                parts = [payload]
                while i < n and items[i][0] == frames.OUTPUT and items[i][1] - t <= COALESCE:
                    parts.append(items[i][2])
                    i += 1
                self._output(t, b"".join(parts))
            elif kind == frames.INPUT:
                self._input(t, bytes(payload))
            elif kind == frames.RESIZE:
                self._resize(t, bytes(payload))
            elif kind == frames.END:
                end = json.loads(bytes(payload))
                self._status, self._state = end.get("status"), end.get("state", "ended")

    # -- output -------------------------------------------------------------------------

    def _output(self, t: float, data: bytes) -> None:
        self._last_output = time.monotonic()
        self._idle_done = False
        if self._marks is None:
            if self._keep:
                self._text(t, data)
            return
        for seg in self._marks.feed(data):
            if isinstance(seg, Mark):
                self._mark(t, seg)
            elif self._keep:
                self._text(t, seg)

    def _text(self, t: float, data: bytes, final: bool = False) -> None:
        if self._passthrough and data.isascii() and not self._decoder.getstate()[0]:
            self._emit_ascii(t, data)  # nothing to decode or redact: bytes straight to JSON
            return
        text = self._decoder.decode(data, final)
        if text:
            self._emit_output(t, self._out_stage.feed(text))

    def _emit_ascii(self, t: float, data: bytes) -> None:
        if not data:
            return
        t = self._stamp(t)
        if self._fd is not None:
            self._out.append(event_line(t, "o", data))
        if self._collector is not None:
            self._lines.extend(self._collector.feed(data.decode("ascii"), t))
            self._sink_dirty = True

    def _emit_output(self, t: float, text: str) -> None:
        if not text:
            return
        t = self._stamp(t)
        if self._fd is not None:
            self._out.append(event_line(t, "o", text))
        if self._collector is not None:
            self._lines.extend(self._collector.feed(clean_text(text), t))
            self._sink_dirty = True

    def _stamp(self, t: float) -> float:
        """Event times never go backwards (redacted text may be released late)."""
        if t < self._last_t:
            t = self._last_t
        self._last_t = t
        return t

    def _event(self, t: float, code: str, text: str) -> None:
        if self._fd is not None and self.plan.stores_events:
            self._out.append(event_line(self._stamp(t), code, text))

    def _on_idle(self) -> None:
        if self._idle_done:
            return
        self._idle_done = True
        self._release()

    def _release(self) -> None:
        """Ask the redactor for what no later output can change (it decides what is safe)."""
        self._released = time.monotonic()
        t = self._now()
        self._emit_output(t, self._out_stage.idle())
        held = self._in_stage.idle()
        if held:
            self._event(t, "i", held)

    # -- marks, input, resize -----------------------------------------------------------

    def _mark(self, t: float, mark: Mark) -> None:
        rules = self.plan.mode == "rules"
        if mark.kind == "start":
            self._close_command(t, None)
            line = self._redact_line(mark.line)
            rec = mark.fields.get("rec", "1") != "0"
            self._open_cmd = (t, line)
            if rules:
                self._keep = self._may_keep and rec
            if not rules or rec:
                self._event(t, "m", line)
        elif mark.kind == "end":
            self._close_command(t, _int(mark.fields.get("status")))
            if rules:
                self._keep = False

    def _close_command(self, t: float, status: Optional[int]) -> None:
        if self._open_cmd is None:
            return
        start, line = self._open_cmd
        self._open_cmd = None
        self._command_event(start, t, line, status, "hook")

    def _command_event(self, start: float, end: float, line: str, status: Optional[int], source: str) -> None:
        info = self.info
        event = CommandEvent(
            session_id=info.id,
            start=info.started + start,
            line=line,
            cwd=self.plan.cwd if source == "record" else "",
            user=info.user,
            host=info.host,
            shell=info.shell,
            argv=list(self.plan.argv) if source == "record" else [],
            duration=max(0.0, end - start),
            exit_status=status,
            decision=self.plan.decision if source == "record" else "allow",
            source=source,
        )
        self._sinks.call("command_event", event)

    def _input(self, t: float, data: bytes) -> None:
        if not self._keep:
            return
        text = self._in_decoder.decode(data)
        if text:
            held = self._in_stage.feed(text)
            if held:
                self._event(t, "i", held)

    def _resize(self, t: float, payload: bytes) -> None:
        size = payload.decode("ascii", "replace")
        self._event(t, "r", size)
        cols, _, rows = size.partition("x")
        if self._collector is not None and cols.isdigit() and rows.isdigit():
            self._collector.resize(int(cols), int(rows))

    # -- sinks and file -----------------------------------------------------------------

    def _maybe_send_lines(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next_sink and len(self._lines) < SINK_MAX_LINES:
            return
        if self._collector is not None and self._sink_dirty:
            self._lines.extend(self._collector.drain(self._now()))
        self._sink_dirty = False
        self._next_sink = now + SINK_EVERY
        lines = list(filter(itemgetter(1), self._lines))  # lines come rstripped: drop blanks
        self._lines = []
        if lines:
            self._sinks.call("output_lines", self.info.id, lines)

    def _write_header(self) -> None:
        if self._fd is None:
            return
        header = dict(self.plan.header)
        if "command" in header:
            header["command"] = self._redact_line(header["command"])
        coterm = dict(header.get("coterm") or {})
        coterm["redaction"] = self._redaction.name if self._redaction is not None else "failed"
        header["coterm"] = coterm
        self._out.append(header_line(header))
        self._write_out()

    def _write_out(self) -> None:
        if not self._out:
            return
        data, self._out = b"".join(self._out), []
        if self._fd is None:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as e:
            _say(f"cannot write {self.info.cast_path}: {e.strerror}; the session goes on unrecorded")
            self._fd = None

    def _finish(self) -> None:
        t = self._now()
        if self._marks is not None:
            tail = self._marks.flush()
            if tail and self._keep:
                self._text(t, tail)
        if self._keep:
            self._text(t, b"", final=True)
        self._emit_output(t, self._out_stage.flush())
        held = self._in_decoder.decode(b"", True)
        held = (self._in_stage.feed(held) if held else "") + self._in_stage.flush()
        if held and self._keep:
            self._event(t, "i", held)
        self._close_command(t, self._status)
        if self.plan.argv:
            line = self._redact_line(self.plan.command_line)
            self._command_event(0.0, t, line, self._status, "record")
        if self._collector is not None:
            self._lines.extend(self._collector.flush(t))
        self._maybe_send_lines(force=True)
        self._write_out()
        if self._fd is not None:
            os.close(self._fd)
        info = self.info
        info.ended = info.started + t
        info.exit_status = self._status
        info.state = self._state
        self._sinks.call("session_ended", info)


def _int(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
