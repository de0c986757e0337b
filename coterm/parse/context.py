"""Where a command was found (Ctx) and what one parse has learned so far (State)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Optional

from coterm.model import SimpleCommand

MAX_DEPTH = 8  # wrapper hops and re-parsed payloads (`sudo sh -c '...'` is 2)
MAX_NEST = 32  # substitutions and alias expansions inside one another


@dataclass(frozen=True)
class Ctx:
    """Everything a simple command inherits from where it sits in the line."""

    origin: str = "top"
    wrappers: tuple[str, ...] = ()
    remote: bool = False
    depth: int = 0
    env: tuple[tuple[str, str], ...] = ()  # assignments given by wrappers (`env A=1`, `sudo A=1`)
    redirects: tuple[str, ...] = ()  # redirects of the wrapper that started a payload
    stdin: str = ""  # stdin of the wrapper that started a payload
    aliases: bool = True  # interactive parsing: aliases expand in command position
    seen_aliases: frozenset[str] = frozenset()
    nest: int = 0

    def inner(self, origin: str) -> Ctx:
        """A context one substitution deeper: redirects and stdin of the outer do not apply."""
        return replace(self, origin=origin, redirects=(), stdin="", nest=self.nest + 1)

    def with_origin(self, origin: str) -> Ctx:
        return replace(self, origin=origin)


@dataclass
class State:
    """Shared by every step of one parse_line / unwrap_argv call."""

    aliases: Mapping[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # `c=rm` earlier in the line

    @property
    def degraded(self) -> bool:
        return bool(self.errors)

    def degrade(self, why: str) -> None:
        if why not in self.errors:
            self.errors.append(why)

    def error(self) -> Optional[str]:
        return "; ".join(self.errors) if self.errors else None


def make_command(
    argv: list[str],
    raw_argv: list[str],
    ctx: Ctx,
    assignments: Mapping[str, str],
    redirects: list[str],
    stdin: str,
) -> SimpleCommand:
    from coterm.parse.words import basename

    path = argv[0] if argv else ""
    return SimpleCommand(
        argv=[basename(path), *argv[1:]] if argv else [],
        raw_argv=list(raw_argv),
        wrappers=list(ctx.wrappers),
        assignments=dict(assignments),
        remote=ctx.remote,
        origin=ctx.origin,
        path=path,
        redirects=list(redirects),
        stdin=stdin,
        depth=ctx.depth,
    )
