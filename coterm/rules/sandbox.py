"""A hardened Lua 5.4 runtime (lupa) for lint and rule snippets.

Rules only ever see Lua values: plain tables and Lua closures built inside Lua, never a
Python object (whose attributes lead to `__globals__` and so to `os`). The runtime strips
the dangerous globals at boot (see lua_boot.lua), bounds CPU per evaluation with a count
hook and bounds memory with lupa's allocator limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

MESSAGE_CAP = 2000  # characters kept from a rule's message: prompts must stay readable
BOOT = (Path(__file__).with_name("lua_boot.lua")).read_text()


class RuleError(Exception):
    """A snippet failed to compile or run; str() is a one-line reason."""


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    raise AttributeError("access to Python objects is not allowed in coterm rules")


@dataclass
class Compiled:
    fn: Any  # a Lua function; opaque to everything but the sandbox that made it
    name: str


class LuaSandbox:
    def __init__(self, time_budget: float = 0.05, memory: int = 32 << 20) -> None:
        from lupa import lua54

        self.time_budget = time_budget
        self.memory = memory
        self.lua = lua54.LuaRuntime(
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_deny_attributes,
            max_memory=memory,
        )
        boot = self.lua.execute(BOOT)
        self._compile = boot["compile"]
        self._new_env = boot["new_env"]
        self._arm = boot["arm"]
        self._disarm = boot["disarm"]

    def compile(self, source: str, name: str) -> Compiled:
        fn, err = self._compile(source, name)
        if fn is None:
            raise RuleError(_clean(str(err)))
        return Compiled(fn, name)

    def prepare(self, context: dict[str, Any]) -> Any:
        """Convert a command's context to a Lua table once; run() copies it per snippet."""
        from lupa import lua54

        try:
            return self.lua.table_from(context, recursive=True)
        except lua54.LuaMemoryError:
            raise RuleError("rule context too large") from None

    def run(self, compiled: Compiled, prepared: Any) -> tuple:
        """Run a snippet in a fresh environment; returns its values as plain Python data."""
        from lupa import lua54

        env = self._new_env(prepared)
        self._arm(self.time_budget)
        try:
            result = compiled.fn(env)
        except lua54.LuaMemoryError:
            raise RuleError("rule exceeded its memory limit") from None
        except lua54.LuaError as exc:
            raise RuleError(_clean(str(exc))) from None
        finally:
            # Called from Python, so no Lua instruction runs and a tripped hook cannot fire.
            self._disarm()
        values = result if isinstance(result, tuple) else (result,)
        return tuple(_plain(v) for v in values)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")[:MESSAGE_CAP]
    if isinstance(value, str):
        return value[:MESSAGE_CAP]
    return "<lua value>"  # tables or functions: truthy, but never handed back to Python code


def _clean(message: str) -> str:
    """One line, without lupa's traceback noise."""
    first = message.strip().splitlines()[0] if message.strip() else "error"
    if first.startswith("error loading code: "):
        first = first[len("error loading code: ") :]
    return first[:MESSAGE_CAP]
