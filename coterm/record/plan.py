"""What one recorded session is, decided before the child starts; shared by the proxy and
the recording process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from coterm.model import SessionInfo

MODES = ("all", "rules", "off")
SAVE_LEVELS = ("none", "metadata", "record")


@dataclass
class SessionPlan:
    info: SessionInfo
    header: Dict[str, Any]  # asciicast v2 header; `command` is redacted before it is written
    t0: float  # time.monotonic() at the start; event times are offsets from it
    nonce: str  # "" when no hook can send marks (`ddcoterm -- CMD`)
    mode: str = "all"  # all | rules | off
    save_level: str = "record"  # none | metadata | record
    keep_output: bool = True  # whether output is stored before any mark arrives
    argv: List[str] = field(default_factory=list)  # `ddcoterm -- CMD`: the command
    command_line: str = ""
    cwd: str = ""
    writes_cast: bool = True
    decision: str = "allow"

    @property
    def stores_output(self) -> bool:
        return self.save_level == "record" and self.mode != "off"

    @property
    def stores_events(self) -> bool:
        return self.save_level != "none"


@dataclass
class SessionEnd:
    status: Optional[int]
    state: str = "ended"  # ended | killed
