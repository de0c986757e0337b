"""STUB (being written): the evaluator's public API. Signatures here are final."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from coterm.model import Decision


class Evaluator:
    """Resident evaluator: loads config once, reloads when files change, caches compiled rules."""

    def __init__(self) -> None:
        pass

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
    ) -> Decision:
        return Decision(decision="allow", line=line)

    def evaluate_argv(
        self,
        argv: list[str],
        *,
        cwd: str,
        env: Optional[Mapping[str, str]] = None,
        save_level: Optional[str] = None,
        approval: Optional[bool] = None,
    ) -> Decision:
        return Decision(decision="allow", line=" ".join(argv))
