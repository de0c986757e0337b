"""Find the real NAME behind a shim: the first executable NAME in PATH that is not a shim.

Skipped: every PATH entry that is an overrides directory (compared by real path, so
`~/.ddcoterm/overrides` listed twice, or through a symlink, is skipped each time), any
file that is itself a coterm shim (another COTERM_HOME's overrides), and binaries an
enclosing run of the same shim already used (see chain.py).
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds on the shim's path
    from typing import Iterable, Optional

MARKER = b"ddcoterm-shim"  # in the second line of every shim file (stub.py writes it)
_HEAD = 512


def is_shim_file(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return MARKER in fh.read(_HEAD)
    except OSError:
        return False


def is_executable_file(path: str) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and os.access(path, os.X_OK)


def find_real(
    name: str,
    search_path: str,
    skip_dirs: Iterable[str] = (),
    skip_files: Iterable[str] = (),
) -> Optional[str]:
    """The path of the first usable NAME in `search_path` (a PATH value), as it appears there.

    skip_dirs and skip_files are compared by real path.
    """
    dirs = {os.path.realpath(d) for d in skip_dirs}
    files = {os.path.realpath(f) for f in skip_files}
    seen: set[str] = set()
    for entry in search_path.split(os.pathsep):
        candidate = os.path.join(entry or ".", name)  # an empty entry means the current directory
        if not is_executable_file(candidate):
            continue
        if os.path.realpath(entry or ".") in dirs:
            continue
        real = os.path.realpath(candidate)
        if real in files or real in seen:
            continue
        seen.add(real)
        if is_shim_file(candidate):
            continue
        return candidate
    return None
