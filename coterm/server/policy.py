"""What the server does with one `eval` request: build the evaluator's inputs from what the
shell sent, ask the evaluator, and remember which one-time notices each shell has seen."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from coterm.model import Decision
from coterm.server import attach, replies
from coterm.server.layout import Layout
from coterm.server.protocol import DENY, Reply, Request

log = logging.getLogger("coterm.server")

_WORD = re.compile(r"[^\s;&|()<>`'\"]+")


class Policy:
    def __init__(self, lay: Layout, evaluator_factory: Optional[Callable[[], object]] = None):
        self.lay = lay
        self._factory = evaluator_factory
        self._evaluator: Optional[object] = None
        self._shown: dict[str, set[str]] = {}
        self._fail_closed: frozenset[str] = frozenset()
        self._fail_closed_stamp: object = None
        self._fail_closed_checked = 0.0
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Import, load and compile everything before the first shell asks (a cold first
        evaluation can take longer than a hook waits), and publish fail_closed."""
        try:
            self.evaluator().evaluate("true", cwd=os.path.expanduser("~"), shell="bash")
        except Exception:
            log.exception("warm-up evaluation failed")
        self._refresh_fail_closed()

    def evaluator(self):  # -> coterm.evaluator.Evaluator
        if self._evaluator is None:
            if self._factory is None:
                from coterm.evaluator import Evaluator

                self._factory = Evaluator
            self._evaluator = self._factory()
        return self._evaluator

    def decide(self, req: Request) -> tuple[Reply, Decision]:
        pid = req.get("pid")
        decision = self.evaluator().evaluate(
            req.get("line"),
            cwd=req.get("cwd") or os.getcwd(),
            env=shell_env(pid, req.env()),
            shell=req.get("sh") or "bash",
            aliases=req.prefixed("a."),
        )
        self._refresh_fail_closed()
        here = self._records_in_place(req, decision)
        notices = list(decision.notices)
        if here is False:
            notices.append(attach.fish_notice(decision))
        reply = replies.reply_for(decision, self._unseen(pid, notices))
        reply.here = bool(here) and reply.kind != DENY
        return reply, decision

    def _records_in_place(self, req: Request, decision: Decision) -> Optional[bool]:
        """None: nothing to record in place; True: the hook records the line in place;
        False: rules say record but this shell cannot (it is told once)."""
        if not attach.rule_says_record(decision):
            return None
        can = attach.in_place_for(req)
        if can is None or self._outside_setting(req.get("cwd")) == "off":
            return None
        return can

    def _outside_setting(self, cwd: str) -> str:
        """`recording.outside` from the config the evaluator uses: rules (default) or off."""
        try:
            value = self.evaluator().config(cwd or None).section("recording").get("outside", "rules")
        except Exception:  # the evaluator has already reported a broken config
            return "rules"
        return "off" if value in ("off", False) else "rules"

    def _unseen(self, pid: str, notices: list[str]) -> list[str]:
        if not notices:
            return []
        with self._lock:
            seen = self._shown.setdefault(pid, set())
            fresh = [n for n in notices if n not in seen]
            seen.update(fresh)
        return fresh

    def forget_dead_shells(self) -> None:
        with self._lock:
            for pid in list(self._shown):
                if not pid.isdigit() or not os.path.exists(f"/proc/{pid}"):
                    self._shown.pop(pid, None)

    # -- fail_closed, for when the evaluator cannot answer ------------------------------------

    def _refresh_fail_closed(self) -> None:
        now = time.monotonic()
        if now - self._fail_closed_checked < 2.0:
            return  # the list only matters when we cannot answer; a 2 s lag is fine
        self._fail_closed_checked = now
        try:
            from coterm.config import load_config

            cfg = load_config(None)
        except Exception:  # config trouble is reported through the evaluator's notices
            return
        if cfg.stamp == self._fail_closed_stamp:
            return
        names: set[str] = set()
        if cfg.setting("fail_closed") is True:
            names.add("*")
        for cmd in cfg.commands:
            if cmd.fail_closed:
                names.update(cmd.names)
        self._fail_closed, self._fail_closed_stamp = frozenset(names), cfg.stamp
        try:
            tmp = self.lay.fail_closed.with_name("fail-closed.tmp")
            tmp.write_text(" ".join(sorted(names)) + "\n")
            os.replace(tmp, self.lay.fail_closed)
        except OSError:
            log.warning("cannot write %s", self.lay.fail_closed)

    def fail_closed_match(self, line: str) -> str:
        return fail_closed_match(self._fail_closed, line)

    # -- bash continuation lines -------------------------------------------------------------

    def incomplete_bash(self, line: str, decision: Decision) -> bool:
        """True when bash would ask for more (open quote, `do` without `done`, here-doc body).

        The evaluator already parsed the line: only a line bashlex rejected (or a here-doc,
        whose body bashlex does not need) costs a `bash -n`.
        """
        if not line.strip():
            return False
        if decision.parser != "fallback" and "<<" not in line:
            return False
        return _bash_says_incomplete(line)


def _bash_says_incomplete(line: str) -> bool:
    bash = shutil.which("bash")
    if not bash:
        return False
    try:
        proc = subprocess.run([bash, "-n"], input=line + "\n", capture_output=True, text=True, timeout=1)
    except (OSError, subprocess.SubprocessError):
        return False
    err = proc.stderr
    return "unexpected end of file" in err or ("here-document" in err and "delimited by end-of-file" in err)


def shell_env(pid: str, sent: dict[str, str]) -> dict[str, str]:
    """The shell's environment: its start-up environment (/proc) with what the hook sent on
    top. The hook sends the variables rules usually look at; an empty value means unset."""
    env: dict[str, str] = {}
    if pid.isdigit():
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                for item in fh.read().split(b"\0"):
                    key, sep, value = item.partition(b"=")
                    if sep:
                        env[key.decode(errors="replace")] = value.decode(errors="replace")
        except OSError:
            pass
    for key, value in sent.items():
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    env.pop("COTERM_NONCE", None)
    return env


def fail_closed_match(names: frozenset[str] | set[str], line: str) -> str:
    """The fail_closed command named in `line`, if any (a word match: cheap, conservative)."""
    if not names:
        return ""
    if "*" in names:
        return "every command"
    for word in _WORD.findall(line):
        base = word.rsplit("/", 1)[-1]
        if base in names:
            return base
    return ""


def read_fail_closed(path: Path) -> frozenset[str]:
    """The list the server publishes for hooks to use when it cannot answer."""
    try:
        return frozenset(path.read_text().split())
    except OSError:
        return frozenset()
