"""The wire format between shell hooks and the resident evaluator.

Shells speak it with builtins only, so it is one text line each way:

request:  VERB <TAB> key=value <TAB> key=value ... <LF>
reply:    KIND <TAB> REC <TAB> ARG <TAB> TEXT <LF>      (fish FIFO replies put SEQ <TAB> first)
          REC: 1 record, 0 do not; 2 (outside a recorded session) record this line in place
          an empty ARG or TEXT is sent as "-" (IFS splitting would merge empty fields)

Values and TEXT are percent-encoded for `%` `TAB` `LF` `CR` (and nothing else is required),
which a shell can do with parameter expansion and no fork.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

VERSION = "1"

# Replies the hooks understand.
ALLOW = "allow"  # run it; TEXT (if any) is a notice to print first
ASK = "ask"  # print TEXT, ask "Do you want to continue? (y/n)"; y runs it
DENY = "deny"  # print TEXT, do not run
MORE = "more"  # bash only: the line is incomplete; add a newline and keep editing
APPROVE = "approve"  # run `ddcoterm approve --for-hook ARG` on the tty; exit 0 runs the line
ATTACH = "attach"  # reply to `attach`: ARG is the pty to send the command's output to
REPLY_KINDS = (ALLOW, ASK, DENY, MORE, APPROVE, ATTACH)

_ENCODE = (("%", "%25"), ("\t", "%09"), ("\n", "%0A"), ("\r", "%0D"))


def encode(text: str) -> str:
    for raw, enc in _ENCODE:
        text = text.replace(raw, enc)
    return text


def decode(text: str) -> str:
    return unquote(text, errors="surrogateescape")


@dataclass
class Request:
    verb: str
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Fields named `prefix + NAME` (a.NAME aliases, e.NAME environment) as {NAME: value}."""
        n = len(prefix)
        return {k[n:]: v for k, v in self.fields.items() if k.startswith(prefix) and len(k) > n}

    def env(self) -> dict[str, str]:
        """Environment the shell sent: e.NAME fields, or (fish) comma lists `en` and `ev`."""
        env = self.prefixed("e.")
        names, values = self.fields.get("en", ""), self.fields.get("ev_raw", "")
        if names:
            vals = [decode(v) for v in values.split(",")]
            env.update(zip(names.split(","), vals + [""] * (len(names.split(",")) - len(vals))))
        return env

    def to_line(self) -> str:
        parts = [self.verb] + [f"{k}={encode(v)}" for k, v in self.fields.items()]
        return "\t".join(parts) + "\n"


class ProtocolError(ValueError):
    pass


def parse_request(raw: bytes) -> Request:
    text = raw.decode("utf-8", errors="surrogateescape").rstrip("\r\n")
    if not text:
        raise ProtocolError("empty request")
    verb, *rest = text.split("\t")
    fields: dict[str, str] = {}
    for part in rest:
        key, sep, value = part.partition("=")
        if not sep or not key:
            continue  # a shell that sent an empty field; ignore rather than fail the line
        if key == "ev":  # a comma list of encoded values: decode each after splitting
            fields["ev_raw"] = value
            continue
        fields[key] = decode(value)
    return Request(verb=verb, fields=fields)


@dataclass
class Reply:
    kind: str
    record: bool = True
    arg: str = ""
    text: str = ""
    # Outside a recorded session: record this line in place (REC is sent as "2"; the hook
    # then asks for a pty with an `attach` request, see coterm/server/attach.py).
    here: bool = False

    def to_line(self, seq: str = "") -> bytes:
        # Shells split on TAB with IFS, which merges empty fields: send "-" for empty.
        arg, text = encode(self.arg) or "-", encode(self.text) or "-"
        rec = "2" if self.here else "1" if self.record else "0"
        parts = [self.kind, rec, arg, text]
        if seq:
            parts.insert(0, seq)
        return ("\t".join(parts) + "\n").encode("utf-8", errors="surrogateescape")


def parse_reply(raw: bytes) -> Reply:
    text = raw.decode("utf-8", errors="surrogateescape").rstrip("\n")
    kind, rec, arg, body = (text.split("\t", 3) + ["", "", "", ""])[:4]
    arg, body = ("" if arg == "-" else arg), ("" if body == "-" else body)
    return Reply(kind=kind, record=rec in ("1", "2"), arg=decode(arg), text=decode(body), here=rec == "2")
