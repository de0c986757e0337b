"""Approval events in the local store: every state change of a request, and break glass.

Best effort: a store problem is reported in one line and never decides whether a command runs.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, Optional

from coterm.approvals.identity import current_user, hostname
from coterm.approvals.model import BREAK_GLASS, ApprovalError, ApprovalRequest

TRUE_WORDS = ("1", "true", "yes", "on")


def break_glass_set(env: Optional[dict[str, str]] = None) -> bool:
    value = (os.environ if env is None else env).get("COTERM_BREAK_GLASS", "")
    return value.strip().lower() in TRUE_WORDS


def redactor(cwd: str) -> Callable[[str], str]:
    """coterm.redact's one-shot redaction with this cwd's config; identity while that package is
    absent. Any other failure is an ApprovalError: an unredacted line must not leave the process."""
    try:
        from coterm.redact import RedactionConfig, redact_text
    except ImportError:
        return lambda text: text
    try:
        from coterm.config import load_config

        config = RedactionConfig.from_mapping(load_config(cwd).section("redaction"))
    except Exception as exc:
        raise ApprovalError(f"cannot redact the command line ({type(exc).__name__}: {exc})") from None
    return lambda text: redact_text(text, config)


def _store_event(**fields: Any) -> Optional[int]:
    try:
        from coterm.model import CommandEvent
        from coterm.store import Store

        event = CommandEvent(**fields)
        with Store.open() as store:
            return store.add_event(event)
    except Exception as exc:
        sys.stderr.write(f"CoTerm: could not store the approval event ({type(exc).__name__}: {exc})\n")
        return None


def state_change(
    req: ApprovalRequest, state: str, *, source: str = "approve", role: str = "requester", note: str = ""
) -> Optional[int]:
    """One event per change: created, granted, denied, expired, withdrawn, error (requester side),
    or granted/denied as decided (approver side, role="approver", stored in the approver's store)."""
    detail = {
        "kind": "approval",
        "state": state,
        "role": role,
        "backend": req.backend,
        "request": req.ref or req.id,
        "requester": req.user,
        "by": req.by,
        "reason": note or req.reason,
        "expires": req.expires,
    }
    actor = current_user() if role == "approver" else req.user
    return _store_event(
        session_id=req.session_id if role == "requester" else os.environ.get("COTERM_SESSION", ""),
        start=time.time(),
        line=req.line,
        cwd=req.cwd,
        user=actor,
        host=hostname() if role == "approver" else req.host,
        decision="approval",
        rules=[detail],
        approval_id=req.id,
        approval_outcome=state,
        source=source,
    )


def record_break_glass(
    line: str,
    cwd: str,
    *,
    session_id: Optional[str] = None,
    source: str = "hook",
    argv: Optional[list[str]] = None,
    reason: str = "COTERM_BREAK_GLASS=true",
) -> Optional[int]:
    """Store a high-severity break-glass event for a line that runs without its approval.

    Call it when Decision.break_glass is true for a line whose rules asked for approval (hooks,
    shims, `ddcoterm approve`). The line is redacted before it is stored. Returns the event id,
    or None when the store could not be written (a one-line warning is printed; never raises).
    """
    try:
        redact = redactor(cwd)
    except ApprovalError:
        redact = lambda text: "[not stored: redaction unavailable]"  # noqa: E731
    detail = {"kind": "break_glass", "severity": "high", "reason": reason}
    return _store_event(
        session_id=session_id if session_id is not None else os.environ.get("COTERM_SESSION", ""),
        start=time.time(),
        line=redact(line),
        cwd=cwd,
        user=current_user(),
        host=hostname(),
        argv=[redact(a) for a in (argv or [])],
        decision="allow",
        rules=[detail],
        approval_outcome=BREAK_GLASS,
        break_glass=True,
        source=source,
    )
