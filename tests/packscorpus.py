"""The labelled rule-pack corpus (tests/data/packs_corpus.tsv): reading it and scoring it.

Shared by tests/test_packs_corpus.py and bench/packs_quality.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

CORPUS = Path(__file__).resolve().parent / "data" / "packs_corpus.tsv"


@dataclass
class Case:
    label: str  # risky | safe
    line: str
    expected: str  # rule id for risky lines, "" for safe ones
    number: int  # line number in the TSV


@dataclass
class Outcome:
    case: Case
    fired: list[str]
    errors: list[str]

    @property
    def ok(self) -> bool:
        if self.errors:
            return False
        return self.case.expected in self.fired if self.case.label == "risky" else not self.fired


@dataclass
class Score:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def tp(self) -> int:
        return sum(1 for o in self.outcomes if o.case.label == "risky" and o.case.expected in o.fired)

    @property
    def fn(self) -> int:
        return sum(1 for o in self.outcomes if o.case.label == "risky" and o.case.expected not in o.fired)

    @property
    def fp(self) -> int:
        """Safe lines that fired, plus risky lines where a different rule fired."""
        wrong = sum(1 for o in self.outcomes if o.case.label == "risky" and set(o.fired) - {o.case.expected})
        return wrong + sum(1 for o in self.outcomes if o.case.label == "safe" and o.fired)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def failures(self) -> list[str]:
        out = []
        for o in self.outcomes:
            if not o.ok:
                c = o.case
                want = f"want {c.expected}" if c.label == "risky" else "want silence"
                out.append(f"line {c.number}: {c.line!r}: {want}, fired {o.fired} {o.errors or ''}")
        return out


def _unescape(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def load(path: Path = CORPUS) -> list[Case]:
    cases = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        label, line = parts[0], _unescape(parts[1])
        expected = parts[2] if len(parts) > 2 else ""
        if label not in ("risky", "safe") or (label == "risky") != bool(expected):
            raise ValueError(f"{path}:{number}: expected 'risky<TAB>line<TAB>rule id' or 'safe<TAB>line'")
        cases.append(Case(label, line, expected, number))
    return cases


def clean_env(tmp: str) -> dict[str, str]:
    """What the corpus is labelled for: no SSH session, no kubeconfig, a home that is not cwd."""
    return {"HOME": "/home/user", "PATH": "/usr/bin:/bin", "KUBECONFIG": os.path.join(tmp, "no-kubeconfig")}


def evaluate(evaluator: object, case: Case, cwd: str, env: dict[str, str]) -> Outcome:
    decision = evaluator.evaluate(case.line, cwd=cwd, env=env)  # type: ignore[attr-defined]
    fired = [h.rule_id for h in decision.rules if h.rule_id and not h.error]
    errors = [f"{h.where}: {h.error}" for h in decision.rules if h.error]
    return Outcome(case, fired, errors)


def score(evaluator: object, cases: list[Case], cwd: str, env: Optional[dict[str, str]] = None) -> Score:
    env = env if env is not None else clean_env(cwd)
    return Score([evaluate(evaluator, c, cwd, env) for c in cases])
