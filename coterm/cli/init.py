"""`ddcoterm init SHELL`: print the hook for an rc file (eval "$(ddcoterm init zsh)").

Kept import-light: it runs once per new shell, so it must stay far below 50 ms.
"""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = "Print the shell hook that checks every interactive command line before it runs."
EPILOG = """
examples:
  eval "$(ddcoterm init bash)"          # in ~/.bashrc
  eval "$(ddcoterm init zsh)"           # in ~/.zshrc
  ddcoterm init fish | source           # in ~/.config/fish/config.fish
  xontrib load coterm                   # in ~/.xonshrc (xonsh needs no init)

The hook talks to one resident evaluator per user (started here when it is not running);
`ddcoterm doctor` shows whether this shell is hooked.
"""

SHELLS = ("bash", "zsh", "fish")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS + ("xonsh",), help="the shell to hook")
    parser.add_argument("--no-start", action="store_true", help="do not start the resident evaluator now")


def run(args: argparse.Namespace) -> int:
    if args.shell == "xonsh":
        print("# xonsh: put `xontrib load coterm` in ~/.xonshrc; there is nothing to eval.")
        return 0
    from coterm.server.hookscript import render

    try:
        text = render(args.shell)
    except OSError as exc:
        print(f"ddcoterm init: cannot read the {args.shell} hook: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    if not args.no_start:
        _start_evaluator()
    return 0


def _start_evaluator() -> None:
    """Start the evaluator now, so the first command of this shell is already checked.

    A connect to its socket tells whether it runs; the spawning code is imported only when not.
    """
    import socket

    from coterm.server.layout import layout

    lay = layout()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            sock.connect(str(lay.socket))
        return
    except OSError:
        pass
    try:
        from coterm.server.control import spawn

        spawn(lay)
    except OSError as exc:
        print(f"ddcoterm init: cannot start the evaluator: {exc}", file=sys.stderr)
