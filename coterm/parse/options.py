"""Skip a wrapper's own options, getopt style, to find where the wrapped command starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class OptSpec:
    value_short: str = ""  # `-u root`, `-uroot`
    value_long: frozenset[str] = frozenset()  # `--user root`, `--user=root`
    attached_short: str = ""  # optional value, attached only: xargs `-i{}`
    plus_options: bool = False  # shells: `+o vi`, `+x`
    assignments: bool = False  # sudo and env take `NAME=value` before the command
    long_flags: frozenset[str] = frozenset()  # with long_values_default: the long options that don't
    long_values_default: bool = False  # take a value (docker run has too many valued ones to list)


@dataclass
class Scan:
    opts: list[tuple[str, Optional[str]]]  # ("u", "root"), ("user", "root"), ("s", None)
    assignments: list[tuple[str, str]]
    rest: int  # index of the first operand (the wrapped command), len(argv) if none

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.opts)

    def value(self, *names: str) -> Optional[str]:
        for name, val in self.opts:
            if name in names:
                return val
        return None


def scan(argv: list[str], spec: OptSpec, start: int = 1) -> Scan:
    from coterm.parse.words import split_assignment

    opts: list[tuple[str, Optional[str]]] = []
    assigns: list[tuple[str, str]] = []
    i = start
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg.startswith("--") and len(arg) > 2:
            i = _long(argv, i, spec, opts)
            continue
        if len(arg) > 1 and (arg[0] == "-" or (spec.plus_options and arg[0] == "+")):
            i = _short(argv, i, spec, opts)
            continue
        pair = split_assignment(arg) if spec.assignments else None
        if pair is not None:
            assigns.append(pair)
            i += 1
            continue
        break
    return Scan(opts, assigns, i)


def _long(argv: list[str], i: int, spec: OptSpec, opts: list[tuple[str, Optional[str]]]) -> int:
    name, eq, val = argv[i][2:].partition("=")
    if eq:
        opts.append((name, val))
        return i + 1
    if name in spec.value_long or (spec.long_values_default and name not in spec.long_flags):
        opts.append((name, argv[i + 1] if i + 1 < len(argv) else None))
        return i + 2
    opts.append((name, None))
    return i + 1


def _short(argv: list[str], i: int, spec: OptSpec, opts: list[tuple[str, Optional[str]]]) -> int:
    arg = argv[i]
    sign = arg[0]
    for j in range(1, len(arg)):
        ch = arg[j]
        key = ch if sign == "-" else "+" + ch
        if ch in spec.value_short:
            if j + 1 < len(arg):
                opts.append((key, arg[j + 1 :]))
                return i + 1
            opts.append((key, argv[i + 1] if i + 1 < len(argv) else None))
            return i + 2
        if ch in spec.attached_short:
            opts.append((key, arg[j + 1 :] or None))
            return i + 1
        opts.append((key, None))
    return i + 1
