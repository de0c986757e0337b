"""Find every occurrence of the anchor literals in a text: the one pass over all the bytes.

Rules only run where an anchor occurs, so this pass sets the speed. Two interchangeable backends
report exactly the same hits, (position, anchor index) sorted, overlapping occurrences included:

- hyperscan (PyPI `hyperscan`, a C library): one scan for all literals, several GB/s;
- pure Python: one `str.find` loop per literal, about 30-40 MB/s; used when hyperscan is missing.

Case-insensitive anchors match ASCII letters only (hyperscan's caseless mode; `bytes.lower()` /
`str.lower()` on ASCII text), so both backends agree on any input.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Optional

Anchor = tuple[str, bool]  # (literal, case-insensitive); case-insensitive literals are lowercase
Hits = list[tuple[int, int]]


class PythonPrefilter:
    name = "python"

    def __init__(self, anchors: Sequence[Anchor]) -> None:
        self.anchors = list(anchors)
        self._plan = _plan(self.anchors)
        self._plan_b = [
            (needle.encode(), icase, [(i, lit.encode()) for i, lit in group])
            for needle, icase, group in self._plan
        ]

    def hits(self, text: str) -> Hits:
        out: Hits = []
        if text.isascii():
            low = text.lower()
            for needle, icase, group in self._plan:
                _find_all(low if icase else text, needle, group, out)
            out.sort()
            return out
        data = text.encode("utf-8", "surrogatepass")
        low_b = data.lower()
        for needle, icase, group in self._plan_b:
            _find_all(low_b if icase else data, needle, group, out)
        out.sort()
        return _to_char_offsets(data, out)


def _plan(anchors: list[Anchor]) -> list[tuple[str, bool, list[tuple[int, str]]]]:
    """Anchors sharing a two-character start are searched once, by their common prefix."""
    groups: dict[tuple[str, bool], list[tuple[int, str]]] = {}
    for i, (lit, icase) in enumerate(anchors):
        groups.setdefault((lit[:2], icase), []).append((i, lit))
    plan = []
    for (_, icase), group in groups.items():
        needle = group[0][1]
        for _, lit in group[1:]:
            while not lit.startswith(needle):
                needle = needle[:-1]
        plan.append((needle, icase, group))
    return plan


def _find_all(hay, needle, group, out: Hits) -> None:
    find = hay.find
    j = find(needle)
    if len(group) == 1:
        index = group[0][0]
        while j >= 0:
            out.append((j, index))
            j = find(needle, j + 1)
        return
    while j >= 0:
        for index, lit in group:
            if hay.startswith(lit, j):
                out.append((j, index))
        j = find(needle, j + 1)


def _to_char_offsets(data: bytes, hits: Hits) -> Hits:
    """Byte offsets (sorted) to str offsets; anchors are ASCII, so every hit starts a character."""
    out: Hits = []
    byte_pos = char_pos = 0
    for pos, index in hits:
        if pos != byte_pos:
            char_pos += len(data[byte_pos:pos].decode("utf-8", "surrogatepass"))
            byte_pos = pos
        out.append((char_pos, index))
    return out


class HyperscanPrefilter:
    name = "hyperscan"

    def __init__(self, anchors: Sequence[Anchor]) -> None:
        import hyperscan

        self.anchors = list(anchors)
        self._hs = hyperscan
        self._lengths = [len(lit.encode()) for lit, _ in self.anchors]
        self._db = hyperscan.Database()
        caseless = hyperscan.HS_FLAG_CASELESS
        self._db.compile(
            expressions=[_hs_escape(lit) for lit, _ in self.anchors],
            ids=list(range(len(self.anchors))),
            elements=len(self.anchors),
            flags=[caseless if icase else 0 for _, icase in self.anchors],
        )
        self._local = threading.local()

    def _scratch(self):
        # One scratch space per thread: hyperscan refuses concurrent use of one.
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hs.Scratch(self._db)
        return scratch

    def hits(self, text: str) -> Hits:
        ascii_text = text.isascii()
        data = text.encode("ascii") if ascii_text else text.encode("utf-8", "surrogatepass")
        out: Hits = []
        append = out.append
        lengths = self._lengths

        def on_match(index: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            append((end - lengths[index], index))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        out.sort()
        return out if ascii_text else _to_char_offsets(data, out)


def _hs_escape(literal: str) -> bytes:
    return "".join(c if c.isalnum() else "\\" + c for c in literal).encode()


_PROBE = "x ghp_ Password= TOKEN:\u00e9 key -----BEGIN :// pass pass"


def make_prefilter(anchors: Sequence[Anchor], backend: Optional[str] = None):
    """The fastest backend that loads here; COTERM_REDACT_BACKEND=python|hyperscan forces one.

    hyperscan is used only after it answers a probe exactly as the Python backend does (an old
    or odd build falls back rather than finding less)."""
    choice = backend or os.environ.get("COTERM_REDACT_BACKEND", "")
    python = PythonPrefilter(anchors)
    if choice != "python":
        try:
            fast = HyperscanPrefilter(anchors)
            if fast.hits(_PROBE) == python.hits(_PROBE):
                return fast
            problem: Exception = RuntimeError("hyperscan disagrees with the Python prefilter")
        except Exception as exc:  # no wheel for this platform, unsupported CPU, old API
            problem = exc
        if choice == "hyperscan":
            raise problem
    return python
