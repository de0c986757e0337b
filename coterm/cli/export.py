"""`ddcoterm export ID --format txt|cast`: a recording as text or as a .cast file."""

from __future__ import annotations

import argparse
import shutil
import sys

DESCRIPTION = """\
Export a recording. `txt` is what the screen showed, line by line: colours dropped,
progress bars and other redraws collapsed to what was left on screen, full-screen
programs (vim, less, top) reduced to their last frame. `cast` is the asciicast v2 file
itself (events `b` in it carry exact bytes of output that was not valid UTF-8; asciinema
and other players ignore them)."""

EPILOG = """\
examples:
  ddcoterm export 0sfbp4 > session.txt
  ddcoterm export 0sfbp4 --format cast -o demo.cast
  ddcoterm export 0sfbp4 | grep -n 'connection refused'
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="ID|FILE", help="session id (or prefix) or .cast file")
    parser.add_argument("--format", choices=("txt", "cast"), default="txt", help="default: txt")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")


def run(args: argparse.Namespace) -> int:
    from coterm.record.cast import CastError, open_cast
    from coterm.record.locate import NotFound, resolve_cast

    try:
        path = resolve_cast(args.session)
        cast = open_cast(path)
        if args.format == "cast":
            _copy(path, args.output)
        else:
            _text(cast, args.output)
    except (NotFound, CastError) as e:
        print(f"ddcoterm export: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"ddcoterm export: cannot write {args.output}: {e.strerror}", file=sys.stderr)
        return 1
    return 0


def _copy(path, output) -> None:
    with open(path, "rb") as src:
        if output:
            with open(output, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            shutil.copyfileobj(src, sys.stdout.buffer)


def _text(cast, output) -> None:
    from coterm.record.export import text_lines

    if output:
        with open(output, "w", encoding="utf-8") as f:
            for line in text_lines(cast):
                f.write(line + "\n")
    else:
        out = sys.stdout
        for line in text_lines(cast):
            out.write(line + "\n")
