"""Approval for a shimmed command: the one function the approvals work replaces.

Until a backend exists, the approval messages are shown and the user is asked y/n, with a
line saying that no approver is configured (the hooks do the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from coterm.shims.tty import Terminal
from coterm.shims.wire import Verdict

NOT_CONFIGURED = (
    "CoTerm: approval is not yet configured on this machine; "
    "answering y runs the command without an approver."
)


@dataclass
class ApprovalOutcome:
    approved: bool
    outcome: str  # stored in CommandEvent.approval_outcome
    approval_id: str = ""
    interrupted: bool = False  # Ctrl-C while waiting: the shim exits 130


def approval_lines(verdict: Verdict) -> list[str]:
    lines = [f"CoTerm: this command needs approval: {m}" for m in verdict.messages]
    lines = lines or ["CoTerm: this command needs approval."]
    return lines + [f"Message for the approver: {m}" for m in verdict.approver_messages]


def request_approval(
    verdict: Verdict, argv: list[str], terminal: Optional[Terminal]
) -> Optional[ApprovalOutcome]:
    """Ask for approval to run argv. None means it cannot be asked here (no terminal):
    the shim then applies the noninteractive policy."""
    if terminal is None:
        return None
    answer = terminal.confirm([*approval_lines(verdict), NOT_CONFIGURED])
    if answer is None:
        return ApprovalOutcome(False, "interrupted", interrupted=True)
    return ApprovalOutcome(answer, "confirmed without approver" if answer else "cancelled")
