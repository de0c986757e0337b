"""`ddcoterm sessions`: recorded sessions from the local store (and casts it had lost track of).

Also home to the small helpers the store's other commands share (opening the store, --since)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Optional

DESCRIPTION = """\
List recorded sessions, oldest first: id, start, duration, state, size, user@host,
command (or shell) and the .cast path. A session whose recorder died is shown as
`killed`; .cast files in the sessions directory that the database does not know
(it was lost, or the recorder crashed first) are listed too, and `ddcoterm reindex
--missing` makes them searchable."""

EPILOG = """\
examples:
  ddcoterm sessions                       # everything
  ddcoterm sessions --since 2d -n 10      # the last 10 of the past two days
  ddcoterm sessions --json | jq -r '.[] | select(.state=="killed") | .id'

JSON: a list of objects, oldest first, with the keys
  id, started (ISO 8601), started_ts (epoch seconds), ended, ended_ts (null while
  running), duration (seconds or null), state (running | ended | killed),
  exit_status, command, shell, user, host, mode (all | rules | off), title,
  path (the .cast file), size (bytes), width, height, indexed (false: not
  searchable until `ddcoterm reindex --missing`)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print a JSON list (keys below)")
    p.add_argument("--since", metavar="WHEN", help="only sessions active since: 1h, 2d, 2024-05-01, ...")
    p.add_argument("-n", "--limit", type=int, metavar="N", help="only the N most recent")


def run(args: argparse.Namespace) -> int:
    store = open_store()
    if store is None:
        return 1
    since = since_arg(args.since)
    if since is False:
        return 2
    with store:
        rows = store.sessions(since=since, limit=args.limit)
    if args.json:
        print_json([s.to_json() for s in rows])
        return 0
    if not rows:
        print("no sessions recorded yet: run `ddcoterm` or `ddcoterm -- CMD` to record one")
        return 0
    print_table(rows)
    missing = sum(1 for s in rows if not s.indexed)
    if missing:
        print(
            f"note: {missing} session(s) are not searchable yet: run `ddcoterm reindex --missing`",
            file=sys.stderr,
        )
    return 0


def print_table(rows: list[Any]) -> None:
    from coterm.store.when import format_duration, format_size, local

    table = [("ID", "STARTED", "DURATION", "STATE", "SIZE", "USER@HOST", "COMMAND", "PATH")]
    for s in rows:
        duration = format_duration(s.duration) if s.state != "running" else "running"
        command = s.command or s.shell
        table.append(
            (
                s.id,
                local(s.started),
                duration,
                s.state,
                format_size(s.size),
                f"{s.user}@{s.host}",
                command if len(command) <= 40 else command[:39] + "…",
                s.cast_path,
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])


# shared by events, search, prune and reindex


def open_store() -> Optional[Any]:
    """The store, or None after printing one line saying why it cannot be opened."""
    from coterm.store import Store, StoreError

    try:
        return Store.open()
    except StoreError as e:
        print(f"ddcoterm: {e}", file=sys.stderr)
        return None


def since_arg(text: Optional[str]) -> Any:
    """Epoch seconds for --since, None when absent, False after printing an error."""
    if text is None:
        return None
    from coterm.store.when import WhenError, parse_since

    try:
        return parse_since(text)
    except WhenError as e:
        print(f"ddcoterm: --since: {e}", file=sys.stderr)
        return False


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
