"""Command events for hooked shells that run outside a recorder (inside one, the recorder
writes them from the in-band marks). Backed by coterm.store when it is installed."""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading
import time
from typing import Any, Optional

from coterm.model import CommandEvent, Decision
from coterm.server.protocol import Request
from coterm.whoami import current_user

log = logging.getLogger("coterm.server")


class HookEvents:
    """Writes happen on a thread of their own, after the shell has its answer: a SQLite write
    or the redaction imports must never sit on the command's path."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[CommandEvent, str]] = {}  # shell pid -> (event, decision)
        self._store: Optional[Any] = None
        self._store_failed = False
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._run, name="coterm-events", daemon=True).start()

    # called from request handlers: cheap, never raise

    def started(self, req: Request, decision: Decision) -> None:
        if req.get("sess"):
            return  # the recorder owns events inside a recorded session
        if decision.decision == "allow" and not decision.record and not decision.rules:
            return  # `actions: []` means run with no overhead
        self._queue.put(("start", req, decision, time.time()))

    def ended(self, req: Request) -> None:
        self._queue.put(("end", req, None, time.time()))

    def cancelled(self, req: Request) -> None:
        self._queue.put(("cancel", req, None, time.time()))

    def recorded_in_place(self, pid: str, session_id: str) -> None:
        """The shell's open event is recorded as session `session_id` (see attach.py)."""
        self._queue.put(("attach", Request("attach", {"pid": pid, "sess": session_id}), None, time.time()))

    # the writer thread

    def _run(self) -> None:
        while True:
            kind, req, decision, when = self._queue.get()
            try:
                if kind == "start":
                    self._start(req, decision, when)
                elif kind == "attach":
                    self._link(req)
                else:
                    self._finish(req, kind)
            except Exception:
                log.exception("event %s failed", kind)

    def _get_store(self) -> Optional[Any]:
        if self._store is None and not self._store_failed:
            try:
                from coterm.store import Store

                self._store = Store.open()
            except Exception as exc:  # events are optional; checks must go on without them
                self._store_failed = True
                log.warning("no event store: %s", exc)
        return self._store

    def _start(self, req: Request, decision: Decision, when: float) -> None:
        store = self._get_store()
        if store is None:
            return
        redact = _redactor(req.get("cwd"))
        event = CommandEvent(
            session_id="",
            start=when,
            line=redact(req.get("line")),
            cwd=req.get("cwd"),
            user=current_user(),
            host=_HOST,
            shell=req.get("sh"),
            argv=[redact(a) for a in decision.commands[0].argv] if decision.commands else [],
            decision=decision.decision,
            rules=[r.to_json() for r in decision.rules],
            break_glass=decision.break_glass,
            source="hook",
        )
        store.add_event(event)
        self._open[req.get("pid")] = (event, decision.decision)

    def _link(self, req: Request) -> None:
        entry = self._open.get(req.get("pid"))
        if entry is not None and self._store is not None:
            entry[0].session_id = req.get("sess")
            self._store.update_event(entry[0])

    def _finish(self, req: Request, kind: str) -> None:
        entry = self._open.pop(req.get("pid"), None)
        if entry is None or self._store is None:
            return
        event, decided = entry
        event_id = event.id
        asked = decided in ("confirm", "approval")
        if kind == "cancel":
            self._store.finish_event(event_id, None, None, lint_outcome="cancelled" if asked else None)
            return
        status = req.get("status")
        ms = req.get("ms")
        self._store.finish_event(
            event_id,
            int(ms) / 1000.0 if ms.isdigit() else None,
            int(status) if status.lstrip("-").isdigit() else None,
            lint_outcome="confirmed" if asked else None,
        )


def _redactor(cwd: str):
    try:
        from coterm.record.redaction import load_redaction

        return load_redaction(cwd or "/").text
    except Exception:
        return lambda text: "[not stored: redaction unavailable]"


_HOST = socket.gethostname()


class ShellTable:
    """Which shells talk to this server, over which door, and how hooked they say they are
    (`ddcoterm doctor` asks, to tell the user whether the shell it runs in is protected)."""

    def __init__(self) -> None:
        self._shells: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def seen(self, req: Request, door: str) -> None:
        pid = req.get("pid")
        if not pid:
            return
        with self._lock:
            entry = self._shells.setdefault(pid, {"pid": pid, "shell": req.get("sh")})
            if door:
                entry["door"] = door
            if req.get("state"):
                entry["state"] = req.get("state")
            entry["last_seen"] = time.time()

    def forget_dead(self) -> None:
        with self._lock:
            for pid in list(self._shells):
                if not os.path.exists(f"/proc/{pid}"):
                    self._shells.pop(pid, None)

    def to_json(self) -> str:
        with self._lock:
            return json.dumps(list(self._shells.values()))
