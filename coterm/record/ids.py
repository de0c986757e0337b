"""Session ids: a time-sortable prefix plus 60 random bits, lowercase Crockford base32.

19 characters, e.g. `0sfbp4k3q8d2x7hw9mz`; ids sort by start time, and the random part
makes them unguessable. Any unique prefix (or a unique 4+ character piece) names a
session on the command line.
"""

from __future__ import annotations

import os
import time
from typing import Optional

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # digits before letters: sorts like the numbers


def _encode(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def new_session_id(now: Optional[float] = None) -> str:
    seconds = int(time.time() if now is None else now)
    random_bits = int.from_bytes(os.urandom(8), "big") >> 4
    return _encode(seconds, 7) + _encode(random_bits, 12)


def new_nonce() -> str:
    return os.urandom(16).hex()
