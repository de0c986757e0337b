"""`ddcoterm events`: every command line the hooks, shims and recorder saw, cancelled ones too."""

from __future__ import annotations

import argparse
import sys

from coterm.cli.sessions import open_store, print_json, since_arg

DESCRIPTION = """\
List command events, oldest first: when each command line started, how long it ran,
its exit status, the decision (allow, confirm, approval, deny), the lint outcome
(confirmed or cancelled at the y/n prompt), approvals and break-glass use."""

EPILOG = """\
examples:
  ddcoterm events --since 1h
  ddcoterm events --command kubectl          # also `sudo kubectl`, `/usr/bin/kubectl`
  ddcoterm events --session 0sfbp4k --json

JSON: a list of objects, oldest first, with the keys
  id, session (id or null outside a recorded session), start (ISO 8601),
  start_ts (epoch seconds), duration (seconds or null), line (redacted), argv,
  command (the executable), cwd, user, host, shell, exit_status (null when unknown
  or cancelled), decision (allow | confirm | approval | deny), rules (the lints and
  rules that fired), lint_outcome (confirmed | cancelled | null), approval_id,
  approval_outcome, break_glass (bool), source (hook | shim | record | approve | cast)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--session", metavar="ID", help="only this session (an id or a unique prefix)")
    p.add_argument("--since", metavar="WHEN", help="only events since: 1h, 2d, 2024-05-01, ...")
    p.add_argument("--command", metavar="NAME", help="only command lines running NAME")
    p.add_argument("-n", "--limit", type=int, metavar="N", help="only the N most recent")
    p.add_argument("--json", action="store_true", help="print a JSON list (keys below)")


def run(args: argparse.Namespace) -> int:
    from coterm.store import StoreError
    from coterm.store.records import event_json

    since = since_arg(args.since)
    if since is False:
        return 2
    store = open_store()
    if store is None:
        return 1
    with store:
        try:
            session = store.session(args.session).id if args.session else None
        except StoreError as e:
            print(f"ddcoterm: {e}", file=sys.stderr)
            return 1
        rows = store.events(session=session, since=since, command=args.command, limit=args.limit)
    if args.json:
        print_json([event_json(e) for e in rows])
        return 0
    if not rows:
        print("no command events match")
        return 0
    _print_table(rows)
    return 0


def _print_table(rows: list) -> None:
    from coterm.store.when import format_duration, local

    table = [("STARTED", "DURATION", "EXIT", "OUTCOME", "SESSION", "LINE")]
    for e in rows:
        table.append(
            (
                local(e.start),
                format_duration(e.duration),
                "-" if e.exit_status is None else str(e.exit_status),
                _outcome(e),
                e.session_id or "-",
                e.line,
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])


def _outcome(e) -> str:  # type: ignore[no-untyped-def]
    """One word: what happened to the line."""
    if e.lint_outcome == "cancelled" or e.approval_outcome in ("denied", "rejected", "cancelled"):
        return "cancelled"
    if e.decision == "deny":
        return "denied"
    parts = [e.decision]
    if e.lint_outcome:
        parts.append(e.lint_outcome)
    if e.approval_outcome:
        parts.append(f"approval:{e.approval_outcome}")
    if e.break_glass:
        parts.append("break-glass")
    return ",".join(parts)
