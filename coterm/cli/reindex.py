"""`ddcoterm reindex`: rebuild sessions and the search index from the .cast files."""

from __future__ import annotations

import argparse
import sys

from coterm.cli.sessions import open_store, print_json

DESCRIPTION = """\
Rebuild the full-text index from the .cast recordings: after an upgrade, after the
database was lost or damaged, or for sessions whose output came faster than live
indexing kept up with. .cast files in the sessions directory that the database does
not know are added as sessions first; command events are restored from the casts'
command markers when a session has none. Running sessions are left to their recorder."""

EPILOG = """\
examples:
  ddcoterm reindex                 # everything
  ddcoterm reindex --missing       # only sessions not fully indexed (see `ddcoterm sessions`)
  ddcoterm reindex 0sfbp4k         # one session

JSON: an object with the keys sessions (ids reindexed), lines (text lines indexed),
text_bytes (characters indexed) and skipped (one "path: reason" string per cast
that could not be read)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sessions", nargs="*", metavar="ID", help="only these sessions (ids or unique prefixes)")
    p.add_argument("--missing", action="store_true", help="only sessions that are not fully indexed")
    p.add_argument("--json", action="store_true", help="print the result as JSON (keys below)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    from coterm.store import StoreError
    from coterm.store.when import format_size

    store = open_store()
    if store is None:
        return 1
    show = not (args.quiet or args.json)

    def progress(session, chars: int) -> None:  # type: ignore[no-untyped-def]
        if show:
            print(f"  {session.id}  {format_size(chars)} of text", flush=True)

    with store:
        try:
            result = store.reindex(args.sessions or None, missing_only=args.missing, progress=progress)
        except StoreError as e:
            print(f"ddcoterm: {e}", file=sys.stderr)
            return 1
    for reason in result.skipped:
        print(f"ddcoterm: reindex: skipped {reason}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "sessions": result.sessions,
                "lines": result.lines,
                "text_bytes": result.text_bytes,
                "skipped": result.skipped,
            }
        )
    elif not args.quiet:
        print(
            f"reindexed {len(result.sessions)} session(s): {result.lines} lines, "
            f"{format_size(result.text_bytes)} of text"
        )
    return 1 if result.skipped and not result.sessions else 0
