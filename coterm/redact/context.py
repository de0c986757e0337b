"""Secrets recognised by what surrounds them rather than by their shape.

`password=x`, `"token": "x"`, `--api-key x`, `export DB_PASSWORD=x`, `Authorization: Bearer x`,
`mysql -px`, `curl -u user:x`, `https://user:x@host`, and a value on the line after a
`Password:`-style label. Every handler starts at an anchor hit and rejects cheaply: most hits
(`key` in `monkey`, `token` in prose) end at the first check.
"""

from __future__ import annotations

import re
from typing import Optional

from coterm.redact.names import classify
from coterm.redact.text import WS, Found, ScanText
from coterm.redact.values import is_placeholder, is_reference, looks_random, plausible

_A = re.ASCII
_AI = re.ASCII | re.IGNORECASE
IDENT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_MAX_IDENT = 64
_MAX_QUOTED = 4096
_ARMED_LINES = 4

# After the keyword: rest of the identifier, closing quote, operator.
_AFTER = re.compile(r"[A-Za-z0-9_.-]*([\"']?)([ \t]*)(:=|=>|=|:(?![:/\\]))?([ \t]*)", _A)
_VALUE = re.compile(r"[^\s\"'`<>|;&,(){}\[\]]+", _A)
_TOKEN = re.compile(r"[A-Za-z0-9+/=_.~!@#%^*-]+", _A)
_GLUE = re.compile(r"(?:(?:is|was|are)[ \t]+)?", _AI)
# "the following password to proceed to installation:" with the value on a later line.
_PROSE_LABEL = re.compile(r"[^\n:=]{0,48}:[ \t]*\r?(?=\n|$)", _A)
# `--passwd user-id` in a synopsis: a documentation placeholder, not a value.
_METAVAR = re.compile(r"[a-z]+(?:-[a-z]+)+(?=[\s\]]|$)", _A)
_CHAINED = re.compile(r"[ \t]*=[^=]", _A)  # `a = b = c`: the value is a name
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z", _A)
_OPERATOR = re.compile(r"[:=\n]", _A)
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*$", _A)
_PRIORITY = 1


