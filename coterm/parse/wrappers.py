"""The wrapper table: for `sudo`, `env`, `sh -c`, `ssh`, ... where the real command is.

Each handler gets the wrapper's argv (argv[0] is the wrapper) and the text on its stdin
(when known) and returns the branches to follow, or None when, in this form, the wrapper
runs nothing else and is itself the command (`sudo -l`, `command -v x`, `ssh host`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from coterm.parse.options import OptSpec, Scan, scan


@dataclass
class Self:
    """Report the wrapper's own argv as a command (it does something itself)."""


@dataclass
class Inner:
    """An argv the wrapper executes."""

    argv: list[str]
    env: list[tuple[str, str]] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)
    clear_env: bool = False
    origin: str = "wrapper"
    remote: bool = False


@dataclass
class Payload:
    """Shell text the wrapper hands to a shell; re-parsed as a command line."""

    text: str
    words: Optional[list[str]] = None  # the words it was joined from (ssh, eval, watch)
    origin: str = "wrapper"
    remote: bool = False
    aliases: bool = False  # eval runs in the interactive shell: aliases apply
    inherit_stdin: bool = True  # False when stdin *is* the script


Branch = Union[Self, Inner, Payload]
Handler = Callable[[list[str], str], Optional[list[Branch]]]

SHELLS = ("sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "rbash", "fish")


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names)


def _rest_or_none(
    argv: list[str], sc: Scan, skip: int = 0, env: Optional[list[tuple[str, str]]] = None
) -> Optional[list[Branch]]:
    rest = argv[sc.rest + skip :]
    return [Inner(rest, env=[*sc.assignments, *(env or [])])] if rest else None


def _simple(spec: OptSpec, skip: int = 0, self_opts: tuple[str, ...] = ()) -> Handler:
    """Wrappers shaped `NAME [OPTIONS] [N operands] COMMAND...`."""

    def handler(argv: list[str], stdin: str) -> Optional[list[Branch]]:
        sc = scan(argv, spec)
        if self_opts and sc.has(*self_opts):
            return None
        return _rest_or_none(argv, sc, skip)

    return handler


# sudo's `-h` is help alone and `-h HOST` with a value; treating it as valued is the safe reading.
SUDO = OptSpec(
    value_short="ugphCrtUDTR",
    value_long=_fs(
        "user", "group", "host", "prompt", "close-from", "role", "type", "other-user",
        "chdir", "chroot", "command-timeout",
    ),
    assignments=True,
)  # fmt: skip


def _sudo(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, SUDO)
    if sc.has("e", "edit", "l", "list", "v", "validate", "K", "V", "version"):
        return None
    found = _rest_or_none(argv, sc)
    if found is None and sc.has("s", "i", "shell", "login"):
        return [Inner(["sh"], env=list(sc.assignments))]
    return found


def _doas(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, OptSpec(value_short="aCu"))
    found = _rest_or_none(argv, sc)
    if found is None and sc.has("s"):
        return [Inner(["sh"])]
    return found


ENV = OptSpec(value_short="uCSP", value_long=_fs("unset", "chdir", "split-string"), assignments=True)


