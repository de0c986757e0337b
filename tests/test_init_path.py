"""`ddcoterm init SHELL` puts the shim overrides dir first on PATH, once, however often it is loaded."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ddcoterm_cmd


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_overrides_first_on_path_once(shell: str, coterm_home: Path, tmp_path: Path) -> None:
    exe = shutil.which(shell)
    assert exe, f"{shell} is not installed: run the README's test setup (sh tests/run.sh)"
    hook = tmp_path / f"hook.{shell}"
    hook.write_text(
        subprocess.run(
            [*ddcoterm_cmd(), "init", shell, "--no-start"], capture_output=True, text=True, check=True
        ).stdout
    )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / ".config")}
    script = f'source {hook}; source {hook}; echo "PATH=$PATH"'
    proc = subprocess.run(
        [exe, "-i", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("PATH="))
    entries = line[len("PATH=") :].split(":")  # fish joins a quoted path variable with ':' too
    overrides = str(coterm_home / "overrides")
    assert entries[0] == overrides, entries[:3]
    assert entries.count(overrides) == 1
