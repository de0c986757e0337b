"""Trust for per-project rule files, keyed on the file's real path and the sha256 of its content.

Like direnv: any edit changes the digest, and the file stops applying until trusted again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from coterm import paths

PROJECT_FILES = (Path(".ddcoterm") / "config.yaml", Path(".ddcoterm.toml"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class TrustEntry:
    path: str
    sha256: str
    trusted_at: float

    def status(self) -> str:
        p = Path(self.path)
        if not p.is_file():
            return "missing"
        return "trusted" if digest(p) == self.sha256 else "changed since trusted"


class TrustStore:
    def __init__(self, file: Optional[Path] = None) -> None:
        self.file = file or paths.trust_file()

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.file.read_text())
            return dict(data.get("files", {}))
        except (OSError, ValueError, AttributeError):
            return {}

    def _write(self, files: dict[str, dict]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_name(f".{self.file.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"version": 1, "files": files}, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.file)

    def is_trusted(self, path: Path, sha256: str) -> bool:
        entry = self._read().get(str(path.resolve()))
        return bool(entry) and entry.get("sha256") == sha256

    def trust(self, path: Path) -> TrustEntry:
        real = path.resolve()
        entry = TrustEntry(str(real), digest(real), time.time())
        files = self._read()
        files[entry.path] = {"sha256": entry.sha256, "trusted_at": entry.trusted_at}
        self._write(files)
        return entry

    def untrust(self, path: Path) -> bool:
        files = self._read()
        found = files.pop(str(path.resolve()), None) is not None
        if found:
            self._write(files)
        return found

    def entries(self) -> list[TrustEntry]:
        return [
            TrustEntry(p, e.get("sha256", ""), float(e.get("trusted_at", 0)))
            for p, e in sorted(self._read().items())
        ]


def project_files(cwd: Path, global_file: Optional[Path] = None) -> list[Path]:
    """Project rule files from the filesystem root down to cwd (outermost first, nearest last)."""
    skip = (global_file or paths.config_file()).resolve()
    found: list[Path] = []
    here = cwd.resolve()
    for directory in [here, *here.parents]:
        for rel in PROJECT_FILES:
            candidate = directory / rel
            if candidate.is_file() and candidate.resolve() != skip:
                found.append(candidate)
    found.reverse()
    return found
