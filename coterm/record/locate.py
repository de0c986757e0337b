"""Find a recording from what the user typed: a file path, a session id, or a piece of one."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from coterm import paths


class NotFound(LookupError):
    """One line saying what was looked for and what to do."""


def resolve_cast(ref: str) -> Path:
    given = Path(ref).expanduser()
    if given.is_file():
        return given
    if "/" in ref or ref.endswith(".cast"):
        raise NotFound(f"{ref}: no such file")
    folder = paths.sessions_dir()
    exact = folder / f"{ref}.cast"
    if exact.is_file():
        return exact
    ids = sorted(p.stem for p in folder.glob("*.cast")) if folder.is_dir() else []
    found = [i for i in ids if i.startswith(ref)]
    if not found and len(ref) >= 4:
        found = [i for i in ids if ref in i]
    if len(found) == 1:
        return folder / f"{found[0]}.cast"
    if found:
        raise NotFound(f"{ref!r} matches {len(found)} sessions ({_sample(found)}); give more of the id")
    stored = _from_store(ref)  # recorded with -o elsewhere: the store knows where
    if stored is not None:
        return stored
    raise NotFound(f"no session {ref!r} in {folder} (give a session id, a prefix of one, or a .cast file)")


def _from_store(ref: str) -> Optional[Path]:
    if not paths.db_file().exists():
        return None
    try:
        from coterm.store.api import Store

        with Store.open() as store:
            path = Path(store.session(ref).cast_path)
    except Exception:  # no store, or it does not know this id: the caller says not found
        return None
    return path if path.is_file() else None


def _sample(ids: List[str]) -> str:
    return ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
