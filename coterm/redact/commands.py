"""Passwords given as command-line options whose flag says nothing on its own.

`mysql -pSECRET`, `sshpass -p SECRET`, `redis-cli -a SECRET`, `ldapsearch -w SECRET`,
`curl -u user:SECRET`, `sqlcmd -P SECRET`, `mongosh -p SECRET`: `-p` or `-a` alone is far too
common to be a keyword, so the anchor is the command name and the flag is read from its words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Callable, Optional

from coterm.redact.text import Found, ScanText
from coterm.redact.values import is_placeholder

_A = re.ASCII
_COMMAND = re.compile(
    r"(mysql(?:dump|admin|sh|import|check|slap|binlog|pump)?|mariadb(?:-?dump|-?admin|-?import)?"
    r"|sshpass|redis-cli|ldap(?:search|add|modify|delete|whoami|passwd|compare|modrdn|exop)"
    r"|curl|sqlcmd|mongo(?:sh|dump|restore|export|import)?)(?=[ \t])",
    _A,
)
_WORD = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'|[^\s;|&]+|[;|&]", _A)
_STARTS = frozenset(" \t\n;|&(`\"'/=")

Word = tuple[str, int, int]  # text without quotes, start, end


def command(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    text = t.text
    if text[pos - 1] not in _STARTS:
        return None
    m = _COMMAND.match(text, pos)
    if m is None:
        return None if t.complete(pos) or t.n - pos > 16 else t.hold_at(pos)
    if not t.complete(pos):
        return t.hold_at(pos)
    name = m.group(1)
    family = _family(name)
    words = _words(text, m.end(), t.line_end(pos))
    for value, vs, ve in family(words):
        if value and not is_placeholder(value):
            out.append(Found(vs, ve, "password", 2, pos))
    return None


def _words(text: str, start: int, end: int) -> list[Word]:
    out: list[Word] = []
    for m in _WORD.finditer(text, start, end):
        word = m.group()
        if word in (";", "|", "&"):
            break
        s, e = m.span()
        if word[0] in "\"'" and len(word) >= 2:
            word, s, e = word[1:-1], s + 1, e - 1
        out.append((word.rstrip("\r"), s, s + len(word.rstrip("\r"))))
    return out


def _option(words: list[Word], short: str, attached: bool, separate: bool, longs=()):
    """Values of `-pX` (attached), `-p X` (separate) and `--long X` / `--long=X`: (text, s, e)."""
    for i, (word, s, _e) in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if word == short and separate and nxt is not None:
            if not nxt[0].startswith("-") or nxt[0] == "-":
                yield nxt
        elif attached and word.startswith(short) and len(word) > len(short):
            yield word[len(short) :], s + len(short), s + len(word)
        for long in longs:
            if word == long and nxt is not None:
                yield nxt
            elif word.startswith(long + "="):
                yield word[len(long) + 1 :], s + len(long) + 1, s + len(word)


def _mysql(words: list[Word]):
    return _option(words, "-p", attached=True, separate=False)


def _dash_p(words: list[Word]):
    return _option(words, "-p", attached=True, separate=True)


def _redis(words: list[Word]):
    return _option(words, "-a", attached=False, separate=True)


def _ldap(words: list[Word]):
    return _option(words, "-w", attached=True, separate=True)


def _sqlcmd(words: list[Word]):
    return _option(words, "-P", attached=True, separate=True)


def _curl(words: list[Word]):
    """`-u user:password`: only the part after the first colon (no colon: curl prompts)."""
    for value, s, e in _option(words, "-u", True, True, longs=("--user", "--proxy-user", "-U")):
        colon = value.find(":")
        if 0 <= colon < len(value) - 1:
            yield value[colon + 1 :], s + colon + 1, e
    yield from _option(words, "--oauth2-bearer", attached=False, separate=True)


def _family(name: str) -> Callable[[list[Word]], Iterator[Word]]:
    if name.startswith(("mysql", "mariadb")):
        return _mysql
    if name == "redis-cli":
        return _redis
    if name.startswith("ldap"):
        return _ldap
    if name == "curl":
        return _curl
    if name == "sqlcmd":
        return _sqlcmd
    return _dash_p  # sshpass, mongo*
