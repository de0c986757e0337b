"""A fake Datadog API on 127.0.0.1 for tests: the Case Management endpoints ddcoterm uses, with
the documented auth and error shapes, every request recorded, case state in memory (a test can
set a case's status while a client polls), and fault injection (401/403/429/500, dropped
connections).

    with FakeDatadog() as dd:
        env = {"COTERM_DD_API_URL": dd.url, "DD_API_KEY": dd.api_key, "DD_APP_KEY": dd.app_key}
        ...
        dd.set_status(case_id, "APPROVED", by=dd.approver_id)
        dd.fail(500, times=3, path="/api/v2/cases")   # or dd.drop(times=1)
        [r for r in dd.requests if r.method == "POST"]

Implemented: POST /api/v2/cases, GET /api/v2/cases/{id or key}, POST .../status, POST .../comment,
GET and POST /api/v2/cases/projects, GET /api/v1/validate. Both keys are required on case calls:
missing -> 401, wrong -> 403.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

STANDARD_TYPE = "00000000-0000-0000-0000-000000000001"
STATUSES = [
    "NOT_STARTED",
    "IN_PROGRESS",
    "CLOSED",
    "ACKNOWLEDGED",
    "TRIGGERED",
    "PENDING_APPROVAL",
    "COMPLETED",
    "CANCELLED",
    "DECLINED",
    "SUNKNOWN",
    "OPEN",
    "RESOLVED",
    "APPROVED",
    "IMPLEMENTING",
]
CLOSED_GROUP = {"CLOSED", "COMPLETED", "CANCELLED", "DECLINED", "RESOLVED", "APPROVED"}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class Fault:
    status: int  # 0: drop the connection without an answer
    times: int
    path: str = ""  # only requests whose path starts with this
    method: str = ""
    reset: Optional[float] = None  # X-RateLimit-Reset for 429


@dataclass
class FakeDatadog:
    api_key: str = "fake-api-key"
    app_key: str = "fake-app-key"  # belongs to requester_id
    approver_app_key: str = "fake-approver-app-key"  # belongs to approver_id
    requester_id: str = "11111111-1111-1111-1111-111111111111"
    approver_id: str = "22222222-2222-2222-2222-222222222222"
    project_id: str = "33333333-3333-3333-3333-333333333333"
    project_key: str = "CTA"
    requests: list[Recorded] = field(default_factory=list)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._server: Optional[ThreadingHTTPServer] = None
        self._counter = 0

    # lifecycle

    def start(self) -> FakeDatadog:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeDatadog:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def env(self, app_key: Optional[str] = None) -> dict[str, str]:
        return {
            "COTERM_DD_API_URL": self.url,
            "DD_API_KEY": self.api_key,
            "DD_APP_KEY": app_key or self.app_key,
        }

    # test controls

    def fail(
        self, status: int, times: int = 1, path: str = "", method: str = "", reset: Optional[float] = None
    ) -> None:
        with self.lock:
            self.faults.append(Fault(status, times, path, method, reset))

    def drop(self, times: int = 1, path: str = "", method: str = "") -> None:
        self.fail(0, times, path, method)

    def set_status(self, case_id: str, status: str, by: Optional[str] = None) -> None:
        """What an approver does in the UI: change the status of a case."""
        with self.lock:
            case = self._find(case_id)
            assert case is not None, f"no case {case_id}"
            self._apply_status(case, status.upper(), by or self.approver_id)

    def case_ids(self) -> list[str]:
        with self.lock:
            return list(self.cases)

    def wait_for_case(self, timeout: float = 10.0) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            ids = self.case_ids()
            if ids:
                return ids[-1]
            time.sleep(0.02)
        raise AssertionError("no case was created")

    def calls(self, method: str = "", path: str = "") -> list[Recorded]:
        with self.lock:
            return [
                r for r in self.requests if (not method or r.method == method) and r.path.startswith(path)
            ]

    # state

    def _find(self, case_id: str) -> Optional[dict[str, Any]]:
        if case_id in self.cases:
            return self.cases[case_id]
        for case in self.cases.values():
            if case["attributes"]["key"] == case_id:
                return case
        return None

    def _apply_status(self, case: dict[str, Any], status: str, by: str) -> None:
        attrs = case["attributes"]
        now = _now()
        attrs["status_name"] = status.replace("_", " ").title()
        closed = status in CLOSED_GROUP
        attrs["status"] = "CLOSED" if closed else ("IN_PROGRESS" if status == "IN_PROGRESS" else "OPEN")
        attrs["status_group"] = "SG_CLOSED" if closed else "SG_OPEN"
        attrs["closed_at"] = now if closed else None
        attrs["modified_at"] = now
        case["relationships"]["modified_by"] = {"data": {"id": by, "type": "user"}}

    def _create(self, body: Any, user: str) -> tuple[int, Any]:
        data = body.get("data") if isinstance(body, dict) else None
        attrs = (data or {}).get("attributes") or {}
        project = (((data or {}).get("relationships") or {}).get("project") or {}).get("data") or {}
        problems = []
        if not data or data.get("type") != "case":
            problems.append("data.type must be 'case'")
        if not attrs.get("title"):
            problems.append("attributes.title is required")
        if not (attrs.get("type_id") or attrs.get("type")):
            problems.append("attributes.type_id is required")
        if project.get("id") != self.project_id:
            problems.append("relationships.project is required and must name an existing project")
        if problems:
            return 400, _errors(400, "Bad Request", "; ".join(problems))
        self._counter += 1
        case_id = str(uuid.uuid4())
        now = _now()
        case = {
            "id": case_id,
            "type": "case",
            "attributes": {
                "key": f"{self.project_key}-{self._counter}",
                "public_id": str(self._counter),
                "title": attrs["title"],
                "description": attrs.get("description", ""),
                "priority": attrs.get("priority", "NOT_DEFINED"),
                "type": "STANDARD",
                "type_id": attrs.get("type_id", STANDARD_TYPE),
                "status": "OPEN",
                "status_name": "Open",
                "status_group": "SG_OPEN",
                "created_at": now,
                "modified_at": now,
                "closed_at": None,
                "archived_at": None,
                "attributes": {},
                "custom_attributes": {},
                "comment_count": 0,
                "creation_source": "MANUAL",
            },
            "relationships": {
                "created_by": {"data": {"id": user, "type": "user"}},
                "modified_by": {"data": {"id": user, "type": "user"}},
                "assignee": {"data": None},
                "project": {"data": {"id": self.project_id, "type": "project"}},
            },
        }
        self.cases[case_id] = case
        return 201, {"data": case, "included": [_user(user)]}

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict]:
        """(status, JSON answer, extra headers); status 0 drops the connection."""
        with self.lock:
            self.requests.append(Recorded(method, path, headers, body, time.time()))
            fault = self._take_fault(method, path)
            if fault is not None:
                extra = {"X-RateLimit-Reset": str(fault.reset)} if fault.reset is not None else {}
                title = {401: "Unauthorized", 403: "Forbidden", 429: "Too many requests"}.get(
                    fault.status, ""
                )
                return fault.status, _errors(fault.status, title or "Internal Server Error", ""), extra
            if path == "/api/v1/validate":
                ok = headers.get("dd-api-key") == self.api_key
                return (200, {"valid": True}, {}) if ok else (403, {"errors": ["Forbidden"]}, {})
            user = self._auth(headers)
            if isinstance(user, tuple):
                return (*user, {})
            return (*self._cases_route(method, path, body, user), {})

    def _take_fault(self, method: str, path: str) -> Optional[Fault]:
        for fault in self.faults:
            if fault.times > 0 and path.startswith(fault.path) and fault.method in ("", method):
                fault.times -= 1
                return fault
        return None

    def _auth(self, headers: dict[str, str]) -> Any:
        api, app = headers.get("dd-api-key"), headers.get("dd-application-key")
        if not api or not app:
            return 401, _errors(401, "Unauthorized", "API key and application key are required")
        users = {self.app_key: self.requester_id, self.approver_app_key: self.approver_id}
        if api != self.api_key or app not in users:
            return 403, {"errors": [{"title": "Forbidden"}]}
        return users[app]

    def _cases_route(self, method: str, path: str, body: Any, user: str) -> tuple[int, Any]:
        parts = path.rstrip("/").split("/")[3:]  # after /api/v2
        if parts == ["cases"] and method == "POST":
            return self._create(body, user)
        if parts == ["cases", "projects"]:
            project = {"id": self.project_id, "type": "project", "attributes": {"key": self.project_key}}
            return (200, {"data": [project]}) if method == "GET" else (201, {"data": project})
        if len(parts) < 2 or parts[0] != "cases":
            return 404, _errors(404, "Not Found", f"no route {method} {path}")
        case = self._find(parts[1])
        if case is None:
            return 404, {"errors": [{"code": "resource_not_found", "title": "case not found"}]}
        action = parts[2] if len(parts) > 2 else ""
        if action == "" and method == "GET":
            return 200, {"data": case}
        if action == "status" and method == "POST":
            attrs = ((body or {}).get("data") or {}).get("attributes") or {}
            status = str(attrs.get("status_name") or attrs.get("status") or "").upper().replace(" ", "_")
            if status not in STATUSES:
                detail = f"unknown status {status!r}; valid: {', '.join(STATUSES)}"
                return 400, _errors(400, "Bad Request", detail)
            self._apply_status(case, status, user)
            return 200, {"data": case}
        if action == "comment" and method == "POST":
            case["attributes"]["comment_count"] += 1
            case.setdefault("comments", []).append(((body or {}).get("data") or {}).get("attributes", {}))
            return 200, {"data": [{"type": "timeline_cell", "id": str(uuid.uuid4())}]}
        return 404, _errors(404, "Not Found", f"no route {method} {path}")


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeDatadog
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, answer, extra = self.server_fake.route(self.command, self.path, headers, body)
        if status == 0:
            self.close_connection = True
            return  # nothing written: the client sees the connection dropped
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _handle


def _errors(status: int, title: str, detail: str) -> dict[str, Any]:
    err: dict[str, Any] = {"status": str(status), "title": title}
    if detail:
        err["detail"] = detail
    return {"errors": [err]}


def _user(user_id: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "type": "user",
        "attributes": {
            "active": True,
            "email": f"{user_id[:4]}@example.com",
            "handle": user_id[:4],
            "name": "",
        },
    }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000+00:00"
