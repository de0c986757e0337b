"""Is this candidate value a secret, or a placeholder, a reference, a path, a mask?

Context rules (`password=...`, `"token": "..."`) find a *candidate*; these checks decide. They are
the false-positive defences: placeholders and variable references, masked values, code, paths,
URLs, English words, and for keys and tokens a "looks random" test.
"""

from __future__ import annotations

import math
import re
from collections import Counter


def _words(text: str) -> list[str]:
    return text.split()


_RE = re.ASCII

# `$VAR`, `${VAR}`, `$(cmd)`, `%VAR%`, `{{ x }}`, `<your-token>`, `[REDACTED]`, `{password}`, `#{x}`.
_PLACEHOLDER = re.compile(
    r"""\$|%[A-Za-z_][A-Za-z0-9_]*%$|\{\{|\{%|<[^>]*>$|<[A-Za-z_ -]+$|\[[^\]]*\]$|\{[A-Za-z_. -]*\}$
    |\#\{|@[A-Za-z_]+@$|__[A-Z_]+__$""",
    _RE | re.VERBOSE,
)
# Values made only of mask characters: `****`, `xxxxxx`, `••••`, `......`, `-----`.
_MASKED = re.compile(r"[*xX#.\-•●·_]{3,}$|[*•●]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?$")
_CODE_REF = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")
_ESCAPES = re.compile(r"\\[uxU][0-9a-fA-F]{2}")
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_LETTERS = re.compile(r"[A-Za-z._-]+$")
_PATH = re.compile(r"(?:/|\./|\.\./|~/|[A-Za-z]:\\)")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_HEX = re.compile(r"[0-9a-fA-F]+$")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_FILE_NAME = re.compile(r"[\w.-]*\.(?:pem|key|crt|cer|json|ya?ml|txt|env|ini|conf|cfg|toml|p12|pfx)$")

# Words that sit where a value would and are not one: prose after "password:", config defaults.
STOPWORDS = frozenset(
    _words(
        """
        none null nil undefined true false yes no on off empty unset set required optional hidden
        redacted masked sensitive secret secrets password passwords passwd token tokens key keys
        value string str example sample changed updated reset expired invalid incorrect wrong
        missing required must is was are be for the a an of to and or not from with your my our
        their ok failed failure success successful successfully accepted rejected denied granted
        provided protected encrypted stored saved generated rotated revoked ignored disabled
        enabled default auto prompt ask stdin env file none. n/a na tbd todo xxx foo bar baz
        pwd pass pw when where what which who how this that these those it its if then else there
        here has have had can cannot will would should could may might do does did all any each
        every some such only also use used using see get got given found expected received but
        in as by at into via than
        """
    )
)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def char_classes(value: str) -> int:
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


def is_placeholder(value: str) -> bool:
    low = value.lower()
    return (
        bool(_PLACEHOLDER.match(value))
        or value.startswith(("%", "#"))
        or bool(_MASKED.match(value))
        or low in STOPWORDS
        or low.startswith(("your", "my-", "my_", "example", "changeme_", "<"))
        or "redacted" in low
        or "****" in value  # `gho_************`: shown masked already
        or ("{" in value and "}" in value)  # a template or format string: `{0}:{1}`
    )


def is_reference(value: str) -> bool:
    """Code, a path, a URL, a file name, a constant's name: what names a secret, not a secret."""
    return (
        "(" in value
        or bool(_PATH.match(value))
        or bool(_URL.match(value))
        or bool(_FILE_NAME.match(value))
        or (bool(_CODE_REF.match(value)) and not value.startswith("eyJ"))
        or bool(_CONSTANT.match(value))
    )


def looks_random(value: str, min_len: int = 16) -> bool:
    """A machine-made key: long enough, varied characters, high entropy; not a UUID or a word."""
    if len(value) < min_len or _UUID.match(value) or " " in value:
        return False
    if _HEX.match(value):
        return len(value) >= 32 and not _NUMBER.match(value) and entropy(value) >= 3.0
    lower = any(c.islower() for c in value)
    upper = any(c.isupper() for c in value)
    digit = any(c.isdigit() for c in value)
    if lower + upper + digit < 2:
        return False
    if not digit and not (upper and lower and len(value) >= 20):
        return False  # `kubernetes.io/sa`, `ApplicationController`
    return entropy(value) >= (3.2 if len(value) >= 16 else 3.0)


def plausible(value: str, kind: str, strong: bool) -> bool:
    """Whether a context rule's candidate is a secret of this kind.

    kind: "password" accepts short and word-like values; "key" wants machine-made values;
    anything else (token, secret, credential) sits between. strong: the value came after an
    assignment operator (`=`, `:`), not after a bare space or "is".
    """
    if not value or is_placeholder(value) or is_reference(value):
        return False
    if not strong:
        return looks_random(value)
    if kind == "password":
        return len(value) >= 3 and not (_NUMBER.match(value) and len(value) < 4)
    if kind == "key":
        return looks_random(value, 12) and not _ESCAPES.search(value)
    if len(value) < 6 or (_NUMBER.match(value) and len(value) < 12):
        return False
    if _LETTERS.match(value):
        # `token: expired`, `secret: db-creds`: words, unless long and mixed-case like a key.
        return len(value) >= 16 and char_classes(value) >= 2 and entropy(value) >= 3.5
    return True
