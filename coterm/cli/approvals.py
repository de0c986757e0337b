"""`ddcoterm approvals`: the approver's side: list, show, grant or deny requests; set up a spool."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

DESCRIPTION = """Approve or deny what others asked for with `ddcoterm approve` or an approval rule.
Nobody can decide their own request; an expired or withdrawn request cannot be granted; a grant
covers exactly one run of exactly the command shown, by that user, on that host, in that directory.

With the local backend, only members of the approvers group can decide: the spool's permissions
let only them write decisions, and the requester checks each decision file's owner (uid and
groups), not what the file says."""

EPILOG = """examples:
  ddcoterm approvals list
  ddcoterm approvals show k3j5x2abcdq7m4ze
  ddcoterm approvals grant k3j5x2abcdq7m4ze --reason "rollback plan checked"
  ddcoterm approvals deny k3j5x2abcdq7m4ze --reason "not during the freeze"
  ddcoterm approvals grant 4f0c...-uuid --backend datadog      # a Case Management case

shared host (SSH bastion) setup, once, as root, for approvers in Unix group `ops`:
  ddcoterm approvals setup --spool /var/spool/ddcoterm --group ops
which does the same as:
  mkdir -p /var/spool/ddcoterm/requests /var/spool/ddcoterm/decisions
  chown root:ops /var/spool/ddcoterm /var/spool/ddcoterm/requests /var/spool/ddcoterm/decisions
  chmod 0755 /var/spool/ddcoterm             # nobody but root renames what is inside
  chmod 3773 /var/spool/ddcoterm/requests    # anyone files a request; only ops can list them
  chmod 3775 /var/spool/ddcoterm/decisions   # only ops can write decisions; anyone can read
then in each user's ~/.ddcoterm/config.yaml (requesters and approvers alike):
  approvals:
    backend: local
    spool: /var/spool/ddcoterm
    approvers_group: ops
    timeout: 1h

exit status: 0 done, 1 refused (own request, not an approver, expired, withdrawn, already
decided, unknown id), 2 config or backend error."""

ACTIONS = ("list", "show", "grant", "deny", "setup")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help="what to do")
    parser.add_argument("id", nargs="?", metavar="ID", help="the request id (show, grant, deny)")
    parser.add_argument(
        "--reason", metavar="TEXT", default="", help="why (grant, deny); the requester sees it"
    )
    parser.add_argument(
        "--spool", metavar="PATH", help="the local spool (default: approvals.spool from config)"
    )
    parser.add_argument(
        "--backend", choices=("local", "datadog"), help="default: approvals.backend from config"
    )
    parser.add_argument(
        "--group", metavar="NAME", help="setup: the approvers group (default approvers_group)"
    )
    parser.add_argument("--all", action="store_true", help="list: decided and expired requests too")
    parser.add_argument("--json", action="store_true", help="list, show: JSON output")


def run(args: argparse.Namespace) -> int:
    from coterm.approvals import ApprovalError, ApprovalRefused

    try:
        settings = _settings(args)
        if args.action == "setup":
            return _setup(settings, args)
        if args.action in ("show", "grant", "deny") and not args.id:
            return _fail(f"{args.action} needs a request ID (see ddcoterm approvals list)", 2)
        backend = _backend(settings)
        if args.action == "list":
            return _list(backend.requests(include_all=args.all), args.json)
        if args.action == "show":
            return _show(backend.get(args.id), args.json)
        return _decide(backend, args)
    except ApprovalRefused as exc:
        return _fail(str(exc), 1)
    except ApprovalError as exc:
        return _fail(str(exc), 2)
    except ValueError as exc:  # a malformed request id
        return _fail(str(exc), 1)
    except OSError as exc:
        return _fail(f"{exc.strerror or exc} ({exc.filename or 'spool'})", 2)


def _settings(args: argparse.Namespace) -> Any:
    import os
    from pathlib import Path

    from coterm.approvals import load_settings

    settings = load_settings(os.getcwd())
    if args.spool:
        settings.spool = Path(args.spool).expanduser().absolute()
    if args.backend:
        settings.backend = args.backend
    if args.group:
        settings.approvers_group = args.group
    return settings


def _backend(settings: Any) -> Any:
    from coterm.approvals import get_backend

    return get_backend(settings)


def _fail(message: str, code: int) -> int:
    print(f"ddcoterm approvals: {message}", file=sys.stderr)
    return code


def _setup(settings: Any, args: argparse.Namespace) -> int:
    from coterm.approvals import spool

    if not settings.approvers_group:
        return _fail("setup needs --group NAME (the Unix group whose members may approve)", 2)
    for line in spool.setup(spool.Spool(settings.spool), settings.approvers_group):
        print(line)
    return 0


def _decide(backend: Any, args: argparse.Namespace) -> int:
    from coterm.approvals import audit

    grant = args.action == "grant"
    req = backend.decide(args.id, grant, args.reason)
    audit.state_change(req, req.state, role="approver")
    word = "granted" if grant else "denied"
    print(f"{word}: {req.ref or req.id} ({req.user}: {req.line})")
    return 0


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _list(requests: list[Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps([r.to_json() for r in requests], indent=1))
        return 0
    if not requests:
        print("no open approval requests")
        return 0
    for r in requests:
        left = r.expires - time.time()
        expires = f"expires in {int(left // 60)}m{int(left % 60):02d}s" if left > 0 else "expired"
        print(f"{r.id}  {r.state:<9}  {r.user}@{r.host}  {expires}  {r.line}")
    return 0


def _show(req: Any, as_json: bool) -> int:
    if as_json:
        print(json.dumps(req.to_json(), indent=1))
        return 0
    rows = [
        ("request", req.id if req.ref == req.id else f"{req.ref} ({req.id})"),
        ("state", req.state + (f" by {req.by}" if req.by else "")),
        ("requester", f"{req.user}@{req.host}" if req.host else req.user),
        ("command", req.line),
        ("cwd", req.cwd),
        ("for the requester", req.user_message),
        ("for the approver", req.approver_message),
        ("session", req.session_id),
        ("created", _when(req.created)),
        ("expires", _when(req.expires)),
        ("reason", req.reason),
    ]
    for name, value in rows:
        if value:
            print(f"{name + ':':<19}{value}")
    return 0
