"""The approval backend interface, and the table that picks one from `approvals.backend`.

A backend is a class taking ApprovalSettings, with:

requester side
    prepare()                        raise ApprovalError when it cannot work (config, keys, spool)
    create(req)                      store the request; sets req.id (unguessable) and req.ref
    approver_hint(req) -> [str]      exactly what an approver must do, shown to the requester
    poll(req) -> Verdict | None      None while undecided; ApprovalError when it cannot tell
    finish(req, state, reason)       the requester is done: granted (used), denied, expired, withdrawn
approver side
    requests(include_all) -> [req]   open requests
    get(id) -> req                   one request with its current state
    decide(id, grant, reason) -> req ApprovalRefused when the rules forbid it

Add a backend by writing such a class and one line in BACKENDS.
"""

from __future__ import annotations

import importlib
from typing import Any, Optional, Protocol

from coterm.approvals.model import ApprovalError, ApprovalRequest, Verdict
from coterm.approvals.settings import ApprovalSettings

BACKENDS: dict[str, str] = {
    "local": "coterm.approvals.local:LocalBackend",
    "datadog": "coterm.approvals.datadog:DatadogBackend",
}


class Backend(Protocol):
    name: str
    default_poll_interval: float

    def prepare(self) -> None: ...

    def create(self, req: ApprovalRequest) -> None: ...

    def approver_hint(self, req: ApprovalRequest) -> list[str]: ...

    def poll(self, req: ApprovalRequest) -> Optional[Verdict]: ...

    def finish(self, req: ApprovalRequest, state: str, reason: str = "") -> None: ...

    def requests(self, include_all: bool = False) -> list[ApprovalRequest]: ...

    def get(self, request_id: str) -> ApprovalRequest: ...

    def decide(self, request_id: str, grant: bool, reason: str = "") -> ApprovalRequest: ...


def get_backend(settings: ApprovalSettings) -> Any:
    target = BACKENDS.get(settings.backend)
    if target is None:
        raise ApprovalError(f"{settings.source}: approvals.backend: unknown backend {settings.backend!r}")
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)(settings)
