"""Fill the shell hook templates (hooks/<shell>) with this install's absolute paths.

Baking paths in (as direnv does) means no PATH lookup and no pyenv shim per command.
"""

from __future__ import annotations

import shlex
import sys

from coterm import paths


def fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render(shell: str) -> str:
    template = (paths.data_dir() / "hooks" / shell).read_text()
    quote = fish_quote if shell == "fish" else shlex.quote
    values = {
        "@PYTHON@": sys.executable,
        "@HOME@": str(paths.home()),
        "@RUNDIR@": str(paths.runtime_dir()),
        "@OVERRIDES@": str(paths.overrides_dir()),
    }
    for key, value in values.items():
        template = template.replace(key, quote(value))
    return template
