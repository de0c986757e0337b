"""`ddcoterm check`: the evaluator's decision for a line, without running it."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from typing import IO, TYPE_CHECKING

from coterm.model import Decision

if TYPE_CHECKING:
    from coterm.evaluator import Evaluator

DESCRIPTION = """\
Show what coterm would do with a command line, without running it: every command the
line would run (after unwrapping sudo, env, sh -c, xargs, ssh, ...), which lint or rule
fired (file and index), and the resulting decision: allow, confirm, approval or deny.

Exit status: 0 allow, 1 confirm/approval/deny, 2 usage or config errors."""

EPILOG = """\
examples:
  ddcoterm check -- 'kubectl scale deploy/web --replicas=0'
  ddcoterm check --json -- 'sudo sh -c "rm -rf /"'
  ddcoterm check --cwd ~/src/infra -- terraform destroy
  ddcoterm check --file ~/.bash_history            # audit a history file
  find . -name '*.sh' -print0 | xargs -0 cat | ddcoterm check --file - --json

JSON (one object per line with --file): decision, messages, approver_messages,
actions, record, commands [{argv, wrappers, remote, assignments}], parser
(bashlex | fallback), rules [{kind, command, file, index, where, line, message,
approver_message, error, actions, rule_id}], line (with --file)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the decision as JSON")
    p.add_argument("--cwd", metavar="DIR", help="evaluate as if run in DIR (project rules, git branch)")
    p.add_argument(
        "--shell",
        choices=["bash", "zsh", "fish", "xonsh"],
        default="bash",
        help="the shell the line is written for (default: bash)",
    )
    p.add_argument(
        "--save-level", choices=["none", "metadata", "record"], help="override what the rules say to save"
    )
    p.add_argument("--approval", choices=["true", "false"], help="force or drop the approval step")
    p.add_argument(
        "--file", metavar="FILE", help="evaluate each line of FILE ('-' for stdin) instead of one LINE"
    )
    p.add_argument(
        "-0",
        dest="nul",
        action="store_true",
        help="with --file: lines are separated by NUL bytes (they may contain newlines)",
    )
    p.add_argument("line", nargs="*", metavar="LINE", help="the command line (after --)")


def run(args: argparse.Namespace) -> int:
    if args.file is None and not args.line:
        print(
            "ddcoterm check: give a command line after --, e.g. "
            "ddcoterm check -- 'kubectl delete ns prod', or --file FILE",
            file=sys.stderr,
        )
        return 2
    if args.file is not None and args.line:
        print("ddcoterm check: give either --file or a LINE, not both", file=sys.stderr)
        return 2
    cwd = os.path.abspath(os.path.expanduser(args.cwd)) if args.cwd else os.getcwd()
    if not os.path.isdir(cwd):
        print(f"ddcoterm check: --cwd {args.cwd}: no such directory", file=sys.stderr)
        return 2
    from coterm.evaluator import Evaluator

    evaluator = Evaluator()
    approval = None if args.approval is None else args.approval == "true"
    options = dict(cwd=cwd, shell=args.shell, save_level=args.save_level, approval=approval)
    cfg = evaluator.config(cwd)
    if args.file is not None:
        status = _batch(evaluator, args, options)
    else:
        line = args.line[0] if len(args.line) == 1 else shlex.join(args.line)
        decision = evaluator.evaluate(line, all_notices=True, **options)
        for notice in decision.notices:
            print(notice, file=sys.stderr)
        if args.json:
            print(json.dumps(decision.to_json(), ensure_ascii=False))
        else:
            _print_human(decision, sys.stdout)
        status = 0 if decision.decision == "allow" else 1
    return 2 if not cfg.ok else status


def _read_lines(path: str, nul: bool) -> list[str]:
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as fh:
            data = fh.read()
    text = data.decode("utf-8", "replace")
    parts = text.split("\0") if nul else text.splitlines()
    return [p for p in parts if p.strip()]


def _batch(evaluator: Evaluator, args: argparse.Namespace, options: dict) -> int:
    try:
        lines = _read_lines(args.file, args.nul)
    except OSError as exc:
        print(f"ddcoterm check: {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    flagged = 0
    out = sys.stdout
    for i, line in enumerate(lines):
        # all_notices: report them without marking them seen for the user's shells.
        decision = evaluator.evaluate(line, all_notices=True, **options)
        for notice in decision.notices if i == 0 else ():
            print(notice, file=sys.stderr)
        if decision.decision != "allow":
            flagged += 1
        if args.json:
            out.write(json.dumps({"line": line, **decision.to_json()}, ensure_ascii=False) + "\n")
        elif decision.decision != "allow":
            first = decision.messages[0] if decision.messages else ""
            out.write(f"{decision.decision:<9} {_short(line, 60):<60}  {first}\n")
    if not args.json:
        print(f"{len(lines)} lines checked, {flagged} not allowed", file=sys.stderr)
    return 1 if flagged else 0


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_human(d: Decision, out: IO[str]) -> None:
    out.write(f"line:     {d.line}\nparser:   {d.parser}\n")
    if not d.commands:
        out.write("commands: (none)\n")
    for i, cmd in enumerate(d.commands, 1):
        extra = []
        if cmd.wrappers:
            extra.append("via " + " > ".join(cmd.wrappers))
        if cmd.remote:
            extra.append("remote")
        if cmd.assignments:
            extra.append(" ".join(f"{k}={v}" for k, v in cmd.assignments.items()))
        tail = f"   [{'; '.join(extra)}]" if extra else ""
        out.write(f"command {i}: {shlex.join(cmd.argv)}{tail}\n")
    for hit in d.rules:
        where = f"{hit.file}:{hit.line}" if hit.line else hit.file
        what = f"error: {hit.error}" if hit.error else (hit.message or "matched")
        acts = f" -> actions [{', '.join(hit.actions)}]" if hit.kind == "rule" and not hit.error else ""
        out.write(f"fired:    {hit.kind} {hit.where} ({where}) on {hit.command}: {what}{acts}\n")
    out.write(f"decision: {d.decision}")
    if d.break_glass:
        out.write(" (break glass: approval bypassed, audited)")
    out.write("\n")
    for message in d.messages:
        out.write(f"  message: {message}\n")
    for message in d.approver_messages:
        out.write(f"  for the approver: {message}\n")
    out.write(f"actions:  {', '.join(d.actions) or '(none)'} (record: {'yes' if d.record else 'no'})\n")
