"""From the evaluator's Decision for a shim's argv to a Verdict (used in-process and by the server).

What a shim adds to the Decision:
- `record` means "record this run": the first matching rule lists `record`, or
  COTERM_SAVE_LEVEL=record. Default actions alone do not: a shim with no matching rule
  execs the real binary with no overhead (`ddcoterm shim create NAME --record` records
  every run). COTERM_SAVE_LEVEL=none|metadata turns recording off.
- `noninteractive`: what to do when a confirmation cannot be asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from coterm.shims.wire import Verdict

SAVE_LEVELS = ("none", "metadata", "record")
NONINTERACTIVE = ("deny", "allow")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def overrides(env: Mapping[str, str]) -> tuple[Optional[str], Optional[bool]]:
    """The CLI overrides `ddcoterm --save-level/--approval` pass down as COTERM_SAVE_LEVEL/COTERM_APPROVAL."""
    level = env.get("COTERM_SAVE_LEVEL", "").strip().lower()
    approval = env.get("COTERM_APPROVAL", "").strip().lower()
    return (
        level if level in SAVE_LEVELS else None,
        True if approval in _TRUE else False if approval in _FALSE else None,
    )


def rules_say_record(decision: Any, save_level: Optional[str]) -> bool:
    if save_level in ("none", "metadata"):
        return False
    if save_level == "record":
        return True
    matched = any(h.kind == "rule" and not h.error and "record" in h.actions for h in decision.rules)
    return bool(decision.record) and matched


def noninteractive_policy(cfg: Any, name: str) -> str:
    """Per command (the first entry for NAME that sets it, then a "*" entry), else global, else deny.

    `allow` only counts from the global config: a project file may tighten, never loosen.
    """
    from coterm import paths
    from coterm.config import display_path

    global_file = display_path(paths.config_file())
    for wanted in (name, "*"):
        for cmd in cfg.commands:
            trusted = cmd.noninteractive == "deny" or cmd.file == global_file
            if wanted in cmd.names and cmd.noninteractive in NONINTERACTIVE and trusted:
                return cmd.noninteractive
    value = cfg.setting("noninteractive")
    return value if value in NONINTERACTIVE else "deny"


def verdict_for(evaluator: Any, name: str, argv: list[str], cwd: str, env: Mapping[str, str]) -> Verdict:
    """Evaluate with a coterm.evaluator.Evaluator (the server's resident one, or a fresh one)."""
    save_level, approval = overrides(env)
    decision = evaluator.evaluate_argv(
        list(argv), cwd=cwd, env=dict(env), save_level=save_level, approval=approval
    )
    cfg = evaluator.config(cwd)
    return Verdict(
        kind=decision.decision,
        record=rules_say_record(decision, save_level),
        noninteractive=noninteractive_policy(cfg, name),
        messages=list(decision.messages),
        approver_messages=list(decision.approver_messages),
        notices=list(decision.notices),
        break_glass=bool(decision.break_glass),
        rules=[r.to_json() for r in decision.rules],
        actions=list(decision.actions),
        fail_closed=bool(decision.fail_closed),
    )


def evaluate_here(name: str, argv: list[str], cwd: str, env: Mapping[str, str]) -> Verdict:
    """The fallback when no resident evaluator answers: load config and rules in this process."""
    try:
        from coterm.evaluator import Evaluator

        return verdict_for(Evaluator(), name, argv, cwd, env)
    except Exception as exc:  # a broken evaluator must not take the command with it
        return unavailable(name, cwd, f"{type(exc).__name__}: {exc}")


def unavailable(name: str, cwd: str, reason: str) -> Verdict:
    """Fail open with one line, or closed when config says fail_closed for NAME (or globally)."""
    closed = False
    try:
        from coterm.config import load_config

        cfg = load_config(cwd)
        closed = cfg.setting("fail_closed") is True or any(
            c.fail_closed for c in cfg.commands if name in c.names or "*" in c.names
        )
    except Exception:
        pass  # config itself is what broke: nothing says fail_closed, so stay open
    if closed:
        return Verdict(
            "deny",
            messages=[f"coterm could not check this command ({reason}) and {name}'s rules say fail_closed"],
            fail_closed=True,
        )
    return Verdict("allow", notices=[f"CoTerm: could not check this command ({reason}); it ran unchecked."])
