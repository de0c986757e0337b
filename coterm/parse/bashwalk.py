"""Walk a bashlex AST and hand every simple command, in source order, to `emit`.

Descends where commands hide: compound bodies, function bodies, `$( )` and backticks in
words, assignments and redirect targets, `<( )`, `${x:-$(cmd)}` (which bashlex leaves as
text) and unquoted here-doc bodies. Also works out what each command reads on stdin: its
here-doc or here-string, or the text an `echo`/`printf`/`cat <<EOF` before it in the pipe writes.
"""

from __future__ import annotations

from typing import Any, Optional

from coterm.model import SimpleCommand
from coterm.parse.context import Ctx, State
from coterm.parse.emit import emit, remember
from coterm.parse.lexer import find_subs, is_quoted, unquote
from coterm.parse.words import pipe_text, split_assignment

_SKIP = ("reservedword", "operator", "pipe", "tilde", "heredoc")
_BODIES = ("if", "for", "while", "until")


class Walker:
    def __init__(self, text: str, st: State, quoted_delims: set[str]) -> None:
        self.text = text
        self.st = st
        self.quoted_delims = quoted_delims

    def walk(self, node: Any, ctx: Ctx) -> list[SimpleCommand]:
        kind = node.kind
        if kind == "command":
            return self.command(node, ctx, None)[0]
        if kind == "list":
            return self.each(node.parts, ctx)
        if kind == "pipeline":
            return self.pipeline(node, ctx)
        if kind == "compound":
            return self.compound(node, ctx)
        if kind in _BODIES:
            return self.each(node.parts, ctx)
        if kind == "function":
            body = [p for p in node.parts if p.kind not in ("word", "reservedword")]
            return self.each(body, ctx.with_origin("function"))
        if kind == "commandsubstitution":
            return self.walk(node.command, ctx.inner("substitution"))
        if kind == "processsubstitution":
            return self.walk(node.command, ctx.inner("procsub"))
        if kind in ("word", "assignment"):
            return self.each(getattr(node, "parts", []), ctx)
        if kind == "parameter":
            return self.text_subs(node.value, ctx, "substitution", dquoted=True)
        if kind == "redirect":
            return self.redirect(node, ctx)[2]
        return []

    def each(self, nodes: list[Any], ctx: Ctx) -> list[SimpleCommand]:
        out: list[SimpleCommand] = []
        for node in nodes:
            if node.kind not in _SKIP:
                out += self.walk(node, ctx)
        return out

    def text_subs(self, text: str, ctx: Ctx, origin: str, dquoted: bool) -> list[SimpleCommand]:
        """Substitutions bashlex did not parse: in `${...}` values and here-doc bodies."""
        from coterm.parse.line import parse_text

        out: list[SimpleCommand] = []
        if "$(" in text or "`" in text or "<(" in text:
            for kind, inner in find_subs(text, dquoted):
                out += parse_text(inner, ctx.inner(origin if origin != "substitution" else kind), self.st)
        return out

    def pipeline(self, node: Any, ctx: Ctx) -> list[SimpleCommand]:
        stages = [p for p in node.parts if p.kind not in ("pipe", "reservedword")]
        sub = ctx.with_origin("pipeline") if len(stages) > 1 else ctx
        out: list[SimpleCommand] = []
        piped: Optional[str] = None
        for stage in stages:
            if stage.kind == "command":
                found, piped = self.command(stage, sub, piped)
                out += found
            else:
                out += self.walk(stage, sub)
                piped = None
        return out

    def compound(self, node: Any, ctx: Ctx) -> list[SimpleCommand]:
        if self.is_arithmetic(node):
            start, end = node.pos
            return self.text_subs(self.text[start + 2 : end - 2], ctx, "substitution", True)
        first = node.list[0] if node.list else None
        is_subshell = first is not None and first.kind == "reservedword" and first.word == "("
        out = self.each(node.list, ctx.with_origin("subshell") if is_subshell else ctx)
        return out + self.each(getattr(node, "redirects", []), ctx)

    def is_arithmetic(self, node: Any) -> bool:
        """bashlex reads `(( i++ ))` as two subshells; bash reads it as arithmetic."""
        start, end = node.pos
        if not (self.text.startswith("((", start) and self.text[end - 2 : end] == "))"):
            return False
        inner = [n for n in node.list if n.kind != "reservedword"]
        return len(inner) == 1 and inner[0].kind == "compound" and inner[0].pos[1] == end - 1

    def command(self, node: Any, ctx: Ctx, piped: Optional[str]) -> tuple[list[SimpleCommand], Optional[str]]:
        """(commands found, text it writes to a pipe when that is known)."""
        before: list[SimpleCommand] = []
        after: list[SimpleCommand] = []
        words: list[str] = []
        plain: list[bool] = []
        assigns: dict[str, str] = {}
        redirects: list[str] = []
        stdin: Optional[str] = None
        for part in node.parts:
            found = after if words else before
            if part.kind == "assignment" and not words:
                pair = split_assignment(self.value(part))
                if pair:
                    assigns[pair[0]] = pair[1]
                found += self.walk(part, ctx)
            elif part.kind in ("word", "assignment"):
                words.append(self.value(part))
                plain.append(not is_quoted(self.source(part)))
                after += self.walk(part, ctx)
            elif part.kind == "redirect":
                text, body, subs = self.redirect(part, ctx)
                redirects.append(text)
                stdin = body if body is not None else stdin
                found += subs
        if not words:
            remember(assigns, self.st)
            return before + after, None
        own_stdin = stdin if stdin is not None else (piped or "")
        cmds = emit(words, plain, assigns, redirects, own_stdin, ctx, self.st)
        return before + cmds + after, pipe_text(words, own_stdin)

    def source(self, node: Any) -> str:
        start, end = node.pos
        return self.text[start:end]

    def value(self, node: Any) -> str:
        """The word after quote removal (bashlex's own `word` mangles `'a'"'"'b'`)."""
        return unquote(self.source(node)) if node.pos[1] <= len(self.text) else node.word

    def redirect(self, node: Any, ctx: Ctx) -> tuple[str, Optional[str], list[SimpleCommand]]:
        """(redirect as text, stdin it provides, commands in its target or here-doc body)."""
        target = node.output
        fd = "" if getattr(node, "input", None) is None else str(node.input)
        word = self.value(target) if hasattr(target, "word") else str(target)
        text = f"{fd}{node.type}{word}"
        subs = self.walk(target, ctx) if hasattr(target, "kind") else []
        if node.type == "<<<":
            return text, word, subs
        heredoc = getattr(node, "heredoc", None)
        if heredoc is None:
            return text, None, subs
        body = heredoc.value.rsplit("\n", 1)[0] if "\n" in heredoc.value else ""
        if word not in self.quoted_delims:
            subs += self.text_subs(body, ctx, "heredoc", dquoted=True)
        return text, body, subs
