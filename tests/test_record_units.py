"""Recorder building blocks on their own: marks, terminal-to-text, the cast format, ids."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from coterm.record.cast import event_line, open_cast, output_bytes
from coterm.record.ids import new_session_id
from coterm.record.locate import NotFound, resolve_cast
from coterm.record.marks import Mark, MarkParser, make_mark
from coterm.record.player import parse_time
from coterm.termtext import LineCollector, to_lines

NONCE = "0123456789abcdef0123456789abcdef"


def _split_feed(parser: MarkParser, data: bytes, cut: int) -> list:
    out = parser.feed(data[:cut]) + parser.feed(data[cut:])
    tail = parser.flush()
    return out + ([tail] if tail else [])


def _normalize(segments: list) -> list:
    """Join adjacent byte segments, so results compare independently of read boundaries."""
    out: list = []
    for seg in segments:
        if isinstance(seg, bytes) and out and isinstance(out[-1], bytes):
            out[-1] += seg
        elif not (isinstance(seg, bytes) and not seg):
            out.append(seg)
    return out


def test_marks_found_and_stripped_at_every_read_boundary() -> None:
    start = make_mark(NONCE, "start", line="echo 50% done\x1b;x", rec="1")
    end = make_mark(NONCE, "end", status="3")
    forged = make_mark("f" * 32, "start", line="rm -rf /", rec="1")
    data = b"prompt$ " + start + b"output\r\n" + forged + end.replace(b"\x07", b"\x1b\\") + b"$ "
    for cut in range(len(data) + 1):
        segs = _normalize(_split_feed(MarkParser(NONCE), data, cut))
        assert segs == [
            b"prompt$ ",
            Mark("start", {"rec": "1"}, "echo 50% done\x1b;x"),
            b"output\r\n" + forged,
            Mark("end", {"status": "3"}),
            b"$ ",
        ], cut


def test_unfinished_or_malformed_marks_are_output() -> None:
    p = MarkParser(NONCE)
    assert _normalize(p.feed(b"a\x1b]6973;" + NONCE.encode() + b";start\x1b[31mred\x07")) == [
        b"a\x1b]6973;" + NONCE.encode() + b";start\x1b[31mred\x07"
    ]
    p = MarkParser(NONCE)
    assert p.feed(b"x\x1b]69") == [b"x"]
    assert p.flush() == b"\x1b]69"


def test_progress_bars_and_erase_collapse() -> None:
    out = "Downloading 10%\rDownloading 55%\rDownloading 100%\r\n"
    out += "\x1b[1;32mok\x1b[0m \x1b]0;title\x07done\r\n"
    out += "typo\b\b\x1b[Kpo fixed\r\n"
    out += "line one\r\nline two\r\n\x1b[2A\rLINE ONE\r\n\x1b[KLINE TWO\r\n"
    assert to_lines(out) == ["Downloading 100%", "ok done", "typo fixed", "LINE ONE", "LINE TWO"]


def test_full_screen_program_leaves_its_last_frame_only() -> None:
    frames = "".join(f"\x1b[H\x1b[2Jframe {i}\r\n~\r\n" for i in range(50))
    out = "$ vim\r\n\x1b[?1049h" + frames + "\x1b[?1049l$ after\r\n"
    lines = to_lines(out)
    assert lines == ["$ vim", "frame 49", "~", "$ after"]


def test_sequences_split_anywhere_give_the_same_lines() -> None:
    text = "a\x1b[31mb\x1b[0mc\r\nx\x1b]0;t\x07y\r\nprog 1\rprog 2\r\n\x1b[?1049hALT\x1b[?1049lz\r\n"
    whole = to_lines(text)
    for cut in range(len(text) + 1):
        c = LineCollector()
        lines = c.feed(text[:cut], 1.0) + c.feed(text[cut:], 2.0) + c.flush(3.0)
        assert [line for _, line in lines] == whole, cut


def test_lines_carry_the_time_they_appeared() -> None:
    c = LineCollector(80, 24)
    first = c.feed("one\r\ntw", 1.5)
    rest = c.feed("o\r\n", 2.5) + c.flush(9.0)
    assert first == [] and rest == [(1.5, "one"), (1.5, "two")]
    c = LineCollector(80, 2)
    assert c.feed("a\r\nb\r\nc\r\nd", 4.0) == [(4.0, "a"), (4.0, "b")]


def test_event_lines_keep_invalid_bytes(tmp_path: Path) -> None:
    raw = b'ok \xe2\x82\xac bad:\xff\xfe\x00 \x1b[0m "q" \\ \t\r\n'
    text = raw.decode("utf-8", "surrogateescape")
    path = tmp_path / "x.cast"
    path.write_bytes(b'{"version": 2, "width": 80, "height": 24}\n' + event_line(1.25, "o", text))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1])[2] == raw.decode("utf-8", "replace")
    assert json.loads(lines[2])[1] == "b"
    assert [d for _, d in output_bytes(open_cast(path))] == [raw]
    plain = event_line(0.5, "o", 'x\x1b[1m"\\\t\x07\x08\x01é\r\n')
    assert json.loads(plain) == [0.5, "o", 'x\x1b[1m"\\\t\x07\x08\x01é\r\n']


def test_session_ids_sort_by_time_and_differ() -> None:
    a, b = new_session_id(1_700_000_000), new_session_id(1_700_000_001)
    assert len(a) == 19 and a < b
    assert len({new_session_id() for _ in range(100)}) == 100
    assert new_session_id(time.time()).isalnum()


def test_resolve_by_id_prefix_piece_and_path(coterm_home: Path) -> None:
    sessions = coterm_home / "sessions"
    sessions.mkdir()
    for sid in ("1aaaaaa0000000000001", "1aaaaaa0000000000002", "1bbbbbb0000000000003"):
        (sessions / f"{sid}.cast").write_text("{}\n")
    assert resolve_cast("1bbb").name == "1bbbbbb0000000000003.cast"
    assert resolve_cast("00003").name == "1bbbbbb0000000000003.cast"
    assert resolve_cast(str(sessions / "1aaaaaa0000000000001.cast")).exists()
    with pytest.raises(NotFound, match="matches 2 sessions"):
        resolve_cast("1aaa")
    with pytest.raises(NotFound, match="no session"):
        resolve_cast("zzzz")


def test_parse_time() -> None:
    assert parse_time("90") == 90 and parse_time("01:30") == 90 and parse_time("1:00:02") == 3602
    for bad in ("", "a", "1::2", "-3"):
        with pytest.raises(ValueError):
            parse_time(bad)
