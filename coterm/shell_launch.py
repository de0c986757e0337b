"""How the recorder starts a shell so that it loads the user's rc files, then coterm's hook.

The hook is rendered once into the private runtime directory; the startup files under
shells/<shell>/ (package data) source the user's own files first, then that hook file.
"""

from __future__ import annotations

import os
from pathlib import Path

from coterm import paths


def shell_command(shell_path: str, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """argv and extra environment for an interactive `shell_path` with the hook loaded.

    Unknown shells start plain (`-i`); their commands are still recorded, just not gated.
    """
    name = Path(shell_path).name
    shells = paths.data_dir() / "shells"
    if name == "bash":
        hook = _render("bash")
        return [shell_path, "--rcfile", str(shells / "bash" / "bashrc"), "-i"], {
            "COTERM_HOOK_FILE": str(hook)
        }
    if name == "zsh":
        hook = _render("zsh")
        user_dir = env.get("ZDOTDIR") or env.get("HOME") or str(Path.home())
        return [shell_path, "-i"], {
            "ZDOTDIR": str(shells / "zsh"),
            "COTERM_USER_ZDOTDIR": user_dir,
            "COTERM_HOOK_FILE": str(hook),
        }
    if name == "fish":
        hook = _render("fish")
        init = f"source {_fish_quote(str(shells / 'fish' / 'coterm.fish'))}"
        return [shell_path, "-i", "-C", init], {"COTERM_HOOK_FILE": str(hook)}
    if name == "xonsh":
        return [shell_path, "-i"], {}  # the xontrib loads through its entry point
    return [shell_path, "-i"], {}


def _render(shell: str) -> Path:
    from coterm.server.hookscript import render
    from coterm.server.layout import ensure_dir, layout

    lay = layout()
    ensure_dir(lay)
    target = lay.dir / f"hook.{shell}"
    tmp = target.with_name(target.name + f".{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(render(shell))
    os.replace(tmp, target)
    return target


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
