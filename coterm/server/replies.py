"""Turn an evaluator Decision into what a hook shows: the wording lives here, not in four shells."""

from __future__ import annotations

from coterm.model import Decision
from coterm.server.protocol import ALLOW, APPROVE, ASK, DENY, Reply


def notice_lines(notices: list[str]) -> list[str]:
    return [n if n.lower().startswith("coterm") else f"CoTerm: {n}" for n in notices]


def reply_for(decision: Decision, notices: list[str]) -> Reply:
    """`notices` are the one-time notices this shell has not been shown yet. Approval
    decisions go to `ddcoterm approve --for-line` (the hook runs it with the user messages as
    TEXT and the approver messages as ARG); it fails closed when no approver is configured."""
    head = notice_lines(notices)
    kind = decision.decision
    if kind == "approval":
        # one-time notices ride along with the user's messages, which `approve` shows
        return Reply(
            APPROVE,
            decision.record,
            "\n".join(decision.approver_messages),
            "\n".join(head + list(decision.messages)),
        )
    if kind == "confirm":
        body = [f"Warning from CoTerm: {m}" for m in decision.messages] or [
            "Warning from CoTerm: this command matched a lint."
        ]
        return Reply(ASK, decision.record, "", "\n".join(head + body))
    if kind == "deny":
        reasons = decision.messages or ["a rule denies it"]
        body = [f"CoTerm: blocked: {m}" for m in reasons]
        return Reply(DENY, decision.record, "", "\n".join(head + body))
    return Reply(ALLOW, decision.record, "", "\n".join(head))


def unavailable(reason: str, blocked_by: str = "") -> Reply:
    """The evaluator could not answer in time: fail open, or closed for fail_closed commands."""
    if blocked_by:
        return Reply(
            DENY,
            True,
            "",
            f"CoTerm: {reason}; not running it because rules for {blocked_by} say fail_closed.",
        )
    return Reply(ALLOW, True, "", f"CoTerm: {reason}; the line ran unchecked.")
