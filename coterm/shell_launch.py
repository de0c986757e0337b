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
        from coterm.server.hookscript import fish_quote

        init = f"source {fish_quote(str(shells / 'fish' / 'coterm.fish'))}"
        return [shell_path, "-i", "-C", init], {"COTERM_HOOK_FILE": str(hook)}
    if name == "xonsh":
        return [shell_path, "-i"], {"XONSHRC": _xonsh_rc(env)}
    return [shell_path, "-i"], {}


XONSH_DEFAULT_RC = ("/etc/xonsh/xonshrc", "~/.config/xonsh/rc.xsh", "~/.xonshrc")


def _xonsh_rc(env: dict[str, str]) -> str:
    """The user's rc files first (as xonsh would pick them), then one that loads coterm's xontrib.

    The rc also puts coterm's install on xonsh's path: the user's xonsh may live in another
    environment, and its own lookup would then not find `xontrib.coterm`.
    """
    site = str(Path(__file__).resolve().parent.parent)
    text = f"import sys as _cot_sys\nif {site!r} not in _cot_sys.path:\n    _cot_sys.path.append({site!r})\n"
    rc = _write_private("coterm-rc.xsh", text + "del _cot_sys\nxontrib load coterm\n")
    home = env.get("HOME") or os.path.expanduser("~")
    defaults = (p.replace("~", home, 1) for p in XONSH_DEFAULT_RC)
    user = env.get("XONSHRC") or os.pathsep.join(defaults)
    return os.pathsep.join([*user.split(os.pathsep), str(rc)])


def _render(shell: str) -> Path:
    from coterm.server.hookscript import render

    return _write_private(f"hook.{shell}", render(shell))


def _write_private(name: str, text: str) -> Path:
    """Into the private runtime dir, atomically, 0600: the shell sources this file, so
    nobody else may write it."""
    from coterm.server.layout import ensure_dir, layout

    lay = layout()
    ensure_dir(lay)
    target = lay.dir / name
    tmp = target.with_name(target.name + f".{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, target)
    return target
