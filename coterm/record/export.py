"""A recording as text: what the screen showed, line by line (see coterm.termtext)."""

from __future__ import annotations

from typing import Iterator

from coterm.record.cast import Cast
from coterm.termtext import LineCollector


def text_lines(cast: Cast) -> Iterator[str]:
    width, height = cast.size
    collector = LineCollector(width, height)
    for ev in cast.events():
        if ev.code == "o":
            for _, line in collector.feed(ev.data, ev.time):
                yield line
        elif ev.code == "r":
            cols, _, rows = ev.data.partition("x")
            if cols.isdigit() and rows.isdigit():
                collector.resize(int(cols), int(rows))
    for _, line in collector.flush(0.0):
        yield line
