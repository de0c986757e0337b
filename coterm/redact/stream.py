"""Streaming redaction: feed text as it arrives, get back what is safe to write.

Text is released in rounds. `feed` releases complete lines (a line break, or a cut in a line
longer than LINE_CAP), except lines that a multi-line rule still needs (an open private key block,
a `Password:` label waiting for its value, a token that may continue on the next line). `idle`
also releases the incomplete last line up to its last whitespace-free run (which may be the start
of a secret being typed) unless a rule is waiting there (`Authorization: Bearer `). `flush`
releases everything.

Every decision depends on the text alone, never on where the chunks were split, so any chunking of
a stream fed to one StreamRedactor produces the same output as `redact_text` on the whole text.
(`idle` is the exception by design: it trades that guarantee for timeliness, never for leaks.)
What is held back is bounded: a private key block by PEM_CAP, a line by LINE_CAP, a label's
value by a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from coterm.redact.config import RedactionConfig, fingerprint
from coterm.redact.engine import engine
from coterm.redact.normalize import LINE_CAP, View
from coterm.redact.render import replacement
from coterm.redact.text import WS, Found, ScanText

_FEED, _IDLE, _FLUSH = 0, 1, 2
_SEPARATOR = "\n\0\0 \0\0\n"  # not a key body, not a lone value, not a wrapped token


@dataclass(frozen=True)
class Finding:
    """Where a secret was, in the raw stream: character offsets, 1-based line of its start."""

    type: str
    start: int
    end: int
    line: int

    def to_json(self) -> dict:
        return {"type": self.type, "start": self.start, "end": self.end, "line": self.line}


class StreamRedactor:
    def __init__(
        self,
        config: Optional[RedactionConfig] = None,
        on_finding: Optional[Callable[[Finding], None]] = None,
        backend: Optional[str] = None,
    ) -> None:
        self.config = config or RedactionConfig()
        self._engine = engine(backend)
        self._custom = [(p.name, p.regex) for p in self.config.patterns]
        self._allow = list(self.config.allowlist)
        self._on_finding = on_finding
        self._parts: list[str] = []
        self._partial_len = 0  # characters since the last line break in what is held
        self._prev = "\n"  # the character before what is held, as the rules saw it
        self._offset = 0  # stream offset of the first held character
        self._line = 1
        self._col = 0  # cursor column after what was released, if it ended mid-line
        self._pem_open = False  # what is held starts inside a key body cut at its cap

    @property
    def backend(self) -> str:
        return self._engine.backend

    def feed(self, text: str) -> str:
        """Add text; return the part that is safe to emit now, redacted."""
        if not self.config.enabled:
            return text
        if not text:
            return ""
        self._parts.append(text)
        nl = text.rfind("\n")
        self._partial_len = len(text) - nl - 1 if nl >= 0 else self._partial_len + len(text)
        if nl < 0 and self._partial_len <= LINE_CAP:
            return ""
        out = self._round(_FEED)
        while self._pem_open and self._parts and "\n" in self._parts[0]:
            more = self._round(_FEED)  # a key body went on past its cap: keep going
            if not more:
                break
            out += more
        return out

    def idle(self) -> str:
        """No input for a while: release what no continuation can change."""
        if not self.config.enabled or not self._parts:
            return ""
        return self._round(_IDLE)

    def flush(self) -> str:
        """End of stream: everything, redacted (an unterminated key block included: fail closed)."""
        if not self.config.enabled or not self._parts:
            return ""
        out = self._round(_FLUSH)
        while self._pem_open and self._parts:
            more = self._round(_FLUSH)
            if not more:
                break
            out += more
        return out

    def pending(self) -> int:
        """How many characters are held back."""
        return sum(len(p) for p in self._parts)

    def _round(self, mode: int) -> str:
        raw = self._parts[0] if len(self._parts) == 1 else "".join(self._parts)
        view = View(raw, mode == _FLUSH, self._col)
        text = view.text
        if mode == _FEED:
            # Rules must not judge a line that has not ended: a later CR or backspace can still
            # rewrite it. (idle does look at it, to release what it can.)
            text = text[: text.rfind("\n") + 1]
        t = ScanText(self._prev + text, mode == _FLUSH, self._pem_open)
        found, hold = self._engine.scan(t, self._custom, self._allow)
        commit = _commit_point(t, view, found, hold, mode)
        if t.pem_cut > 0:
            commit = min(commit, t.pem_cut)
        if mode == _FLUSH and commit >= t.n:
            raw_commit = len(raw)
        elif commit >= 2 and t.text[commit - 1] == "\n":
            raw_commit = view.raw_after(commit - 2)  # right after that line break
        else:
            raw_commit = view.raw_pos(commit - 1)  # a run start (idle), escapes before it go too
        if raw_commit == 0:
            self._parts = [raw]
            return ""
        self._pem_open = t.pem_cut == commit
        spans = [self._raw_span(view, t, f) for f in found if f.end <= commit]
        spans.extend(self._osc_spans(view, raw_commit))
        spans.extend(self._redraw_spans(view, raw_commit))
        out = self._render(raw, raw_commit, spans)
        rest = raw[raw_commit:]
        self._parts = [rest] if rest else []
        nl = rest.rfind("\n")
        self._partial_len = len(rest) - nl - 1 if nl >= 0 else len(rest)
        self._prev = t.text[commit - 1]
        last_nl = t.text.rfind("\n", 0, commit)
        self._col = commit - last_nl - 1 if last_nl >= 0 else self._col + commit - 1
        self._offset += raw_commit
        if self._on_finding is not None:  # line numbers are only for findings reported
            self._line += raw.count("\n", 0, raw_commit)
        return out

    def _raw_span(self, view: View, t: ScanText, f: Found) -> tuple[int, int, str, str]:
        rs, re_ = view.raw_range(f.start - 1, f.end - 1)
        return rs, re_, f.label, t.text[f.start : f.end]

    def _osc_spans(self, view: View, limit: int) -> list[tuple[int, int, str, str]]:
        """Secrets inside window titles and other OSC strings (the command line often is one)."""
        spans = []
        for at, payload in view.oscs(limit):
            pt = ScanText("\n" + payload, True)
            found, _ = self._engine.scan(pt, self._custom, self._allow)
            for f in found:
                secret = payload[f.start - 1 : f.end - 1]
                spans.append((at + f.start - 1, at + f.end - 1, f.label, secret))
        return spans

    def _redraw_spans(self, view: View, limit: int) -> list[tuple[int, int, str, str]]:
        """Secrets in earlier repaints of a self-editing line (the view has only its end state).

        All repaints are scanned at once, joined by a line no multi-line rule reads through, so
        each is seen on its own whatever else this round holds."""
        redraws = view.redraws(limit)
        if not redraws:
            return []
        text = "\n" + "".join(t + _SEPARATOR for t, _ in redraws)
        where: list[int] = [-1]
        for _, positions in redraws:
            where.extend(positions)
            where.extend([-1] * len(_SEPARATOR))
        found, _ = self._engine.scan(ScanText(text, True), self._custom, self._allow)
        spans = []
        for f in found:
            inside = [w for w in where[f.start : f.end] if w >= 0]
            if inside:
                spans.append((inside[0], inside[-1] + 1, f.label, text[f.start : f.end]))
        return spans

    def _render(self, raw: str, limit: int, spans: list[tuple[int, int, str, str]]) -> str:
        if not spans:
            return raw[:limit]
        spans.sort()
        key = self.config.fingerprint_key()
        style = self.config.replacement
        out: list[str] = []
        last = 0
        for rs, re_, label, secret in _merge_raw(spans):
            if self._on_finding is not None:
                line = self._line + raw.count("\n", 0, rs)
                self._on_finding(Finding(label, self._offset + rs, self._offset + re_, line))
            fp = fingerprint(key, secret.replace("\r", "")) if key else None
            out.append(raw[last:rs])
            out.append(replacement(secret, label, style, fp, raw[rs:re_]))
            last = re_
        out.append(raw[last:limit])
        return "".join(out)


def _merge_raw(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    merged = [spans[0]]
    for span in spans[1:]:
        last = merged[-1]
        if span[0] < last[1]:
            if span[1] > last[1]:
                secret = span[3] if len(span[3]) > len(last[3]) else last[3]
                merged[-1] = (last[0], span[1], last[2], secret)
        else:
            merged.append(span)
    return merged


def _commit_point(t: ScanText, view: View, found: list[Found], hold: int, mode: int) -> int:
    """How far this round may release: a point no finding crosses and no rule waits behind."""
    if mode == _FLUSH:
        return t.n
    commit = min(hold, t.partial)
    if mode == _IDLE and hold >= t.partial and not view.partial_replayed:
        commit = min(hold, _last_run(t))
    for f in sorted(found, key=lambda f: f.anchor, reverse=True):
        if min(f.start, f.anchor) < commit < f.end:
            origin = min(f.start, f.anchor)
            multiline = "\n" in t.text[origin : f.end]
            commit = t.line_start(origin) if multiline or mode == _FEED else t.run_start(origin)
    return commit


def _last_run(t: ScanText) -> int:
    """Start of the trailing whitespace-free run of the incomplete line (it may still grow)."""
    text = t.text
    i = t.n
    while i > t.partial and text[i - 1] not in WS:
        i -= 1
    return i
