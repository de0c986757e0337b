"""Catching up in the background: a session whose output came faster than live indexing is
reindexed from its .cast file by a detached, low-priority process once it ends, so nobody has to
remember `ddcoterm reindex --missing`.

    python -m coterm.store.background SESSION_ID [DB_PATH]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

NICE = 10


def spawn_reindex(session_id: str, db: Optional[Path] = None) -> None:
    """Start the catch-up and return at once; it outlives the recorder and its terminal."""
    argv = [sys.executable, "-m", "coterm.store.background", session_id]
    if db is not None:
        argv.append(str(db))
    subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def main(argv: list[str]) -> int:
    from coterm.store import Store, StoreError

    os.nice(NICE)
    try:
        with Store.open(Path(argv[1]) if len(argv) > 1 else None) as store:
            store.reindex([argv[0]])
    except StoreError:
        return 1  # the session stays flagged; `ddcoterm reindex --missing` will say why
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
