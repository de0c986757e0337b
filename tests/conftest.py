"""Shared fixtures: every test runs with its own COTERM_HOME, never the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def coterm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "coterm-home"
    home.mkdir()
    monkeypatch.setenv("COTERM_HOME", str(home))
    monkeypatch.delenv("COTERM_BREAK_GLASS", raising=False)
    monkeypatch.delenv("COTERM_SESSION", raising=False)
    monkeypatch.delenv("DD_API_KEY", raising=False)
    monkeypatch.delenv("DD_APP_KEY", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    return home


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def ddcoterm_cmd() -> list[str]:
    """How tests run the CLI: the installed console script, as a user would."""
    import shutil
    import sys

    exe = shutil.which("ddcoterm")
    return [exe] if exe else [sys.executable, "-m", "coterm"]


os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
