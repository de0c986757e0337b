"""The two expansions that can hide a command name in plain sight, done where they are certain:
brace expansion (`{rm,-rf,x}` runs rm) and a variable set earlier in the same line
(`c=rm; $c -rf x`). Anything else dynamic stays as written (`$(which rm)`, `$HOME/bin/x`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Optional

_BRACE_LIMIT = 64  # words one expansion may produce; more is an attack, keep it as written
_BRACE_MAX_LEN = 2048
_VAR = re.compile(r"^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})$")


def expand_words(words: list[str], plain: list[bool], variables: Mapping[str, str]) -> list[str]:
    """`plain[i]`: words[i] was written unquoted, so the shell expands and splits it."""
    out: list[str] = []
    for word, unquoted in zip(words, plain):
        m = _VAR.match(word)
        name = (m.group(1) or m.group(2)) if m else None
        if name is not None and name in variables:
            # "$c" is one word; $c is split on blanks (and vanishes when empty)
            out += variables[name].split() if unquoted else [variables[name]]
        else:
            out += braces(word) if unquoted else [word]
    return out


def braces(word: str) -> list[str]:
    """`a{b,c}d` -> [abd, acd]; nested braces too. `{}`, `{x}` and `${x}` are left alone.

    Bounded: a word that would expand past _BRACE_LIMIT words is kept as written.
    """
    if "{" not in word or "," not in word or len(word) > _BRACE_MAX_LEN:
        return [word]
    done: list[str] = []
    todo = [word]
    steps = 0
    while todo:
        current = todo.pop(0)
        span = _first_group(current)
        if span is None:
            done.append(current)
            continue
        start, end, parts = span
        todo[0:0] = [current[:start] + part + current[end:] for part in parts]  # keeps bash's order
        steps += 1
        if len(done) + len(todo) > _BRACE_LIMIT or steps > 4 * _BRACE_LIMIT:
            return [word]
    return done


def _first_group(word: str) -> Optional[tuple[int, int, list[str]]]:
    i = 0
    while i < len(word):
        if word[i] == "{" and (i == 0 or word[i - 1] != "$"):
            parsed = _group(word, i)
            if parsed is not None:
                return parsed
        i += 1
    return None


def _group(word: str, start: int) -> Optional[tuple[int, int, list[str]]]:
    depth = 0
    parts: list[str] = []
    last = start + 1
    for j in range(start, len(word)):
        c = word[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                parts.append(word[last:j])
                return (start, j + 1, parts) if len(parts) > 1 else None
        elif c == "," and depth == 1:
            parts.append(word[last:j])
            last = j + 1
    return None


def assigned(assignments: Mapping[str, str]) -> dict[str, str]:
    """The literal values of a bare `NAME=value` command (a later `$NAME` can be resolved)."""
    return {k: v for k, v in assignments.items() if "$" not in v and "`" not in v}
