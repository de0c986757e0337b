"""The sinks a recording feeds, and the fan-out that keeps one bad sink from hurting the rest."""

from __future__ import annotations

import sys
from typing import Any, List, Sequence, TextIO

from coterm.sinks import SessionSink


def default_sinks() -> List[SessionSink]:
    """The sinks every recorded session feeds besides its .cast file.

    The local store (coterm.store): sessions, command events, searchable text. Called
    inside the recording process (after the fork), so a sink may open its database
    connection in its constructor or in session_started.
    """
    from coterm.store.sink import StoreSink

    return [StoreSink.from_config()]


class SinkFanout:
    """Calls every sink; a sink that raises is reported once on stderr and dropped."""

    def __init__(self, sinks: Sequence[SessionSink], err: TextIO = sys.stderr) -> None:
        self._sinks = list(sinks)
        self._err = err

    def __bool__(self) -> bool:
        return bool(self._sinks)

    def call(self, method: str, *args: Any) -> None:
        for sink in list(self._sinks):
            try:
                getattr(sink, method)(*args)
            except Exception as e:  # a sink's failure must never stop the recording
                self._sinks.remove(sink)
                name = type(sink).__name__
                self._err.write(
                    f"\r\nddcoterm: {name}.{method} failed ({type(e).__name__}: {e}); "
                    "recording goes on without it\r\n"
                )
                self._err.flush()