def _env(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    inner = Inner([])
    start = 1
    while True:
        sc = scan(argv, ENV, start)
        inner.env += sc.assignments
        inner.unset += [v for k, v in sc.opts if k in ("u", "unset") and v]
        if sc.has("i", "ignore-environment"):
            inner.clear_env = True
            inner.env = list(sc.assignments)
        if sc.rest < len(argv) and argv[sc.rest] == "-":  # `env - cmd` is `env -i cmd`
            inner.clear_env, inner.env, start = True, [], sc.rest + 1
            continue
        break
    split = sc.value("S", "split-string")
    head = _split(split) if split else []
    inner.argv = head + argv[sc.rest :]
    return [inner] if inner.argv else None


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _ionice(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, OptSpec(value_short="cnpPu", value_long=_fs("class", "classdata")))
    if sc.has("p", "P", "u", "pid", "pgid", "uid"):
        return None
    return _rest_or_none(argv, sc)


def _chrt(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, OptSpec(value_short="TPD", value_long=_fs("sched-runtime", "sched-period")))
    if sc.has("p", "pid", "m", "max"):
        return None
    rest = argv[sc.rest :]
    if rest and rest[0].lstrip("-").isdigit():
        rest = rest[1:]
    return [Inner(rest)] if rest else None


def _command(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, OptSpec())
    if sc.has("v", "V"):  # a query: says what the name is, runs nothing
        return None
    return _rest_or_none(argv, sc)


def _xargs(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    spec = OptSpec(
        value_short="aEdILnPs",
        value_long=_fs(
            "arg-file", "delimiter", "max-args", "max-procs", "max-chars", "process-slot-var",
        ),
        attached_short="eil",
    )  # fmt: skip
    sc = scan(argv, spec)
    return [Inner(argv[sc.rest :] or ["echo"])]


def _watch(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, OptSpec(value_short="nq", value_long=_fs("interval", "equexit")))
    rest = argv[sc.rest :]
    if not rest:
        return None
    if sc.has("x", "exec"):
        return [Inner(rest)]
    return [Payload(" ".join(rest), words=rest)]  # watch runs `sh -c "$*"`


def _trace(value_short: str) -> Handler:
    spec = OptSpec(value_short=value_short, value_long=_fs("output", "expr", "attach", "env"))

    def handler(argv: list[str], stdin: str) -> Optional[list[Branch]]:
        sc = scan(argv, spec)
        env = [_pair(v) for n, v in sc.opts if n == "E" and v and "=" in v]
        return _rest_or_none(argv, sc, env=env)

    return handler


def _pair(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    return name, value


SHELL = OptSpec(
    value_short="oO",
    value_long=_fs("rcfile", "init-file", "init-command", "command"),
    plus_options=True,
)


def _shell(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, SHELL)
    operands = argv[sc.rest :]
    command = sc.value("command")  # fish --command=...
    if command is not None:
        return [Payload(command)]
    if sc.has("c"):  # also -lc, -ec, -xc: -c makes the first operand the script text
        return [Payload(operands[0])] if operands else None
    if not operands or operands[0] == "-" or sc.has("s"):
        if stdin.strip():
            return [Payload(stdin, origin="stdin", inherit_stdin=False)]
        return None  # an interactive shell, or a script we cannot see (`curl ... | sh`)
    return [Inner(operands)]  # `bash deploy.sh prod`: the script is the command


SU = OptSpec(
    value_short="cgGswCu",
    value_long=_fs("command", "session-command", "group", "supp-group", "shell", "user"),
)


def _su(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc, operands = _scan_permuted(argv, SU)
    text = sc.value("c", "command", "session-command")
    if text is not None:
        return [Payload(text)]
    if argv and argv[0].endswith("runuser") and sc.has("u", "user") and operands:
        return [Inner(operands)]  # `runuser -u USER -- CMD ARGS`
    return None


def _scan_permuted(argv: list[str], spec: OptSpec) -> tuple[Scan, list[str]]:
    """Options may follow operands (`su - postgres -c psql`), as getopt permutes them."""
    opts: list[tuple[str, Optional[str]]] = []
    operands: list[str] = []
    i = 1
    while i < len(argv):
        sc = scan(argv, spec, i)
        opts += sc.opts
        i = sc.rest
        if i > 0 and argv[i - 1] == "--":
            operands += argv[i:]
            break
        if i < len(argv):
            if argv[i] != "-":
                operands.append(argv[i])
            i += 1
    return Scan(opts, [], len(argv)), operands


def _flock(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    spec = OptSpec(value_short="wEc", value_long=_fs("timeout", "conflict-exit-code", "command"))
    sc = scan(argv, spec)
    rest = argv[sc.rest + 1 :]  # after the lock file
    text = sc.value("c", "command")
    if text is None and rest and rest[0] in ("-c", "--command"):
        text = rest[1] if len(rest) > 1 else None
        rest = []
    if text is not None:
        return [Payload(text)]
    return [Inner(rest)] if rest else None


def _eval(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    words = argv[1:]
    if not words:
        return None
    return [Payload(" ".join(words), words=words, origin="eval", aliases=True)]


_FIND_EXEC = ("-exec", "-execdir", "-ok", "-okdir")


def _find(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    branches: list[Branch] = []
    i = 1
    while i < len(argv):
        if argv[i] in _FIND_EXEC:
            j = i + 1
            while j < len(argv) and argv[j] not in (";", "+"):
                j += 1
            if j > i + 1:
                branches.append(Inner(argv[i + 1 : j]))
            i = j
        i += 1
    if not branches:
        return None
    if "-delete" in argv:  # the find is a finding of its own
        branches.insert(0, Self())
    return branches


SSH = OptSpec(value_short="piloJFLRDEcmbWwSOQBeI")


def _ssh(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, SSH)
    if sc.rest >= len(argv):
        return None
    after = scan(argv, SSH, sc.rest + 1)  # ssh takes options after the host too
    sc.opts += after.opts
    words = argv[after.rest :]
    if words:
        return [Self(), Payload(" ".join(words), words=words, origin="remote", remote=True)]
    if stdin.strip() and not sc.has("N", "s"):
        return [Self(), Payload(stdin, origin="remote", remote=True, inherit_stdin=False)]
    return None


def _kubectl(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    if "--" not in argv:
        return None
    cut = argv.index("--")
    if not any(w in ("exec", "debug", "run") for w in argv[1:cut]):
        return None
    inner = argv[cut + 1 :]
    return [Self(), Inner(inner, origin="remote", remote=True, clear_env=True)] if inner else None


DOCKER_GLOBAL = OptSpec(
    value_short="cHl", value_long=_fs("config", "context", "host", "log-level", "tlscacert")
)
DOCKER_EXEC = OptSpec(
    value_short="euw", value_long=_fs("env", "env-file", "user", "workdir", "detach-keys", "index")
)
DOCKER_RUN = OptSpec(
    value_short="acehlmpuvw",
    long_values_default=True,
    long_flags=_fs(
        "rm", "privileged", "init", "read-only", "tty", "interactive", "detach", "publish-all",
        "no-healthcheck", "oom-kill-disable", "quiet", "help", "disable-content-trust",
    ),
)  # fmt: skip


def _docker(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    sc = scan(argv, DOCKER_GLOBAL)
    i = sc.rest
    while i < len(argv) and argv[i] in ("container", "compose"):
        i += 1
    if i >= len(argv) or argv[i] not in ("exec", "run"):
        return None
    spec = DOCKER_EXEC if argv[i] == "exec" else DOCKER_RUN
    sub = scan(argv, spec, i + 1)
    inner = argv[sub.rest + 1 :]  # after the container / image / service
    entrypoint = sub.value("entrypoint")
    if entrypoint:
        inner = [entrypoint, *inner]
    return [Self(), Inner(inner, origin="remote", remote=True, clear_env=True)] if inner else None


def _busybox(argv: list[str], stdin: str) -> Optional[list[Branch]]:
    rest = argv[1:]
    return [Inner(rest)] if rest and not rest[0].startswith("-") else None


TABLE: dict[str, Handler] = {
    "sudo": _sudo,
    "doas": _doas,
    "env": _env,
    "nice": _simple(OptSpec(value_short="n", value_long=_fs("adjustment"))),
    "ionice": _ionice,
    "chrt": _chrt,
    "taskset": _simple(OptSpec(), skip=1, self_opts=("p", "pid")),
    "stdbuf": _simple(OptSpec(value_short="ioe", value_long=_fs("input", "output", "error"))),
    "setsid": _simple(OptSpec()),
    "nohup": _simple(OptSpec()),
    "time": _simple(OptSpec(value_short="fo", value_long=_fs("format", "output"))),
    "timeout": _simple(OptSpec(value_short="sk", value_long=_fs("signal", "kill-after")), skip=1),
    "chronic": _simple(OptSpec()),
    "unbuffer": _simple(OptSpec()),
    "noglob": _simple(OptSpec()),
    "repeat": _simple(OptSpec(), skip=1),  # zsh `repeat 3 cmd`
    "nocorrect": _simple(OptSpec()),
    "command": _command,
    "builtin": _simple(OptSpec()),
    "exec": _simple(OptSpec(value_short="a")),
    "xargs": _xargs,
    "watch": _watch,
    "strace": _trace("abeEIoOpPsSuUX"),
    "ltrace": _trace("aADeFlnopsuwx"),
    "su": _su,
    "runuser": _su,
    "flock": _flock,
    "eval": _eval,
    "find": _find,
    "ssh": _ssh,
    "kubectl": _kubectl,
    "oc": _kubectl,
    "docker": _docker,
    "podman": _docker,
    "nerdctl": _docker,
    "busybox": _busybox,
    **{name: _shell for name in SHELLS},
}
