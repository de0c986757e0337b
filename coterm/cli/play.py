"""`ddcoterm play ID|FILE`: replay a recording in the terminal."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Replay a recording in this terminal with its original timing. ID is a session id, a
unique prefix (or 4+ character piece) of one, or a path to any asciicast v2/v3 file.
Keys: space pauses and resumes, `.` shows the next frame while paused, q quits."""

EPILOG = """\
examples:
  ddcoterm play 0sfbp4k3q8                  # by id prefix
  ddcoterm play demo.cast --speed 2         # twice as fast
  ddcoterm play 0sfbp4 --idle-limit 1       # no pause longer than a second
  ddcoterm play 0sfbp4 --at 12:30           # start 12 min 30 s in
"""


def _time(text: str) -> float:
    from coterm.record.player import parse_time

    try:
        return parse_time(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MM:SS, HH:MM:SS or seconds, got {text!r}") from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="ID|FILE", help="session id (or prefix) or .cast file")
    parser.add_argument("--speed", type=_positive, default=1.0, metavar="N", help="speed factor")
    parser.add_argument("--idle-limit", type=_positive, metavar="S", help="cap pauses to S seconds")
    parser.add_argument("--at", type=_time, default=0.0, metavar="MM:SS", help="start here")


def run(args: argparse.Namespace) -> int:
    from coterm.record.cast import CastError, open_cast
    from coterm.record.locate import NotFound, resolve_cast
    from coterm.record.player import PlayOptions, play

    try:
        cast = open_cast(resolve_cast(args.session))
        opts = PlayOptions(speed=args.speed, idle_limit=args.idle_limit, start_at=args.at)
        play(cast, opts)
    except (NotFound, CastError) as e:
        print(f"ddcoterm play: {e}", file=sys.stderr)
        return 1
    return 0
