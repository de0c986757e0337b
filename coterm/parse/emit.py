"""One simple command as a shell would run it: aliases expanded, fish keywords dropped,
braces and known variables expanded, inherited assignments merged, then wrappers peeled."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import replace

from coterm.model import SimpleCommand
from coterm.parse.context import MAX_NEST, Ctx, State
from coterm.parse.expand import assigned, expand_words
from coterm.parse.unwrap import unwrap
from coterm.parse.words import split_assignment

# fish's `and`/`or`/`not` prefix a command; bashlex takes them for the command name.
_FISH_PREFIX = ("and", "or", "not")
_FISH_BLOCK = ("begin", "end")
_DECLARE = ("export", "declare", "typeset", "local", "readonly")


def emit(
    words: list[str],
    plain: list[bool],
    assignments: Mapping[str, str],
    redirects: list[str],
    stdin: str,
    ctx: Ctx,
    st: State,
) -> list[SimpleCommand]:
    """`plain[i]` says words[i] was written without quotes or backslashes (alias-eligible)."""
    while len(words) > 1 and plain[0] and words[0] in _FISH_PREFIX:
        words, plain = words[1:], plain[1:]
    if len(words) == 1 and plain[0] and words[0] in _FISH_BLOCK:
        return []
    env = dict(ctx.env)
    env.update(assignments)
    all_redirects = [*ctx.redirects, *redirects]
    stdin = stdin or ctx.stdin
    if _alias_applies(words, plain, ctx, st):
        sub = replace(
            ctx,
            env=tuple(env.items()),
            redirects=tuple(all_redirects),
            stdin=stdin,
            nest=ctx.nest + 1,
        )
        return _expand_alias(words, plain, sub, st)
    words = expand_words(words, plain, {**st.variables, **dict(ctx.env)})
    if words and words[0] in _DECLARE:
        remember(dict(filter(None, map(split_assignment, words[1:]))), st)
    return unwrap(words, words, env, all_redirects, stdin, ctx, st)


def remember(assignments: Mapping[str, str], st: State) -> None:
    """A bare `NAME=value` command: later words `$NAME` in the line can be resolved."""
    st.variables.update(assigned(assignments))


def _alias_applies(words: list[str], plain: list[bool], ctx: Ctx, st: State) -> bool:
    if not (ctx.aliases and st.aliases and words and plain[0]):
        return False
    name = words[0]
    return name in st.aliases and name not in ctx.seen_aliases and ctx.nest < MAX_NEST


def _expand_alias(words: list[str], plain: list[bool], ctx: Ctx, st: State) -> list[SimpleCommand]:
    """Re-parse `ALIAS-TEXT rest...`; an alias text ending in a blank expands the next word too."""
    from coterm.parse.line import parse_text

    seen = set(ctx.seen_aliases)
    text = ""
    i = 0
    while i < len(words) and plain[i] and words[i] in st.aliases and words[i] not in seen:
        value = st.aliases[words[i]]
        seen.add(words[i])
        text += value
        i += 1
        if not value[-1:].isspace():
            break
    rest = " ".join(shlex.quote(w) for w in words[i:])
    text = f"{text} {rest}" if rest else text
    return parse_text(text, replace(ctx, seen_aliases=frozenset(seen)), st)
