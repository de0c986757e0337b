"""Command events for shimmed runs that matter for an audit: warned, cancelled, denied,
approved, break glass. A plain allowed run writes nothing (the shim then costs no SQLite);
a recorded run gets its event from the recorder.

Writing an event costs the store and redaction imports (60-250 ms on a loaded machine), so
a run that goes on writes it from a detached child: the command starts at once.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import time
from typing import Any, Callable, Optional

from coterm.shims import where
from coterm.shims.wire import Verdict
from coterm.whoami import current_user

ERROR_LOG = "shim-errors.log"  # under $COTERM_HOME/state: failures of detached event writes


def worth_saving(verdict: Verdict) -> bool:
    return verdict.kind != "allow" or verdict.break_glass or bool(verdict.rules)


def save_event(
    argv: list[str],
    verdict: Verdict,
    *,
    cwd: str,
    start: float,
    lint_outcome: str = "",
    approval_outcome: str = "",
    approval_id: str = "",
    exit_status: Optional[int] = None,
) -> None:
    """Best effort: a store problem is reported in one line and never stops the command."""
    try:
        from coterm.model import CommandEvent
        from coterm.store import Store

        redact = _redactor(cwd)
        event = CommandEvent(
            session_id=os.environ.get("COTERM_SESSION", ""),
            start=start,
            line=redact(shlex.join(argv)),
            cwd=cwd,
            user=current_user(),
            host=_host(),
            argv=[redact(a) for a in argv],
            duration=None if exit_status is None else time.time() - start,
            exit_status=exit_status,
            decision=verdict.kind,
            rules=list(verdict.rules),
            lint_outcome=lint_outcome,
            approval_id=approval_id,
            approval_outcome=approval_outcome,
            break_glass=verdict.break_glass,
            source="shim",
        )
        with Store.open() as store:
            store.add_event(event)
    except Exception as exc:
        if sys.stderr is not None:
            sys.stderr.write(f"CoTerm: could not save the command event ({type(exc).__name__}: {exc})\n")


def save_event_detached(argv: list[str], verdict: Verdict, **fields: Any) -> None:
    """save_event() in a grandchild that holds nothing the command's readers wait on: its own
    session (Ctrl-C for the command does not cut the write short) and /dev/null for every
    descriptor, the terminal included (a pipe or pty held open would keep `kubectl ... | jq`,
    `ssh -t` or a recorder waiting for end-of-file). A failure goes to ERROR_LOG instead."""
    try:
        pid = os.fork()
    except OSError:
        save_event(argv, verdict, **fields)
        return
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        if os.fork() == 0:
            os.setsid()
            _detach_descriptors()
            save_event(argv, verdict, **fields)
    finally:
        os._exit(0)


def _detach_descriptors() -> None:
    try:
        inherited = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        inherited = list(range(3, 256))
    for fd in inherited:
        if fd > 2:
            with contextlib.suppress(OSError):
                os.close(fd)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    log = os.path.join(where.home(), "state", ERROR_LOG)
    try:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        err = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        err = null
    os.dup2(err, 2)
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - the process ends right after


def _redactor(cwd: str) -> Callable[[str], str]:
    try:
        from coterm.record.redaction import load_redaction

        return load_redaction(cwd).text
    except Exception:
        return lambda text: "[not stored: redaction unavailable]"


def _host() -> str:
    import socket

    return socket.gethostname()
