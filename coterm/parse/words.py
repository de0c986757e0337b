"""Small facts about single words: basenames, assignments, and words a shell leaves alone."""

from __future__ import annotations

import re
from typing import Optional

_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\+?=")
# A word that means the same to a shell whether or not it is re-parsed: no quoting,
# no expansion, no operator characters.
_PLAIN = re.compile(r"^[A-Za-z0-9_./:,@%+=^-]+$")


def basename(word: str) -> str:
    """`/usr/bin/kubectl`, `./kubectl` -> `kubectl` (quotes and `\\` are gone already).

    A name built by an expansion (`$(which rm)`, `${X:-/bin/rm}`) is left as written.
    """
    stripped = word.rstrip("/")
    if "/" not in stripped:
        return word
    tail = stripped.rsplit("/", 1)[-1]
    return word if any(ch in tail for ch in ")}`") else tail


def split_assignment(word: str) -> Optional[tuple[str, str]]:
    """`NAME=value` (or `NAME+=value`) -> (NAME, value); anything else -> None."""
    m = _ASSIGN.match(word)
    if m is None:
        return None
    return m.group(1), word[m.end() :]


def is_plain(word: str) -> bool:
    return bool(_PLAIN.match(word))


def plain_argv(words: list[str]) -> bool:
    """True when joining `words` with spaces and re-parsing gives the same argv back."""
    if not words or "=" in words[0]:
        return False
    return all(is_plain(w) for w in words)


def echo_text(argv: list[str]) -> Optional[str]:
    """What `echo ...` / `printf ...` writes, roughly: enough for rules to read piped SQL."""
    if not argv:
        return None
    name = basename(argv[0])
    args = argv[1:]
    if name == "echo":
        while args and re.match(r"^-[neE]+$", args[0]):
            args = args[1:]
    elif name == "printf":
        if args and args[0] == "-v":
            args = args[2:]
        if args and args[0] == "--":
            args = args[1:]
    else:
        return None
    return " ".join(args)


def pipe_text(argv: list[str], stdin: str) -> Optional[str]:
    """What a command writes into a pipe, when the line itself says: echo, printf, cat <<EOF."""
    text = echo_text(argv)
    if text is None and argv and basename(argv[0]) == "cat" and all(w == "-" for w in argv[1:]):
        return stdin or None
    return text
