"""Peel wrappers off an argv until the real command is left.

Works on argv already split (a shim's view), so it must not pay for bashlex: the shell
parser is imported only when a wrapper hands over shell text (`sh -c`, `eval`, `ssh`)
that is more than plain words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Optional

from coterm.model import ParseResult, SimpleCommand
from coterm.parse.context import MAX_DEPTH, Ctx, State, make_command
from coterm.parse.words import basename, plain_argv
from coterm.parse.wrappers import TABLE, Inner, Payload, Self


def unwrap(
    argv: list[str],
    raw: list[str],
    env: Mapping[str, str],
    redirects: list[str],
    stdin: str,
    ctx: Ctx,
    st: State,
) -> list[SimpleCommand]:
    """The commands `argv` runs: itself, or what its wrappers run (recursively)."""
    if not argv:
        return []
    name = basename(argv[0])
    handler = TABLE.get(name)
    branches = handler(argv, stdin) if handler else None
    if not branches:
        return [make_command(argv, raw, ctx, env, redirects, stdin)]
    if ctx.depth >= MAX_DEPTH:
        st.degrade(f"wrappers nested deeper than {MAX_DEPTH}: stopped at {name}")
        return [make_command(argv, raw, ctx, env, redirects, stdin)]
    out: list[SimpleCommand] = []
    for branch in branches:
        if isinstance(branch, Self):
            out.append(make_command(argv, raw, ctx, env, redirects, stdin))
        elif isinstance(branch, Inner):
            sub = _step(ctx, name, branch.origin, branch.remote)
            out += unwrap(branch.argv, raw, _inner_env(env, branch), redirects, stdin, sub, st)
        elif isinstance(branch, Payload):
            out += _payload(branch, name, env, redirects, stdin, ctx, st)
    return out


def _step(ctx: Ctx, name: str, origin: str, remote: bool) -> Ctx:
    return replace(
        ctx,
        origin=origin,
        wrappers=(*ctx.wrappers, name),
        depth=ctx.depth + 1,
        remote=ctx.remote or remote,
    )


def _inner_env(env: Mapping[str, str], branch: Inner) -> dict[str, str]:
    out = {} if branch.clear_env else dict(env)
    for name in branch.unset:
        out.pop(name, None)
    out.update(branch.env)
    return out


def _payload(
    branch: Payload,
    name: str,
    env: Mapping[str, str],
    redirects: list[str],
    stdin: str,
    ctx: Ctx,
    st: State,
) -> list[SimpleCommand]:
    sub = _step(ctx, name, branch.origin, branch.remote)
    # A remote shell does not see our environment; a local one inherits it.
    inherited = {} if branch.remote else dict(env)
    own_stdin = stdin if branch.inherit_stdin else ""
    if not branch.inherit_stdin:  # the here-doc is the script, not the commands' input
        redirects = [r for r in redirects if not r.lstrip("0123456789").startswith("<<")]
    words = branch.words if branch.words is not None else branch.text.split(" ")
    if plain_argv(words):  # same argv with or without a shell: skip the parser
        return unwrap(words, words, inherited, redirects, own_stdin, sub, st)
    sub = replace(
        sub,
        env=tuple(inherited.items()),
        redirects=tuple(redirects),
        stdin=own_stdin,
        aliases=branch.aliases,
        seen_aliases=frozenset(),
    )
    from coterm.parse.line import parse_text

    return parse_text(branch.text, sub, st)


def parse_argv(argv: list[str], assignments: Optional[Mapping[str, str]] = None) -> ParseResult:
    """unwrap_argv, plus whether the result is complete (parser "fallback" and error if not)."""
    st = State()
    commands = unwrap(list(argv), list(argv), dict(assignments or {}), [], "", Ctx(), st)
    parser = "fallback" if st.degraded else "bashlex"
    return ParseResult(commands=commands, parser=parser, error=st.error())


def unwrap_argv(argv: list[str], assignments: Optional[Mapping[str, str]] = None) -> list[SimpleCommand]:
    """The commands a shim's argv runs, wrappers peeled (`sudo env A=1 sh -c '...'`)."""
    return parse_argv(argv, assignments).commands
