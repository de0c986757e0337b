"""StoreSink: the recorder's SessionSink for the local store.

Writes happen on a background thread, so a busy or locked database never stalls the terminal. Lines
are batched (one short transaction per flush interval, or back to back while a backlog waits) on a
thread of lower priority (Linux), so indexing takes the CPU the terminal does not need. When output
outruns the index (more than max_pending_chars waiting), live indexing pauses, for longer each time
the overload repeats, instead of competing with the terminal; memory stays bounded, and the session
is flagged unindexed; when it ends, a detached low-priority process reindexes it from its .cast file,
which always has everything (coterm.store.background).
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Optional

from coterm.model import CommandEvent, SessionInfo
from coterm.store.background import spawn_reindex
from coterm.store.config import StoreConfig

FLUSH_INTERVAL = 0.25  # seconds between line writes; the recorder itself sends about every 1 s
MAX_PENDING_CHARS = 1_000_000  # queued text; with the batch being written, ~6 MB of strings at most
SHED, MAX_SHED, CALM = 0.25, 8.0, 5.0  # seconds: see StoreSink._overflow
BACKLOG_CHARS = 256 * 1024  # this much waiting: no pause between writes
CACHE_MB = 2  # the recording process's memory budget is small
NICE = 10  # the index thread yields the CPU to the terminal's own work
END_TIMEOUT = 5.0  # how long session_ended waits for the backlog before giving up


class StoreSinkError(RuntimeError):
    """Something could not be written to the store; the recording itself is complete."""


class StoreSink:
    def __init__(
        self,
        path: Optional[Path] = None,
        config: Optional[StoreConfig] = None,
        flush_interval: float = FLUSH_INTERVAL,
        max_pending_chars: int = MAX_PENDING_CHARS,
    ) -> None:
        self.path = path
        self.config = config or StoreConfig()
        self.flush_interval = flush_interval
        self.max_pending_chars = max_pending_chars
        self.error: Optional[str] = None  # the first failure, for the recorder to report at exit
        self.dropped_lines = 0
        self._items: deque[tuple[str, Any]] = deque()
        self._pending_chars = 0
        self._busy = False
        self._stopping = False
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._event_ids: dict[tuple[str, float], int] = {}
        self._unindexed: set[str] = set()
        self._shedding = False
        self._shed_until = 0.0
        self._overflows = 0
        self._last_overflow = 0.0

    @classmethod
    def from_config(cls, cwd: Optional[str] = None) -> StoreSink:
        """A sink with the `store:` limits of the config in effect for cwd; without them when the
        config cannot be read (the recording matters more than the cap)."""
        try:
            from coterm.config import load_config

            section = load_config(cwd or os.getcwd()).section("store")
            return cls(config=StoreConfig.from_mapping(section))
        except Exception:
            return cls()

    # SessionSink

    def session_started(self, info: SessionInfo) -> None:
        self._put("session", copy.copy(info))

    def output_lines(self, session_id: str, lines: list[tuple[float, str]]) -> None:
        if not lines:
            return
        chars = sum(len(text) for _, text in lines)
        now = time.monotonic()
        with self._cond:
            if self._shedding and (now < self._shed_until or self._pending_chars or self._busy):
                self._drop(session_id, lines)
                return
            self._shedding = False
            if self._pending_chars + chars > self.max_pending_chars:
                self._overflow(now)
                self._drop(session_id, lines)
                return
            self._pending_chars += chars
        self._put("lines", (session_id, list(lines), chars))

    def _overflow(self, now: float) -> None:
        """Output outruns the index: stop indexing live for a while rather than compete with the
        terminal for the CPU (the cast has every line). A hiccup costs a quarter second; an
        overload that persists backs off, up to MAX_SHED seconds at a time."""
        if now - self._last_overflow > CALM:
            self._overflows = 0
        self._overflows += 1
        self._last_overflow = now
        self._shedding = True
        self._shed_until = now + min(MAX_SHED, SHED * 2 ** (self._overflows - 1))

    def _drop(self, session_id: str, lines: list[tuple[float, str]]) -> None:
        self.dropped_lines += len(lines)
        if session_id not in self._unindexed:
            self._unindexed.add(session_id)
            self._items.append(("unindexed", session_id))

    def command_event(self, event: CommandEvent) -> None:
        self._put("event", copy.deepcopy(event))

    def session_ended(self, info: SessionInfo) -> None:
        """Waits (bounded) for the backlog; raises if anything failed, so the recorder can say so."""
        self._put("end", copy.copy(info))
        self.close(END_TIMEOUT)
        if self.error:
            raise StoreSinkError(self.error)

    # control

    def flush(self, timeout: float = END_TIMEOUT) -> bool:
        """Wait until everything handed over so far is written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.notify_all()
            while self._items or self._busy:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None or not self._thread.is_alive():
                    return not (self._items or self._busy)
                self._cond.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = END_TIMEOUT) -> None:
        self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=0.5)

    # the writer thread

    def _put(self, kind: str, item: Any) -> None:
        with self._cond:
            self._items.append((kind, item))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="coterm-store", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        _lower_priority()
        store = self._open()
        while True:
            with self._cond:
                while not self._items and not self._stopping:
                    self._cond.wait()
                if not self._items and self._stopping:
                    return
                batch = list(self._items)
                self._items.clear()
                # Room for the next batch while this one is written: at most two batches of
                # text are ever held.
                self._pending_chars -= sum(i[2] for k, i in batch if k == "lines")
                self._busy = True
            try:
                if store is not None:
                    self._write(store, batch)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
            self._pause()

    def _pause(self) -> None:
        """Let lines gather for a flush interval, unless something urgent arrives or a backlog is
        already waiting (output faster than a trickle: write at full speed)."""
        with self._cond:
            deadline = time.monotonic() + self.flush_interval
            while (
                not self._stopping
                and self._pending_chars < BACKLOG_CHARS
                and not any(k != "lines" for k, _ in self._items)
            ):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(left)

    def _open(self) -> Any:
        from coterm.store.api import Store

        try:
            return Store.open(self.path, cache_mb=CACHE_MB)
        except Exception as e:
            self._fail(e)
            return None

    def _write(self, store: Any, batch: list[tuple[str, Any]]) -> None:
        i = 0
        while i < len(batch):
            kind, item = batch[i]
            if kind == "lines":  # merge a run of lines of one session into one write
                session_id, lines = item[0], list(item[1])
                while i + 1 < len(batch) and batch[i + 1][0] == "lines" and batch[i + 1][1][0] == session_id:
                    i += 1
                    lines.extend(batch[i][1][1])
                self._safely(store.add_lines, session_id, lines)
            else:
                self._safely(getattr(self, "_on_" + kind), store, item)
            i += 1

    def _on_session(self, store: Any, info: SessionInfo) -> None:
        store.add_session(info, pid=os.getpid())
        if self.config.limits:  # make room for the new session, off the terminal's path
            store.prune(self.config.max_age, self.config.max_bytes)

    def _on_unindexed(self, store: Any, session_id: str) -> None:
        store.mark_unindexed(session_id)

    def _on_event(self, store: Any, event: CommandEvent) -> None:
        key = (event.session_id, round(event.start, 6))
        known = event.id or self._event_ids.get(key)
        if known:
            event.id = known
            store.update_event(event)
        else:
            self._event_ids[key] = store.add_event(event)

    def _on_end(self, store: Any, info: SessionInfo) -> None:
        ended = info.ended if info.ended is not None else time.time()
        state = info.state if info.state != "running" else "ended"
        store.end_session(info.id, ended, info.exit_status, state)
        if info.id in self._unindexed and info.cast_path:
            spawn_reindex(info.id, self.path)

    def _safely(self, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except Exception as e:  # a sink must never stop the recording
            self._fail(e)

    def _fail(self, e: BaseException) -> None:
        if self.error is None:
            self.error = f"session store: {e}"


def _lower_priority() -> None:
    """Nice this thread only: on Linux the nice value belongs to the thread."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
