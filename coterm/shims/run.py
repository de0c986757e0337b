"""What a shim does when NAME runs: find the real NAME, ask the rules, then exec or record it.

The common case (no rule matches, the resident evaluator is up) imports only os, _socket,
zlib and this package's small modules; everything heavier is imported on the branch that
needs it. Exit statuses: the real program's own; 126 when coterm does not run it (a rule
denies it, or it needs an answer and no terminal can give one); 1 when the user answers
anything but y; 130 for Ctrl-C at the question; 127 when there is no real NAME.
"""

from __future__ import annotations

import os
import sys
import time

from coterm.shims import chain, client, where
from coterm.shims.launch import exec_real
from coterm.shims.resolve import find_real

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds on the shim's path
    from typing import Optional

    from coterm.shims.wire import Verdict

DENIED = 126
CANCELLED = 1
INTERRUPTED = 130
NOT_FOUND = 127


def main(name: str, record: bool = False) -> int:
    """The shim's entry point (stub.py calls it): the exit status when NAME does not take over."""
    try:
        return _run(name, record)
    except KeyboardInterrupt:  # Ctrl-C while the rules were still being asked
        _die_of_sigint()
        return INTERRUPTED


def _run(name: str, record: bool) -> int:
    argv = [name, *sys.argv[1:]]
    shim_path = sys.argv[0]
    guard = chain.read(os.environ, name, argv)
    if guard.depth >= chain.MAX_DEPTH:
        _err(
            f"CoTerm: {name} keeps calling itself through its shim ({guard.depth} levels deep); "
            f"stopped. Check the wrapper scripts named {name} in PATH."
        )
        return DENIED
    real = real_binary(name, shim_path, guard.skip)
    if real is None:
        _err(f"{name}: command not found (the coterm shim {shim_path} found no other {name} in PATH)")
        return NOT_FOUND
    chain.push(os.environ, name, argv, real)
    if guard.checked:  # an enclosing run of this shim already checked this exact command
        return exec_real(real, argv)
    cwd = _cwd()
    start = time.time()
    verdict = client.ask(where.server_socket(), name, argv, cwd, os.environ)
    if verdict is None:
        from coterm.shims.decide import evaluate_here

        verdict = evaluate_here(name, argv, cwd, os.environ)
    wants_record = _should_record(record, verdict.record)
    if verdict.plain():
        return _launch(real, argv, wants_record)
    status = _act(name, argv, real, verdict, wants_record, cwd, start)
    if status == INTERRUPTED:
        _die_of_sigint()
    return status


def real_binary(name: str, shim_path: str, skip: list[str]) -> Optional[str]:
    skip_dirs = [where.overrides_dir(), os.path.dirname(os.path.abspath(shim_path))]
    search = os.environ.get("PATH", os.defpath)
    found = find_real(name, search, skip_dirs, skip)
    if found is None and skip:  # nothing past the wrappers already used: take the first
        found = find_real(name, search, skip_dirs)
    return found


def _should_record(always: bool, rules_say: bool) -> bool:
    if os.environ.get("COTERM_SESSION"):
        return False  # inside `ddcoterm`: the session recording already has the output
    level = os.environ.get("COTERM_SAVE_LEVEL", "").strip().lower()
    if level in ("none", "metadata"):
        return False
    return always or rules_say


def _launch(real: str, argv: list[str], record: bool) -> int:
    if record:
        from coterm.shims.launch import record_run

        return record_run(real, argv)
    return exec_real(real, argv)


class _Outcome:
    """What the user (or the noninteractive policy) answered, for the command event."""

    __slots__ = ("lint_outcome", "approval_outcome")

    def __init__(self) -> None:
        self.lint_outcome = ""
        self.approval_outcome = ""

    def fields(self) -> dict[str, str]:
        return {"lint_outcome": self.lint_outcome, "approval_outcome": self.approval_outcome}


