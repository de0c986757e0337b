"""The Lua globals for one simple command: CoTerm's documented names plus coterm's own."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from coterm.model import SimpleCommand
from coterm.rules.kube import kube_info

TF_TOOLS = {"terraform", "tofu", "terragrunt"}
K8S_TOOLS = {"kubectl", "helm", "oc", "kubectx", "kubens", "k9s", "stern", "kustomize"}


def parse_flags(args: list[str]) -> tuple[dict[str, Any], list[str]]:
    """`--k v`, `--k=v`, `-k v` give "v"; a flag followed by another flag (or nothing) is true.

    Combined short flags (`-rf`) set each letter to true. Everything after `--` is positional.
    """
    flags: dict[str, Any] = {}
    names: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            break
        if not arg.startswith("-") or arg == "-" or _is_number(arg):
            continue
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
        elif len(arg) > 2:
            for letter in arg[1:]:
                flags.setdefault(letter, True)
                names.append(letter)
            continue
        else:
            name, eq, value = arg[1:], "", ""
        names.append(name)
        if eq:
            flags[name] = value
        elif i < len(args) and not args[i].startswith("-"):
            flags[name] = args[i]
            i += 1
        else:
            flags.setdefault(name, True)
    return flags, names


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _identity() -> tuple[str, str]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return user, socket.gethostname()


def git_branch(cwd: str) -> Optional[str]:
    """The checked-out branch, read from .git/HEAD without running git (cached briefly)."""
    import time

    now = time.monotonic()
    hit = _BRANCH_CACHE.get(cwd)
    if hit and now - hit[0] < 0.5:
        return hit[1]
    branch = _read_branch(cwd)
    if len(_BRANCH_CACHE) > 64:
        _BRANCH_CACHE.clear()
    _BRANCH_CACHE[cwd] = (now, branch)
    return branch


_BRANCH_CACHE: dict[str, tuple[float, Optional[str]]] = {}


def _read_branch(cwd: str) -> Optional[str]:
    here = Path(cwd)
    for directory in [here, *here.parents]:
        git = directory / ".git"
        if git.is_file():  # worktree or submodule: "gitdir: <path>"
            try:
                target = git.read_text().split("gitdir:", 1)[1].strip()
                git = (directory / target).resolve()
            except (OSError, IndexError):
                return None
        head = git / "HEAD"
        if head.is_file():
            try:
                text = head.read_text().strip()
            except OSError:
                return None
            return text[len("ref: refs/heads/") :] if text.startswith("ref: refs/heads/") else None
    return None


def terraform_workspace(cwd: str, env: Mapping[str, str]) -> Optional[str]:
    """TF_WORKSPACE, else the workspace terraform selected in this directory."""
    if env.get("TF_WORKSPACE"):
        return env["TF_WORKSPACE"]
    data_dir = Path(cwd) / env.get("TF_DATA_DIR", ".terraform")
    try:
        return (data_dir / "environment").read_text().strip() or None
    except OSError:
        return None


def build_context(
    cmd: SimpleCommand, *, line: str, cwd: str, env: Mapping[str, str], shell: str
) -> dict[str, Any]:
    args = cmd.argv[1:]
    flags, names = parse_flags(args)
    eff_env = {**env, **cmd.assignments}
    user, host = _identity()
    ctx: dict[str, Any] = {
        "executable": cmd.executable,
        "command": cmd.executable,
        "args": args,
        "flags": flags,
        "flag_names": names,
        "cwd": cwd,
        "env": eff_env,
        "user": eff_env.get("USER") or user,
        "hostname": host,
        "line": line,
        "shell": shell,
        "wrappers": list(cmd.wrappers),
        "remote": cmd.remote,
        "assignments": dict(cmd.assignments),
        "redirects": list(cmd.redirects),
        "stdin": cmd.stdin,
        "path": cmd.path or cmd.executable,
        "is_root": os.geteuid() == 0 or "sudo" in cmd.wrappers or "doas" in cmd.wrappers,
        "over_ssh": bool(eff_env.get("SSH_CONNECTION") or eff_env.get("SSH_TTY")),
    }
    branch = git_branch(cwd)
    if branch:
        ctx["git_branch"] = branch
    if cmd.executable in TF_TOOLS:
        workspace = terraform_workspace(cwd, eff_env)
        if workspace:
            ctx["tf_workspace"] = workspace
    # Every command gets the kube globals (CoTerm documents them for all rules); the
    # kubeconfig parse is cached, so this costs a stat or two.
    short_ns = _short_value(args, "-n") if cmd.executable in K8S_TOOLS else None
    kube = kube_info(flags, short_ns, eff_env)
    if kube.current_context is not None:
        ctx["k8s_current_context"] = kube.current_context
    if kube.context is not None:
        ctx["k8s_context"] = kube.context
    ctx["k8s_namespace"] = kube.namespace
    return ctx


def _short_value(args: list[str], flag: str) -> Optional[str]:
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag) and len(arg) > len(flag) and not arg.startswith("--"):
            return arg[len(flag) :].lstrip("=")
    return None
