"""A forgiving shell lexer, for lines bashlex rejects (and for the cheap rewrites).

It never raises: unterminated quotes and substitutions run to the end of the text. It
knows quoting, `$( )`, backticks, `${ }`, `$(( ))`, process substitution, here-docs and
comments, which is enough to find every command word without understanding the grammar.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Optional

OPS = (";;&", ";;", ";&", "&&", "||", "|&", ";", "&", "|", "(", ")", "\n")
_REDIR = re.compile(r"\d*(?:&>>|&>|<<<|<<-|<<|>>|>&|<&|>\||<>|>|<)")
_CLOSE = {"(": ")", "{": "}", "[": "]"}
_WORD_END = " \t\n;&|<>()"


@dataclass
class Token:
    kind: str  # "word" | "op" | "redir"
    text: str  # as written
    start: int
    end: int
    heredoc: Optional[str] = None  # for << and <<-: the body, filled at the next newline
    quoted_delim: bool = False  # `<<'EOF'`: the body is literal


def skip_balanced(s: str, j: int, close: str) -> int:
    """Index just past the `close` that matches an opener ending at j; len(s) if none."""
    return _scan(s, j, [close])


def _scan(s: str, j: int, stack: list[str]) -> int:
    """Walk quotes and brackets until `stack` empties (or the text ends); the stack is left
    holding what is still open."""
    n = len(s)
    while j < n and stack:
        c = s[j]
        top = stack[-1]
        if top == "'":
            if c == "'":
                stack.pop()
            j += 1
            continue
        if c == "\\":
            j += 2
            continue
        if c == "$" and j + 1 < n and s[j + 1] in _CLOSE:
            stack.append(_CLOSE[s[j + 1]])
            j += 2
            continue
        if c == "$" and j + 1 < n and s[j + 1] == "'" and top != '"':
            j = _ansi_end(s, j + 2)
            if j >= n and not s.endswith("'"):
                stack.append("'")
            continue
        if c == top:
            stack.pop()
        elif top == '"':
            if c == "`":
                stack.append("`")
        elif c in "'\"`":
            stack.append(c)
        elif c == "(" and top != "`":
            stack.append(")")
        elif c == "#" and top == ")" and (j == 0 or s[j - 1] in " \t\n;|&("):
            j = _line_end(s, j)
            continue
        j += 1
    return min(j, n)


def _line_end(s: str, j: int) -> int:
    k = s.find("\n", j)
    return len(s) if k < 0 else k


def scan_word(s: str, i: int) -> int:
    """End of the word starting at i."""
    n = len(s)
    j = i
    while j < n:
        c = s[j]
        if c in "<>" and j + 1 < n and s[j + 1] == "(":
            j = skip_balanced(s, j + 2, ")")
        elif c == "(" and j > i:
            j = skip_balanced(s, j + 1, ")")  # zsh glob qualifier, array, fish `x(cmd)`
        elif c in _WORD_END:
            break
        elif c == "\\":
            j += 2
        elif c == "'":
            k = s.find("'", j + 1)
            j = n if k < 0 else k + 1
        elif c == '"' or c == "`":
            j = skip_balanced(s, j + 1, c)
        elif c == "$" and j + 1 < n and s[j + 1] in _CLOSE:
            j = skip_balanced(s, j + 2, _CLOSE[s[j + 1]])
        elif c == "$" and j + 1 < n and s[j + 1] == "'":
            j = _ansi_end(s, j + 2)
        else:
            j += 1
    return min(j, n)


def _ansi_end(s: str, j: int) -> int:
    while j < len(s):
        if s[j] == "\\":
            j += 2
        elif s[j] == "'":
            return j + 1
        else:
            j += 1
    return len(s)


def tokenize(s: str) -> list[Token]:
    toks: list[Token] = []
    pending: list[Token] = []  # here-doc redirects waiting for their body
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t" or s.startswith("\\\n", i):
            i += 1 if c in " \t" else 2
        elif c == "#":
            i = _line_end(s, i)
        elif c == "\n":
            toks.append(Token("op", "\n", i, i + 1))
            i = _read_heredocs(s, i + 1, pending)
            pending = []
        elif s.startswith("((", i) and s.startswith(")", skip_balanced(s, i + 2, ")")):
            j = skip_balanced(s, i + 2, ")") + 1  # `(( arithmetic ))`, not `((a); (b))`
            toks.append(Token("word", s[i:j], i, j))
            i = j
        else:
            i = _one(s, i, toks, pending)
    return toks


def _one(s: str, i: int, toks: list[Token], pending: list[Token]) -> int:
    m = _REDIR.match(s, i)
    if m and not (s[m.end() - 1] in "<>" and s.startswith("(", m.end())):
        tok = Token("redir", m.group(0), i, m.end())
        toks.append(tok)
        if tok.text.lstrip("0123456789") in ("<<", "<<-"):
            pending.append(tok)
        return m.end()
    for op in OPS:
        if s.startswith(op, i):
            toks.append(Token("op", op, i, i + len(op)))
            return i + len(op)
    j = max(scan_word(s, i), i + 1)
    toks.append(Token("word", s[i:j], i, j))
    return j


def _read_heredocs(s: str, i: int, pending: list[Token]) -> int:
    for tok in pending:
        delim, quoted = _delimiter(tok, s)
        strip = tok.text.endswith("-")
        lines: list[str] = []
        while i < len(s):
            end = _line_end(s, i)
            line = s[i:end]
            i = end + 1
            if (line.lstrip("\t") if strip else line) == delim:
                break
            lines.append(line.lstrip("\t") if strip else line)
        tok.heredoc = "\n".join(lines)
        tok.quoted_delim = quoted
    return min(i, len(s))


def _delimiter(tok: Token, s: str) -> tuple[str, bool]:
    k = tok.end
    while k < len(s) and s[k] in " \t":
        k += 1
    raw = s[k : scan_word(s, k)]
    return unquote(raw), any(q in raw for q in "'\"\\")


def unquote(raw: str) -> str:
    """The word after quote removal; substitutions are kept as written."""
    out: list[str] = []
    j, n = 0, len(raw)
    while j < n:
        c = raw[j]
        if c == "\\":
            out.append(raw[j + 1 : j + 2] if raw[j + 1 : j + 2] != "\n" else "")
            j += 2
        elif c == "'":
            k = raw.find("'", j + 1)
            k = n if k < 0 else k
            out.append(raw[j + 1 : k])
            j = k + 1
        elif c == "$" and raw[j + 1 : j + 2] == "'":
            k = _ansi_end(raw, j + 2)
            out.append(_ansi_c(raw[j + 2 : k - 1] if raw[k - 1 : k] == "'" else raw[j + 2 : k]))
            j = k
        elif c == '"':
            k = skip_balanced(raw, j + 1, '"')
            inner = raw[j + 1 : k - 1] if raw[k - 1 : k] == '"' and k > j + 1 else raw[j + 1 : k]
            out.append(re.sub(r"\\([$`\"\\\n])", r"\1", inner))
            j = k
        elif c == "$" and raw[j + 1 : j + 2] in _CLOSE:
            k = skip_balanced(raw, j + 2, _CLOSE[raw[j + 1]])
            out.append(raw[j:k])
            j = k
        elif c == "`":
            k = skip_balanced(raw, j + 1, "`")
            out.append(raw[j:k])
            j = k
        else:
            out.append(c)
            j += 1
    return "".join(out)


def _ansi_c(text: str) -> str:
    """`$'a\\nb'` -> the text with its backslash escapes decoded (ASCII escapes only)."""
    if "\\" not in text or not text.isascii():
        return text
    try:
        return codecs.decode(text.replace("\\e", "\\x1b"), "unicode_escape")
    except UnicodeDecodeError:
        return text


def is_quoted(raw: str) -> bool:
    return any(q in raw for q in "'\"\\")


def find_subs(raw: str, dquoted: bool = False) -> list[tuple[str, str]]:
    """The `$( )`, backtick and process substitutions directly in `raw`: (origin, inner text).

    Nested substitutions are left inside the inner text, for its own parse to find.
    """
    found: list[tuple[str, str]] = []
    j, n = 0, len(raw)
    in_dq = dquoted
    while j < n:
        c = raw[j]
        nxt = raw[j + 1 : j + 2]
        if c == "\\":
            j += 2
        elif c == "'" and not in_dq:
            k = raw.find("'", j + 1)
            j = n if k < 0 else k + 1
        elif c == '"' and not dquoted:
            in_dq = not in_dq
            j += 1
        elif c == "$" and nxt == "'" and not in_dq:
            j = _ansi_end(raw, j + 2)
        elif c == "$" and raw.startswith("$((", j):
            k = skip_balanced(raw, j + 2, ")")
            found += find_subs(raw[j + 3 : k - 2], True)  # `$(( $(cat n) + 1 ))`
            j = k
        elif (c == "$" and nxt == "(") or (c in "<>" and nxt == "(" and not in_dq):
            k = skip_balanced(raw, j + 2, ")")
            found.append(("substitution" if c == "$" else "procsub", _inner(raw, j + 2, k, ")")))
            j = k
        elif c == "`":
            k = skip_balanced(raw, j + 1, "`")
            found.append(("substitution", _inner(raw, j + 1, k, "`").replace("\\`", "`")))
            j = k
        elif c == "$" and nxt and nxt in "{[":
            k = skip_balanced(raw, j + 2, _CLOSE[nxt])
            found += find_subs(raw[j + 2 : k - 1], True)  # `${x:-$(cmd)}`
            j = k
        elif c == "(" and not in_dq:
            k = skip_balanced(raw, j + 1, ")")
            found += _paren_subs(raw, j, k)
            j = k
        else:
            j += 1
    return found


def _inner(raw: str, start: int, end: int, close: str) -> str:
    return raw[start : end - 1] if raw[end - 1 : end] == close and end > start else raw[start:end]


def _paren_subs(raw: str, j: int, k: int) -> list[tuple[str, str]]:
    """`(` inside a word: an array `a=(x $(y))`, a zsh glob qualifier `*(.)`, or fish `x(cmd)`."""
    inner = _inner(raw, j + 1, k, ")")
    if raw[j - 1 : j] == "=" or not any(ch.isspace() for ch in inner):
        return find_subs(inner)
    return [("substitution", inner)]