def _act(
    name: str, argv: list[str], real: str, verdict: Verdict, record: bool, cwd: str, start: float
) -> int:
    from coterm.shims import audit

    for notice in verdict.notices:
        _err(notice if notice.startswith("CoTerm") else f"CoTerm: {notice}")
    outcome = _Outcome()
    if verdict.kind == "deny":
        reasons = verdict.messages or ["a rule denies it"]
        _err("\n".join(f"CoTerm: blocked: {m}" for m in reasons) + f"\nCoTerm: {name} did not run.")
        outcome.lint_outcome = "blocked"
        status: Optional[int] = DENIED
    elif verdict.kind in ("confirm", "approval"):
        status = _ask(name, argv, verdict, outcome)
    else:
        status = None
        for message in verdict.messages:
            _err(f"CoTerm: {message}")
    if status is not None:
        audit.save_event(argv, verdict, cwd=cwd, start=start, **outcome.fields())
        return status
    if verdict.break_glass and "approval" in verdict.actions:
        _err("CoTerm: COTERM_BREAK_GLASS is set: running without approval (this run is audited).")
    if not record and audit.worth_saving(verdict):
        audit.save_event_detached(argv, verdict, cwd=cwd, start=start, **outcome.fields())
    return _launch(real, argv, record)


def _ask(name: str, argv: list[str], verdict: Verdict, outcome: _Outcome) -> Optional[int]:
    """Ask on the terminal; None to go on, or the exit status when the command must not run."""
    from coterm.shims.approval import approval_lines, request_approval
    from coterm.shims.tty import Terminal

    terminal = Terminal.open()
    try:
        if verdict.kind == "approval":
            lines = approval_lines(verdict)
            result = request_approval(verdict, argv, terminal)
            if result is None:
                return _unattended(name, verdict, lines, outcome)
            outcome.approval_outcome = result.outcome
            if not result.approved:  # the approvals flow has said why
                outcome.lint_outcome = "cancelled"
                return INTERRUPTED if result.interrupted else result.exit_code
            approved, interrupted = True, False
        else:
            lines = [f"Warning from CoTerm: {m}" for m in verdict.messages]
            lines = lines or ["Warning from CoTerm: this command matched a lint."]
            if terminal is None:
                return _unattended(name, verdict, lines, outcome)
            answer = terminal.confirm(lines)
            approved, interrupted = bool(answer), answer is None
    finally:
        if terminal is not None:
            terminal.close()
    if approved:
        outcome.lint_outcome = "confirmed"
        return None
    outcome.lint_outcome = "cancelled"
    _err(f"CoTerm: cancelled; {name} did not run.")
    return INTERRUPTED if interrupted else CANCELLED


def _unattended(name: str, verdict: Verdict, lines: list[str], outcome: _Outcome) -> Optional[int]:
    """Nobody can answer (no terminal): the `noninteractive` policy decides, never a wait."""
    what = "approval" if verdict.kind == "approval" else "confirmation"
    for line in lines:
        _err(line)
    if verdict.noninteractive == "allow":
        outcome.lint_outcome = "noninteractive allow"
        _err(f"CoTerm: no terminal to ask for {what}; running {name} anyway (noninteractive: allow).")
        return None
    outcome.lint_outcome = "noninteractive deny"
    _err(
        f"CoTerm: {name} needs {what} but there is no terminal to ask (script, cron, CI, no tty); "
        f"it did not run (exit {DENIED}). To let it run unattended, add `noninteractive: allow` "
        f"to the {name} entry of process_config.commands in {where.config_display()} (or set it "
        "at the top level for every command)."
    )
    return DENIED


def _die_of_sigint() -> None:
    """Ctrl-C at the question: end the way an interrupted program does, so a calling shell
    script sees the signal (bash stops a loop then) rather than a plain exit status."""
    import _signal

    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
    os.kill(os.getpid(), _signal.SIGINT)


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:  # the directory was removed under us
        return os.environ.get("PWD") or "/"


def _err(text: str) -> None:
    stream = sys.stderr
    if stream is None:  # started with stderr closed (`NAME 2>&-`)
        return
    try:
        stream.write(text + "\n")
        stream.flush()
    except (OSError, ValueError):
        sys.stderr = None  # nobody reads it any more; and exit must not fail flushing it (status 120)
