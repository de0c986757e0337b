"""coterm.paths for the shim's fast path, with os.path only (pathlib and hashlib cost ~6 ms).

Must agree with coterm.paths and coterm.server.layout; tests/test_shims_paths.py checks it.
"""

from __future__ import annotations

import os

try:  # the builtin module: hashlib pulls in OpenSSL bindings
    from _sha256 import sha256
except ImportError:  # pragma: no cover - Python 3.12+ renamed it
    try:
        from _sha2 import sha256  # type: ignore[no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]


def home() -> str:
    env = os.environ.get("COTERM_HOME")
    return os.path.expanduser(env) if env else os.path.join(os.path.expanduser("~"), ".ddcoterm")


def overrides_dir() -> str:
    return os.path.join(home(), "overrides")


def config_display() -> str:
    """The global config file, written as a user would type it (~/...)."""
    path = os.path.join(home(), "config.yaml")
    user_home = os.path.expanduser("~")
    return "~" + path[len(user_home) :] if path.startswith(user_home + os.sep) else path


def runtime_dir() -> str:
    root = home()
    tag = sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    base = os.path.join(xdg, "ddcoterm") if xdg and os.path.isdir(xdg) else os.path.join(root, "run")
    return os.path.join(base, tag)


def server_socket() -> str:
    return os.path.join(runtime_dir(), "eval.sock")
