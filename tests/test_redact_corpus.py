"""The redaction corpus (tests/data/redact/corpus.py): every secret form caught, every look-alike
left alone, and the same output however the stream is chopped into chunks."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from coterm.redact import StreamRedactor, find_secrets, redact_text


def _load_corpus():
    path = Path(__file__).parent / "data" / "redact" / "corpus.py"
    spec = importlib.util.spec_from_file_location("redact_corpus", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["redact_corpus"] = module
    spec.loader.exec_module(module)
    return module


CORPUS = _load_corpus()
CASES = CORPUS.cases()
GROUPS = ("token", "context", "multiline", "ansi", "benign")


def _group(name: str):
    return [c for c in CASES if c.group == name]


def leaked(out: str, secret: str) -> list[str]:
    """Pieces of the secret (10 characters, or all of a shorter one) still in the output."""
    n = min(10, len(secret))
    return [secret[i : i + n] for i in range(len(secret) - n + 1) if secret[i : i + n] in out]


def problem(case, out: str) -> str:
    if case.group == "benign":
        return "" if out == case.text else f"{case.name}: benign text changed: {out[:200]!r}"
    if out == case.text:
        return f"{case.name}: nothing redacted"
    pieces = [p for s in case.secrets for p in leaked(out, s)]
    if pieces:
        return f"{case.name}: leaked {pieces[:3]}"
    lost = [k for k in case.keep if k not in out]
    return f"{case.name}: redacted too much, lost {lost}" if lost else ""


def test_corpus_covers_every_form():
    counts = {g: len(_group(g)) for g in GROUPS}
    assert len(CASES) >= 150, counts
    assert counts["benign"] >= 60, counts
    assert all(counts.values()), counts
    assert all(c.secrets for c in CASES if c.group != "benign")


@pytest.mark.parametrize("group", GROUPS)
def test_one_shot(group):
    problems = [p for c in _group(group) if (p := problem(c, redact_text(c.text)))]
    assert not problems, "\n".join(problems)


def _streamed(text: str, cuts) -> str:
    r = StreamRedactor()
    out, last = [], 0
    for cut in [*cuts, len(text)]:
        out.append(r.feed(text[last:cut]))
        last = cut
    out.append(r.flush())
    return "".join(out)


@pytest.mark.parametrize("group", GROUPS)
def test_streamed_equals_one_shot_at_every_split_and_byte_by_byte(group):
    problems = []
    for case in _group(group):
        whole = redact_text(case.text)
        bad = [k for k in range(1, len(case.text)) if _streamed(case.text, [k]) != whole]
        if _streamed(case.text, range(1, len(case.text))) != whole:
            bad.append("1-byte chunks")
        if bad:
            problems.append(f"{case.name}: differs when split at {bad[:5]} ({len(bad)} splits)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("group", GROUPS)
def test_idle_releases_never_leak(group):
    """A quiet moment (idle) at any point, and typing with a pause after every character."""
    problems = []
    for case in _group(group):
        text = case.text
        step = max(1, len(text) // 400)
        for k in [*range(1, len(text), step), -1]:
            r = StreamRedactor()
            if k < 0:
                out = "".join(r.feed(ch) + r.idle() for ch in text) + r.flush()
            else:
                out = r.feed(text[:k]) + r.idle() + r.feed(text[k:]) + r.idle() + r.flush()
            p = problem(case, out)
            if p:
                problems.append(f"idle at {k if k > 0 else 'every character'}: {p}")
                break
    assert not problems, "\n".join(problems)


def test_findings_point_at_the_secrets():
    for case in _group("token"):
        found = find_secrets(case.text)
        assert found, case.name
        for f in found:
            assert (
                case.text[f.start : f.end] in case.secrets[0]
                or case.secrets[0] in (case.text[f.start : f.end])
            ), case.name


def test_backends_agree():
    pytest.importorskip("hyperscan")
    for case in CASES:
        a = StreamRedactor(backend="python")
        b = StreamRedactor(backend="hyperscan")
        assert a.backend == "python" and b.backend == "hyperscan"
        assert a.feed(case.text) + a.flush() == b.feed(case.text) + b.flush(), case.name
