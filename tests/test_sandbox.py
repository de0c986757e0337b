"""Each escape vector against the Lua sandbox fails, and the evaluator keeps answering.

A rule that errors or runs out of budget turns into a warning the user must confirm
(fail-open with the warning shown), or a block with fail_closed: never a silent pass.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from evalhelp import lint_config, write_config

from coterm.evaluator import Evaluator

MARK = "@MARK@"

VECTORS = {
    "os.execute": f'os.execute("touch {MARK}")',
    "io.open": f'io.open("{MARK}", "w"):write("x")',
    "require": f'require("os").execute("touch {MARK}")',
    "load": f'load("return os")().execute("touch {MARK}")',
    "load_with_env": f'load("os.execute(\'touch {MARK}\')", "x", "t", _G)()',
    "loadstring": f"loadstring(\"os.execute('touch {MARK}')\")()",
    "dofile": 'dofile("/etc/passwd")',
    "loadfile": 'loadfile("/etc/passwd")()',
    "debug": "debug.sethook()",
    "debug_registry": 'debug.getregistry()["os"].execute("true")',
    "string.dump": "string.dump(function() end)",
    "method_dump": '("x"):dump()',
    "collectgarbage": 'collectgarbage("stop")',
    "setmetatable_shared": "setmetatable(string, {__index = function() return 1 end})",
    "getmetatable_string": 'getmetatable("").__index.dump(print)',
    "modify_string_table": "string.find = function() return true end",
    "python_global": f"python.eval(\"open('{MARK}', 'w')\")",
    "python_builtins": f'python.builtins.open("{MARK}", "w")',
    "python_via_G": f"_G.python.eval(\"open('{MARK}', 'w')\")",
    "globals_of_callable": 'has_arg.__globals__["__builtins__"]["__import__"]("os")',
    "class_of_callable": "return has_arg.__class__",
    "self_of_callable": "return has_flag.__self__",
    "pcall_error_object": "local ok, e = pcall(string.rep); return e.__traceback__.tb_frame.f_globals",
    "rawset_G": 'rawset(_G, "os", 1)',
    "coroutine_loop": "coroutine.wrap(function() while true do end end)()",
    "gc_finalizer": "setmetatable({}, {__gc = function() while true do end end})",
    "infinite_loop": "while true do end",
    "pcall_loop": "while true do pcall(function() while true do end end) end",
    "pcall_swallow_budget": "for i = 1, 1e12 do pcall(string.rep, 'x', 10) end",
    "catastrophic_pattern": 'return string.rep("a", 1e5):match("(a*)*b")',
    "pattern_backtracking": 'return ("a"):rep(40):match(("a*"):rep(20) .. "b")',
    "rep_memory_bomb": 'return string.rep("x", 1e9)',
    "rep_spin": 'return string.rep("", 3e8)',
    "table_growth": "local t = {} for i = 1, 1e9 do t[i] = {i} end",
    "string_growth": 'local s = "x" for i = 1, 40 do s = s .. s end',
}


@pytest.fixture(scope="module")
def evaluator() -> Evaluator:
    return Evaluator()


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_escape_fails_and_evaluator_still_answers(
    name: str, coterm_home: Path, tmp_path: Path, evaluator: Evaluator
) -> None:
    marker = tmp_path / "escaped"
    write_config(coterm_home, lint_config(VECTORS[name].replace(MARK, str(marker))))
    start = time.monotonic()
    decision = evaluator.evaluate("kubectl get pods", cwd=str(tmp_path), env={})
    elapsed = time.monotonic() - start
    assert not marker.exists(), f"{name}: the rule escaped the sandbox"
    assert decision.decision == "confirm", f"{name}: a failing rule must warn, got {decision.decision}"
    hit = decision.rules[0]
    assert hit.error, f"{name}: expected an error, got {decision.messages}"
    assert hit.where == "process_config.commands[0].lints[0]" and hit.file.endswith("config.yaml")
    assert any("could not check this command" in m for m in decision.messages)
    assert elapsed < 2.0, f"{name}: took {elapsed:.2f}s"
    # The same evaluator answers the next line normally.
    assert evaluator.evaluate("git status", cwd=str(tmp_path), env={}).decision == "allow"


def test_budget_trip_is_named_and_fail_closed_blocks(coterm_home: Path, tmp_path: Path) -> None:
    write_config(coterm_home, lint_config("while true do end", extra="      fail_closed: true\n"))
    ev = Evaluator()
    decision = ev.evaluate("kubectl get pods", cwd=str(tmp_path), env={})
    assert decision.decision == "deny" and decision.fail_closed
    assert "time budget" in decision.rules[0].error
    assert "fail_closed" in decision.messages[0]


def test_globals_do_not_leak_between_evaluations(coterm_home: Path, tmp_path: Path) -> None:
    write_config(
        coterm_home,
        lint_config(
            'if leaked ~= nil then return "leaked from a previous run" end\nleaked = true',
            'if executable ~= "kubectl" then return "env was tampered" end\nexecutable = "hacked"',
        ),
    )
    ev = Evaluator()
    for _ in range(3):
        decision = ev.evaluate("kubectl get pods", cwd=str(tmp_path), env={})
        assert decision.decision == "allow", decision.messages


def test_rule_env_holds_only_lua_values(coterm_home: Path, tmp_path: Path) -> None:
    probe = """
    local names = {"executable", "command", "args", "flags", "has_arg", "has_flag", "env", "cwd",
                   "user", "hostname", "line", "wrappers", "k8s_namespace", "string", "table", "math"}
    for _, n in ipairs(names) do
      local v = _ENV[n]
      if type(v) == "userdata" then return "python object in " .. n end
      if type(v) == "table" then
        for k, x in pairs(v) do if type(x) == "userdata" then return "python object in " .. n end end
      end
    end
    """
    write_config(coterm_home, lint_config(probe))
    decision = Evaluator().evaluate("kubectl get pods -n prod --context=x", cwd=str(tmp_path), env={"A": "1"})
    assert decision.decision == "allow", decision.messages


def test_huge_message_is_capped(coterm_home: Path, tmp_path: Path) -> None:
    write_config(coterm_home, lint_config('return string.rep("x", 500000)'))
    decision = Evaluator().evaluate("kubectl get pods", cwd=str(tmp_path), env={})
    assert decision.decision == "confirm" and 0 < len(decision.messages[0]) <= 2000
