"""The requester's side: create a request, say what an approver must do, wait, and say the outcome."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Optional, TextIO, Union

from coterm.approvals import audit
from coterm.approvals.backends import get_backend
from coterm.approvals.identity import current_user, hostname
from coterm.approvals.model import (
    BREAK_GLASS,
    ERROR,
    EXPIRED,
    GRANTED,
    WITHDRAWN,
    ApprovalError,
    ApprovalOutcome,
    ApprovalRequest,
    Verdict,
    sha256_text,
)
from coterm.approvals.settings import ApprovalSettings, load_settings
from coterm.approvals.ui import WaitUI, elapsed_text

TICK = 0.1  # spinner frame interval
SLOWDOWN = 120.0  # polls slow down as the wait grows: interval x (1 + waited / SLOWDOWN), at most x4
Messages = Union[str, Sequence[str], None]


class _Stopped(Exception):
    """SIGTERM or SIGHUP while waiting: withdraw, like Ctrl-C."""


def request_and_wait(
    line: str,
    *,
    cwd: str,
    user_message: Messages = "",
    approver_message: Messages = "",
    session_id: Optional[str] = None,
    tty: bool = True,
    source: str = "hook",
    stream: Optional[TextIO] = None,
    settings: Optional[ApprovalSettings] = None,
) -> ApprovalOutcome:
    """Ask for approval of `line` (run in `cwd`) and wait for the decision. Never raises for
    config or backend trouble: that is an outcome with state "error" (fail closed).

    line: the exact command line; it is redacted before it is stored or sent, and its sha256 binds
        the grant. "" for an ad-hoc request about something else (say what in approver_message).
    user_message, approver_message: the rule's messages (a string, or a list such as
        Decision.messages / Decision.approver_messages, shown one per line).
    session_id: the recording session; default $COTERM_SESSION.
    tty: draw the spinner (only if `stream` is a terminal). stream: where the messages go
        (default stderr). source: stored with the events (hook | shim | approve).
    COTERM_BREAK_GLASS=true in the environment: no request; a break-glass event is stored and
        the outcome is granted with state "break_glass".
    Ctrl-C (or SIGTERM/SIGHUP in the main thread) while waiting withdraws the request.

    Returns ApprovalOutcome(granted, request_id, reason, state, by); state is granted, denied,
    expired, withdrawn, error or break_glass; .exit_code maps it to 0/1/2.
    """
    ui = WaitUI(stream if stream is not None else sys.stderr, spinner=tty)
    user_text, approver_text = _join(user_message), _join(approver_message)
    if audit.break_glass_set():
        audit.record_break_glass(line, cwd, session_id=session_id, source=source)
        ui.say("COTERM_BREAK_GLASS is set: running without approval (this run is audited).")
        return ApprovalOutcome(True, "", "COTERM_BREAK_GLASS is set", BREAK_GLASS)
    _intro(ui, line, user_text, approver_text)
    try:
        settings = settings or load_settings(cwd)
        backend = get_backend(settings)
        backend.prepare()
        req = _new_request(line, cwd, user_text, approver_text, session_id, settings.timeout)
    except (ApprovalError, OSError) as exc:
        return _say_outcome(ui, None, ApprovalOutcome(False, "", _problem(exc), ERROR))
    except KeyboardInterrupt:
        return _say_outcome(ui, None, ApprovalOutcome(False, "", "interrupted", WITHDRAWN))
    interval = settings.poll_interval or backend.default_poll_interval
    with _signals_withdraw():
        return _run(backend, req, interval, ui, source)


def _join(messages: Messages) -> str:
    if not messages:
        return ""
    if isinstance(messages, str):
        return messages.strip()
    return "\n".join(m.strip() for m in messages if m and m.strip())


def _intro(ui: WaitUI, line: str, user_text: str, approver_text: str) -> None:
    if user_text:
        ui.say("\n".join(f"this command needs approval: {m}" for m in user_text.splitlines()))
    elif line:
        ui.say("this command needs approval.")
    if approver_text:
        ui.say("\n".join(f"message for the approver: {m}" for m in approver_text.splitlines()))


def _new_request(
    line: str, cwd: str, user_text: str, approver_text: str, session_id: Optional[str], timeout: float
) -> ApprovalRequest:
    redact = audit.redactor(cwd)
    now = time.time()
    return ApprovalRequest(
        id="",
        line=redact(line),
        line_sha256=sha256_text(line),
        user=current_user(),
        uid=os.getuid(),
        host=hostname(),
        cwd=cwd,
        user_message=redact(user_text),
        approver_message=redact(approver_text),
        session_id=session_id if session_id is not None else os.environ.get("COTERM_SESSION", ""),
        created=now,
        expires=now + timeout,
    )


def _run(backend: Any, req: ApprovalRequest, interval: float, ui: WaitUI, source: str) -> ApprovalOutcome:
    try:
        backend.create(req)
    except (ApprovalError, OSError) as exc:
        return _say_outcome(ui, None, ApprovalOutcome(False, "", _problem(exc), ERROR))
    except (KeyboardInterrupt, _Stopped):
        if req.id:
            _finish(backend, req, WITHDRAWN, ui)
        return _say_outcome(
            ui, None, ApprovalOutcome(False, "", "interrupted before the request was sent", WITHDRAWN)
        )
    try:
        audit.state_change(req, "created", source=source)
        _announce(ui, req, backend)
        verdict = _wait(backend, req, interval, ui)
    except (ApprovalError, OSError) as exc:
        outcome = ApprovalOutcome(False, req.id, _problem(exc), ERROR)
    except (KeyboardInterrupt, _Stopped):
        outcome = ApprovalOutcome(False, req.id, "withdrawn by the requester", WITHDRAWN)
    else:
        if verdict is None:
            waited = elapsed_text(req.expires - req.created)
            outcome = ApprovalOutcome(False, req.id, f"no decision within {waited}", EXPIRED)
        else:
            outcome = ApprovalOutcome(verdict.granted, req.id, verdict.reason, verdict.state, verdict.by)
    ui.clear()
    req.by, req.reason = outcome.by, outcome.reason
    if outcome.state != ERROR:
        _finish(backend, req, outcome.state, ui)
    audit.state_change(req, outcome.state, source=source)
    return _say_outcome(ui, req, outcome)


def _announce(ui: WaitUI, req: ApprovalRequest, backend: Any) -> None:
    until = time.strftime("%H:%M:%S", time.localtime(req.expires))
    left = elapsed_text(req.expires - req.created)
    ui.say(f"approval request {req.ref} sent; it expires at {until} (in {left}).")
    ui.say("\n".join(backend.approver_hint(req)))


def _problem(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc)


def _wait(backend: Any, req: ApprovalRequest, interval: float, ui: WaitUI) -> Optional[Verdict]:
    """Poll until a verdict, or None at expiry. A grant that arrives after expiry is ignored."""
    next_poll = 0.0
    while True:
        now = time.time()
        if now >= req.expires:
            return None
        if now >= next_poll:
            verdict = backend.poll(req)
            if verdict is not None:
                return verdict if time.time() < req.expires else None
            stretch = min(4.0, 1.0 + (time.time() - req.created) / SLOWDOWN)
            next_poll = time.time() + interval * stretch
        ui.tick(time.time() - req.created)
        pause = min(TICK if ui.spinner else interval, next_poll - time.time(), req.expires - time.time())
        time.sleep(max(0.01, pause))


def _finish(backend: Any, req: ApprovalRequest, state: str, ui: WaitUI) -> None:
    try:
        backend.finish(req, state, req.reason)
    except (ApprovalError, OSError, KeyboardInterrupt) as exc:
        ui.say(f"could not mark request {req.ref} {state} ({exc})")


def _say_outcome(ui: WaitUI, req: Optional[ApprovalRequest], outcome: ApprovalOutcome) -> ApprovalOutcome:
    ref = req.ref if req else outcome.request_id
    reason = f": {outcome.reason}" if outcome.reason else ""
    by = f" by {outcome.by}" if outcome.by else ""
    if outcome.state == GRANTED:
        ui.say(f"approved{by}{reason}.")
    elif outcome.state == ERROR:
        ui.say(f"approval failed: {outcome.reason}; the command was not run.")
    elif outcome.state == EXPIRED:
        ui.say(f"request {ref} expired ({outcome.reason}); the command was not run.")
    elif outcome.state == WITHDRAWN:
        ui.say(
            f"request {ref} withdrawn; the command was not run."
            if ref
            else "no request sent; the command was not run."
        )
    else:
        ui.say(f"denied{by}{reason}; the command was not run.")
    return outcome


@contextmanager
def _signals_withdraw() -> Iterator[None]:
    """In the main thread, SIGTERM and SIGHUP (terminal closed) withdraw the request like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: Any) -> None:
        raise _Stopped(signal.Signals(signum).name)

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, stop)
        except (ValueError, OSError):
            continue
    # A process started from a non-interactive shell's background job inherits SIGINT ignored
    # (and Python then installs no KeyboardInterrupt handler). A person waiting at a terminal
    # must still be able to withdraw with Ctrl-C.
    if sys.stdin is not None and sys.stdin.isatty() and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
