"""Default rule packs: the classic destructive commands, as lints on the parsed argv.

The packs are YAML files in this package (fs.yaml, git.yaml, ...), readable and copyable;
each rule's `match` is Lua run in the same sandbox as configured lints. The rule engine
calls `pack_commands(cfg)` (set as `RuleEngine.extra_commands`) to add them after the
configured commands. `ddcoterm rules list|explain` documents them.
"""

from __future__ import annotations

from coterm.packs.build import build_commands, pack_commands, rule_source
from coterm.packs.catalog import (
    Pack,
    PackError,
    PackRule,
    all_rules,
    find_pack,
    find_rule,
    load_packs,
    pack_names,
)
from coterm.packs.settings import DEFAULT_THRESHOLD, THRESHOLDS, PackSettings, check_section

__all__ = [
    "DEFAULT_THRESHOLD",
    "THRESHOLDS",
    "Pack",
    "PackError",
    "PackRule",
    "PackSettings",
    "all_rules",
    "build_commands",
    "check_section",
    "find_pack",
    "find_rule",
    "load_packs",
    "pack_commands",
    "pack_names",
    "rule_source",
]
