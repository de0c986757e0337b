"""Where the resident evaluator keeps its endpoints: one private (0700) directory per COTERM_HOME."""

from __future__ import annotations

import os
from pathlib import Path

from coterm import paths

PROCESS_NAME = "coterm-eval"  # set as the server's comm, so fish can tell a reused pid apart


class Layout:
    """Paths of one server's endpoints (a plain class: `ddcoterm init` must not pay for
    importing dataclasses at every shell start)."""

    __slots__ = ("dir",)

    def __init__(self, dir: Path) -> None:
        self.dir = dir

    @property
    def socket(self) -> Path:  # Unix stream socket (zsh zsocket, xonsh, Python clients)
        return self.dir / "eval.sock"

    @property
    def tcp(self) -> Path:  # "PORT TOKEN" for bash's /dev/tcp route; mode 0600
        return self.dir / "tcp"

    @property
    def fifo(self) -> Path:  # shared request FIFO for fish (writes < PIPE_BUF are atomic)
        return self.dir / "fish.fifo"

    @property
    def pid(self) -> Path:
        return self.dir / "pid"

    @property
    def lock(self) -> Path:
        return self.dir / "lock"

    @property
    def fail_closed(self) -> Path:  # command names whose rules say fail_closed ("*" for all)
        return self.dir / "fail-closed"

    @property
    def log(self) -> Path:
        return self.dir / "server.log"


def layout() -> Layout:
    return Layout(paths.runtime_dir())


def ensure_dir(lay: Layout) -> None:
    lay.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(lay.dir, 0o700)
