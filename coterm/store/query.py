"""The search query language, and its safe translation to FTS5.

Users write words, "quoted phrases", prefix* and `command:` / `user:` / `host:` / `session:` filters.
Every word is re-tokenized here the way FTS5's unicode61 tokenizer does (letters and digits; everything
else separates) and sent as a quoted phrase of plain tokens, so no user text can be read as FTS5 syntax.
The same tokenizer checks candidate lines in Python: a hit is one line holding every term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

# unicode61's token characters: letters, numbers and private-use code points; "_" separates.
_TOKEN = re.compile(r"[^\W_]+|[\ue000-\uf8ff]+")
_PART = re.compile(r'\s*(?:(?P<key>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"?(?P<star>\*)?|(?P<word>[^\s"]+))')
FILTER_KEYS = {
    "command": "command",
    "cmd": "command",
    "user": "user",
    "host": "host",
    "session": "session",
}


class QueryError(ValueError):
    """The query has nothing to search for."""


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """(lowercased token, start, end) for each token, as unicode61 (remove_diacritics 0) sees it."""
    return [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@dataclass
class Term:
    """A phrase of one or more tokens; with prefix, its last token matches any token it starts."""

    words: list[str]
    prefix: bool = False

    def fts(self) -> str:
        return '"' + " ".join(self.words) + '"' + (" *" if self.prefix else "")

    def find(self, toks: list[tuple[str, int, int]]) -> list[tuple[int, int]]:
        n = len(self.words)
        first = self.words[0]
        loose = self.prefix and n == 1  # the first word is also the prefix
        spans = []
        for i in range(len(toks) - n + 1):
            tok = toks[i][0]
            if (tok == first or (loose and tok.startswith(first))) and self._at(toks, i):
                spans.append((toks[i][1], toks[i + n - 1][2]))
        return spans

    def _at(self, toks: list[tuple[str, int, int]], i: int) -> bool:
        last = len(self.words) - 1
        for j, word in enumerate(self.words):
            tok = toks[i + j][0]
            if tok != word and not (self.prefix and j == last and tok.startswith(word)):
                return False
        return True


@dataclass
class Query:
    terms: list[Term]
    filters: dict[str, list[str]] = field(default_factory=dict)

    def fts(self, sessions: Sequence[str] = ()) -> str:
        """The FTS5 MATCH expression: every term in the text column, and one of the sessions' ids."""
        parts = [f"text : {t.fts()}" for t in self.terms]
        ids = [Term([w for w, _, _ in tokenize(s)]) for s in sessions]
        if ids and all(t.words for t in ids):
            parts.append("session_id : (" + " OR ".join(t.fts() for t in ids) + ")")
        return " AND ".join(parts)

    def match_line(self, text: str) -> Optional[list[tuple[int, int]]]:
        """Highlight spans when the line holds every term, else None."""
        toks = tokenize(text)
        spans: list[tuple[int, int]] = []
        for term in self.terms:
            found = term.find(toks)
            if not found:
                return None
            spans.extend(found)
        return _merge(spans)


def lines_in(
    query: Query, text: str, keep: Optional[Callable[[int], bool]] = None
) -> list[tuple[int, str, list[tuple[int, int]]]]:
    """(index, line, spans) of the lines of a "\n"-joined block that match, in order.

    Only lines holding the query's longest word are visited (substring searches over the block, in
    C); a line must hold every word as a substring, then pass `keep(index)`, before it is tokenized.
    """
    words = [w for t in query.terms for w in t.words]
    anchor = max(words, key=len)
    low = text.lower()
    low_lines = low.split("\n")  # lower() keeps every "\n", so indexes agree with the text's lines
    lines = text.split("\n")
    found = []
    index, scanned = 0, 0
    pos = low.find(anchor)
    while pos >= 0:
        index += low.count("\n", scanned, pos)
        scanned = pos
        line = low_lines[index]
        if all(w in line for w in words) and (keep is None or keep(index)):
            spans = query.match_line(lines[index])
            if spans is not None:
                found.append((index, lines[index], spans))
        nl = low.find("\n", pos)
        if nl < 0:
            break
        pos = low.find(anchor, nl)
    return found


def parse(text: str) -> Query:
    terms: list[Term] = []
    filters: dict[str, list[str]] = {}
    for m in _PART.finditer(text):
        key, quoted, star, word = m.group("key"), m.group("quoted"), m.group("star"), m.group("word")
        raw = quoted if quoted is not None else (word or "")
        if key and key.lower() in FILTER_KEYS:
            if raw:
                filters.setdefault(FILTER_KEYS[key.lower()], []).append(raw)
            continue
        if key:  # `http://x` or `a:b` is text, not a filter
            raw = f"{key}:{raw}"
        prefix = bool(star) or (quoted is None and raw.endswith("*"))
        words = [w for w, _, _ in tokenize(raw)]
        if words:
            terms.append(Term(words, prefix))
    if not terms:
        raise QueryError("nothing to search for: give at least one word (filters alone are not enough)")
    return Query(terms, filters)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
