"""The `local` backend: a spool directory shared by the users of one host (the SSH bastion case).

Trust comes from the kernel, not from file contents:
- a request file's owner (fstat) is the requester; a decision file's owner is the approver;
- the requester's waiting process accepts a decision only if its owner is in the approvers
  group and is not the requester, and if it carries this request's binding (sha256 of the exact
  line, user, host, cwd and request id), so a grant copied to another request is refused;
- one decision per request (created with link(2), which never replaces), and the requester marks
  its request used/expired/withdrawn; the approver CLI refuses anything but an open request.
"""

from __future__ import annotations

import os
import shlex
import time
from typing import Any, Optional

from coterm.approvals import spool as sp
from coterm.approvals.identity import current_user, group_name, is_member, user_name
from coterm.approvals.model import (
    DENIED,
    EXPIRED,
    FINAL_STATES,
    GRANTED,
    PENDING,
    ApprovalError,
    ApprovalRefused,
    ApprovalRequest,
    Verdict,
    new_request_id,
)
from coterm.approvals.settings import ApprovalSettings

KEEP_OLD_REQUESTS = 7 * 86400  # a requester tidies its own finished requests after this


class LocalBackend:
    name = "local"
    default_poll_interval = 0.5

    def __init__(self, settings: ApprovalSettings) -> None:
        self.settings = settings
        self.spool = sp.Spool(settings.spool)
        self.group = settings.approvers_group

    # requester side

    def prepare(self) -> None:
        if not self.group:
            raise ApprovalError(
                f"{self.settings.source}: approvals.approvers_group is not set, so nobody could grant "
                "this request; set it to the Unix group of the approvers"
            )
        sp.check(self.spool, self.group)

    def create(self, req: ApprovalRequest) -> None:
        req.backend = self.name
        for _ in range(3):
            req.id = req.ref = new_request_id()
            try:
                sp.write_new(self.spool.requests, f"{req.id}.json", req.to_json(), sp.REQUEST_FILE_MODE)
                break
            except FileExistsError:
                continue
            except PermissionError:
                raise ApprovalError(
                    f"cannot write a request into {self.spool.requests} (permission denied)"
                ) from None
        else:
            raise ApprovalError(f"could not file a request in {self.spool.requests} (id collisions)")
        self._tidy()

    def approver_hint(self, req: ApprovalRequest) -> list[str]:
        spool = shlex.quote(str(self.spool.root))
        return [
            f"An approver (group {self.group}) must run:",
            f"    ddcoterm approvals grant {req.id} --spool {spool}",
            f"(to refuse: ddcoterm approvals deny {req.id} --spool {spool} --reason TEXT)",
        ]

    def poll(self, req: ApprovalRequest) -> Optional[Verdict]:
        try:
            data, st = sp.read_json(self.spool.decision_file(req.id))
        except (OSError, ValueError):
            return None  # absent, unreadable or not a decision: keep waiting, fail closed at expiry
        return judge(data, st, req, self.group)

    def finish(self, req: ApprovalRequest, state: str, reason: str = "") -> None:
        """Mark the request used (granted), denied, expired or withdrawn: it can never be granted again."""
        req.state, req.reason = state, reason or req.reason
        sp.write_replace(self.spool.requests, f"{req.id}.json", req.to_json(), sp.REQUEST_FILE_MODE)

    def _tidy(self) -> None:
        """Remove this user's own requests that ended long ago (best effort)."""
        cutoff = time.time() - KEEP_OLD_REQUESTS
        me = os.getuid()
        try:
            entries = list(os.scandir(self.spool.requests))
        except OSError:
            return
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
                if st.st_uid == me and entry.name.endswith(".json") and st.st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                continue

    # approver side

    def requests(self, include_all: bool = False) -> list[ApprovalRequest]:
        """Open requests (all with include_all), oldest first. Files that fail checks are skipped."""
        out = []
        try:
            names = sorted(os.listdir(self.spool.requests))
        except PermissionError:
            raise ApprovalRefused(
                f"cannot list {self.spool.requests}: only members of the approvers group can "
                f"({group_name(os.stat(self.spool.requests).st_gid)})"
            ) from None
        except FileNotFoundError:
            raise ApprovalError(f"the approvals spool {self.spool.root} does not exist") from None
        for name in names:
            if not name.endswith(".json") or not sp.ID_PATTERN.match(name[:-5]):
                continue
            try:
                req = self.get(name[:-5])
            except (ApprovalRefused, ValueError, OSError):
                continue
            if include_all or req.state == PENDING:
                out.append(req)
        return sorted(out, key=lambda r: r.created)

    def get(self, request_id: str) -> ApprovalRequest:
        """A request with its effective state (a decision not yet seen by the requester counts)."""
        try:
            data, st = sp.read_json(self.spool.request_file(request_id))
        except FileNotFoundError:
            raise ApprovalRefused(f"no approval request {request_id} in {self.spool.requests}") from None
        except PermissionError:
            raise ApprovalRefused(f"cannot read request {request_id}: you are not an approver") from None
        req = ApprovalRequest.from_json(data)
        if req.id != request_id or req.uid != st.st_uid or req.user != user_name(st.st_uid):
            raise ApprovalRefused(
                f"request {request_id} is not genuine: its file belongs to {user_name(st.st_uid)}, "
                f"but it claims to come from {req.user}"
            )
        if req.state == PENDING:
            self._apply_decision(req)
        if req.state == PENDING and time.time() >= req.expires:
            req.state = EXPIRED
        return req

    def _apply_decision(self, req: ApprovalRequest) -> None:
        try:
            data, st = sp.read_json(self.spool.decision_file(req.id))
        except (FileNotFoundError, ValueError, PermissionError):
            return
        verdict = data.get("verdict")
        req.state = GRANTED if verdict == "grant" else DENIED
        req.by, req.reason = user_name(st.st_uid), str(data.get("reason") or "")

    def decide(self, request_id: str, grant: bool, reason: str = "") -> ApprovalRequest:
        """Grant or deny as the current user. ApprovalRefused says why not."""
        me = os.getuid()
        group = group_name(os.stat(self.spool.decisions).st_gid)
        if not is_member(me, group):  # before reading: a non-approver may not even see it
            raise ApprovalRefused(
                f"you ({current_user()}) are not in the approvers group {group!r}: "
                "only its members can decide"
            )
        req = self.get(request_id)
        if req.uid == me:
            raise ApprovalRefused(f"request {request_id} is your own: another approver must decide it")
        if req.state in FINAL_STATES:
            by = f" by {req.by}" if req.by else ""
            raise ApprovalRefused(f"request {request_id} is {req.state}{by}; it cannot be decided again")
        decision = {
            "version": 1,
            "request_id": req.id,
            "verdict": "grant" if grant else "deny",
            "binding": req.binding(),
            "by": current_user(),
            "reason": reason,
            "at": time.time(),
        }
        try:
            sp.write_new(self.spool.decisions, f"{req.id}.json", decision, sp.DECISION_FILE_MODE)
        except FileExistsError:
            raise ApprovalRefused(f"request {request_id} was already decided by someone else") from None
        except PermissionError:
            raise ApprovalRefused(
                f"cannot write to {self.spool.decisions}: you are not in the approvers group {group!r}"
            ) from None
        req.state, req.by, req.reason = (GRANTED if grant else DENIED), current_user(), reason
        return req


def judge(data: dict[str, Any], st: os.stat_result, req: ApprovalRequest, group: str) -> Verdict:
    """The requester's check of a decision file found for its request."""
    owner = user_name(st.st_uid)
    if st.st_uid == os.getuid():
        return Verdict(
            False, DENIED, owner, f"refused a decision written by the requester ({owner}): no self-approval"
        )
    if not is_member(st.st_uid, group):
        return Verdict(
            False, DENIED, owner, f"refused a decision written by {owner}, who is not in group {group!r}"
        )
    if data.get("request_id") != req.id or data.get("binding") != req.binding():
        return Verdict(
            False,
            DENIED,
            owner,
            f"refused a grant by {owner} that does not match this request (other command, user, host, "
            "cwd or request: replayed?)",
        )
    reason = str(data.get("reason") or "")
    if data.get("verdict") == "grant":
        return Verdict(True, GRANTED, owner, reason)
    return Verdict(False, DENIED, owner, reason)
