"""Packing output lines into blocks: one FTS row per run of consecutive lines of a session.

A block keeps its first line's offset, the last line's offset, and each later line's offset as
milliseconds after the first, so every line still knows when it appeared.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# FTS5 pays per (term, row): 256-line blocks index ~1.4x faster than 64-line ones and ~3x faster
# than a row per line (bench/store_index.py); search checks only the lines holding a query word.
MAX_LINES = 256
MAX_CHARS = 32768
MAX_LINE = 16384


@dataclass
class Block:
    offset: float
    last: float
    deltas: str  # "d2 d3 ...": ms after `offset` of lines 2..n
    text: str  # the lines joined by "\n"


def clean(text: str) -> str:
    """A stored line never contains a line break, and is at most MAX_LINE long."""
    if "\n" in text or "\r" in text:
        text = text.replace("\r", " ").replace("\n", " ")
    return text[:MAX_LINE].rstrip()


def pack(lines: Iterable[tuple[float, str]]) -> Iterator[Block]:
    """Blocks of up to MAX_LINES lines / MAX_CHARS characters; blank lines are dropped."""
    offsets: list[float] = []
    texts: list[str] = []
    size = 0
    for offset, raw in lines:
        text = clean(raw)
        if not text:
            continue
        if len(texts) >= MAX_LINES or size + len(text) > MAX_CHARS:
            if texts:
                yield _block(offsets, texts)
            offsets, texts, size = [], [], 0
        offsets.append(offset)
        texts.append(text)
        size += len(text) + 1
    if texts:
        yield _block(offsets, texts)


def _block(offsets: list[float], texts: list[str]) -> Block:
    first = offsets[0]
    deltas = " ".join([str(int((o - first) * 1000 + 0.5)) for o in offsets[1:]])
    return Block(float(first), float(max(offsets)), deltas, "\n".join(texts))


def line_offsets(offset: float, deltas: str) -> list[float]:
    return [offset] + [offset + int(d) / 1000 for d in deltas.split()]


def unpack(offset: float, deltas: str, text: str) -> list[tuple[float, str]]:
    return list(zip(line_offsets(offset, deltas), text.split("\n")))
