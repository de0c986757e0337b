"""`ddcoterm [OPTIONS] [-- CMD ARGS]`: record a shell, or one command, to asciicast v2."""

from __future__ import annotations

import argparse
import os
import sys

DESCRIPTION = """\
Record a terminal session. With no command, starts your shell ($SHELL, or --shell) on a
new pty with coterm's hooks loaded; with `-- CMD ARGS`, records that one command. The
recording is asciicast v2 (readable by asciinema's tools), written as it goes to
$COTERM_HOME/sessions/ID.cast (default ~/.ddcoterm/sessions) or to -o FILE. Secrets are
redacted in the recording, never on your screen. ddcoterm exits with the program's exit
status (128+N when a signal N killed it)."""

EPILOG = """\
modes (--mode):
  all      keep all output (default)
  rules    keep a command's output only when its rules say `record`
  off      keep no output; command events and markers only

--save-level (overrides what rules decide for every command):
  none      store nothing at all for this session
  metadata  store command events and markers, no output
  record    store everything (default)

--approval true|false overrides whether rules may ask for approval; both values are
passed to the hooks as COTERM_SAVE_LEVEL and COTERM_APPROVAL and kept in the header.

examples:
  ddcoterm                                  # record your shell until you exit it
  ddcoterm -- kubectl get pods -A           # record one command
  ddcoterm -o demo.cast --title demo -- htop
  ddcoterm --mode rules                     # keep only what the rules mark for recording
  ddcoterm --stdin                          # also keep keystrokes (never with echo off)
  ddcoterm play 0sfbp4                      # replay (an id prefix is enough)
"""


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from coterm.record.plan import MODES, SAVE_LEVELS

    parser.add_argument("-o", "--output", metavar="FILE", help="write the recording here")
    parser.add_argument("--title", default="", help="title stored in the recording")
    parser.add_argument("--shell", metavar="PATH", help="shell to start instead of $SHELL")
    parser.add_argument("--mode", choices=MODES, default="all", help="what output to keep")
    parser.add_argument("--save-level", choices=SAVE_LEVELS, help="override: how much to store")
    parser.add_argument("--approval", type=_bool, metavar="true|false", help="override: approval on or off")
    parser.add_argument(
        "--stdin",
        action="store_true",
        help="also record keystrokes (`i` events), except while the program has echo off",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no start and end lines")
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, metavar="-- CMD ARGS", help="the command to record"
    )


def run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    elif command:
        print(
            f"ddcoterm: unknown command {command[0]!r}; to record a program use: "
            f"ddcoterm -- {command[0]} ...  (ddcoterm --help lists commands)",
            file=sys.stderr,
        )
        return 2
    from coterm.record.session import RecordError, RecordOptions, run_session

    opts = RecordOptions(
        command=command,
        output=args.output,
        title=args.title,
        shell=args.shell,
        mode=args.mode,
        save_level=args.save_level,
        approval=args.approval,
        record_stdin=args.stdin,
        quiet=args.quiet,
    )
    try:
        return run_session(opts)
    except RecordError as e:
        print(f"ddcoterm: {e}", file=sys.stderr)
        return e.code
    except Exception as e:
        if os.environ.get("COTERM_DEBUG"):
            raise
        print(
            f"ddcoterm: internal error: {type(e).__name__}: {e} (set COTERM_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 70
