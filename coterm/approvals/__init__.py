"""Approvals: a command that a rule marks `approval` runs only once another person grants it.

Entry points:
- request_and_wait(line, *, cwd, user_message, approver_message, session_id=None, tty=True,
  source="hook") -> ApprovalOutcome: create a request, show what an approver must run, wait
  (spinner, elapsed time, Ctrl-C withdraws). Used in-process by shims; hooks use the CLI
  `ddcoterm approve --for-line LINE` (exit 0 granted, 1 not granted, 2 config/backend error).
- record_break_glass(line, cwd, ...): store the high-severity event for COTERM_BREAK_GLASS=true.
- get_backend(load_settings(cwd)): the approver side (`ddcoterm approvals list|show|grant|deny`).

Backends (global config `approvals.backend`): `local`, a spool shared by the users of one host,
where the kernel's file owners prove who requested and who decided; `datadog`, a Case Management
case per request. Invariants: no self-approval; a grant binds to the exact line, user, host, cwd
and request id and is used once; expired or withdrawn requests cannot be granted; ids are
unguessable; every state change is an event in the store. Shared-host setup: see
`ddcoterm approvals --help` (coterm.approvals.spool.setup).
"""

from __future__ import annotations

from coterm.approvals.audit import record_break_glass
from coterm.approvals.backends import get_backend
from coterm.approvals.flow import request_and_wait
from coterm.approvals.model import ApprovalError, ApprovalOutcome, ApprovalRefused, ApprovalRequest
from coterm.approvals.settings import ApprovalSettings, load_settings

__all__ = [
    "ApprovalError",
    "ApprovalOutcome",
    "ApprovalRefused",
    "ApprovalRequest",
    "ApprovalSettings",
    "get_backend",
    "load_settings",
    "record_break_glass",
    "request_and_wait",
]
