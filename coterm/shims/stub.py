"""The text of a shim file: a few lines of Python that start coterm.shims.run as fast as possible.

`#!PYTHON -IS`: -S skips site.py, which here costs 40-50 ms per start (it imports every
.pth file's code); -I ignores PYTHON* variables and the user's site directory, so a
script's PYTHONPATH cannot break or hijack the shim. Without site, the paths coterm and
its dependencies live in are written into the file when it is made.

When the interpreter's path cannot go on a #! line (spaces, too long), the file starts as
a /bin/sh script whose second line is also a Python no-op (a string expression):
`"exec" "PYTHON" "-IS" "$0" "$@"`.

If coterm cannot be imported any more (uninstalled, moved), the shim says so and runs the
real NAME unchecked: the shell must stay usable, and the message says how to fix it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Optional

from coterm.shims.resolve import MARKER

VERSION = 1
_MAX_SHEBANG = 120  # Linux allowed 127 bytes before 5.1; macOS 512
_UNQUOTABLE = set('"$`\\\n')

_BODY = """\
import sys

sys.path.extend({paths!r})
try:
    from coterm.shims.run import main
except ImportError as exc:
    main = None
    problem = exc
if main is not None:
    sys.exit(main({name!r}, record={record!r}))
import os

sys.stderr.write(
    "CoTerm: cannot load coterm (%s); {name} runs unchecked. Reinstall coterm, "
    "or remove this shim: rm %s\\n" % (problem, sys.argv[0])
)
here = os.path.realpath(os.path.dirname(sys.argv[0]))
for entry in os.environ.get("PATH", "").split(os.pathsep):
    path = os.path.join(entry or ".", {name!r})
    if os.path.realpath(entry or ".") == here or not os.access(path, os.X_OK):
        continue
    if not os.path.isfile(path):
        continue
    with open(path, "rb") as fh:
        if {marker!r} in fh.read(512):
            continue
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.execv(path, [{name!r}] + sys.argv[1:])
sys.stderr.write("{name}: command not found\\n")
sys.exit(127)
"""


class StubError(ValueError):
    pass


@dataclass
class Header:
    name: str
    record: bool
    version: int
    python: str  # the interpreter the shim starts


def _interpreter(lines: list[str]) -> str:
    first = lines[0] if lines else ""
    if first.startswith("#!/bin/sh") and len(lines) > 1:
        parts = lines[1].split('"')
        return parts[3] if len(parts) > 3 else ""
    return first[2:].rsplit(" -IS", 1)[0] if first.startswith("#!") else ""


def search_paths() -> list[str]:
    """Where coterm and its dependencies are importable from, coterm's own root first."""
    import coterm

    root = os.path.dirname(os.path.dirname(os.path.abspath(coterm.__file__)))
    out = [root]
    for entry in sys.path[1:]:  # sys.path[0] is the running script's directory or the cwd
        usable = entry and os.path.isabs(entry) and os.path.isdir(entry)
        if usable and entry not in out and not _stdlib(entry):
            out.append(entry)
    return out


def _stdlib(entry: str) -> bool:
    """The interpreter finds these by itself, -S or not."""
    inside = entry.startswith(sys.base_prefix + os.sep)
    return inside and "site-packages" not in entry and "dist-packages" not in entry


def render(name: str, record: bool, python: Optional[str] = None, paths: Optional[list[str]] = None) -> str:
    python = python or sys.executable
    if not python or _UNQUOTABLE & set(python):
        raise StubError(f"cannot write a shim that starts {python!r}: its path has quotes, $ or \\")
    mark = MARKER.decode()
    header = (
        f"# {mark} v{VERSION} name={name} record={int(record)}: {name} runs through coterm "
        "(rules, approval, recording).\n"
        f"# Made by `ddcoterm shim create {name}`; remove with `ddcoterm shim remove {name}`. Do not edit.\n"
    )
    if len(python) <= _MAX_SHEBANG and not any(c.isspace() for c in python):
        start = f"#!{python} -IS\n"
    else:
        start = f'#!/bin/sh\n"exec" "{python}" "-IS" "$0" "$@"\n'
    body = _BODY.format(paths=paths or search_paths(), name=name, record=record, marker=MARKER)
    return start + header + body


def read_header(path: str) -> Optional[Header]:
    """The shim's own description, or None when the file is not a coterm shim."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512).decode("utf-8", "replace")
    except OSError:
        return None
    mark = MARKER.decode()
    lines = head.splitlines()[:3]
    for line in lines:
        if line.startswith(f"# {mark} v"):
            fields = dict(f.split("=", 1) for f in line.split(":", 1)[0].split()[3:] if "=" in f)
            version = line.split()[2][1:]
            return Header(
                fields.get("name", ""),
                fields.get("record") == "1",
                int(version) if version.isdigit() else 0,
                _interpreter(lines),
            )
    return None
