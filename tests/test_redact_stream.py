"""Chunking never changes the output: seeded random streams built from the pieces that make the
redactor hold text back (escape sequences cut in half, backspace and CR redraws, key blocks,
labels waiting for a value, tokens at line ends), split at random points."""

from __future__ import annotations

import random

from coterm.redact import StreamRedactor, redact_text

PIECES = (
    "\x1b[31m", "\x1b[0m", "\x1b[K", "\x1b[2K", "\x1b[3D", "\x1b[2C", "\x1b[@", "\x1b[P",
    "\x1b]0;title\x07", "\x1b]0;x", "\x1b", "\x1b[", "\b", "\r", "\r\n", "\n", " ", "\t",
    "password=", "token: ", "gh" + "p_", "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz12",
    "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA",
    "eyJhbGciOiJIUzI1NiJ9", ".", "eyJzdWIiOiIxIn0", "Authorization: Bearer ", "https://u:",
    "@host", "mysql -p", "hunter2", "é", "✓", "\udcff", "Password:", '"', "'", "AK" + "IA",
    "QQQQQQQQQQQQQQQQ", "x" * 50, "LS0tLS1CRUdJTi", "sk-", "=", ":", "\x00",
)  # fmt: skip


def _streamed(text: str, cuts: list[int], idle: bool = False) -> str:
    r = StreamRedactor()
    out, last = [], 0
    for cut in [*cuts, len(text)]:
        out.append(r.feed(text[last:cut]))
        if idle:
            out.append(r.idle())
        last = cut
    out.append(r.flush())
    return "".join(out)


def test_random_streams_chunked_anywhere_equal_one_shot():
    rnd = random.Random(20241121)
    mismatches = []
    for _ in range(400):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 80)))
        whole = redact_text(text)
        for _ in range(3):
            k = rnd.randint(0, min(8, max(0, len(text) - 1)))
            cuts = sorted(rnd.sample(range(1, len(text)), k)) if k else []
            if _streamed(text, cuts) != whole:
                mismatches.append((text, cuts))
        _streamed(text, sorted(rnd.sample(range(1, len(text)), min(3, len(text) - 1))), idle=True)
    assert not mismatches, mismatches[:3]


def test_nothing_is_lost_or_invented_without_secrets():
    """Text with no secret comes out unchanged however it is chunked, idle pauses included."""
    rnd = random.Random(7)
    plain = ("\x1b[32m", "\x1b[0m", "ls -la", "\r\n", "\b", "\r", "\x1b[K", "é", " ", "\x1b", "\x1b[")
    for _ in range(300):
        text = "".join(rnd.choice(plain) for _ in range(rnd.randint(1, 60)))
        cuts = sorted(rnd.sample(range(1, len(text)), min(4, max(0, len(text) - 1))))
        assert _streamed(text, cuts, idle=True) == text
        assert redact_text(text) == text
