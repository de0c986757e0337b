"""Find commands in text bashlex rejects: bash it cannot parse, zsh, fish, broken lines.

Grammar-light by design: a command word is the first word after a separator
(`;` `&` `|` `&&` `||` newline `(` `)`) once reserved words (`if then do else and or not
begin ...`) are skipped. Headers that hold no commands (`for x in ...`, `case x in`, case
patterns, `function name`) are skipped too, and `[[ ... ]]` is one command. Substitutions
in any word, fish `(cmd)` and here-doc bodies are parsed the same way. It never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from coterm.model import SimpleCommand
from coterm.parse.context import MAX_NEST, Ctx, State
from coterm.parse.emit import emit, remember
from coterm.parse.lexer import Token, find_subs, is_quoted, tokenize, unquote
from coterm.parse.words import pipe_text, split_assignment

_SKIP = frozenset(
    (
        *("if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "in"),
        *("{", "}", "!", "coproc"),
        *("begin", "end", "and", "or", "not"),  # fish
    )
)
_HEADERS = frozenset(("for", "select", "case", "switch", "function"))


@dataclass
class _Cmd:
    words: list[str] = field(default_factory=list)
    plain: list[bool] = field(default_factory=list)
    assigns: dict[str, str] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    stdin: Optional[str] = None
    before: list[SimpleCommand] = field(default_factory=list)  # from substitutions
    after: list[SimpleCommand] = field(default_factory=list)
    piped: Optional[str] = None  # what the previous pipe stage writes
    in_pipe: bool = False


@dataclass
class _Frame:
    """An open `(`: a subshell, or a fish `(cmd)` inside an outer command."""

    outer: Optional[_Cmd]  # the command the `( )` sits in; None for a subshell
    mode: str
    out: list[SimpleCommand] = field(default_factory=list)


class _Parser:
    def __init__(self, ctx: Ctx, st: State) -> None:
        self.ctx = ctx
        self.st = st
        self.frames: list[_Frame] = [_Frame(None, "cmd")]
        self.cur = _Cmd()
        self.mode = "cmd"  # cmd | header | pattern | test ([[ ]])
        self.header = ""
        self.case_depth = 0

    @property
    def here(self) -> Ctx:
        origin = self.ctx.origin
        top = self.frames[-1]
        if len(self.frames) > 1:
            origin = "substitution" if top.outer is not None else "subshell"
        if self.cur.in_pipe:
            origin = "pipeline"
        return self.ctx.with_origin(origin)

    def run(self, toks: list[Token]) -> list[SimpleCommand]:
        i = 0
        while i < len(toks):
            tok = toks[i]
            if tok.kind == "op" and self.is_function_def(toks, i):
                self.cur = _Cmd()  # `f () { ...; }`: the body follows as commands
                i += 1
            elif tok.kind == "op":
                self.op(tok.text)
            elif tok.text == "coproc" and not self.cur.words and _named_coproc(toks, i):
                i += 1  # `coproc NAME { ...; }`: NAME is not a command
            elif tok.kind == "redir":
                i = self.redirect(toks, i)
            else:
                self.word(tok)
            i += 1
        self.finish(None)
        while len(self.frames) > 1:
            self.close()
        return self.frames[0].out

    def is_function_def(self, toks: list[Token], i: int) -> bool:
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        return (
            toks[i].text == "("
            and nxt is not None
            and nxt.text == ")"
            and len(self.cur.words) == 1
            and self.mode == "cmd"
        )

    def op(self, op: str) -> None:
        if self.mode == "header" and self.header.startswith("function") and op in "()":
            return  # `function f ()`
        if self.mode == "test":
            self.add(op, False)
        elif self.mode == "pattern":
            self.mode = "cmd" if op == ")" else "pattern"
        elif op == "(":
            self.open()
        elif op == ")":
            self.finish(None)
            if len(self.frames) > 1:
                self.close()
        else:
            self.finish(op)
            if self.mode == "header":
                self.mode = "pattern" if self.header == "case-in" else "cmd"
            if op in (";;", ";&", ";;&") and self.case_depth:
                self.mode = "pattern"

    def open(self) -> None:
        # In a header (`for f in (ls)`) or after a command word (`echo (ls)`): fish's
        # command substitution. At the start of a command: a subshell.
        is_sub = bool(self.cur.words) or self.mode == "header"
        outer = self.cur if is_sub else None
        if outer is None:
            self.finish(None)
        self.frames.append(_Frame(outer, self.mode))
        self.cur = _Cmd()
        self.mode = "cmd"

    def close(self) -> None:
        frame = self.frames.pop()
        if frame.outer is not None:
            self.cur = frame.outer
            self.cur.after += frame.out
        else:
            self.frames[-1].out += frame.out
            self.cur = _Cmd()
        self.mode = frame.mode
        if self.mode == "header" and self.header in ("for", "select"):
            self.finish(None)
            self.mode = "cmd"  # zsh `for f (*.txt) rm $f`: the body follows the list

    def word(self, tok: Token) -> None:
        value = unquote(tok.text)
        plain = not is_quoted(tok.text)
        subs = self.subs(tok.text)
        if self.mode in ("header", "pattern"):
            self.cur.before += subs
            self.keyword_in_header(value, plain)
            return
        if self.mode == "test":
            self.add(value, plain)
            self.cur.after += subs
            if value == "]]":
                self.finish(None)
            return
        if not self.cur.words and self.starts_block(value, plain, tok):
            self.cur.before += subs
            return
        pair = split_assignment(value) if not self.cur.words else None
        if pair is not None:
            self.cur.assigns[pair[0]] = pair[1]
            self.cur.before += subs
            return
        self.add(value, plain)
        self.cur.after += subs

    def starts_block(self, value: str, plain: bool, tok: Token) -> bool:
        """Reserved words in command position: skipped, or they start a header / a test."""
        if tok.text.startswith("((") or (tok.text.endswith("()") and len(tok.text) > 2):
            return True  # `(( i++ ))`: arithmetic; `f() {`: a function's name
        if not plain:
            return False
        if value == "esac" and self.case_depth:
            self.case_depth -= 1
        if value in _SKIP:
            return True
        if value in _HEADERS:
            self.mode, self.header = "header", value
            return True
        if value == "[[":
            self.mode = "test"
            self.add(value, plain)
            return True
        return False

    def keyword_in_header(self, value: str, plain: bool) -> None:
        if self.mode == "pattern":
            if plain and value == "esac":
                self.case_depth -= 1
                self.mode = "cmd"
            return
        if self.header == "case" and plain and value == "in":
            self.header = "case-in"
            self.case_depth += 1
            self.mode = "pattern"
        elif self.header in ("for", "select") and plain and value == "do":
            self.mode = "cmd"
        elif self.header == "function":
            self.header = "function-name"
        elif self.header == "function-name" and plain and value in ("{", "("):
            self.mode = "cmd"

    def add(self, value: str, plain: bool) -> None:
        self.cur.words.append(value)
        self.cur.plain.append(plain)

    def redirect(self, toks: list[Token], i: int) -> int:
        tok = toks[i]
        target = toks[i + 1] if i + 1 < len(toks) and toks[i + 1].kind == "word" else None
        if self.mode == "test":
            self.add(tok.text, False)
            return i
        value = unquote(target.text) if target else ""
        self.cur.redirects.append(tok.text + value)
        if target is not None:
            self.cur.before += self.subs(target.text)
        kind = tok.text.lstrip("0123456789")
        if kind == "<<<":
            self.cur.stdin = value
        elif tok.heredoc is not None:
            self.cur.stdin = tok.heredoc
            if not tok.quoted_delim:
                self.cur.after += self.subs(tok.heredoc, dquoted=True, origin="heredoc")
        return i + 1 if target else i

    def subs(self, raw: str, dquoted: bool = False, origin: str = "") -> list[SimpleCommand]:
        if not any(m in raw for m in ("$(", "`", "(")):
            return []
        out: list[SimpleCommand] = []
        for kind, inner in find_subs(raw, dquoted):
            out += nested(inner, self.ctx.inner(origin or kind), self.st)
        return out

    def finish(self, op: Optional[str]) -> None:
        cmd = self.cur
        piped = op in ("|", "|&")
        if piped:
            cmd.in_pipe = True
        nxt = _Cmd(in_pipe=piped)
        if self.mode == "test":
            self.mode = "cmd"
        found = list(cmd.before)
        stdin = cmd.stdin if cmd.stdin is not None else (cmd.piped or "")
        if not cmd.words:
            remember(cmd.assigns, self.st)
        else:
            found += emit(cmd.words, cmd.plain, cmd.assigns, cmd.redirects, stdin, self.here, self.st)
            if piped:
                nxt.piped = pipe_text(cmd.words, stdin)
        self.frames[-1].out += found + cmd.after
        self.cur = nxt


def _named_coproc(toks: list[Token], i: int) -> bool:
    if i + 2 >= len(toks) or toks[i + 1].kind != "word":
        return False
    return toks[i + 2].text in ("{", "(")


def nested(text: str, ctx: Ctx, st: State) -> list[SimpleCommand]:
    """A substitution's text: parsed by the fallback, or scanned flat when nested too deep."""
    if ctx.nest >= MAX_NEST:
        st.degrade(f"substitutions nested deeper than {MAX_NEST}: scanned flat")
        return flat_scan(text, ctx, st)
    return parse_fallback(text, ctx, st)


def parse_fallback(text: str, ctx: Ctx, st: State) -> list[SimpleCommand]:
    try:
        return _Parser(ctx, st).run(tokenize(text))
    except (RecursionError, ValueError, IndexError, KeyError, TypeError) as exc:
        st.degrade(f"fallback parser: {type(exc).__name__}: {exc}: scanned flat")
        return flat_scan(text, ctx, st)


_FLAT_SPLIT = re.compile(r"\$\(|`|\(|\)|;|\||&|\n|\{|\}")


def flat_scan(text: str, ctx: Ctx, st: State) -> list[SimpleCommand]:
    """Last resort: every run of words between separators is a command."""
    out: list[SimpleCommand] = []
    for chunk in _FLAT_SPLIT.split(text):
        words = [unquote(w) for w in chunk.split()]
        while words and words[0] in _SKIP:
            words = words[1:]
        if words:
            out += emit(words, [False] * len(words), {}, [], "", ctx, st)
    return out
