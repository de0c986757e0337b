"""Redaction quality on the test corpus (tests/data/redact/corpus.py), with detect-secrets beside it.

    python3 bench/redact_quality.py            # add -v to list every miss and false positive

A secret case counts as caught when no 10-character piece of any of its secrets survives; a
benign case counts as changed when the output differs from the input at all. detect-secrets only
detects, so for it a case counts when `scan_file` flags any line of it (benign: flags anything).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coterm.redact import StreamRedactor  # noqa: E402


def load_corpus():
    spec = importlib.util.spec_from_file_location("redact_corpus", ROOT / "tests/data/redact/corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["redact_corpus"] = module
    spec.loader.exec_module(module)
    return module


def leaked(out: str, secret: str) -> bool:
    n = min(10, len(secret))
    return any(secret[i : i + n] in out for i in range(len(secret) - n + 1))


def ours(cases, backend: str) -> tuple[Counter, Counter, list[str]]:
    good, total, notes = Counter(), Counter(), []
    for case in cases:
        r = StreamRedactor(backend=backend)
        out = r.feed(case.text) + r.flush()
        total[case.group] += 1
        if case.group == "benign":
            ok = out == case.text
            if not ok:
                notes.append(f"changed benign {case.name}: {out[:120]!r}")
        else:
            ok = out != case.text and not any(leaked(out, s) for s in case.secrets)
            if not ok:
                notes.append(f"missed {case.name}")
        good[case.group] += ok
    return good, total, notes


def untuned_text(verbose: bool) -> None:
    """Text the rules were not written against: this Python's standard library sources."""
    import sysconfig

    from coterm.redact import find_secrets

    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(root.glob("*.py")) + sorted(root.glob("*/*.py"))
    text = "".join(f.read_text(encoding="utf-8", errors="surrogateescape") for f in files)
    found = find_secrets(text)
    print(
        f"untuned text: Python {sys.version.split()[0]} stdlib sources ({len(files)} files, "
        f"{len(text) / 1e6:.1f} MB): {len(found)} findings {dict(Counter(f.type for f in found))}"
    )
    if verbose:
        lines = text.split("\n")
        for f in found:
            print(f"  {f.type:14s} {lines[f.line - 1].strip()[:100]}")


def detect_secrets_flags(cases) -> Counter:
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    flagged = Counter()
    with tempfile.TemporaryDirectory() as tmp, default_settings():
        for i, case in enumerate(cases):
            path = os.path.join(tmp, f"case{i}.log")
            Path(path).write_text(case.text)
            flagged[case.group] += any(True for _ in scan_file(path))
    return flagged


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    cases = load_corpus().cases()
    groups = ("token", "context", "multiline", "ansi", "benign")
    print(f"corpus: {len(cases)} cases")
    for backend in ("hyperscan", "python"):
        try:
            good, total, notes = ours(cases, backend)
        except Exception as exc:
            print(f"{backend}: not available ({exc.__class__.__name__})")
            continue
        secret_cases = sum(total[g] for g in groups if g != "benign")
        caught = sum(good[g] for g in groups if g != "benign")
        print(
            f"coterm.redact ({backend}): caught {caught}/{secret_cases} secret cases, "
            f"changed {total['benign'] - good['benign']}/{total['benign']} benign cases"
        )
        for g in groups:
            label = "unchanged" if g == "benign" else "caught"
            print(f"  {g:10s} {label} {good[g]}/{total[g]}")
        if args.verbose:
            print("\n".join(f"  {n}" for n in notes))
    untuned_text(args.verbose)
    try:
        flagged = detect_secrets_flags(cases)
    except ImportError:
        print("detect-secrets: not installed (pip install detect-secrets to compare)")
        return 0
    total = Counter(c.group for c in cases)
    secret_cases = sum(total[g] for g in groups if g != "benign")
    print(
        f"detect-secrets scan_file (detects only): flagged {sum(flagged[g] for g in groups if g != 'benign')}"
        f"/{secret_cases} secret cases, flagged {flagged['benign']}/{total['benign']} benign cases"
    )
    for g in groups:
        print(f"  {g:10s} flagged {flagged[g]}/{total[g]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
