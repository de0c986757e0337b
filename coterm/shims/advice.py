"""What `ddcoterm shim create/remove` tell the user to do next."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from coterm.config import display_path
from coterm.shims.manage import ShimInfo


def _shell_path(folder: Path) -> str:
    """The folder as a shell line would write it: "$HOME/..." under the home directory."""
    shown = display_path(folder)
    return "$HOME" + shown[1:] if shown.startswith("~/") else shown


def shim_wins(name: str, path: Path) -> bool:
    """Does this process's PATH find the shim before any other NAME?"""
    found = shutil.which(name)
    return bool(found) and os.path.realpath(found) == os.path.realpath(path)


def after_create(info: ShimInfo) -> str:
    folder = info.path.parent
    shown = display_path(folder)
    what = "checks the rules, then records every run of" if info.record else "checks the rules, then runs"
    verb = "Updated" if info.replaced else "Created"
    lines = [f"{verb} the {info.name} shim: {display_path(info.path)}"]
    if info.real:
        lines.append(f"It {what} {info.real}.")
    else:
        lines.append(
            f"Note: no {info.name} found in PATH besides the shim; running {info.name} will say "
            "'command not found' (status 127) until one is installed."
        )
    lines.append("")
    if shim_wins(info.name, info.path):
        lines.append(
            f"This shell's PATH already finds the shim first. If {info.name} ran in this shell before, "
            "run `hash -r` (bash) or `rehash` (zsh) so the shell forgets the old location."
        )
        return "\n".join(lines)
    lines += [
        "Next:",
        "  Restart your shell, or source your profile (source ~/.bashrc, source ~/.zshrc), so that",
        f'  {shown} comes first in PATH (`eval "$(ddcoterm init bash)"` in ~/.bashrc does it;',
        '  zsh: `eval "$(ddcoterm init zsh)"` in ~/.zshrc).',
        f"  Other shells: put {shown} first in PATH yourself:",
        f"    fish:   fish_add_path -m {shown}",
        f'    others: export PATH="{_shell_path(folder)}:$PATH"',
    ]
    return "\n".join(lines)


def after_remove(name: str, path: Path) -> str:
    from coterm.shims.manage import real_for

    real = real_for(name)
    then = f"{name} now runs {real} directly" if real else f"no other {name} is in PATH"
    return (
        f"Removed the {name} shim ({display_path(path)}); {then}.\n"
        "Open bash shells may remember the old location: run `hash -r` there (zsh: `rehash`)."
    )
