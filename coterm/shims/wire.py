"""The `shim` request to the resident evaluator and its answer, as one text line each way.

It follows coterm.server.protocol (TAB-separated, `%`, TAB, LF, CR percent-encoded) but is
re-implemented here with str methods: that module pulls in urllib and dataclasses, which
would cost the shim more than the whole round trip.

request:  shim <TAB> name=NAME <TAB> cwd=DIR <TAB> argc=N <TAB> arg0=.. <TAB> e.VAR=.. ... <LF>
reply:    DECISION <TAB> RECORD(0|1) <TAB> NONINTERACTIVE(deny|allow) <TAB> DETAIL <LF>

DECISION is allow | confirm | approval | deny. DETAIL is empty for a plain allow (no
messages, notices or rule hits), so the common answer needs no JSON decoding; otherwise it
is a JSON object with the Verdict's remaining fields. The server writes an empty field as
"-" (shells' IFS splitting merges empty fields). Any other first word (an older server
answering `error`) means: no answer, evaluate in-process.
"""

from __future__ import annotations

VERB = "shim"
KINDS = ("allow", "confirm", "approval", "deny")
_DECODE = {"25": "%", "09": "\t", "0A": "\n", "0D": "\r"}

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds on the shim's path
    from typing import Any, Mapping, Optional


def encode(text: str) -> str:
    return text.replace("%", "%25").replace("\t", "%09").replace("\n", "%0A").replace("\r", "%0D")


def decode(text: str) -> str:
    if "%" not in text:
        return text
    head, *rest = text.split("%")
    out = [head]
    for part in rest:
        char = _DECODE.get(part[:2].upper())
        out.append(char + part[2:] if char else "%" + part)
    return "".join(out)


class Verdict:
    """What a shim needs from the evaluator's Decision for one argv.

    A plain class rather than a dataclass: importing dataclasses costs the shim ~10 ms.
    """

    __slots__ = (
        "kind",
        "record",
        "noninteractive",
        "messages",
        "approver_messages",
        "notices",
        "break_glass",
        "rules",
        "actions",
        "fail_closed",
    )

    def __init__(
        self,
        kind: str = "allow",
        record: bool = False,
        noninteractive: str = "deny",
        messages: Optional[list[str]] = None,
        approver_messages: Optional[list[str]] = None,
        notices: Optional[list[str]] = None,
        break_glass: bool = False,
        rules: Optional[list[dict[str, Any]]] = None,
        actions: Optional[list[str]] = None,
        fail_closed: bool = False,
    ) -> None:
        self.kind = kind  # allow | confirm | approval | deny
        self.record = record  # the rules (or --save-level record) say record this run
        self.noninteractive = noninteractive  # deny | allow: when no terminal can answer
        self.messages = messages or []
        self.approver_messages = approver_messages or []
        self.notices = notices or []  # config problems, untrusted files: say once
        self.break_glass = break_glass
        self.rules = rules or []  # RuleHit.to_json() of the lints and rules that fired
        self.actions = actions or []
        self.fail_closed = fail_closed

    def plain(self) -> bool:
        return (
            self.kind == "allow"
            and not (self.messages or self.notices or self.rules or self.approver_messages)
            and not self.break_glass
        )

    def detail(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__[3:]}

    def to_reply_fields(self) -> tuple[str, bool, str, str]:
        import json

        text = "" if self.plain() else json.dumps(self.detail())
        return self.kind, self.record, self.noninteractive, text

    def __repr__(self) -> str:
        return f"Verdict({self.kind}, record={self.record}, {self.detail()})"


def request_line(name: str, argv: list[str], cwd: str, env: Mapping[str, str]) -> bytes:
    parts = [VERB, f"name={encode(name)}", f"cwd={encode(cwd)}", f"argc={len(argv)}"]
    parts += [f"arg{i}={encode(a)}" for i, a in enumerate(argv)]
    parts += [f"e.{encode(k)}={encode(v)}" for k, v in env.items()]
    return ("\t".join(parts) + "\n").encode("utf-8", "surrogateescape")


def parse_reply(raw: bytes) -> Optional[Verdict]:
    text = raw.decode("utf-8", "surrogateescape").rstrip("\n")
    kind, rec, arg, detail = (text.split("\t", 3) + ["", "", "", ""])[:4]
    detail = "" if detail == "-" else detail  # the server sends "-" for an empty field
    if kind not in KINDS:
        return None
    verdict = Verdict(kind, rec == "1", decode(arg) if arg in ("deny", "allow") else "deny")
    if detail:
        import json

        try:
            fields = json.loads(decode(detail))
        except ValueError:
            return None
        for name in Verdict.__slots__[3:]:
            if name in fields:
                setattr(verdict, name, fields[name])
    return verdict


def argv_from_fields(fields: Mapping[str, str]) -> list[str]:
    """The server side of request_line: the argv, in order."""
    try:
        count = int(fields.get("argc", "0"))
    except ValueError:
        return []
    return [fields.get(f"arg{i}", "") for i in range(count)]
