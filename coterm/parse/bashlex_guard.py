"""Import bashlex (lazily: ~200 ms) with a guard against its one known endless loop.

bashlex 0.18's `_paramexpand` looks for the `}` closing `${` with `str.find` and, when there
is none in the word (`x'${'`, `$'${'`), returns an index that sends its caller back to the
start of the word, forever. The guard turns that case into the ParsingError bash would give
("bad substitution"), so the line goes to the rewrites and the fallback like any other.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


def load_bashlex() -> ModuleType:
    import bashlex
    import bashlex.errors
    import bashlex.subst

    original = bashlex.subst._paramexpand
    if not getattr(original, "coterm_guard", False):

        def guarded(parserobj: Any, string: str, sindex: int) -> Any:
            if string.startswith("${", sindex) and string.find("}", sindex + 2) < 0:
                raise bashlex.errors.ParsingError("bad substitution: no closing '}'", string, sindex)
            return original(parserobj, string, sindex)

        guarded.coterm_guard = True  # type: ignore[attr-defined]
        bashlex.subst._paramexpand = guarded
    return bashlex
