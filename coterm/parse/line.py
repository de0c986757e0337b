"""Parse shell text: bashlex first, then bashlex after cheap rewrites, then the fallback."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from coterm.model import ParseResult, SimpleCommand
from coterm.parse.context import Ctx, State


def parse_line(line: str, aliases: Optional[Mapping[str, str]] = None) -> ParseResult:
    """Every simple command `line` would run, unwrapped, in source order."""
    st = State(aliases=dict(aliases or {}))
    commands = parse_text(line, Ctx(), st)
    return ParseResult(
        commands=commands,
        parser="fallback" if st.degraded else "bashlex",
        error=st.error(),
    )


def parse_text(text: str, ctx: Ctx, st: State) -> list[SimpleCommand]:
    """The commands in `text`, found in context `ctx` (a payload, a substitution, an alias)."""
    if is_blank(text):
        return []
    trees, used, quoted, error = _bashlex(text)
    if error:  # even when a rewrite fixed it: bashlex raised, callers are told
        st.degrade(error)
    if trees is not None:
        from coterm.parse.bashwalk import Walker

        try:
            return Walker(used, st, quoted).each(trees, ctx)
        except (RecursionError, AttributeError, TypeError, IndexError) as exc:
            st.degrade(f"{type(exc).__name__}: {exc}")
    from coterm.parse.fallback import parse_fallback

    return parse_fallback(text, ctx, st)


def is_blank(text: str) -> bool:
    """Nothing but blanks and comments (bashlex chokes on these)."""
    return all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines())


def _bashlex(text: str) -> tuple[Optional[list[Any]], str, set[str], str]:
    """(trees or None, the text parsed, quoted here-doc delimiters, error)."""
    try:
        return _parse(text), text, set(), ""
    except _errors() as exc:
        error = f"{type(exc).__name__}: {exc}"
    from coterm.parse.rewrite import rewrite

    rewritten, quoted = rewrite(text)
    if rewritten != text:
        try:
            return _parse(rewritten), rewritten, quoted, error + " (parsed after rewriting)"
        except _errors():
            pass
    return None, text, set(), error


def _parse(text: str) -> list[Any]:
    from coterm.parse.bashlex_guard import load_bashlex

    trees = load_bashlex().parse(text)
    return [t for t in trees if hasattr(t, "kind")]


def _errors() -> tuple[type[BaseException], ...]:
    import bashlex.errors

    return (
        bashlex.errors.ParsingError,
        NotImplementedError,
        RecursionError,
        AttributeError,
        TypeError,
        IndexError,
        ValueError,
        KeyError,
        AssertionError,
    )
