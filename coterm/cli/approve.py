"""`ddcoterm approve`: ask another person to approve a command line, and wait for the answer."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys

DESCRIPTION = """Ask for approval and wait: the request shows who you are, the host, the command line
(redacted), the working directory and the messages; an approver grants or denies it. While waiting,
a spinner shows the elapsed time; Ctrl-C withdraws the request.

Three forms:
  ddcoterm approve --for-line LINE   what the shell hooks run for a line a rule sends to approval
  ddcoterm approve -- CMD ...        ask, then run CMD once granted (exit status = CMD's)
  ddcoterm approve --reason TEXT     an ad-hoc approval for something outside the rules"""

EPILOG = """examples:
  ddcoterm approve --reason "restart the primary db during the freeze" -- systemctl restart postgresql
  ddcoterm approve --reason "rotate the prod TLS key by hand"
  ddcoterm approve --for-line 'kubectl delete ns prod' --user-message 'Production!' \
      --approver-message 'Check the backup plan'

exit status:
  0  granted (with -- CMD: CMD's exit status instead)
  1  not granted: denied, expired, or withdrawn with Ctrl-C
  2  no approval could be asked or read: bad config, backend unreachable, missing keys

COTERM_BREAK_GLASS=true skips the approver: exit 0 (CMD runs) and a high-severity
break-glass event is stored. Approvers use `ddcoterm approvals grant|deny ID`."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--for-line", metavar="LINE", help="the command line that needs approval (hooks)")
    parser.add_argument("--cwd", metavar="DIR", help="its working directory (default: the current one)")
    parser.add_argument(
        "--user-message",
        metavar="M",
        action="append",
        default=[],
        help="the rule's message for you (repeatable)",
    )
    parser.add_argument(
        "--approver-message",
        metavar="M",
        action="append",
        default=[],
        help="the rule's message for the approver",
    )
    parser.add_argument("--reason", metavar="TEXT", help="why you need this (shown to the approver)")
    parser.add_argument("--session-id", metavar="ID", help="the recording session (default $COTERM_SESSION)")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON on stdout")
    parser.add_argument("--no-spinner", action="store_true", help="no live spinner, only the messages")
    parser.add_argument("cmd", nargs="*", metavar="CMD", help="after --: the command to run once granted")


def run(args: argparse.Namespace) -> int:
    from coterm.approvals import request_and_wait

    cmd = list(args.cmd)
    if cmd[:1] == ["--"]:
        cmd = cmd[1:]
    if args.for_line is not None and cmd:
        return _usage_error("give either --for-line LINE or -- CMD, not both")
    if args.for_line is None and not cmd and not args.reason:
        return _usage_error("say what needs approval: --reason TEXT, -- CMD, or --for-line LINE")
    line = args.for_line if args.for_line is not None else (shlex.join(cmd) if cmd else "")
    cwd = os.path.abspath(args.cwd) if args.cwd else os.getcwd()
    approver = list(args.approver_message)
    if args.reason:
        # Without a command the reason is the subject of the request itself.
        approver.append(f"reason given by the requester: {args.reason}" if line else args.reason)
    outcome = request_and_wait(
        line,
        cwd=cwd,
        user_message=args.user_message,
        approver_message=approver,
        session_id=args.session_id,
        tty=not args.no_spinner,
        source="hook" if args.for_line is not None else "approve",
    )
    if args.json:
        print(json.dumps(outcome.to_json()), flush=True)
    if outcome.granted and cmd:
        return _exec(cmd)
    return outcome.exit_code


def _usage_error(message: str) -> int:
    print(f"ddcoterm approve: {message} (see ddcoterm approve --help)", file=sys.stderr)
    return 2


def _exec(cmd: list[str]) -> int:
    """Replace this process with CMD: it runs exactly once, and its exit status is ours."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvp(cmd[0], cmd)
    except FileNotFoundError:
        print(f"ddcoterm approve: {cmd[0]}: command not found", file=sys.stderr)
        return 127
    except PermissionError:
        print(f"ddcoterm approve: {cmd[0]}: permission denied", file=sys.stderr)
        return 126
    return 0  # not reached: execvp does not return
