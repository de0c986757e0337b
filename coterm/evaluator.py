"""The evaluator: a command line (or a shim's argv) in, a Decision out.

Long-lived: the resident server, the xontrib and batch `check --file` keep one Evaluator,
so config is re-read only when a file changes and Lua snippets are compiled once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Optional

from coterm.config import Config, load_config
from coterm.model import Decision, ParseResult, SimpleCommand
from coterm.rules.engine import Overrides, RuleEngine
from coterm.rules.notices import NoticeLog

PARSE_CACHE = 512  # command lines whose parse is kept (oldest dropped first)


class Evaluator:
    """Resident evaluator: loads config once, reloads when files change, caches compiled rules."""

    def __init__(self, time_budget: float = 0.05) -> None:
        self.engine = RuleEngine(time_budget)
        from coterm.packs import pack_commands  # cheap: the pack files are parsed on first use

        self.engine.extra_commands = pack_commands
        self._notices = NoticeLog()
        self._parsed: dict[tuple, ParseResult] = {}

    def config(self, cwd: Optional[str] = None) -> Config:
        return load_config(cwd or os.getcwd(), extra_check=self.engine.check_file)

    def evaluate(
        self,
        line: str,
        *,
        cwd: str,
        env: Optional[Mapping[str, str]] = None,
        shell: str = "bash",
        aliases: Optional[Mapping[str, str]] = None,
        save_level: Optional[str] = None,
        approval: Optional[bool] = None,
        all_notices: bool = False,
    ) -> Decision:
        cfg = self.config(cwd)
        merged = {**_config_aliases(cfg), **(aliases or {})}
        parsed = self._parse(line, merged)
        return self._decide(
            parsed.commands,
            parsed.parser,
            line,
            cfg,
            cwd=cwd,
            env=env,
            shell=shell,
            overrides=Overrides(save_level, approval),
            all_notices=all_notices,
        )

    def evaluate_argv(
        self,
        argv: list[str],
        *,
        cwd: str,
        env: Optional[Mapping[str, str]] = None,
        save_level: Optional[str] = None,
        approval: Optional[bool] = None,
        all_notices: bool = False,
    ) -> Decision:
        import shlex

        from coterm.parse import parse_argv

        cfg = self.config(cwd)
        parsed = parse_argv(list(argv))
        line = shlex.join(argv)
        return self._decide(
            parsed.commands,
            parsed.parser,
            line,
            cfg,
            cwd=cwd,
            env=env,
            shell="shim",
            overrides=Overrides(save_level, approval),
            all_notices=all_notices,
        )

    def _parse(self, line: str, aliases: dict[str, str]) -> ParseResult:
        """Parsing is most of an evaluation's cost, and people repeat lines: cache by text."""
        from coterm.parse import parse_line

        key = (line, tuple(sorted(aliases.items())))
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = parse_line(line, aliases or None)
            if len(self._parsed) >= PARSE_CACHE:
                self._parsed.pop(next(iter(self._parsed)))
            self._parsed[key] = parsed
        return parsed

    def _decide(
        self,
        commands: list[SimpleCommand],
        parser: str,
        line: str,
        cfg: Config,
        *,
        cwd: str,
        env: Optional[Mapping[str, str]],
        shell: str,
        overrides: Overrides,
        all_notices: bool,
    ) -> Decision:
        decision = self.engine.decide(
            commands,
            cfg,
            line=line,
            cwd=cwd,
            env=dict(os.environ if env is None else env),
            shell=shell,
            parser=parser,
            overrides=overrides,
        )
        if all_notices:
            decision.notices = [n.text for n in cfg.notices]
        else:
            fresh = self._notices.unseen([n.key for n in cfg.notices])
            decision.notices = [n.text for n in cfg.notices if n.key in fresh]
        return decision


def _config_aliases(cfg: Config) -> dict[str, str]:
    return {str(k): v for k, v in cfg.section("aliases").items() if isinstance(v, str)}
