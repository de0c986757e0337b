"""One scan of a normalized text: anchor hits, the rules at each hit, custom patterns, allowlist.

The anchor table lists every literal the prefilter looks for and the handlers to run where it
occurs. A handler appends findings and may return a hold position (it cannot decide yet); the
scan returns the merged findings and the earliest hold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Callable, Optional

from coterm.redact import commands, context, pem, tokens
from coterm.redact.prefilter import make_prefilter
from coterm.redact.text import Found, ScanText

Handler = Callable[[ScanText, int, list], Optional[int]]

# Case-insensitive keyword anchors and what runs there.
_KEYWORDS: tuple[tuple[str, tuple[Handler, ...]], ...] = (
    ("pass", (context.keyword, context.openssl_pass)),
    ("pwd", (context.keyword,)),
    ("secret", (context.keyword,)),
    ("token", (context.keyword,)),
    ("key", (context.keyword,)),
    ("credential", (context.keyword,)),
    ("_pat", (context.keyword,)),
    ("authorization", (context.authorization,)),
    ("bearer", (context.bearer,)),
    ('"auth"', (context.docker_auth,)),
    ("sig=", (context.sas_signature,)),
    ("datadog", (context.datadog,)),
)
_COMMANDS = ("mysql", "mariadb", "sshpass", "redis-cli", "ldap", "curl", "sqlcmd", "mongo")


class Engine:
    def __init__(self, backend: Optional[str] = None) -> None:
        table: dict[tuple[str, bool], list[Handler]] = {}
        for spec in tokens.SPECS:
            for anchor in spec.anchors:
                table.setdefault((anchor, False), []).append(tokens.make_handler(spec, anchor))
        for literal, handlers in _KEYWORDS:
            table.setdefault((literal, True), []).extend(handlers)
        for name in _COMMANDS:
            table.setdefault((name, False), []).append(commands.command)
        table.setdefault(("://", False), []).append(context.url_userinfo)
        table.setdefault(("-----BEGIN", False), []).append(pem.pem)
        self.anchors = list(table)
        self.handlers = [tuple(table[a]) for a in self.anchors]
        self.prefilter = make_prefilter(self.anchors, backend)

    @property
    def backend(self) -> str:
        return self.prefilter.name

    def scan(
        self,
        t: ScanText,
        custom: Sequence[tuple[str, re.Pattern]] = (),
        allow: Sequence[re.Pattern] = (),
    ) -> tuple[list[Found], int]:
        out: list[Found] = []
        hold = t.n
        if t.pem_open:
            h = pem.continue_block(t, out)
            hold = t.n if h is None else h
        handlers = self.handlers
        for pos, index in self.prefilter.hits(t.text):
            if pos < 1:
                continue
            for handler in handlers[index]:
                h = handler(t, pos, out)
                if h is not None and h < hold:
                    hold = h
        if custom:
            hold = min(hold, _custom(t, custom, out))
        if allow and out:
            text = t.text
            out = [f for f in out if not any(rx.search(text[f.start : f.end]) for rx in allow)]
        return merge(out), hold


def _custom(t: ScanText, custom: Sequence[tuple[str, re.Pattern]], out: list[Found]) -> int:
    """User patterns: matched within one line; the `secret` group (or group 1) is redacted."""
    hold = t.n
    for name, rx in custom:
        group = "secret" if "secret" in rx.groupindex else (1 if rx.groups else 0)
        for m in rx.finditer(t.text, 1):
            s, e = m.span(group)
            if s < 0 or e <= s or "\n" in m.group():
                continue
            if m.end() >= t.n and not t.final:
                hold = min(hold, t.hold_at(m.start()))
                continue
            out.append(Found(s, e, name, 5, m.start()))
    return hold


def merge(found: list[Found]) -> list[Found]:
    """Sorted, overlapping findings joined; the joined span keeps the most specific label."""
    if len(found) < 2:
        return found
    found.sort(key=lambda f: (f.start, -f.end))
    out = [found[0]]
    for f in found[1:]:
        last = out[-1]
        if f.start < last.end:
            best = f if f.priority > last.priority else last
            end = max(last.end, f.end)
            out[-1] = Found(last.start, end, best.label, best.priority, min(last.anchor, f.anchor))
        else:
            out.append(f)
    return out


@lru_cache(maxsize=4)
def engine(backend: Optional[str] = None) -> Engine:
    """The shared engine: the prefilter is compiled once per process and backend."""
    return Engine(backend)
