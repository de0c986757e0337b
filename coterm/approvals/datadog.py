"""The `datadog` backend: each request is a Datadog Case Management case.

The requester creates a case titled `Approval required: <command>` whose description carries
every field of the request, then polls it. An approver sets the case status to Approved (or
runs `ddcoterm approvals grant ID --backend datadog`). Read back:
- APPROVED -> granted, unless the case was last modified by the Datadog user who created it
  (the requester's own key): no self-approval;
- DECLINED, CANCELLED, CLOSED, RESOLVED, COMPLETED, or archived -> not approved;
- anything else (OPEN, IN_PROGRESS, PENDING_APPROVAL, ...) -> keep waiting until the timeout.
Offline, 401/403/429/5xx: an ApprovalError, so the command does not run.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Optional
from urllib.parse import quote

from coterm.approvals.ddclient import DatadogClient, ui_base
from coterm.approvals.model import (
    DENIED,
    EXPIRED,
    GRANTED,
    PENDING,
    WITHDRAWN,
    ApprovalError,
    ApprovalRefused,
    ApprovalRequest,
    Verdict,
)
from coterm.approvals.settings import ApprovalSettings

TITLE_MAX = 200
APPROVED = {"APPROVED"}
NOT_APPROVED = {"DECLINED", "CANCELLED", "CLOSED", "RESOLVED", "COMPLETED", "REJECTED"}
_EXPIRES = re.compile(r"^- Expires: (\S+)", re.MULTILINE)


def _status(attributes: dict[str, Any]) -> str:
    name = attributes.get("status_name") or attributes.get("status") or ""
    return re.sub(r"[\s-]+", "_", str(name).strip()).upper()


def _rel_id(case: dict[str, Any], name: str) -> str:
    rel = (case.get("relationships") or {}).get(name) or {}
    data = rel.get("data") if isinstance(rel, dict) else None
    return str(data.get("id") or "") if isinstance(data, dict) else ""


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_iso(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def description(req: ApprovalRequest) -> str:
    lines = [
        "CoTerm approval request.",
        "",
        f"- Requested by: {req.user} on {req.host}",
        f"- Command: `{req.line}`",
        f"- Working directory: {req.cwd}",
    ]
    if req.user_message:
        lines.append(f"- Message shown to the requester: {req.user_message}")
    if req.approver_message:
        lines.append(f"- Message for the approver: {req.approver_message}")
    lines += [
        f"- Session: {req.session_id or '(none)'}",
        f"- Created: {_iso(req.created)}",
        f"- Expires: {_iso(req.expires)}",
        f"- Command sha256: {req.line_sha256}",
        "",
        "To approve, set this case's status to Approved. To refuse, set it to Declined or close it.",
        "After the expiry time the request is void.",
    ]
    return "\n".join(lines)


def title(req: ApprovalRequest) -> str:
    text = " ".join(req.title_line().split())
    if len(text) > TITLE_MAX:
        text = text[: TITLE_MAX - 1] + "…"
    return f"Approval required: {text}"


class DatadogBackend:
    name = "datadog"
    default_poll_interval = 3.0

    def __init__(self, settings: ApprovalSettings, env: Optional[Mapping[str, str]] = None) -> None:
        self.settings = settings
        self.env = os.environ if env is None else env
        self.client = DatadogClient(
            self.env,
            timeout=settings.http_timeout,
            retries=settings.retries,
            retry_delay=settings.retry_delay,
        )
        self._created_by: dict[str, str] = {}

    # requester side

    def prepare(self) -> None:
        self.client.require_keys()
        if not self.settings.project_id:
            raise ApprovalError(
                f"{self.settings.source}: approvals.project_id is not set: the Case Management project "
                "that holds approval cases (backend: datadog)"
            )

    def create(self, req: ApprovalRequest) -> None:
        req.backend = self.name
        self.client.deadline = req.expires
        body = {
            "data": {
                "type": "case",
                "attributes": {
                    "title": title(req),
                    "type_id": self.settings.case_type_id,
                    "description": description(req),
                    "priority": self.settings.priority,
                },
                "relationships": {"project": {"data": {"id": self.settings.project_id, "type": "project"}}},
            }
        }
        case = self.client.call("POST", "/api/v2/cases", body).get("data") or {}
        if not case.get("id"):
            raise ApprovalError("Datadog created no case (the answer had no case id)")
        req.id = str(case["id"])
        req.ref = str((case.get("attributes") or {}).get("key") or req.id)
        self._created_by[req.id] = _rel_id(case, "created_by")

    def approver_hint(self, req: ApprovalRequest) -> list[str]:
        return [
            f"An approver must set case {req.ref} to Approved in Datadog Case Management",
            f"({ui_base(self.env)}/cases), or run:",
            f"    ddcoterm approvals grant {req.id} --backend datadog",
        ]

    def poll(self, req: ApprovalRequest) -> Optional[Verdict]:
        case = self._case(req.id)
        attributes = case.get("attributes") or {}
        status = _status(attributes)
        modifier = _rel_id(case, "modified_by")
        by = f"Datadog user {modifier}" if modifier else ""
        if attributes.get("archived_at"):
            return Verdict(False, DENIED, by, f"case {req.ref} was archived without approval")
        if status in APPROVED:
            creator = self._created_by.get(req.id) or _rel_id(case, "created_by")
            if creator and modifier == creator:
                return Verdict(
                    False,
                    DENIED,
                    by,
                    f"case {req.ref} was approved by the Datadog user who requested it: no self-approval",
                )
            return Verdict(True, GRANTED, by, f"case {req.ref} approved")
        if status in NOT_APPROVED:
            word = "declined" if status == "DECLINED" else f"closed ({status.lower()}) without approval"
            return Verdict(False, DENIED, by, f"case {req.ref} {word}")
        return None

    def finish(self, req: ApprovalRequest, state: str, reason: str = "") -> None:
        """Close a case nobody decided (withdrawn or expired), so approvers stop looking at it."""
        if state not in (WITHDRAWN, EXPIRED):
            return
        note = "Withdrawn by the requester." if state == WITHDRAWN else "Expired: no decision in time."
        self.client.deadline = None
        self.client.retries = min(self.client.retries, 1)
        self._comment(req.id, f"CoTerm: {note} {reason}".strip())
        self._set_status(req.id, {"status": "CLOSED"})

    # approver side

    def requests(self, include_all: bool = False) -> list[ApprovalRequest]:
        raise ApprovalError(
            "listing is not available for the datadog backend: open Case Management "
            f"({ui_base(self.env)}/cases) and look for cases titled 'Approval required'"
        )

    def get(self, request_id: str) -> ApprovalRequest:
        self.client.require_keys()
        case = self._case(request_id)
        attributes = case.get("attributes") or {}
        text = str(attributes.get("description") or "")
        found = _EXPIRES.search(text)
        expires = _from_iso(found.group(1)) if found else 0.0
        req = ApprovalRequest(
            id=str(case.get("id") or request_id),
            line=str(attributes.get("title") or ""),
            line_sha256="",
            user=_rel_id(case, "created_by"),
            uid=-1,
            host="",
            cwd="",
            approver_message=text,
            expires=expires,
            ref=str(attributes.get("key") or request_id),
            backend=self.name,
        )
        verdict = self.poll(req)
        if verdict:
            req.state, req.by, req.reason = verdict.state, verdict.by, verdict.reason
        elif expires and time.time() >= expires:
            req.state = EXPIRED
        else:
            req.state = PENDING
        return req

    def decide(self, request_id: str, grant: bool, reason: str = "") -> ApprovalRequest:
        req = self.get(request_id)
        if req.state != PENDING:
            raise ApprovalRefused(f"case {req.ref} is {req.state}; it cannot be decided again")
        word = "Approved" if grant else "Declined"
        self._comment(req.id, f"CoTerm: {word}. {reason}".strip())
        self._set_status(req.id, {"status_name": "APPROVED" if grant else "DECLINED"})
        req.state, req.reason = (GRANTED if grant else DENIED), reason
        return req

    # calls

    def _case(self, case_id: str) -> dict[str, Any]:
        return self.client.call("GET", f"/api/v2/cases/{quote(case_id, safe='')}").get("data") or {}

    def _comment(self, case_id: str, text: str) -> None:
        body = {"data": {"type": "case", "attributes": {"comment": text}}}
        self.client.call("POST", f"/api/v2/cases/{quote(case_id, safe='')}/comment", body)

    def _set_status(self, case_id: str, attributes: dict[str, str]) -> None:
        body = {"data": {"type": "case", "attributes": attributes}}
        self.client.call("POST", f"/api/v2/cases/{quote(case_id, safe='')}/status", body)
