"""`ddcoterm shim create|list|remove`, as a user runs them, and the shim's fast-path paths."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import ddcoterm_cmd

from coterm import paths
from coterm.server.layout import layout
from coterm.shims import stub, where


def _cli(*args: str, path: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=path)
    return subprocess.run(
        [*ddcoterm_cmd(), "shim", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture
def real_bin(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    tool = folder / "kubectl"
    tool.write_text("#!/bin/sh\necho real\n")
    tool.chmod(0o755)
    return folder


def test_create_list_remove(coterm_home: Path, real_bin: Path) -> None:
    path = f"{real_bin}{os.pathsep}{os.environ['PATH']}"
    made = _cli("create", "kubectl", path=path)
    shim = coterm_home / "overrides" / "kubectl"
    assert made.returncode == 0, made.stderr
    assert f"Created the kubectl shim: {shim}" in made.stdout
    assert f"It checks the rules, then runs {real_bin / 'kubectl'}." in made.stdout
    assert "source ~/.bashrc" in made.stdout
    assert f"fish_add_path -m {shim.parent}" in made.stdout
    assert os.access(shim, os.X_OK)

    assert _cli("create", "no-such-tool-x", "--record", path=path).returncode == 0
    listed = _cli("list", path=path)
    assert f"kubectl         -> {real_bin / 'kubectl'}" in listed.stdout
    assert "no-such-tool-x  -> not found in PATH  (records every run)" in listed.stdout
    rows = json.loads(_cli("list", "--json", path=path).stdout)
    assert [(r["name"], r["real"], r["record"], r["problem"]) for r in rows] == [
        ("kubectl", str(real_bin / "kubectl"), False, ""),
        ("no-such-tool-x", None, True, ""),
    ]
    # a shim whose Python went away (pyenv uninstall, venv removed) is shown as broken
    helm = shim.parent / "helm"
    helm.write_text(stub.render("helm", False, python="/nonexistent/python3"))
    listed = _cli("list", path=path)
    assert "helm" in listed.stdout and "BROKEN: its Python /nonexistent/python3 is gone" in listed.stdout
    helm.unlink()

    gone = _cli("remove", "kubectl", path=path)
    assert gone.returncode == 0 and f"kubectl now runs {real_bin / 'kubectl'} directly" in gone.stdout
    assert not shim.exists()
    again = _cli("remove", "kubectl", path=path)
    assert again.returncode == 1
    assert again.stderr.strip().endswith("(shims: no-such-tool-x)") and "Traceback" not in again.stderr


def test_create_when_the_shim_already_wins_in_path(coterm_home: Path, real_bin: Path) -> None:
    path = f"{coterm_home / 'overrides'}{os.pathsep}{real_bin}{os.pathsep}{os.environ['PATH']}"
    made = _cli("create", "kubectl", path=path)
    assert "already finds the shim first" in made.stdout and "hash -r" in made.stdout
    assert "fish_add_path" not in made.stdout


def test_mistakes_get_one_line(coterm_home: Path, real_bin: Path) -> None:
    path = os.environ["PATH"]
    for bad in ("../kubectl", "-rf", "a b"):
        proc = _cli("create", bad, path=path)
        assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr
        assert proc.stderr.count("\n") <= 3
    (coterm_home / "overrides").mkdir()
    mine = coterm_home / "overrides" / "helm"
    mine.write_text("#!/bin/sh\necho my own helm\n")
    proc = _cli("create", "helm", path=path)
    assert proc.returncode == 1 and "is not a coterm shim" in proc.stderr
    assert mine.read_text() == "#!/bin/sh\necho my own helm\n"
    proc = _cli("remove", "helm", path=path)
    assert proc.returncode == 1 and mine.exists()
    assert _cli("create", "ddcoterm", path=path).returncode == 1


@pytest.mark.parametrize("xdg", [True, False])
def test_fast_paths_agree_with_coterm_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: bool
) -> None:
    if xdg:
        (tmp_path / "xdg").mkdir()
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "xdg"))
    else:
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    link = tmp_path / "home-link"
    link.symlink_to(paths.home())
    monkeypatch.setenv("COTERM_HOME", str(link) + "/")
    assert where.runtime_dir() == str(paths.runtime_dir())
    assert where.server_socket() == str(layout().socket)
    assert where.overrides_dir() == str(paths.overrides_dir())
