"""Approval requests, verdicts and outcomes: plain data shared by the flow, the backends and the CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, fields
from typing import Any

PENDING = "pending"
GRANTED = "granted"
DENIED = "denied"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
ERROR = "error"
BREAK_GLASS = "break_glass"
FINAL_STATES = (GRANTED, DENIED, EXPIRED, WITHDRAWN)


class ApprovalError(Exception):
    """Config or backend trouble: no approval can be asked or read. str() is one line for the user."""


class ApprovalRefused(Exception):
    """An approver-side action that the rules forbid (self-approval, expired, not an approver...)."""


def new_request_id() -> str:
    """80 random bits, lower-case base32: unguessable, safe in file names and on a command line."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass
class ApprovalRequest:
    """One request. `line` is the redacted command line (what approvers see); the exact line only
    lives in the requester's process, and reaches the request as line_sha256 via the binding."""

    id: str
    line: str
    line_sha256: str
    user: str
    uid: int
    host: str
    cwd: str
    user_message: str = ""
    approver_message: str = ""
    session_id: str = ""
    created: float = 0.0
    expires: float = 0.0
    state: str = PENDING
    by: str = ""  # who decided, from the backend's own identity of the decider
    reason: str = ""
    ref: str = ""  # the backend's display reference, e.g. a case key DDFC-123
    backend: str = ""

    def binding(self) -> str:
        """What a grant must carry: sha256 over the exact line, user, host, cwd and request id."""
        parts = [self.id, self.line_sha256, self.user, self.host, self.cwd]
        return sha256_text(json.dumps(parts, ensure_ascii=False))

    def title_line(self) -> str:
        return self.line or self.approver_message or self.user_message or "(no command)"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApprovalRequest:
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in data.items() if k in names}
        for required in ("id", "line", "line_sha256", "user", "uid", "host", "cwd"):
            if required not in known:
                raise ValueError(f"missing field {required!r}")
        return cls(**known)


@dataclass
class Verdict:
    """A backend's answer while the requester polls: a decision was made."""

    granted: bool
    state: str  # granted | denied
    by: str = ""
    reason: str = ""


@dataclass
class ApprovalOutcome:
    """The end of one request_and_wait().

    granted: run the command. state: granted | denied | expired | withdrawn | error | break_glass.
    reason: one line for the user (the approver's reason, or why not). request_id: "" when no
    request was created (config error, break glass).
    """

    granted: bool
    request_id: str
    reason: str
    state: str
    by: str = ""

    @property
    def exit_code(self) -> int:
        """0 granted (or break glass), 1 denied/expired/withdrawn, 2 config or backend error."""
        if self.granted:
            return 0
        return 2 if self.state == ERROR else 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