def keyword(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    """`NAME=value`, `NAME: value`, `"name": "value"`, `--name value`, `NAME value` (fish, csh)."""
    text = t.text
    s = pos
    while s > 1 and text[s - 1] in IDENT:
        s -= 1
        if pos - s > _MAX_IDENT:
            return None
    if text[s - 1] in "$%{":
        return None  # $PASSWORD, ${TOKEN}, %SECRET%: a reference
    m = _AFTER.match(text, pos)
    ident = text[s : m.start(1)]
    core = ident.lstrip("-.")
    named = classify(core)
    if named is None:
        return None
    kind, label = named
    quote, space, op, space2 = m.groups()
    flag = ident.startswith("-")
    if core.lower() in ("pass", "pw") and not flag and op != "=":
        return None  # `PASS: test_x` in test output
    v = m.end()
    if op == ":" and not (space2 or quote) and text[v : v + 1] not in ('"', "'", "\r", "\n", ""):
        return None  # `arn:aws:...:secret:name`, `host:port`: a colon without a space
    if v >= t.n:
        return None if t.complete(s) else t.hold_at(s)
    if op is not None:
        if text[v] in "\r\n":
            return _armed(t, s, v, kind, label, out)
        return _value(t, s, v, kind, label, True, out)
    if flag or (space and "_" in core and _ENV_NAME.match(core)):
        if space and text[v] not in "\r\n-#" and not _METAVAR.match(text, v):
            return _value(t, s, v, kind, label, True, out)
        return None
    if _PROSE_LABEL.match(text, m.start(1)):
        return _armed(t, s, v, kind, label, out)
    if not t.complete(s) and t.n - m.start(1) <= 48 and not _OPERATOR.search(text, m.start(1)):
        return t.hold_at(s)  # "the following password to proceed to ..." may end in ':'
    if space and kind != "key":
        v = _GLUE.match(text, v).end()
        if v >= t.n:
            return None if t.complete(s) else t.hold_at(s)
        return _weak_value(t, s, v, label, out)
    return None


def _value(
    t: ScanText, s: int, v: int, kind: str, label: str, strong: bool, out: list[Found]
) -> Optional[int]:
    text = t.text
    quote = text[v]
    if quote in "\"'":
        end = _closing_quote(text, v, t.line_end(v))
        if end is None:
            if not t.complete(v):
                return t.hold_at(s)
            return None
        vs, ve = v + 1, end
    else:
        vm = _VALUE.match(text, v)
        if vm is None:
            return None
        vs, ve = vm.span()
        if ve >= t.n and not t.final:
            return t.hold_at(s)
        if _looks_like_code(text, s, vs, ve):
            return None
    value = text[vs:ve]
    if plausible(value, kind, strong):
        out.append(Found(vs, ve, label, _PRIORITY, s))
    return None


def _looks_like_code(text: str, s: int, vs: int, ve: int) -> bool:
    """`x = f(y)`, `x = a[1]`, `f(pwd=pwd, ...)`, `self.password = value`, `a, pw = b, c`."""
    after = text[ve : ve + 1]
    if after in ("(", "[") or _CHAINED.match(text, ve):
        return True
    if not _IDENTIFIER.match(text, vs, ve):
        return False
    return after in (",", ")") or "." in text[s:vs] or text[s - 2 : s] == ", "


def _weak_value(t: ScanText, s: int, v: int, label: str, out: list[Found]) -> Optional[int]:
    """`token 3f9a...`, `password is Xy7...`: only a machine-made value counts."""
    text = t.text
    vm = _TOKEN.match(text, v)
    if vm is None:
        return None
    vs, ve = vm.span()
    if ve >= t.n and not t.final:
        return t.hold_at(s)
    if ve < t.n and text[ve] not in WS + "\"',;)":
        return None
    if looks_random(text[vs:ve]) and not is_reference(text[vs:ve]):
        out.append(Found(vs, ve, label, _PRIORITY, s))
    return None


def _closing_quote(text: str, v: int, limit: int) -> Optional[int]:
    quote = text[v]
    i = v + 1
    limit = min(limit, v + _MAX_QUOTED)
    while True:
        j = text.find(quote, i, limit)
        if j < 0:
            return None
        if quote == '"' and text[j - 1] == "\\" and text[j - 2] != "\\":
            i = j + 1
            continue
        return j


def _armed(t: ScanText, s: int, at: int, kind: str, label: str, out: list[Found]) -> Optional[int]:
    """A label line (`Password:`, `"secret":`) whose value comes on one of the next lines."""
    text = t.text
    eol = t.line_end(at)
    if eol >= t.n or not t.complete(s):
        return t.line_start(s) if not t.final else None
    pos = eol + 1
    for _ in range(_ARMED_LINES):
        if pos >= t.n:
            return None if t.final else t.line_start(s)
        end = t.line_end(pos)
        if not t.complete(pos):
            return t.line_start(s)
        line = text[pos:end]
        stripped = line.strip()
        if not stripped or stripped in ("|", ">", "|-", ">-"):
            pos = end + 1
            continue
        value = stripped.rstrip(",;").strip("\"'")
        if value and not any(c in value for c in WS) and _armed_value(value, kind):
            vs = pos + line.index(value)
            out.append(Found(vs, vs + len(value), label, _PRIORITY, s))
        return None
    return None


def _armed_value(value: str, kind: str) -> bool:
    if is_placeholder(value) or is_reference(value):
        return False
    return looks_random(value, 8 if kind == "password" else 16)


# --- Authorization headers and bearer tokens ------------------------------------------------

_AUTHZ = re.compile(
    r"(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*([\"']?)[ \t]*"
    r"(?:(?:bearer|basic|token|digest|negotiate|ntlm|apikey|api-key|dd-api-key|sso-key|hmac|"
    r"aws4-hmac-sha256|splunk|key|jwt|otoken|sharedaccesssignature)[ \t]+)?",
    _AI,
)
_SCHEMES = frozenset(("bearer", "basic", "token", "digest", "negotiate", "ntlm", "apikey"))
_BEARER = re.compile(r"bearer[ \t]+([A-Za-z0-9._~+/=-]{8,4096})", _AI)
_DOCKER_AUTH = re.compile(r"\"auth\"[ \t]*:[ \t]*\"([A-Za-z0-9+/=]{8,4096})\"", _AI)


def authorization(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    text = t.text
    start = pos - 6 if text[pos - 6 : pos].lower() == "proxy-" else pos
    m = _AUTHZ.match(text, start)
    if m is None:
        if not t.complete(pos) and t.n - pos < 40:
            return t.hold_at(pos)
        return None
    if not t.complete(pos):
        return t.hold_at(start)
    eol = t.line_end(pos)
    if eol > 0 and text[eol - 1] == "\r":
        eol -= 1
    quote = m.group(1) or (text[start - 1] if text[start - 1] in "\"'" else "")
    end = text.find(quote, m.end(), eol) if quote else -1
    end = eol if end < 0 else end
    vs = m.end()
    value = text[vs:end].rstrip()
    if value.lower() in _SCHEMES or not (len(value) >= 8 or any(c.isdigit() for c in value)):
        return None
    if is_reference(value) or (" " in value and "=" not in value):
        return None  # code, or prose ("Authorization: headers are not forwarded")
    if not is_placeholder(value):
        out.append(Found(vs, vs + len(value), "authorization", 2, start))
    return None


def bearer(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    text = t.text
    if text[pos - 1] in ALNUM:
        return None
    m = _BEARER.match(text, pos)
    if m is None:
        tail = text[pos + 6 : t.n]
        if not t.complete(pos) and (not tail.strip(" \t") or t.n - pos < 16):
            return t.hold_at(pos)
        return None
    if m.end() >= t.n and not t.final:
        return t.hold_at(pos)
    value = m.group(1)
    if not is_placeholder(value) and any(c.isdigit() for c in value):
        out.append(Found(m.start(1), m.end(1), "bearer_token", 2, pos))
    return None


def docker_auth(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    m = _DOCKER_AUTH.match(t.text, pos)
    if m is None:
        return None if t.complete(pos) else t.hold_at(pos)
    out.append(Found(m.start(1), m.end(1), "docker_auth", 2, pos))
    return None


# --- URLs, openssl pass:, Azure SAS ---------------------------------------------------------

_USERINFO = re.compile(r"://([^\s:/?#@\"'<>]{0,256}):([^\s/\"'<>]{1,256})@(?=[A-Za-z0-9\[_.-])", _A)
_NOT_A_PASSWORD = frozenset(("password", "pass", "pwd", "secret", "token", "passwd", "x"))


def url_userinfo(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    text = t.text
    if text[pos - 1] not in ALNUM:
        return None
    m = _USERINFO.match(text, pos)
    if m is None:
        return None
    value = m.group(2)
    if is_placeholder(value) or value.lower() in _NOT_A_PASSWORD:
        return None
    out.append(Found(m.start(2), m.end(2), "url_password", 2, pos))
    return None


_PASS_ARG = re.compile(r"pass:([^\s\"']{1,512})", _A)


def openssl_pass(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    """`openssl ... -passin pass:SECRET` (also -passout, -pass, -k pass:)."""
    text = t.text
    if text[pos - 1] not in " \t\"'=":
        return None
    m = _PASS_ARG.match(text, pos)
    if m is None:
        return None
    if m.end() >= t.n and not t.final:
        return t.hold_at(pos)
    if not is_placeholder(m.group(1)):
        out.append(Found(m.start(1), m.end(1), "password", 2, pos))
    return None


_SAS_SIG = re.compile(r"sig=([A-Za-z0-9%+/=]{16,256})", _AI)


def sas_signature(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    text = t.text
    if text[pos - 1] not in "?&;":
        return None
    m = _SAS_SIG.match(text, pos)
    if m is not None:
        out.append(Found(m.start(1), m.end(1), "azure_sas_signature", 2, pos))
    return None


_DATADOG = re.compile(
    r"datadog[A-Za-z0-9 _.:-]{0,24}?(?:api|app|application)?[ _.-]?key[A-Za-z0-9 _.\"':=-]{0,16}?"
    r"(?<![A-Za-z0-9])([a-f0-9]{32}|[a-f0-9]{40})(?![A-Za-z0-9])",
    _AI,
)


def datadog(t: ScanText, pos: int, out: list[Found]) -> Optional[int]:
    """`Datadog API key: <32 hex>` in prose; `DD_API_KEY=` is a keyword rule."""
    m = _DATADOG.match(t.text, pos)
    if m is None:
        if not t.complete(pos) and t.n - pos < 100:
            return t.hold_at(pos)
        return None
    if m.end() >= t.n and not t.final:
        return t.hold_at(pos)
    label = "datadog_api_key" if len(m.group(1)) == 32 else "datadog_app_key"
    out.append(Found(m.start(1), m.end(1), label, 2, pos))
    return None
