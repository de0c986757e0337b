"""The text as a terminal shows it, with a map back to the raw stream.

Rules run on a *normalized view*: escape sequences (colours, erase-line, cursor moves, window
titles) are removed, and lines that edit themselves (backspace, a bare carriage return, cursor
left/right, erase, insert/delete character: what a shell's line editor sends while you type) are
replayed on a one-line model. Each view character maps back to the raw characters that drew it;
for a replayed cell that is every raw character ever written to that cell, so redacting the cell
also removes the earlier, partial echoes of a secret typed into it.

Lines longer than LINE_CAP are cut into pieces (at a space in the second half of the window when
there is one, never inside an escape sequence), and each piece is treated as a line of its own:
that bounds the text held back and keeps the cut points a function of the text alone, so any
chunking of the stream gives the same pieces.

Most output has no escape or editing at all; such blocks are their own view (no copy, no map).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Optional

LINE_CAP = 8192
_OSC_MAX = 4096
_A = re.ASCII

ESC_SEQ = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]{0,4096}(?:\x07|\x1b\\)"
    r"|[PX^_][^\x1b\n]{0,4096}\x1b\\|[ -/]*[0-OQ-WYZ\\`-~])",
    _A,
)
_ESC_PARTIAL = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b\n]{0,4096}\x1b?|[PX^_][^\x1b\n]{0,4096}\x1b?|[ -/]*)\Z",
    _A,
)
OSC = re.compile(r"\x1b\]([0-9]*;)?([^\x07\x1b\n]{0,4096})(?:\x07|\x1b\\)", _A)
# What makes a line need replaying rather than just stripping (one regex each: an alternation
# of the three would be several times slower).
_BARE_CR = re.compile(r"\r(?!\n)")
_MOVES = re.compile(r"\x1b\[(?:[0-9;]*[CDGP@]|[12]K)", _A)
_EMU = re.compile(
    r"([^\x1b\x08\r]+)|(\x08+)|(\r)|\x1b\[([0-?]*)[ -/]*([@-~])"
    r"|(\x1b\][^\x07\x1b\n]{0,4096}(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b\n]{0,4096}\x1b\\"
    r"|\x1b[ -/]*[0-OQ-WYZ\\`-~]|\x1b)",
    _A,
)


def usable_end(raw: str) -> int:
    """End of raw minus an escape sequence still being received (it would read as text)."""
    k = raw.rfind("\x1b", max(0, len(raw) - _OSC_MAX - 8))
    if k >= 0 and ESC_SEQ.match(raw, k) is None and _ESC_PARTIAL.match(raw, k):
        return k
    return len(raw)


def needs_replay(raw_line: str) -> bool:
    body = raw_line[:-1] if raw_line.endswith("\r") else raw_line
    return _edits(body, "\x1b" in body)


def _edits(seg: str, has_esc: bool) -> bool:
    return "\x08" in seg or _BARE_CR.search(seg) is not None or (has_esc and _MOVES.search(seg) is not None)


class _Block:
    __slots__ = ("raw_start", "raw_end", "norm_start", "norm", "plain", "virtual", "col", "edits", "_lines")

    def __init__(self, raw: str, a: int, b: int, norm_start: int, virtual: bool, col: int) -> None:
        seg = raw[a:b]
        self.raw_start, self.raw_end, self.norm_start, self.virtual = a, b, norm_start, virtual
        self.col = col
        has_esc = "\x1b" in seg
        edits = self.edits = _edits(seg, has_esc)
        self.plain = not (virtual or has_esc or edits)
        if self.plain:
            self.norm = seg
        else:
            self.norm = normalize_text(seg, has_esc, edits, col) + ("\n" if virtual else "")
        self._lines: Optional[_LineMaps] = None

    def lines(self, raw: str) -> _LineMaps:
        if self._lines is None:
            self._lines = _LineMaps(raw, self)
        return self._lines


class _LineMaps:
    """Per-line maps of one non-plain block, built only for the lines a finding touches."""

    def __init__(self, raw: str, block: _Block) -> None:
        self.raw = raw
        self.block = block
        self.raw_starts = _line_starts(raw, block.raw_start, block.raw_end)
        self.norm_starts = _line_starts(block.norm, 0, len(block.norm))
        self._maps: dict[int, tuple[list[int], list[int]]] = {}

    def locate(self, local: int) -> tuple[int, int]:
        """(line index, offset in line) of a block-local normalized offset."""
        k = bisect_right(self.norm_starts, local) - 1
        return k, local - self.norm_starts[k]

    def line_map(self, k: int) -> tuple[list[int], list[int]]:
        cached = self._maps.get(k)
        if cached is None:
            cached = self._maps[k] = self._build(k)
        return cached

    def _build(self, k: int) -> tuple[list[int], list[int]]:
        block = self.block
        if k >= len(self.raw_starts):  # the empty line after a piece's virtual line break
            return [block.raw_end], [block.raw_end - 1]
        a = self.raw_starts[k]
        b = self.raw_starts[k + 1] if k + 1 < len(self.raw_starts) else block.raw_end
        line = self.raw[a:b]
        newline = line.endswith("\n")
        if newline:
            line = line[:-1]
        _text, lo, hi = map_line(line, a, col=block.col if k == 0 else 0)
        if newline:
            lo.append(b - 1)
            hi.append(b - 1)
        elif block.virtual:
            lo.append(b)
            hi.append(b - 1)
        return lo, hi


def _line_starts(text: str, a: int, b: int) -> list[int]:
    starts = [a]
    j = text.find("\n", a, b)
    while j >= 0 and j + 1 < b:
        starts.append(j + 1)
        j = text.find("\n", j + 1, b)
    return starts


def normalize_text(seg: str, has_esc: bool, edits: bool, col: int = 0) -> str:
    if not edits:
        return ESC_SEQ.sub("", seg) if has_esc else seg
    lines = seg.split("\n")
    first = map_line(lines[0], 0, want_map=False, col=col)[0]
    return "\n".join([first, *(map_line(line, 0, want_map=False)[0] for line in lines[1:])])


def map_line(line: str, base: int, want_map: bool = True, col: int = 0) -> tuple[str, list[int], list[int]]:
    """Normalized text of one raw line (no '\\n'), with lo/hi raw offsets per character.

    A trailing '\\r' is the CR of a CR LF and is kept as it is. col: the cursor column where the
    line starts when its beginning was already released (it matters only to a replayed line)."""
    body = line[:-1] if line.endswith("\r") else line
    if _edits(body, "\x1b" in body):
        text, lo, hi = _replay(body, base, want_map, col)
        if len(body) < len(line):
            text += "\r"
            if want_map:
                lo.append(base + len(body))
                hi.append(base + len(body))
        return text, lo, hi
    if "\x1b" not in line:
        idx = list(range(base, base + len(line))) if want_map else []
        return line, idx, idx
    parts: list[str] = []
    idx = []
    last = 0
    for m in ESC_SEQ.finditer(line):
        if m.start() > last:
            parts.append(line[last : m.start()])
            if want_map:
                idx.extend(range(base + last, base + m.start()))
        last = m.end()
    parts.append(line[last:])
    if want_map:
        idx.extend(range(base + last, base + len(line)))
    return "".join(parts), idx, idx


def _replay(line: str, base: int, want_map: bool, col: int = 0) -> tuple[str, list[int], list[int]]:
    """Play a self-editing line on a one-line screen; remember every raw write per cell.

    The first col cells stand for text released earlier: a carriage return followed by a redraw
    lands on the same columns as before, so the earlier echo of a secret is still found."""
    cells: list[str] = [_RELEASED] * col
    lo: list[int] = [_NEVER] * col
    hi: list[int] = [-1] * col
    ghost: dict[int, tuple[int, str]] = {}  # erased cells: earliest write and character
    cur = col
    for m in _EMU.finditer(line):
        kind = m.lastindex
        if kind == 1:
            run = m.group(1)
            p = base + m.start(1)
            if cur > len(cells):
                pad = cur - len(cells)
                cells.extend(" " * pad)
                lo.extend([p] * pad)
                hi.extend([p] * pad)
            over = min(len(run), len(cells) - cur)
            for i in range(over):
                # A redraw of the same character keeps the cell's history; anything else is
                # new content (zsh's PROMPT_SP spaces, a corrected typo) and starts it afresh.
                if cells[cur + i] != run[i]:
                    cells[cur + i] = run[i]
                    lo[cur + i] = p + i
                hi[cur + i] = p + i
            if over < len(run):
                first = len(cells)
                cells.extend(run[over:])
                fresh = list(range(p + over, p + len(run)))
                if ghost:
                    fresh = [_ghost(ghost, first + i, run[over + i], v) for i, v in enumerate(fresh)]
                lo.extend(fresh)
                hi.extend(range(p + over, p + len(run)))
            cur += len(run)
        elif kind == 2:
            cur = max(0, cur - (m.end() - m.start()))
        elif kind == 3:
            cur = 0
        elif kind == 5:
            cur = _csi(m.group(4), m.group(5), cur, cells, lo, hi, ghost, base + m.start())
    if col:
        cells, lo, hi = _drop_released(cells, lo, hi, base)
    text = "".join(cells)
    return (text, lo, hi) if want_map else (text, [], [])


def _ghost(ghost: dict[int, tuple[int, str]], col: int, ch: str, fresh: int) -> int:
    """A character redrawn where the same one was erased keeps the earlier write."""
    old = ghost.get(col)
    return old[0] if old is not None and old[1] == ch and old[0] < fresh else fresh


_RELEASED = "\0"
_NEVER = 1 << 62


def _drop_released(cells: list[str], lo: list[int], hi: list[int], base: int):
    """Leading cells never redrawn are released text: drop them; blank any left in between."""
    k = 0
    while k < len(cells) and cells[k] == _RELEASED:
        k += 1
    cells, lo, hi = cells[k:], lo[k:], hi[k:]
    for i, ch in enumerate(cells):
        if ch == _RELEASED:
            cells[i], lo[i], hi[i] = " ", base, base
    return cells, lo, hi


def _csi(params, final, cur, cells, lo, hi, ghost, at) -> int:
    first = params.split(";")[0] if params else ""
    n = int(first) if first.isdigit() else 0
    count = max(n, 1)
    if final == "D":
        return max(0, cur - count)
    if final == "C":
        return cur + count
    if final == "G":
        return max(0, count - 1)
    if final == "K":
        if n == 1:
            for c in range(min(cur + 1, len(cells))):
                cells[c] = " "
            return cur
        start = 0 if n == 2 else cur
        for c in range(start, len(cells)):
            ghost[c] = (lo[c], cells[c])
        del cells[start:], lo[start:], hi[start:]
        return cur
    if final == "P":
        del cells[cur : cur + count], lo[cur : cur + count], hi[cur : cur + count]
        return cur
    if final == "@" and cur <= len(cells):
        cells[cur:cur] = [" "] * count
        lo[cur:cur] = [at] * count
        hi[cur:cur] = [at] * count
    return cur


def _segments(line: str, base: int) -> list[tuple[str, list[int]]]:
    """Text written between cursor jumps (backspace, CR, cursor moves), 8 characters or more."""
    out = []
    chars: list[str] = []
    where: list[int] = []
    for m in _EMU.finditer(line):
        kind = m.lastindex
        if kind == 1:
            chars.append(m.group(1))
            where.extend(range(base + m.start(1), base + m.end(1)))
        elif kind != 6 and (kind != 5 or m.group(5) in _JUMPS):
            if len(where) >= 8:
                out.append(("".join(chars), where))
            chars, where = [], []
    if len(where) >= 8:
        out.append(("".join(chars), where))
    return out


_JUMPS = frozenset("ABCDEFGHKP@")


def cut_point(raw: str, a: int, b: int) -> int:
    """Where to cut a long line whose window is raw[a:b]: after a space, never inside an escape."""
    k = max(raw.rfind(" ", a + (b - a) // 2, b), raw.rfind("\t", a + (b - a) // 2, b))
    c = k + 1 if k >= 0 else b
    e = raw.rfind("\x1b", max(a, c - _OSC_MAX - 8), c)
    if e > a:
        m = ESC_SEQ.match(raw, e)
        if m is None or m.end() > c:
            c = e
    return c


class View:
    """Normalized text of raw[:end] and the way back to raw offsets."""

    def __init__(self, raw: str, final: bool, col: int = 0) -> None:
        self.raw = raw
        self.end = len(raw) if final else usable_end(raw)
        self._blocks = _split(raw, self.end, col)
        self._starts = [blk.norm_start for blk in self._blocks]
        if len(self._blocks) == 1:
            self.text = self._blocks[0].norm
        elif all(blk.plain for blk in self._blocks):  # the usual case: the view is the raw text
            self.text = raw if self.end == len(raw) else raw[: self.end]
        else:
            self.text = "".join(blk.norm for blk in self._blocks)
        last = self._blocks[-1] if self._blocks else None
        tail = raw[raw.rfind("\n", 0, self.end) + 1 : self.end]
        self.partial_replayed = bool(tail) and (last is not None and not last.plain) and (needs_replay(tail))

    def _block(self, p: int) -> _Block:
        return self._blocks[max(0, bisect_right(self._starts, p) - 1)]

    def raw_pos(self, p: int) -> int:
        """Raw offset where view position p begins (a cut or release point)."""
        if p >= len(self.text):
            return self.end
        blk = self._block(p)
        local = p - blk.norm_start
        if blk.plain:
            return blk.raw_start + local
        maps = blk.lines(self.raw)
        k, off = maps.locate(local)
        if off == 0:
            return maps.raw_starts[k] if k < len(maps.raw_starts) else blk.raw_end
        return maps.line_map(k)[0][off]

    def raw_after(self, p: int) -> int:
        """Raw offset just after the raw characters that drew view position p (a line break)."""
        return self._edge(p, p, first=False)

    def raw_range(self, s: int, e: int) -> tuple[int, int]:
        """Raw span covering every raw character that drew view characters [s, e)."""
        return self._edge(s, e, first=True), self._edge(e - 1, s, first=False)

    def _edge(self, p: int, other: int, first: bool) -> int:
        blk = self._block(p)
        local = p - blk.norm_start
        if blk.plain:
            return blk.raw_start + local + (0 if first else 1)
        maps = blk.lines(self.raw)
        k, off = maps.locate(local)
        lo, hi = maps.line_map(k)
        if first:
            stop = min(len(lo), off + (other - p))
            return min(lo[off:stop]) if stop > off else lo[off]
        begin = max(0, off - (p - other))
        return max(hi[begin : off + 1]) + 1

    def redraws(self, limit: int) -> list[tuple[str, list[int]]]:
        """What self-editing lines wrote between cursor jumps, with raw offsets per character.

        The view holds a line's final state; a line editor that repaints a whole suggestion at a
        new column on every keystroke (fish) leaves earlier copies that only these show."""
        out = []
        for blk in self._blocks:
            if blk.raw_start >= limit:
                break
            if not blk.edits:
                continue
            pos = blk.raw_start
            end = min(blk.raw_end, limit)
            while pos < end:
                nl = self.raw.find("\n", pos, end)
                stop = end if nl < 0 else nl
                line = self.raw[pos:stop]
                if needs_replay(line):
                    out.extend(_segments(line, pos))
                pos = stop + 1
        return out

    def oscs(self, limit: int) -> list[tuple[int, str]]:
        """(raw offset, payload) of window-title and other OSC strings before raw offset limit."""
        if "\x1b" not in self.raw or "\x1b]" not in self.raw:  # one-character search first: ~50x faster
            return []
        return [(m.start(2), m.group(2)) for m in OSC.finditer(self.raw, 0, limit) if m.group(2)]


def _split(raw: str, end: int, col: int) -> list[_Block]:
    blocks: list[_Block] = []
    pos = norm = 0
    while pos < end:
        target = pos + LINE_CAP
        if target >= end:
            stop, virtual = end, False
        else:
            ls = raw.rfind("\n", pos, target) + 1
            if ls > pos:
                stop, virtual = ls, False
            elif raw[target] == "\n":
                stop, virtual = target + 1, False
            else:
                stop, virtual = cut_point(raw, pos, target), True
        blk = _Block(raw, pos, stop, norm, virtual, col if pos == 0 else 0)
        blocks.append(blk)
        norm += len(blk.norm)
        pos = stop
    if not blocks:
        blocks.append(_Block(raw, 0, 0, 0, False, 0))
    return blocks
