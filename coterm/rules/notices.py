"""Remember which one-time notices (untrusted file, broken config) the user has seen."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

from coterm import paths

MAX_KEYS = 500


class NoticeLog:
    def __init__(self, file: Optional[Path] = None) -> None:
        self.file = file or paths.home() / "state" / "notices.json"

    def _read(self) -> list[str]:
        try:
            data = json.loads(self.file.read_text())
            return [k for k in data if isinstance(k, str)] if isinstance(data, list) else []
        except (OSError, ValueError):
            return []

    def unseen(self, keys: list[str]) -> set[str]:
        """The keys not shown before; marks them as shown."""
        if not keys:
            return set()
        seen = self._read()
        new = [k for k in keys if k not in seen]
        if new:
            self._write((seen + new)[-MAX_KEYS:])
        return set(new)

    def _write(self, keys: list[str]) -> None:
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_name(f".notices.{os.getpid()}")
            tmp.write_text(json.dumps(keys))
            os.replace(tmp, self.file)
        except OSError:
            pass  # a read-only home means notices repeat; never a failure
