"""Read one config file (YAML or TOML) into plain data plus a map from field path to line.

Line numbers let every validation error point at `file:line`, for TOML too.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FieldPath = tuple  # ("process_config", "commands", 0, "rules", 1, "actions")


@dataclass
class ConfigIssue:
    """One problem in one file, shown as `file:line: field: message`."""

    file: str
    line: int
    field: str
    message: str
    fatal: bool = True  # False: the key is dropped and the rest of the file applies

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class SourceFile:
    path: Path
    text: str
    data: Any = None
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line_of(self, path: FieldPath) -> int:
        """The line of a field, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1


def format_path(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class SourceError(Exception):
    def __init__(self, issue: ConfigIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


def read_source(path: Path, display: str) -> SourceFile:
    text = path.read_text(encoding="utf-8", errors="replace")
    src = SourceFile(path=path, text=text)
    if path.suffix == ".toml":
        _read_toml(src, display)
    else:
        _read_yaml(src, display)
    if src.data is None:
        src.data = {}
    if not isinstance(src.data, dict):
        raise SourceError(ConfigIssue(display, 1, "", "expected a mapping at the top level"))
    return src


def _read_yaml(src: SourceFile, display: str) -> None:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(src.text)
        try:
            node = loader.get_single_node()
            src.data = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise SourceError(ConfigIssue(display, line, "", f"invalid YAML: {problem}")) from None
    except yaml.YAMLError as exc:
        raise SourceError(ConfigIssue(display, 0, "", f"invalid YAML: {exc}")) from None
    if node is not None:
        _yaml_lines(node, (), src.lines)


def _yaml_lines(node: Any, path: FieldPath, out: dict[FieldPath, int]) -> None:
    import yaml

    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            out[child] = key.start_mark.line + 1
            _yaml_lines(value, child, out)
            # A block scalar's text starts on the line after its key; Lua line numbers count from there.
            if isinstance(value, yaml.ScalarNode) and value.style in ("|", ">"):
                out[(*child, "__text__")] = value.start_mark.line + 2
            elif isinstance(value, yaml.ScalarNode):
                out[(*child, "__text__")] = value.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*path, i)
            out[child] = item.start_mark.line + 1
            _yaml_lines(item, child, out)
            if isinstance(item, yaml.ScalarNode):
                extra = 2 if item.style in ("|", ">") else 1
                out[(*child, "__text__")] = item.start_mark.line + extra


def _read_toml(src: SourceFile, display: str) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        src.data = tomllib.loads(src.text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+)", msg)
        line = int(m.group(1)) if m else 0
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise SourceError(ConfigIssue(display, line, "", f"invalid TOML: {msg}")) from None
    _toml_lines(src)


_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+)\s*=")


def _toml_lines(src: SourceFile) -> None:
    """tomllib keeps no positions, so map paths to lines by a light scan of the text.

    Array-of-tables headers (`[[process_config.commands]]`) are counted so that
    commands[N] points at its own header; keys inside map to their own line.
    """
    counts: dict[tuple, int] = {}
    current: FieldPath = ()
    for lineno, raw in enumerate(src.text.splitlines(), start=1):
        table = _TABLE.match(raw)
        if table:
            parts = tuple(p.strip().strip("\"'") for p in table.group(1).split("."))
            current = _resolve_table(parts, raw.lstrip().startswith("[["), counts)
            src.lines.setdefault(current, lineno)
            continue
        key = _KEY.match(raw)
        if key:
            parts = tuple(p.strip().strip("\"'") for p in key.group(1).split("."))
            path = (*current, *parts)
            src.lines.setdefault(path, lineno)
            src.lines.setdefault((*path, "__text__"), lineno)


def _resolve_table(parts: tuple, is_array: bool, counts: dict[tuple, int]) -> FieldPath:
    path: list = []
    for i, part in enumerate(parts):
        path.append(part)
        prefix = tuple(path)
        last = i == len(parts) - 1
        if last and is_array:
            counts[prefix] = counts.get(prefix, -1) + 1
            # Deeper array tables restart their count under a new parent.
            for key in [k for k in counts if len(k) > len(prefix) and k[: len(prefix)] == prefix]:
                del counts[key]
            path.append(counts[prefix])
        elif prefix in counts:
            path.append(counts[prefix])
    return tuple(path)
