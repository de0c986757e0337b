"""`ddcoterm rules`: list the shipped rule packs and explain one rule."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import textwrap
from typing import Any, Optional

DESCRIPTION = """\
The default rule packs (fs, git, kubernetes, iac, cloud, databases, docker, system,
publish) catch the classic destructive commands on the parsed command line, through
sudo, env, sh -c, xargs, find -exec, ssh, watch, eval, kubectl exec and docker exec,
and stay silent on look-alikes such as `echo "rm -rf /"` or `git push --force-with-lease`.

Every finding asks for confirmation (y/n) with a message naming the risk and the safer
form; packs never deny. A rule fires when its severity (low, medium, high, critical),
raised one step in a risky context (production kube context or terraform workspace,
protected git branch, SSH, root), reaches packs.severity_threshold (default: medium)."""

EPILOG = """\
examples:
  ddcoterm rules list                      # one line per rule: pack, id, severity, summary
  ddcoterm rules list --pack git --json
  ddcoterm rules explain git.push-force    # what it catches, why, the safer form, examples
  ddcoterm rules explain kubernetes        # a pack and its rules
  ddcoterm rules explain fs.rm-root --lua  # the complete Lua lint, to copy into your config

turn rules off in ~/.ddcoterm/config.yaml:
  packs:
    disabled: [publish]
    ignore:
      - id: git.push-force
        reason: "review branches are force-pushed by design"
    severity_threshold: high     # low | medium | high | critical"""

ESCALATION_TEXT = {
    "root": "running as root (or through sudo/doas)",
    "ssh": "in an SSH session, or sent to another host with ssh",
    "k8s_prod": "the kube context or namespace looks like production (prod, production, prd, live)",
    "tf_prod": "the terraform workspace, pulumi stack or working directory looks like production",
    "protected_branch": "the branch involved is main, master or release/*",
    "prod_target": "an argument or AWS_PROFILE/PGHOST/RAILS_ENV-style variable looks like production",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    ls = sub.add_parser("list", help="one line per rule: pack, id, severity, summary")
    ls.add_argument("--pack", metavar="NAME", help="only this pack")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    ex = sub.add_parser("explain", help="what a rule (or pack) catches, why, the safer form, examples")
    ex.add_argument("id", metavar="ID", help="a rule id such as git.push-force, or a pack name")
    ex.add_argument("--lua", action="store_true", help="print the complete Lua lint the rule runs")
    for q in (ls, ex):
        q.add_argument("--cwd", metavar="DIR", help="read the config as seen from DIR (project files)")


def run(args: argparse.Namespace) -> int:
    if args.action is None:
        args.action, args.pack, args.json, args.cwd = "list", None, False, None
    from coterm.packs import PackError

    try:
        if args.action == "list":
            return _list(args)
        return _explain(args)
    except PackError as exc:
        print(f"ddcoterm rules: broken rule pack: {exc}", file=sys.stderr)
        return 2


def _settings(cwd: Optional[str]) -> Any:
    from coterm.config import load_config
    from coterm.packs import PackSettings

    cfg = load_config(os.path.abspath(os.path.expanduser(cwd)) if cwd else os.getcwd())
    for notice in cfg.notices:  # a broken packs section explains an unexpected status
        print(notice.text, file=sys.stderr)
    return PackSettings.from_section(cfg.section("packs"))


def _status(rule: Any, settings: Any, active: list[str]) -> str:
    from coterm.packs.catalog import SEVERITIES

    ignored = settings.ignored()
    if rule.pack not in active:
        return "pack disabled"
    if rule.id in ignored:
        return f"ignored: {ignored[rule.id]}"
    threshold = SEVERITIES.index(settings.effective_threshold)
    rank = SEVERITIES.index(rule.severity)
    if rank + 1 < threshold or (rank + 1 == threshold and not rule.escalate):
        return "below threshold"
    if rank < threshold:
        return "escalated only"
    return ""


def _list(args: argparse.Namespace) -> int:
    from coterm.packs import load_packs, pack_names

    if args.pack and args.pack not in pack_names():
        print(f"ddcoterm rules: no pack {args.pack!r} (packs: {', '.join(pack_names())})", file=sys.stderr)
        return 2
    settings = _settings(args.cwd)
    active = settings.active(pack_names())
    rules = [r for p in load_packs() if args.pack in (None, p.name) for r in p.rules]
    if args.json:
        out = [_rule_json(r, _status(r, settings, active)) for r in rules]
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    width = max((len(r.id) for r in rules), default=10)
    for r in rules:
        status = _status(r, settings, active)
        note = f"  ({status})" if status else ""
        print(f"{r.pack:<11} {r.id:<{width}}  {r.severity:<8}  {r.summary}{note}")
    print(
        f"{len(rules)} rules; threshold {settings.effective_threshold}; details: ddcoterm rules explain ID",
        file=sys.stderr,
    )
    return 0


def _rule_json(rule: Any, status: str) -> dict[str, Any]:
    return {
        "pack": rule.pack,
        "id": rule.id,
        "severity": rule.severity,
        "summary": rule.summary,
        "commands": list(rule.commands),
        "escalate": list(rule.escalate),
        "status": status or "active",
    }


def _explain(args: argparse.Namespace) -> int:
    from coterm.packs import all_rules, find_pack, find_rule, rule_source

    rule = find_rule(args.id)
    if rule is None:
        pack = find_pack(args.id)
        if pack is not None and not args.lua:
            return _explain_pack(pack)
        ids = [r.id for r in all_rules()]
        close = difflib.get_close_matches(args.id, ids, n=3, cutoff=0.5)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        print(f"ddcoterm rules: no rule {args.id!r}{hint}; see: ddcoterm rules list", file=sys.stderr)
        return 2
    settings = _settings(args.cwd)
    if args.lua:
        print(rule_source(rule, find_pack(rule.pack), settings.effective_threshold), end="")
        return 0
    _print_rule(rule, settings, sys.stdout)
    return 0


def _explain_pack(pack: Any) -> int:
    print(f"pack {pack.name}: {pack.summary}")
    print(f"file: {pack.file}\n")
    width = max(len(r.id) for r in pack.rules)
    for r in pack.rules:
        print(f"  {r.id:<{width}}  {r.severity:<8}  {r.summary}")
    print(f"\nTurn the whole pack off with  packs: {{disabled: [{pack.name}]}}  in ~/.ddcoterm/config.yaml")
    return 0


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=indent)


