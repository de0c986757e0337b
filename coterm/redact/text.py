"""The text rules look at, and the small navigation helpers they share.

`ScanText.text` is the normalized view (escape sequences removed, line editing applied) with one
character of left context at index 0, so every rule can look one character to the left. Only the
last line may be incomplete (more text can still arrive); a rule that cannot decide without the
rest of that line, or without lines that have not arrived, answers with a *hold* position instead
of a finding, and the stream keeps everything from there on for the next round.
"""

from __future__ import annotations

from typing import NamedTuple

WS = " \t\r\n"


class Found(NamedTuple):
    start: int
    end: int
    label: str
    priority: int  # which label wins when findings overlap: specific shapes beat context rules
    anchor: int  # where the rule that found it starts (a rescan must begin at or before it)


class ScanText:
    __slots__ = ("text", "n", "final", "partial", "pem_open", "pem_cut")

    def __init__(self, text: str, final: bool, pem_open: bool = False) -> None:
        self.text = text
        self.n = len(text)
        self.final = final
        self.pem_open = pem_open  # the text starts inside a private key body cut at its cap
        self.pem_cut = -1  # where a key body was cut at its cap: the round must stop there
        # Start of the incomplete last line; n when every line is complete.
        self.partial = self.n if final else max(1, text.rfind("\n") + 1)

    def complete(self, pos: int) -> bool:
        """Whether the line holding `pos` has ended (or nothing more will come)."""
        return pos < self.partial

    def line_end(self, pos: int) -> int:
        """Index of the '\\n' ending the line at pos, or n."""
        j = self.text.find("\n", pos)
        return self.n if j < 0 else j

    def line_start(self, pos: int) -> int:
        return max(1, self.text.rfind("\n", 0, pos) + 1)

    def run_start(self, pos: int) -> int:
        """Start of the whitespace-free run holding pos (where a hold may begin)."""
        text = self.text
        i = pos
        while i > 1 and text[i - 1] not in WS:
            i -= 1
        return i

    def hold_at(self, pos: int) -> int:
        """Where to hold from when the rule at pos is undecided on the incomplete last line."""
        return self.run_start(pos)
