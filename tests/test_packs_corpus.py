"""The default packs over the labelled corpus: risky lines fire the expected rule, look-alikes stay silent."""

from __future__ import annotations

from pathlib import Path

import packscorpus

from coterm.evaluator import Evaluator
from coterm.packs import all_rules
from coterm.parse.wrappers import TABLE


def test_every_corpus_line_through_the_real_evaluator(tmp_path: Path) -> None:
    cases = packscorpus.load()
    assert len(cases) >= 250
    assert {c.label for c in cases} == {"risky", "safe"}
    evaluator = Evaluator()
    cwd = str(tmp_path)
    env = packscorpus.clean_env(cwd)
    outcomes = []
    wrappers_seen: set[str] = set()
    for case in cases:
        decision = evaluator.evaluate(case.line, cwd=cwd, env=env)
        fired = [h.rule_id for h in decision.rules if h.rule_id and not h.error]
        errors = [f"{h.where}: {h.error}" for h in decision.rules if h.error]
        outcomes.append(packscorpus.Outcome(case, fired, errors))
        if case.label == "risky" and case.expected in fired:
            assert decision.decision == "confirm", f"{case.line!r}: packs ask, never deny"
            for cmd in decision.commands:
                wrappers_seen.update(cmd.wrappers)
    score = packscorpus.Score(outcomes)
    assert score.failures() == []
    assert score.precision >= 0.97 and score.recall >= 0.97
    # Every wrapper the parser peels off is exercised by at least one risky line that fired.
    assert set(TABLE) - wrappers_seen == set()


def test_every_rule_has_risky_corpus_lines() -> None:
    covered = {c.expected for c in packscorpus.load() if c.label == "risky"}
    assert {r.id for r in all_rules()} - covered == set()