def _print_rule(rule: Any, settings: Any, out: Any) -> None:
    from coterm.packs import pack_names

    status = _status(rule, settings, settings.active(pack_names())) or "active"
    w = out.write
    w(f"{rule.id}  (pack {rule.pack}, severity {rule.severity})\n")
    w(f"{_wrap(rule.summary)}\n\n")
    w(f"Runs on: {', '.join(rule.commands)}, also when wrapped (sudo, env, sh -c, xargs, ssh, ...)\n\n")
    w(f"Why it matters:\n{_wrap(rule.why)}\n\n")
    w(f"Safer:\n{_wrap(rule.safer)}\n\n")
    if rule.escalate:
        w("Severity goes up one step when:\n")
        for kind in rule.escalate:
            w(f"  - {ESCALATION_TEXT[kind]}\n")
        w("\n")
    decision = (
        "Decision: confirm (y/n) once the severity, after escalation, reaches the threshold "
        f"(now {settings.effective_threshold}). Packs never deny or ask for approval."
    )
    w(_wrap(decision, indent="") + "\n")
    w(f"Status here: {status}\n\n")
    _examples(rule, out)
    w("To turn it off, in ~/.ddcoterm/config.yaml:\n")
    w(f'  packs:\n    ignore:\n      - id: {rule.id}\n        reason: "why it does not apply here"\n')
    w(f"or the whole pack: packs: {{disabled: [{rule.pack}]}}\n\n")
    w(f"Source: {rule.file}:{rule.line}   (the full Lua: ddcoterm rules explain {rule.id} --lua)\n")


def _examples(rule: Any, out: Any) -> None:
    if rule.fires:
        out.write("Fires on:\n")
        for line in rule.fires:
            out.write(f"  {_one_line(line)}\n")
        out.write("\n")
    if rule.passes:
        out.write("Stays silent on:\n")
        for line in rule.passes:
            out.write(f"  {_one_line(line)}\n")
        out.write("\n")
    if rule.fires:
        message = _message_for(rule, rule.fires[0])
        if message:
            out.write(f"Message for the first example:\n{_wrap(message)}\n\n")


def _one_line(line: str) -> str:
    return line.replace("\n", "\\n")


def _message_for(rule: Any, line: str) -> str:
    """Evaluate the example for real, so the shown message is exactly what users see."""
    import tempfile

    from coterm.evaluator import Evaluator

    with tempfile.TemporaryDirectory() as cwd:
        env = {"HOME": os.environ.get("HOME", "/root"), "PATH": os.environ.get("PATH", "")}
        decision = Evaluator().evaluate(line, cwd=cwd, env=env)
    for hit in decision.rules:
        if hit.rule_id == rule.id and hit.message:
            return hit.message
    return ""
