"""Each rule's own examples (the `fires` and `passes` lists that `rules explain` shows) hold."""

from __future__ import annotations

from pathlib import Path

import packscorpus
import pytest

from coterm.evaluator import Evaluator
from coterm.packs import all_rules, load_packs

RULES = all_rules()
_EVALUATOR: list[Evaluator] = []


def _evaluator() -> Evaluator:
    if not _EVALUATOR:  # one for the module: compiled Lua is cached per evaluator
        _EVALUATOR.append(Evaluator())
    return _EVALUATOR[0]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_examples_fire_and_pass(rule, tmp_path: Path) -> None:
    assert rule.fires and rule.passes, f"{rule.id}: needs examples of both kinds"
    cwd = str(tmp_path)
    env = packscorpus.clean_env(cwd)
    for line in rule.fires:
        decision = _evaluator().evaluate(line, cwd=cwd, env=env)
        hits = [h for h in decision.rules if h.rule_id == rule.id]
        assert hits and not hits[0].error, f"{rule.id} should fire on {line!r}: {decision.messages}"
        message = hits[0].message
        # The message names the rule, its severity, the risk and the safer form.
        assert message.startswith(f"{rule.id} [") and rule.summary in message
        assert f"Safer: {rule.safer}." in message
        assert decision.decision == "confirm"
    for line in rule.passes:
        decision = _evaluator().evaluate(line, cwd=cwd, env=env)
        fired = [h.rule_id or h.where for h in decision.rules]
        assert fired == [], f"{rule.id}: {line!r} should pass silently, got {decision.messages}"


def test_pack_files_are_well_formed() -> None:
    packs = load_packs()
    assert [p.name for p in packs] == [
        "fs", "git", "kubernetes", "iac", "cloud", "databases", "docker", "system", "publish",
    ]  # fmt: skip
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))
    for pack in packs:
        assert Path(pack.file).read_text().startswith("# coterm rule pack: " + pack.name)
        for rule in pack.rules:
            assert (
                rule.line > 1
                and f"- id: {rule.id}" in Path(rule.file).read_text().splitlines()[rule.line - 1]
            )
