"""Create, list and remove shims in $COTERM_HOME/overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from coterm import paths
from coterm.shims.resolve import find_real
from coterm.shims.stub import StubError, read_header, render

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-")
_REFUSED = {"ddcoterm": "coterm itself cannot be shimmed"}


class ShimError(Exception):
    """A problem the user can fix, said in one line."""


@dataclass
class ShimInfo:
    name: str
    path: Path
    record: bool
    real: Optional[str]  # what the shim runs, resolved with the current PATH; None: not found
    replaced: bool = False  # create() rewrote an existing shim (e.g. after a coterm upgrade)
    problem: str = ""  # why the shim cannot start (its Python is gone); create fixes it


def check_name(name: str) -> None:
    if not name or name in (".", "..") or not set(name) <= _NAME_CHARS or name[0] in "-.":
        raise ShimError(
            f"invalid command name {name!r}: give the bare name of a program in PATH, like kubectl "
            "(letters, digits, . _ + -; no slashes)"
        )
    if name in _REFUSED:
        raise ShimError(f"cannot shim {name}: {_REFUSED[name]}")


def shim_path(name: str) -> Path:
    return paths.overrides_dir() / name


def real_for(name: str, search_path: Optional[str] = None) -> Optional[str]:
    """The binary a shim for NAME would run now (PATH minus every overrides directory)."""
    search = os.environ.get("PATH", os.defpath) if search_path is None else search_path
    return find_real(name, search, [str(paths.overrides_dir())])


def create(name: str, record: bool = False) -> ShimInfo:
    """Write (or rewrite) the shim for NAME; refuses to replace a file that is not a shim."""
    check_name(name)
    path = shim_path(name)
    existed = path.exists() or path.is_symlink()
    if existed and read_header(str(path)) is None:
        raise ShimError(f"{path} exists and is not a coterm shim; move it away first")
    try:
        text = render(name, record)
    except StubError as exc:
        raise ShimError(str(exc)) from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o755)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o755)  # the umask may have narrowed it
        os.replace(tmp, path)
    except OSError as exc:
        raise ShimError(f"cannot write {path}: {exc.strerror or exc}") from None
    return ShimInfo(name, path, record, real_for(name), replaced=existed)


def list_shims() -> list[ShimInfo]:
    folder = paths.overrides_dir()
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        header = read_header(str(path)) if path.is_file() else None
        if header is not None:
            info = ShimInfo(path.name, path, header.record, real_for(path.name))
            if not os.access(header.python, os.X_OK):
                info.problem = f"its Python {header.python} is gone: run `ddcoterm shim create {path.name}`"
            out.append(info)
    return out


def remove(name: str) -> Path:
    check_name(name)
    path = shim_path(name)
    if not path.exists():
        have = ", ".join(s.name for s in list_shims()) or "none"
        raise ShimError(f"there is no shim for {name} in {path.parent} (shims: {have})")
    if read_header(str(path)) is None:
        raise ShimError(f"{path} is not a coterm shim; not removing it")
    try:
        path.unlink()
    except OSError as exc:
        raise ShimError(f"cannot remove {path}: {exc.strerror or exc}") from None
    return path


def on_path_first(search_path: Optional[str] = None) -> bool:
    """Is the overrides directory the first PATH entry that holds programs (so shims win)?"""
    search = os.environ.get("PATH", "") if search_path is None else search_path
    target = os.path.realpath(paths.overrides_dir())
    entries = [e for e in search.split(os.pathsep) if e]
    return bool(entries) and os.path.realpath(entries[0]) == target
