"""The `store:` config section, parsed here so the store needs nothing from coterm.config.

store:
  max_bytes: 5GB    # disk cap: casts plus indexed text; oldest ended sessions go first
  max_age: 90d      # sessions older than this are pruned
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from coterm.store.when import WhenError, parse_duration, parse_size

KEYS = ("max_bytes", "max_age")


class StoreConfigError(ValueError):
    """A bad value in the store section; the message names the field."""


@dataclass
class StoreConfig:
    max_bytes: Optional[int] = None
    max_age: Optional[float] = None  # seconds

    @classmethod
    def from_mapping(cls, section: Optional[Mapping[str, Any]]) -> StoreConfig:
        section = section or {}
        unknown = sorted(set(section) - set(KEYS))
        if unknown:
            raise StoreConfigError(f"store.{unknown[0]}: unknown setting (known: {', '.join(KEYS)})")
        return cls(
            max_bytes=_value("max_bytes", section.get("max_bytes"), parse_size),
            max_age=_value("max_age", section.get("max_age"), parse_duration),
        )

    @property
    def limits(self) -> bool:
        return self.max_bytes is not None or self.max_age is not None


def _value(name: str, raw: Any, parse: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise StoreConfigError(f"store.{name}: expected a value like {_EXAMPLES[name]}, got {raw!r}")
    if isinstance(raw, (int, float)):
        return raw
    try:
        return parse(str(raw))
    except WhenError:
        raise StoreConfigError(
            f"store.{name}: expected a value like {_EXAMPLES[name]}, got {raw!r}"
        ) from None


_EXAMPLES = {"max_bytes": "5GB", "max_age": "90d"}
