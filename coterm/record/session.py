"""One recorded session from start to end: `ddcoterm` and `ddcoterm -- CMD`.

Order matters: the .cast file is opened first (a bad path fails before anything runs),
then the program is started (exec errors are reported like a shell would), then the
recording process is forked, then the terminal goes raw. Every step after that is undone
in `finally`, so the user's terminal modes come back on a normal exit, a crash of the
program, SIGTERM, SIGHUP and an exception in ddcoterm alike.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

from coterm import paths
from coterm.model import SessionInfo
from coterm.record import sinks as sink_defaults
from coterm.record.child import Child, shell_argv, spawn, user_shell
from coterm.record.ids import new_nonce, new_session_id
from coterm.record.plan import MODES, SAVE_LEVELS, SessionPlan
from coterm.record.proxy import Proxy, Tap
from coterm.record.terminal import TerminalModes, default_size
from coterm.record.writer import start_writer, wait_writer
from coterm.sinks import SessionSink
from coterm.whoami import current_user

_CAUGHT = (
    signal.SIGCHLD,
    signal.SIGWINCH,
    signal.SIGHUP,
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGTSTP,
    signal.SIGCONT,
)


class RecordError(Exception):
    """A problem the user can fix, in one line; `code` is the exit status to use."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class RecordOptions:
    command: List[str] = field(default_factory=list)  # empty: the user's shell
    output: Optional[str] = None
    title: str = ""
    shell: Optional[str] = None
    mode: str = "all"
    save_level: Optional[str] = None  # none | metadata | record (default record)
    approval: Optional[bool] = None
    record_stdin: bool = False
    quiet: bool = False
    sinks: Optional[Callable[[], Sequence[SessionSink]]] = None  # None: sinks.default_sinks


@dataclass
class Started:
    plan: SessionPlan
    child: Child
    writer_pid: int
    frames_fd: int


def run_session(opts: RecordOptions) -> int:
    _check(opts)
    started = _start(opts)
    plan = started.plan
    _say(opts, _start_line(plan))
    tap = Tap(started.frames_fd, plan.t0)
    status: Optional[int] = None
    state = "ended"
    try:
        status, hangup = _proxy(started, tap, opts.record_stdin)
        if status is None and hangup is not None:
            status = 128 + hangup
    finally:
        tap.end(status, state)
        wait_writer(started.writer_pid)
        _close(started.child.master)
    _say(opts, _end_line(plan, status))
    return status if status is not None else 1


def _check(opts: RecordOptions) -> None:
    if opts.mode not in MODES:
        raise RecordError(f"--mode must be one of {', '.join(MODES)} (got {opts.mode!r})", 2)
    if opts.save_level is not None and opts.save_level not in SAVE_LEVELS:
        choices = ", ".join(SAVE_LEVELS)
        raise RecordError(f"--save-level must be one of {choices} (got {opts.save_level!r})", 2)


def _start(opts: RecordOptions) -> Started:
    session_id = new_session_id()
    save_level = opts.save_level or "record"
    writes_cast = save_level != "none"
    cast_path = Path(opts.output) if opts.output else paths.sessions_dir() / f"{session_id}.cast"
    cast_fd = _open_cast(cast_path) if writes_cast else None
    in_tty = os.isatty(0)
    size = default_size([0, 1, 2])
    shell = user_shell(opts.shell)
    nonce = "" if opts.command else new_nonce()
    env = _child_env(session_id, nonce, opts, save_level)
    argv = list(opts.command)
    if not argv:
        argv, extra = shell_argv(shell, env)
        env.update(extra)
    plan = _plan(opts, session_id, nonce, cast_path if writes_cast else None, shell, size)
    try:
        child = spawn(argv, env, size, 0 if in_tty else None)
    except OSError as e:
        if cast_fd is not None:
            os.close(cast_fd)
            _unlink(cast_path)
        raise _exec_error(argv[0], e) from None
    pid, frames_fd = start_writer(plan, cast_fd, [child.master], opts.sinks or _default_sinks)
    return Started(plan, child, pid, frames_fd)


def _plan(
    opts: RecordOptions,
    session_id: str,
    nonce: str,
    cast_path: Optional[Path],
    shell: str,
    size: tuple,
) -> SessionPlan:
    now = time.time()
    user, host = current_user(), socket.gethostname()
    command_line = shlex.join(opts.command) if opts.command else ""
    save_level = opts.save_level or "record"
    info = SessionInfo(
        id=session_id,
        started=now,
        user=user,
        host=host,
        command=command_line or shell,
        shell=os.path.basename(shell),
        mode=opts.mode,
        cast_path=str(cast_path) if cast_path else "",
        title=opts.title,
        width=size[0],
        height=size[1],
    )
    decision, keep = _initial_decision(opts, save_level)
    plan = SessionPlan(
        info=info,
        header=cast_header(info, opts, command_line, save_level),
        t0=time.monotonic(),
        nonce=nonce,
        mode=opts.mode,
        save_level=save_level,
        keep_output=keep,
        argv=list(opts.command),
        command_line=command_line,
        cwd=os.getcwd(),
        writes_cast=cast_path is not None,
        decision=decision,
    )
    return plan


