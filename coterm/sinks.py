"""Where a recorded session's facts go besides the .cast file: the local store, Datadog, ...

The recorder calls every sink it was given; a sink that fails must not stop the recording.
"""

from __future__ import annotations

from typing import Protocol

from coterm.model import CommandEvent, SessionInfo


class SessionSink(Protocol):
    def session_started(self, info: SessionInfo) -> None: ...

    def output_lines(self, session_id: str, lines: list[tuple[float, str]]) -> None:
        """Redacted, terminal-emulated text lines, each with its offset in seconds."""

    def command_event(self, event: CommandEvent) -> None: ...

    def session_ended(self, info: SessionInfo) -> None: ...
