"""Loop guard for shims, carried in the environment from a shim to everything it runs.

A shim that runs NAME records (NAME, a digest of the argv it checked, the binary it ran) in
COTERM_SHIM_CHAIN. When NAME comes back through the shim inside that process tree:

- the real NAME is looked up past the binaries already used that look like wrappers: a
  script (`#!`), or any binary that is now asked to run the identical argv again. So a
  wrapper script `NAME` that calls "the next NAME in PATH" (which is the shim again)
  reaches the real binary instead of itself, while a real kubectl whose plugin calls
  `kubectl get ...` gets that same kubectl. When nothing is left past them, the first
  NAME is used;
- an identical argv is not checked again (the wrapper re-running the same command must not
  ask twice), while a different one is (a script or plugin that runs `NAME delete ...`
  from inside a NAME run is still checked);
- more than MAX_DEPTH nested runs of NAME stop with an error instead of looping forever.

This is a convenience, not a security boundary: like any PATH shim it can be bypassed
(absolute paths, a PATH without the overrides directory, or forging this variable).
"""

from __future__ import annotations

import os
import zlib

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds on the shim's path
    from typing import Mapping, MutableMapping

VAR = "COTERM_SHIM_CHAIN"
MAX_DEPTH = 8
_ENTRY_SEP = "\x1e"
_FIELD_SEP = "\x1f"


class Guard:
    """What the enclosing shim runs of one NAME say about this call."""

    __slots__ = ("depth", "skip", "checked")

    def __init__(self, depth: int, skip: list[str], checked: bool) -> None:
        self.depth = depth  # enclosing runs of NAME through a shim
        self.skip = skip  # binaries they ran that this call should look past
        self.checked = checked  # one of them already checked this exact argv


def digest(argv: list[str]) -> str:
    data = b"\0".join(os.fsencode(a) for a in argv)
    return f"{zlib.crc32(data):08x}{len(data):x}"


def _entries(env: Mapping[str, str]) -> list[list[str]]:
    raw = env.get(VAR, "")
    out = []
    for item in raw.split(_ENTRY_SEP) if raw else []:
        fields = item.split(_FIELD_SEP)
        if len(fields) == 3:
            out.append(fields)
    return out


def read(env: Mapping[str, str], name: str, argv: list[str]) -> Guard:
    mine = [e for e in _entries(env) if e[0] == name]
    sig = digest(argv)
    skip = [real for _, used, real in mine if used == sig or _is_script(real)]
    return Guard(len(mine), skip, any(e[1] == sig for e in mine))


def _is_script(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == b"#!"
    except OSError:
        return False


def push(env: MutableMapping[str, str], name: str, argv: list[str], real: str) -> None:
    entry = _FIELD_SEP.join((name, digest(argv), os.path.realpath(real)))
    old = env.get(VAR, "")
    env[VAR] = f"{old}{_ENTRY_SEP}{entry}" if old else entry
