"""`ddcoterm shim create|list|remove NAME`: route every future NAME through coterm."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
A shim is a small executable $COTERM_HOME/overrides/NAME (default ~/.ddcoterm/overrides).
With that directory first in PATH (`ddcoterm init` puts it there), every NAME that is
looked up through PATH -- typed in a shell, or run by a script, cron job or CI step --
goes through coterm: its lints warn and ask y/n on the terminal, its rules can ask for
approval, deny it or record it, and then the real NAME (the next one in PATH) runs with
the same arguments, input, output and exit status (the shim execs it: no extra process).
A run is recorded, as `ddcoterm -- NAME ...` would, when the matching rule lists `record`
(or always, for a shim made with --record); otherwise nothing is added to it.

Where no terminal can answer (cron, CI, pipes without a tty), a command that needs a
confirmation does not run: it exits 126 with a message, unless config says
`noninteractive: allow` (for the command, or globally). Absolute paths
(/usr/bin/kubectl) and a PATH without the overrides directory bypass shims."""

EPILOG = """\
examples:
  ddcoterm shim create kubectl            # lint, approve and deny kubectl through rules
  ddcoterm shim create terraform --record # ... and record every terraform run
  ddcoterm shim list                      # shims, and the real binary each one runs
  ddcoterm shim remove kubectl
  COTERM_BREAK_GLASS=true kubectl delete ns demo   # skip approval (audited)

wrappers and plugins:
  A script named NAME earlier in PATH that runs "the next NAME" reaches the real one (the
  shim looks past it), and the same command is not asked about twice. A different NAME
  command started from inside a NAME run (a plugin, a script) is checked like any other.

exit statuses of a shimmed command:
  the program's own; 126 when coterm did not run it (denied, or no terminal to ask);
  1 when you answer anything but y; 130 for Ctrl-C at the question; 127 when no real NAME
  is in PATH."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="create|list|remove")
    create = sub.add_parser("create", help="make NAME go through coterm")
    create.add_argument("name", metavar="NAME", help="the command, e.g. kubectl")
    create.add_argument(
        "--record", action="store_true", help="record every run (otherwise: when a rule says record)"
    )
    listing = sub.add_parser("list", help="show shims and the real binary each one runs")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    remove = sub.add_parser("remove", help="stop routing NAME through coterm")
    remove.add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    from coterm.shims.manage import ShimError

    action = getattr(args, "action", None)
    if action is None:
        print("usage: ddcoterm shim create NAME [--record] | list | remove NAME", file=sys.stderr)
        return 2
    try:
        if action == "create":
            return _create(args.name, args.record)
        if action == "remove":
            return _remove(args.name)
        return _list(args.json)
    except ShimError as exc:
        print(f"ddcoterm shim: {exc}", file=sys.stderr)
        return 1


def _create(name: str, record: bool) -> int:
    from coterm.shims.advice import after_create
    from coterm.shims.manage import create

    info = create(name, record)
    print(after_create(info))
    return 0


def _remove(name: str) -> int:
    from coterm.shims.advice import after_remove
    from coterm.shims.manage import remove

    path = remove(name)
    print(after_remove(name, path))
    return 0


def _list(as_json: bool) -> int:
    from coterm.config import display_path
    from coterm.shims.manage import list_shims

    shims = list_shims()
    if as_json:
        import json

        rows = [
            {"name": s.name, "path": str(s.path), "real": s.real, "record": s.record, "problem": s.problem}
            for s in shims
        ]
        print(json.dumps(rows, indent=1))
        return 0
    if not shims:
        print("no shims (make one: ddcoterm shim create kubectl)")
        return 0
    width = max(len(s.name) for s in shims)
    for s in shims:
        real = s.real or "not found in PATH"
        mode = "  (records every run)" if s.record else ""
        broken = f"  BROKEN: {s.problem}" if s.problem else ""
        print(f"{s.name:<{width}}  -> {real}{mode}{broken}")
    print(f"\nshims live in {display_path(shims[0].path.parent)}")
    return 0
