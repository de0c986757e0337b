"""`ddcoterm search`: full-text search over recorded session output, with a replay command per hit."""

from __future__ import annotations

import argparse
import os
import re
import sys

from coterm.cli.sessions import open_store, print_json, since_arg

DESCRIPTION = """\
Search what recorded sessions printed (terminal text, redacted), newest first. Each
hit shows the session, the time into the recording, the line with the match
highlighted, and the command that replays the session from that moment. Running
sessions are searchable too (within a couple of seconds of the output).

Query: words (all must be on the line), "quoted phrases", prefix* and filters:
  command:NAME   lines printed while NAME ran (or in a session recording NAME)
  user:NAME  host:NAME   the session's user or host (* and ? wildcards)
  session:ID     one session (same as --session)
Case does not matter; punctuation separates words, so `hello-needle` finds the
phrase "hello needle". Exit status: 0 found, 1 nothing found, 2 bad query."""

EPILOG = """\
examples:
  ddcoterm search 'connection refused'
  ddcoterm search '"permission denied" command:kubectl' --since 2d
  ddcoterm search 'OOMKilled host:web-*' --json
  ddcoterm search 'deploy*' --session 0sfbp4k

JSON: a list of objects, newest first, with the keys
  session (id), offset (seconds into the recording), at (MM:SS, for play --at),
  time (ISO 8601), time_ts (epoch seconds), text (the whole line), spans ([start,
  end) character ranges of the matches in text), command (the session's command or
  shell), user, host, replay (the `ddcoterm play ID --at MM:SS` command)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HIGHLIGHT = ("\x1b[1;31m", "\x1b[0m")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="+", metavar="QUERY", help="what to look for (see above)")
    p.add_argument("--session", metavar="ID", help="only this session (an id or a unique prefix)")
    p.add_argument("--since", metavar="WHEN", help="only output since: 1h, 2d, 2024-05-01, ...")
    p.add_argument(
        "-n", "--limit", type=int, default=20, metavar="N", help="at most N hits (default 20; 0: all)"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list (keys below)")
    p.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="highlight matches (auto: on a tty)",
    )


def run(args: argparse.Namespace) -> int:
    from coterm.store import QueryError, StoreError

    since = since_arg(args.since)
    if since is False:
        return 2
    store = open_store()
    if store is None:
        return 1
    with store:
        try:
            hits = store.search(
                " ".join(args.query), session=args.session, since=since, limit=args.limit or None
            )
        except QueryError as e:
            print(f"ddcoterm: search: {e}", file=sys.stderr)
            return 2
        except StoreError as e:
            print(f"ddcoterm: {e}", file=sys.stderr)
            return 1
        missing = len(store.unindexed())
    if args.json:
        print_json([h.to_json() for h in hits])
    else:
        _print_hits(hits, _use_color(args.color))
    if missing:
        print(
            f"note: {missing} session(s) are not searchable yet: run `ddcoterm reindex --missing`",
            file=sys.stderr,
        )
    return 0 if hits else 1


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _print_hits(hits: list, color: bool) -> None:
    from coterm.store.when import local

    if not hits:
        print("no matches")
        return
    for h in hits:
        when = local(None if h.started is None else h.started + h.offset)
        who = f"{h.user}@{h.host}" if h.user or h.host else ""
        print(_safe(f"{h.session_id}  {h.at}  {when}  {who}  {h.command}".rstrip()))
        print("  " + _marked(h.text, h.spans, color))
        print(f"  replay: {h.replay}")


def _marked(text: str, spans: list, color: bool) -> str:
    """The line with its matches highlighted; recorded control characters never reach the terminal."""
    if not color:
        return _safe(text)
    out, pos = [], 0
    for start, end in spans:
        out.append(_safe(text[pos:start]))
        out.append(HIGHLIGHT[0] + _safe(text[start:end]) + HIGHLIGHT[1])
        pos = end
    out.append(_safe(text[pos:]))
    return "".join(out)


def _safe(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)
