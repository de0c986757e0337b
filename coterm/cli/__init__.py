"""The `ddcoterm` front door: picks a subcommand and imports only its module.

Imports stay lazy so that `ddcoterm --version` and the shim path start fast.
"""

from __future__ import annotations

import sys
from typing import Optional

from coterm.cli.commands import COMMANDS, DEFAULT_COMMAND


def _usage() -> str:
    from coterm.cli.commands import HELP_EPILOG

    width = max(len(n) for n in COMMANDS)
    rows = "\n".join(f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items())
    return (
        "usage: ddcoterm [OPTIONS] [-- <COMMAND>...] [COMMAND]\n\n"
        "Record terminal sessions and check risky commands before they run.\n\n"
        "commands:\n"
        f"{rows}\n\n"
        "Run `ddcoterm COMMAND --help` for a command's options.\n"
        f"{HELP_EPILOG}"
    )


def main(argv: Optional[list[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--version"], ["-V"]):
        from coterm import __version__

        print(f"ddcoterm {__version__}")
        return 0
    if args[:1] in (["--help"], ["-h"], ["help"]):
        print(_usage(), end="")
        return 0
    if args and args[0] in COMMANDS:
        return _dispatch(args[0], args[1:])
    if args and not args[0].startswith("-"):
        return _unknown(args[0])
    if DEFAULT_COMMAND not in COMMANDS:
        print(_usage(), end="", file=sys.stderr)
        return 2
    return _dispatch(DEFAULT_COMMAND, args)


def _dispatch(name: str, args: list[str]) -> int:
    import argparse
    import importlib

    module_name, summary = COMMANDS[name]
    module = importlib.import_module(module_name)
    prog = "ddcoterm" if name == DEFAULT_COMMAND else f"ddcoterm {name}"
    parser = argparse.ArgumentParser(
        prog=prog,
        description=getattr(module, "DESCRIPTION", summary),
        epilog=getattr(module, "EPILOG", None),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.add_arguments(parser)
    parser.set_defaults(command_name=name)
    try:
        ns = parser.parse_args(args)
        return int(module.run(ns) or 0)
    except KeyboardInterrupt:
        print("ddcoterm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # A closed reader (`ddcoterm events | head`) is not an error worth a traceback.
        sys.stderr.close()
        return 0


def _unknown(name: str) -> int:
    import difflib

    close = difflib.get_close_matches(name, list(COMMANDS), n=1)
    hint = f" Did you mean `ddcoterm {close[0]}`?" if close else ""
    print(
        f"ddcoterm: unknown command '{name}'.{hint} To record a program, put it after --: "
        f"ddcoterm -- {name}. See `ddcoterm --help`.",
        file=sys.stderr,
    )
    return 2