def _initial_decision(opts: RecordOptions, save_level: str) -> tuple:
    """Whether output is kept before any mark: always in `all` mode; in `rules` mode only
    for `-- CMD` when its rules say record (a shell's commands say so through marks)."""
    if opts.mode == "all":
        return "allow", True
    if opts.mode == "off" or not opts.command:
        return "allow", False
    try:
        from coterm.evaluator import Evaluator

        decision = Evaluator().evaluate_argv(
            list(opts.command),
            cwd=os.getcwd(),
            env=dict(os.environ),
            save_level=opts.save_level,
            approval=opts.approval,
        )
    except Exception as e:  # the rules cannot say: record (an audit gap is worse)
        print(f"ddcoterm: rules unavailable ({e}); recording the command", file=sys.stderr)
        return "allow", True
    return decision.decision, bool(decision.record)


def cast_header(info: SessionInfo, opts: RecordOptions, command_line: str, save_level: str) -> dict:
    from coterm import __version__

    header: dict = {
        "version": 2,
        "width": info.width,
        "height": info.height,
        "timestamp": int(info.started),
        "env": {"SHELL": os.environ.get("SHELL", info.shell), "TERM": os.environ.get("TERM", "")},
    }
    if command_line:
        header["command"] = command_line
    if opts.title:
        header["title"] = opts.title
    coterm = {
        "session": info.id,
        "user": info.user,
        "host": info.host,
        "mode": opts.mode,
        "save_level": save_level,
        "version": __version__,
    }
    if opts.approval is not None:
        coterm["approval"] = opts.approval
    header["coterm"] = coterm
    return header


def _child_env(session_id: str, nonce: str, opts: RecordOptions, save_level: str) -> dict:
    env = dict(os.environ)
    env["COTERM_SESSION"] = session_id
    env["COTERM_MODE"] = opts.mode
    env.pop("COTERM_NONCE", None)
    if nonce:
        env["COTERM_NONCE"] = nonce
    env["COTERM_SAVE_LEVEL"] = save_level
    if opts.approval is not None:
        env["COTERM_APPROVAL"] = "true" if opts.approval else "false"
    else:
        env.pop("COTERM_APPROVAL", None)
    return env


def _proxy(started: Started, tap: Tap, record_stdin: bool) -> tuple:
    in_tty = os.isatty(0)
    modes = TerminalModes(0) if in_tty else None
    size_fd = next((fd for fd in (0, 1, 2) if os.isatty(fd)), None)
    with _signals() as sig_fd:
        proxy = Proxy(
            started.child.master,
            started.child.pid,
            tap,
            sig_fd,
            modes=modes,
            size_fd=size_fd,
            size=(started.plan.info.width, started.plan.info.height),
            record_input=record_stdin,
        )
        try:
            if modes is not None:
                modes.raw()
            proxy.sync_size()  # the terminal may have been resized while we started
            status = proxy.run()
            proxy.tidy_screen()
            return status, proxy.hangup
        finally:
            if modes is not None:
                modes.restore()


@contextlib.contextmanager
def _signals() -> Iterator[int]:
    """Signals become bytes on a pipe the proxy loop polls (no work in handlers)."""
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    old = {sig: signal.signal(sig, _noop) for sig in _CAUGHT}
    old_fd = signal.set_wakeup_fd(w)
    try:
        yield r
    finally:
        signal.set_wakeup_fd(old_fd)
        for sig, handler in old.items():
            signal.signal(sig, handler)
        os.close(r)
        os.close(w)


def _default_sinks() -> Sequence[SessionSink]:
    return sink_defaults.default_sinks()  # looked up late: one place to change (or patch)


def _noop(signum: int, frame: object) -> None:
    pass


def _open_cast(path: Path) -> int:
    try:
        # recordings may hold secrets: a private folder (exist_ok: another ddcoterm starting
        # at the same moment may create it between our check and our mkdir)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    except OSError as e:
        raise RecordError(f"cannot write the recording {path}: {e.strerror}") from None


def _exec_error(name: str, e: OSError) -> RecordError:
    if isinstance(e, FileNotFoundError):
        return RecordError(f"{name}: command not found", 127)
    if isinstance(e, PermissionError):
        return RecordError(f"{name}: permission denied", 126)
    return RecordError(f"{name}: cannot run: {e.strerror or e}", 126)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _replay_ref(plan: SessionPlan) -> str:
    path = Path(plan.info.cast_path)
    if path.parent == paths.sessions_dir():
        return plan.info.id
    return shlex.quote(str(path))


def _start_line(plan: SessionPlan) -> str:
    sid = plan.info.id
    if not plan.writes_cast:
        return f"ddcoterm: session {sid} started (not recorded: --save-level none)"
    what = "recording" if plan.stores_output else "recording events only"
    if plan.stores_output and plan.mode == "rules":
        what = "recording (rules decide per command)"
    return (
        f"ddcoterm: session {sid} started, {what} to {plan.info.cast_path}"
        f" (replay: ddcoterm play {_replay_ref(plan)})"
    )


def _end_line(plan: SessionPlan, status: Optional[int]) -> str:
    sid = plan.info.id
    tail = f"exit status {status}" if status is not None else "exit status unknown"
    if not plan.writes_cast:
        return f"ddcoterm: session {sid} ended, {tail}"
    return (
        f"ddcoterm: session {sid} ended, {tail}; recording {plan.info.cast_path}"
        f" (replay: ddcoterm play {_replay_ref(plan)})"
    )


def _say(opts: RecordOptions, line: str) -> None:
    if not opts.quiet:
        print(line, file=sys.stderr, flush=True)
