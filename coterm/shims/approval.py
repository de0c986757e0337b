"""Approval for a shimmed command: the request goes through coterm.approvals, which shows the
user message, the request id and what an approver must run, then waits (Ctrl-C withdraws)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from coterm.shims.tty import Terminal
from coterm.shims.wire import Verdict


@dataclass
class ApprovalOutcome:
    approved: bool
    outcome: str  # stored in CommandEvent.approval_outcome
    approval_id: str = ""
    interrupted: bool = False  # Ctrl-C at a prompt: the shim exits 130 (Ctrl-C while waiting withdraws)
    exit_code: int = 1  # when not approved: 1 denied/expired/withdrawn, 2 config or backend error


def approval_lines(verdict: Verdict) -> list[str]:
    lines = [f"CoTerm: this command needs approval: {m}" for m in verdict.messages]
    lines = lines or ["CoTerm: this command needs approval."]
    return lines + [f"Message for the approver: {m}" for m in verdict.approver_messages]


def request_approval(
    verdict: Verdict, argv: list[str], terminal: Optional[Terminal]
) -> Optional[ApprovalOutcome]:
    """Ask a teammate to approve argv and wait (coterm.approvals). None means it cannot be
    asked here (no terminal): the shim then applies the noninteractive policy."""
    if terminal is None:
        return None
    import os
    import shlex

    from coterm.approvals import request_and_wait

    result = request_and_wait(
        shlex.join(argv),
        cwd=os.getcwd(),
        user_message=list(verdict.messages),
        approver_message=list(verdict.approver_messages),
        source="shim",
    )
    return ApprovalOutcome(
        approved=result.granted,
        outcome=result.state,
        approval_id=result.request_id,
        exit_code=result.exit_code,
    )
