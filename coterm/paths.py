"""Where coterm keeps its files. Every path derives from COTERM_HOME so tests stay isolated."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The data and config root: $COTERM_HOME, else ~/.ddcoterm."""
    env = os.environ.get("COTERM_HOME")
    return Path(env).expanduser() if env else Path.home() / ".ddcoterm"


def config_file() -> Path:
    return home() / "config.yaml"


def sessions_dir() -> Path:
    return home() / "sessions"


def db_file() -> Path:
    return home() / "coterm.db"


def overrides_dir() -> Path:
    return home() / "overrides"


def trust_file() -> Path:
    return home() / "trust.json"


def runtime_dir() -> Path:
    """A private (0700) directory for sockets: under $XDG_RUNTIME_DIR when usable, else COTERM_HOME.

    Keyed on COTERM_HOME so that two homes (tests) never share one resident evaluator.
    """
    import hashlib

    tag = hashlib.sha256(str(home().resolve()).encode()).hexdigest()[:12]
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(xdg) / "ddcoterm" if xdg and os.path.isdir(xdg) else home() / "run"
    return base / tag


def data_dir() -> Path:
    """Files shipped inside the package: hooks/, shells/, installers/ (see pyproject force-include).

    In a source checkout they sit at the repository root instead.
    """
    pkg = Path(__file__).resolve().parent
    inside = pkg / "_data"
    return inside if inside.is_dir() else pkg.parent
