"""Secrets with a recognisable shape: a literal prefix, then a run of a known alphabet.

Each spec's regex starts with its literal prefix (found by the prefilter), so a rule costs nothing
where its prefix does not occur. The left boundary is checked by hand (a leading `\\b` or
lookbehind would slow `re` down); the right boundary is a negative lookahead.

A token hard-wrapped onto the next line (`fold`, `base64 -w`, a narrow terminal that inserts line
breaks) is joined back: when a token runs up to a line break and is shorter than its usual length
(or, for JWTs, the line looks like a wrap column), the next lines made only of the token's alphabet
are appended and the regex is tried again on the joined text.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Callable, Optional

from coterm.redact.text import Found, ScanText
from coterm.redact.values import char_classes, entropy

_RE = re.ASCII
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Widths at which wrapped output usually breaks (fold, base64 -w, common terminal widths).
_WRAP_WIDTHS = frozenset((64, 72, 76, 78, 79, 80, 100, 120, 128, 132))
_MAX_WRAP_LINES = 64
_MAX_WRAP_CHARS = 16384  # what a wrapped token may hold back


@dataclass(frozen=True)
class TokenSpec:
    label: str
    anchors: tuple[str, ...]
    regex: str
    alphabet: str = _ALNUM
    left: str = _ALNUM  # a token may not start right after one of these
    offset: int = 0  # the regex starts this many characters before the anchor
    group: int = 0
    body_len: Optional[int] = None  # usual length after the prefix; shorter at a line end: wrapped?
    wraps: bool = False  # variable length, may be hard-wrapped over several lines
    check: Optional[Callable[[str], bool]] = None
    priority: int = 3


def _mixed(value: str) -> bool:
    return char_classes(value) >= 2 and entropy(value) >= 3.0


def _has_digit(value: str) -> bool:
    return any(c.isdigit() for c in value)


def _pem_in_base64(value: str) -> bool:
    head = value[:64]
    head = head[: len(head) // 4 * 4]
    try:
        decoded = base64.b64decode(head)
    except (binascii.Error, ValueError):
        return False
    return b"PRIVATE KEY" in decoded


_B64 = _ALNUM + "+/="
_URLSAFE = _ALNUM + "_-"

SPECS: tuple[TokenSpec, ...] = (
    TokenSpec(
        "github_token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        r"gh[pousr]_[A-Za-z0-9]{20,255}(?![A-Za-z0-9])",
        body_len=36,
    ),
    TokenSpec(
        "github_token",
        ("github_pat_",),
        r"github_pat_[A-Za-z0-9_]{22,255}(?![A-Za-z0-9_])",
        alphabet=_ALNUM + "_",
        body_len=82,
    ),
    TokenSpec(
        "gitlab_token",
        ("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glft-", "glimt-", "glsoat-", "gloas-"),
        r"gl(?:pat|dt|rt|ptt|cbt|ft|imt|soat|oas)-[A-Za-z0-9_.-]{20,255}(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE + ".",
        body_len=20,
    ),
    TokenSpec(
        "gitlab_token",
        ("GR1348941",),
        r"GR1348941[A-Za-z0-9_-]{20,255}(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE,
    ),
    TokenSpec(
        "slack_token",
        ("xox", "xapp-"),
        r"(?:xox[abposre]-|xoxe\.xox[bp]-|xapp-)[A-Za-z0-9-]{10,255}(?![A-Za-z0-9-])",
        alphabet=_ALNUM + "-",
        check=_has_digit,
    ),
    TokenSpec(
        "slack_webhook",
        ("hooks.slack.com/",),
        r"hooks\.slack\.com/((?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,255})",
        left="",
        group=1,
    ),
    TokenSpec(
        "stripe_key",
        ("sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"),
        r"[sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,255}(?![A-Za-z0-9])",
        body_len=24,
    ),
    TokenSpec(
        "stripe_webhook_secret",
        ("whsec_",),
        r"whsec_[A-Za-z0-9+/=]{20,255}(?![A-Za-z0-9+/=])",
        alphabet=_B64,
    ),
    TokenSpec(
        "aws_access_key_id",
        ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
        r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Za-z0-9])",
        body_len=16,
    ),
    TokenSpec(
        "google_api_key",
        ("AIza",),
        r"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])",
        alphabet=_URLSAFE,
        left=_URLSAFE,
        body_len=35,
    ),
    TokenSpec(
        "google_oauth_secret",
        ("GOCSPX-",),
        r"GOCSPX-[A-Za-z0-9_-]{20,64}(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE,
        body_len=28,
    ),
    TokenSpec(
        "google_oauth_token",
        ("ya29.",),
        r"ya29\.[0-9A-Za-z_-]{20,2048}(?![0-9A-Za-z_-])",
        alphabet=_URLSAFE,
        wraps=True,
    ),
    TokenSpec(
        "npm_token",
        ("npm_",),
        r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])",
        body_len=36,
        check=_has_digit,
    ),
    TokenSpec(
        "pypi_token",
        ("pypi-AgE",),
        r"pypi-AgE[A-Za-z0-9_-]{50,512}(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE,
        wraps=True,
    ),
    TokenSpec(
        "dockerhub_token",
        ("dckr_pat_", "dckr_oat_"),
        r"dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,64}(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE,
        body_len=27,
    ),
    TokenSpec(
        "twilio_api_key",
        ("SK",),
        r"SK[0-9a-fA-F]{32}(?![0-9A-Za-z])",
        body_len=32,
        check=_mixed,
    ),
    TokenSpec(
        "sendgrid_key",
        ("SG.",),
        r"SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE + ".",
        body_len=66,
    ),
    TokenSpec(
        "anthropic_key",
        ("sk-ant-",),
        r"sk-ant-(?:api|admin|sid|oat)[0-9]{2}-[A-Za-z0-9_-]{32,255}(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE,
        left=_URLSAFE,
        wraps=True,
        priority=4,
    ),
    TokenSpec(
        "openai_key",
        ("sk-",),
        r"sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{32,255}(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE,
        left=_URLSAFE,
        wraps=True,
        check=lambda v: char_classes(v[3:].replace("-", "").replace("_", "")) >= 3,
    ),
    TokenSpec(
        "jwt",
        ("eyJ",),
        r"eyJ[A-Za-z0-9_-]{8,8192}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,4096}"
        r"(?![A-Za-z0-9_-])",
        alphabet=_URLSAFE + ".",
        left=_URLSAFE + ".",
        wraps=True,
    ),
    TokenSpec(
        "azure_client_secret",
        ("Q~",),
        r"[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        alphabet=_URLSAFE + "~.",
        left=_URLSAFE + "~.",
        offset=4,
    ),
    TokenSpec(
        "private_key",
        ("LS0tLS1CRUdJTi",),
        r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{20,16384}(?![A-Za-z0-9+/=])",
        alphabet=_B64,
        left=_B64,
        wraps=True,
        check=_pem_in_base64,
    ),
)


def make_handler(spec: TokenSpec, anchor: str):
    """The rule for one spec at one of its anchors."""
    rx = re.compile(spec.regex, _RE)
    skip = len(anchor)
    expected = skip + spec.body_len if spec.body_len is not None else 0
    left = frozenset(spec.left)
    run = _run_regex(spec.alphabet)
    offset, group, check = spec.offset, spec.group, spec.check

    def handle(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
        start = pos - offset
        if start < 1:
            return None
        text = t.text
        if text[start - 1] in left:
            return None
        m = rx.match(text, start)
        if m is not None and check is not None and not check(m.group(group)):
            m = None
        if m is not None:
            s, e = m.span(group)
            if e >= t.n and not t.final:
                return t.hold_at(start)
            if group or not _may_wrap(spec, text, start, e, expected):
                out.append(Found(s, e, spec.label, spec.priority, start))
                return None
            return _wrapped(t, spec, rx, run, start, e, out, e, expected)
        if group:
            return None
        run_end = run.match(text, pos + skip).end()
        if run_end - start >= 8 and _at_break(text, run_end):
            return _wrapped(t, spec, rx, run, start, run_end, out, None, expected)
        if run_end >= t.n and not t.final:
            return t.hold_at(start)
        return None

    return handle


def _run_regex(alphabet: str) -> re.Pattern:
    return re.compile("[" + re.escape(alphabet) + "]*", _RE)


def _at_break(text: str, i: int) -> bool:
    return text.startswith("\n", i) or text.startswith("\r\n", i)


def _may_wrap(spec: TokenSpec, text: str, start: int, end: int, expected: int) -> bool:
    if not _at_break(text, end):
        return False
    if spec.body_len is not None:
        return end - start < expected
    return spec.wraps


def _wrapped(
    t: ScanText,
    spec: TokenSpec,
    rx: re.Pattern,
    run: re.Pattern,
    start: int,
    first_end: int,
    out: list[Found],
    found_end: Optional[int],
    expected: int,
) -> Optional[int]:
    """Try the token joined with the following wrapped lines; record the longer of the two."""
    text = t.text
    # The first line's width; after an idle release its start is not known and this is short,
    # so a long first piece also counts as a sign of wrapping.
    width = first_end - t.line_start(start)
    wrap_like = width in _WRAP_WIDTHS or first_end - start >= 32
    pieces = [(start, first_end)]
    pos = first_end + (2 if text.startswith("\r\n", first_end) else 1)
    total = first_end - start
    full: Optional[int] = None  # width of the continuation lines
    for _ in range(_MAX_WRAP_LINES):
        if pos - start > _MAX_WRAP_CHARS:
            break
        if pos >= t.n:
            if not t.final:
                return t.line_start(start)
            break
        run_end = run.match(text, pos).end()
        if run_end == pos:
            break
        if run_end >= t.n and not t.final:
            return t.line_start(start)
        length = run_end - pos
        ends_line = run_end >= t.n or _at_break(text, run_end)
        if expected:
            if total + length > expected or (not ends_line and total + length != expected):
                break  # not exactly the missing part: a word on the next line, not a wrap
            pieces.append((pos, run_end))
            total += length
            if total >= expected or not ends_line:
                break
        else:
            if not ends_line:
                break
            if full is None and not (length == width or wrap_like):
                break
            if full is not None and length > full:
                break
            pieces.append((pos, run_end))
            if full is None:
                if length < width:
                    break
                full = length
            elif length < full:
                break
        pos = run_end + (2 if text.startswith("\r\n", run_end) else 1)
    end = _match_pieces(text, rx, pieces, spec.check)
    if end is not None and (found_end is None or end > found_end):
        out.append(Found(start, end, spec.label, spec.priority, start))
    elif found_end is not None:
        out.append(Found(start, found_end, spec.label, spec.priority, start))
    return None


def _match_pieces(text: str, rx: re.Pattern, pieces: Iterable[tuple[int, int]], check) -> Optional[int]:
    """Match rx on the joined pieces; return the end of the match in text coordinates."""
    pieces = list(pieces)
    if len(pieces) < 2:
        return None
    joined = "".join(text[a:b] for a, b in pieces)
    m = rx.match(joined)
    if m is None or (check is not None and not check(m.group())):
        return None
    need = m.end()
    for a, b in pieces:
        if need <= b - a:
            return a + need
        need -= b - a
    return pieces[-1][1]
