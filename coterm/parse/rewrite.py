"""Cheap rewrites that turn what bashlex 0.18 rejects into what it accepts, commands intact.

Each rewrite keeps every command word where it was; only syntax bashlex does not know is
changed: `[[ ]]` and `time` become plain words, `$(( ))` becomes `0`, `for ((;;))` a plain
for, `&&`/`||` inside `$( )` become `;`, and quoted here-doc delimiters lose their quotes
(the returned set remembers which ones were quoted: their bodies are literal).
"""

from __future__ import annotations

import re

from coterm.parse.lexer import skip_balanced, tokenize

_HEREDOC_QUOTED = re.compile(r"(<<-?)([ \t]*)(?:'([^'\n]*)'|\"([^\"\n]*)\"|\\(\w+))")
# `\time` is the same word to the shell but not the keyword bashlex refuses.
_TIME = re.compile(r"(^|[;&|(){}!\n]|\bthen|\bdo|\belse)([ \t]*)time(?=[ \t]|$)")
_FOR_ARITH = re.compile(r"\bfor[ \t]*\(\(")


def rewrite(text: str) -> tuple[str, set[str]]:
    quoted: set[str] = set()

    def unquote_delim(m: re.Match[str]) -> str:
        word = m.group(3) if m.group(3) is not None else (m.group(4) or m.group(5) or "")
        quoted.add(word)
        return f"{m.group(1)}{m.group(2)}{word}"

    text = _HEREDOC_QUOTED.sub(unquote_delim, text)
    text = _TIME.sub(lambda m: f"{m.group(1)}{m.group(2)}\\time", text)
    text = _for_arith(text)
    text = _expansions(text)
    text = _double_brackets(text)
    return text, quoted


def _for_arith(text: str) -> str:
    out = []
    pos = 0
    for m in _FOR_ARITH.finditer(text):
        if m.start() < pos:
            continue
        end = skip_balanced(text, m.end() - 1, ")")
        out.append(text[pos : m.start()] + "for _ in _")
        pos = end
    return "".join(out) + text[pos:]


def _expansions(s: str) -> str:
    """`$((...))`/`$[...]` -> 0 (unless they hide a substitution); `&&`,`||` in `$( )` -> `;`."""
    out: list[str] = []
    stack: list[str] = []  # "S" inside $( ), "P" inside ( ), '"' inside double quotes
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        top = stack[-1] if stack else ""
        if c == "\\":
            out.append(s[i : i + 2])
            i += 2
        elif c == "'" and top != '"':
            k = s.find("'", i + 1)
            k = n - 1 if k < 0 else k
            out.append(s[i : k + 1])
            i = k + 1
        elif s.startswith("$((", i) or s.startswith("$[", i):
            k = skip_balanced(s, i + 2, ")" if s[i + 1] == "(" else "]")
            body = s[i:k]
            out.append(body if ("$(" in body[2:] or "`" in body) else "0")
            i = k
        elif s.startswith("$(", i):
            stack.append("S")
            out.append("$(")
            i += 2
        elif c == '"':
            if top == '"':
                stack.pop()
            else:
                stack.append('"')
            out.append(c)
            i += 1
        elif c == "(" and top != '"':
            stack.append("P")
            out.append(c)
            i += 1
        elif c == ")" and top in ("S", "P"):
            stack.pop()
            out.append(c)
            i += 1
        elif top != '"' and "S" in stack and s.startswith(("&&", "||"), i):
            out.append(";")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _double_brackets(text: str) -> str:
    """`[[ a && b ]]` -> `\\[[ a \\&\\& b ]]`: one plain command whose words are the test."""
    toks = tokenize(text)
    edits: list[tuple[int, int, str]] = []
    inside = False
    for tok in toks:
        if tok.kind == "word" and tok.text == "[[":
            inside = True
            edits.append((tok.start, tok.end, "\\[["))
        elif inside and tok.kind == "word" and tok.text == "]]":
            inside = False
        elif inside and tok.kind in ("op", "redir") and tok.text != "\n":
            edits.append((tok.start, tok.end, "".join("\\" + ch for ch in tok.text)))
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text
