"""Is this identifier the name of a secret? `DB_PASSWORD` yes, `password_policy` and `sort_key` no.

Identifiers are split into lowercase words (`_ - .` and camelCase boundaries), so one table covers
`api_key`, `apiKey`, `X-Api-Key` and `APIKEY`-style names ending in a known word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional


def _words(text: str) -> list[str]:
    return text.split()


_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+", re.ASCII)

PASSWORD_WORDS = frozenset(("password", "passwd", "passphrase", "pwd", "pass", "pw", "pword"))
# Words that, after a secret word, make the name about the secret rather than the secret.
DENY_LAST = frozenset(
    _words(
        """
        id ids name names file files path paths dir url uri uris endpoint type types kind length
        len count size max min ttl expiry expires expiration lifetime duration age timeout policy
        hint prompt field fields header headers env var vars version provider format mode enabled
        required set changed updated at reset strength label placeholder ref refs arn usage limit
        limits index generation rotation manager store storage source command cmd helper location
        method prefix suffix last4 fingerprint class schema error errors valid invalid input regex
        pattern rule rules spec option options flag flags list scope scopes audience issuer cache
        metadata status state changes history attempts retries policy min_length template
        warning warnings exception message msg text info help description desc doc docs note
        notes title question notice alert range start end offset pos position line column col fds
        fd lines protected
        """
    )
)
# `<word>_key` names that are not secrets.
KEY_DENY = frozenset(
    _words(
        """
        public pub primary foreign sort cache partition idempotency host routing lookup map unique
        composite group field index row column shard order object hot short next prev last first
        dedup dedupe cursor page i18n translation message label metadata tag dict json yaml schema
        event trace span s3 registry gpg known ssh sign verify sorting grouping hash join
        """
    )
)
_KEY_COMPOUNDS = (
    ("sharedaccesskey", "azure_storage_key"),
    ("accountkey", "azure_storage_key"),
    ("privatekey", "private_key"),
    ("secretkey", "secret"),
    ("accesskey", "access_key"),
    ("apikey", "api_key"),
    ("appkey", "app_key"),
)


def words(ident: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(ident)]


@lru_cache(maxsize=4096)
def classify(ident: str) -> Optional[tuple[str, str]]:
    """(kind, label) for a secret's name, else None. kind drives the value checks:
    "password" accepts word-like values, "key" wants machine-made ones, "token" sits between."""
    segs = words(ident)
    if not segs or segs[-1] in DENY_LAST:
        return None
    has = set(segs)
    for seg in segs:
        if seg.endswith(("password", "passwd", "passphrase")) or seg == "pwd":
            return "password", "password"
    if segs[-1] in PASSWORD_WORDS:  # `db_pass`, `--pw`; not `pass_fds`
        return "password", "password"
    for seg in segs:
        if seg.endswith("secret"):
            if "aws" in has or "access" in has:
                return "token", "aws_secret_access_key"
            return "token", "client_secret" if "client" in has else "secret"
    for seg in segs:
        if seg.endswith("token"):
            aws = "aws" in has and "session" in has
            return "token", "aws_session_token" if aws else "token"
        if seg.endswith(("credential", "credentials")):
            return "token", "credential"
        if seg == "pat":
            return "key", "token"  # also short for "pattern": only a machine-made value counts
    return _key(segs, has)


def _key(segs: list[str], has: set) -> Optional[tuple[str, str]]:
    for i, seg in enumerate(segs):
        for compound, label in _KEY_COMPOUNDS:
            if seg.endswith(compound):
                return _key_kind(label), _datadog(label, has)
        if seg == "key":
            prefix = segs[i - 1] if i else ""
            if prefix in KEY_DENY:
                return None
            if "private" in has or ("client" in has and "data" in has):
                return "token", "private_key"
            if "account" in has or "storage" in has:
                return "key", "azure_storage_key"
            label = {"api": "api_key", "access": "access_key", "app": "app_key"}.get(prefix, "key")
            if prefix == "application":
                label = "app_key"
            return "key", _datadog(label, has)
    return None


def _key_kind(label: str) -> str:
    return "token" if label in ("private_key", "secret") else "key"


def _datadog(label: str, has: set) -> str:
    if "dd" in has or "datadog" in has:
        return "datadog_app_key" if label == "app_key" else "datadog_api_key"
    return label
