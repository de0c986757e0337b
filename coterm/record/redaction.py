"""The redaction stage between the pty and everything that is stored.

`coterm.redact` (its own package) supplies `StreamRedactor(config)` with
`feed(text) -> str`, `idle() -> str`, `flush() -> str`, and `redact_text(text, config)`.
While that package is absent the recorder uses `IdentityRedactor`, which has the same
three methods and changes nothing, so switching redaction on needs no change here.
Redaction only ever touches the recorded copy; the user's screen gets the raw bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol


class StreamStage(Protocol):
    def feed(self, text: str) -> str: ...

    def idle(self) -> str: ...

    def flush(self) -> str: ...


class IdentityRedactor:
    """Passes text through unchanged (used until coterm.redact exists)."""

    def feed(self, text: str) -> str:
        return text

    def idle(self) -> str:
        return ""

    def flush(self) -> str:
        return ""


@dataclass
class Redaction:
    new_stream: Callable[[], StreamStage]  # one per stream (output, input)
    text: Callable[[str], str]  # one-shot: command lines, markers, header fields
    name: str  # "on" | "off" (config) | "identity" (no redaction package): in the cast header

    @property
    def passthrough(self) -> bool:
        """Nothing changes text: the recorder may skip decoding ASCII output."""
        return self.name != "on"


IDENTITY = Redaction(IdentityRedactor, lambda s: s, "identity")


def load_redaction(cwd: str) -> Redaction:
    """The configured redaction; identity only when the redaction package is missing.

    Any other failure raises: the caller must not store output it cannot redact.
    """
    try:
        from coterm.redact import RedactionConfig, StreamRedactor, redact_text
    except ImportError:
        return IDENTITY
    from coterm import paths

    config = RedactionConfig.from_mapping(_section(cwd), key_file=paths.home() / "redaction.key")
    if not config.enabled:
        return Redaction(IdentityRedactor, lambda s: s, "off")
    return Redaction(lambda: StreamRedactor(config), lambda s: redact_text(s, config), "on")


def _section(cwd: str) -> Any:
    try:
        from coterm.config import load_config
    except ImportError:
        return {}
    return load_config(cwd).section("redaction")
