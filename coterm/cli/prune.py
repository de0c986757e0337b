"""`ddcoterm prune`: delete old sessions (cast file and rows together) and keep under the disk cap."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Optional

from coterm.cli.sessions import open_store, print_json

DESCRIPTION = """\
Delete recorded sessions older than --older-than, then the oldest ones until the
store is under its disk cap (--max-bytes, or `store: {max_bytes: ...}` in the config;
the cap counts .cast files plus indexed text). A session's .cast file, its indexed
text and its command events go together. Running sessions are never pruned, and a
.cast written elsewhere with `ddcoterm -o FILE` is left in place (only its rows go).
With no options, the config's `store.max_age` and `store.max_bytes` apply; the
recorder also applies them whenever a session starts."""

EPILOG = """\
examples:
  ddcoterm prune --older-than 30d
  ddcoterm prune --max-bytes 5GB --dry-run
  ddcoterm prune                              # apply store.max_age / store.max_bytes

config (~/.ddcoterm/config.yaml):
  store:
    max_bytes: 5GB
    max_age: 90d

JSON: an object with the keys sessions (ids removed, or that would be with
--dry-run), events (events outside any session removed) and bytes_freed."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--older-than", metavar="AGE", help="delete sessions that ended more than AGE ago: 30d, 12h, 2w"
    )
    p.add_argument("--max-bytes", metavar="SIZE", help="disk cap for this run: 500MB, 5GB, 1GiB")
    p.add_argument("--dry-run", action="store_true", help="show what would go, delete nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON (keys below)")


def run(args: argparse.Namespace) -> int:
    from coterm.store.config import StoreConfigError
    from coterm.store.when import WhenError, format_size, parse_duration, parse_size

    try:
        older = parse_duration(args.older_than) if args.older_than else None
        cap = parse_size(args.max_bytes) if args.max_bytes else None
    except WhenError as e:
        print(f"ddcoterm: prune: {e}", file=sys.stderr)
        return 2
    if older is None and cap is None:
        try:
            cfg = store_config()
        except StoreConfigError as e:
            print(f"ddcoterm: prune: config: {e} (see `ddcoterm config`)", file=sys.stderr)
            return 2
        older, cap = cfg.max_age, cfg.max_bytes
    if older is None and cap is None:
        print(
            "ddcoterm: prune: nothing to do: give --older-than or --max-bytes, "
            "or set store.max_age / store.max_bytes in the config",
            file=sys.stderr,
        )
        return 2
    store = open_store()
    if store is None:
        return 1
    with store:
        result = store.prune(older, cap, dry_run=args.dry_run)
    if args.json:
        print_json(result.to_json())
        return 0
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {len(result.sessions)} session(s), {format_size(result.bytes_freed)}", end="")
    print(f"; {result.events} loose event(s)" if result.events else "")
    for sid in result.sessions:
        print(f"  {sid}")
    return 0


def store_config(cwd: Optional[str] = None) -> Any:
    """The `store:` section of the effective config, parsed (StoreConfigError on bad values)."""
    from coterm.store.config import StoreConfig

    try:
        from coterm.config import load_config
    except ImportError:
        return StoreConfig()
    return StoreConfig.from_mapping(load_config(cwd or os.getcwd()).section("store"))
