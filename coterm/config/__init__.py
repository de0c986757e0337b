"""Config: the global file plus trusted per-project files, validated, merged and cached.

`load_config(cwd)` is cheap to call per command: files are only re-read when their
mtime or size changed. A file that fails validation is replaced by its last good
version (kept under $COTERM_HOME/state), so a typo never turns protection off.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from coterm import paths
from coterm.config.schema import CommandConfig, FileConfig, Snippet, check_file
from coterm.config.source import ConfigIssue, SourceError, read_source
from coterm.config.trust import TrustStore, digest, project_files

__all__ = ["Config", "ConfigIssue", "CommandConfig", "Snippet", "load_config", "display_path"]

SEVERITIES = ("info", "low", "medium", "high", "critical")
ExtraCheck = Callable[[FileConfig], list[ConfigIssue]]


@dataclass
class Notice:
    key: str  # identifies the notice, so it is shown once per file version
    text: str


@dataclass
class Config:
    commands: list[CommandConfig] = field(default_factory=list)
    default_actions: Optional[list[str]] = None
    sections: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # files that apply, global first
    issues: list[ConfigIssue] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    stamp: tuple = ()

    def section(self, name: str) -> dict[str, Any]:
        value = self.sections.get(name)
        return value if isinstance(value, dict) else {}

    def setting(self, name: str, default: Any = None) -> Any:
        return self.sections.get(name, default)

    @property
    def ok(self) -> bool:
        return not any(i.fatal for i in self.issues)


def display_path(path: Path) -> str:
    """`~/...` for files under the home directory, as users write them."""
    text = str(path)
    home = str(Path.home())
    return "~" + text[len(home) :] if text.startswith(home + os.sep) else text


_CACHE: dict[tuple, Config] = {}


def _stamp(files: list[Path]) -> tuple:
    out = []
    for f in files:
        try:
            st = f.stat()
            out.append((str(f), st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((str(f), None))
    return tuple(out)


_PROJECTS: dict[tuple[str, str], tuple[float, list[Path]]] = {}
PROJECT_LOOKUP_TTL = 1.0  # seconds: a new project file is seen within this; edits at once


def _projects(cwd: str, global_file: Path) -> list[Path]:
    """The project files for cwd. Walking up stats two files per level, so the result is
    reused for a second; the files found are still stat'ed on every call (edits apply)."""
    import time

    now = time.monotonic()
    key = (cwd, str(global_file))
    hit = _PROJECTS.get(key)
    if hit and now - hit[0] < PROJECT_LOOKUP_TTL:
        return hit[1]
    found = project_files(Path(cwd), global_file)
    if len(_PROJECTS) > 256:
        _PROJECTS.clear()
    _PROJECTS[key] = (now, found)
    return found


def load_config(cwd: Optional[str] = None, extra_check: Optional[ExtraCheck] = None) -> Config:
    """The effective config for a command run in `cwd`."""
    global_file = paths.config_file()
    projects = _projects(cwd or os.getcwd(), global_file)
    stamp = _stamp([global_file, paths.trust_file(), *projects])
    # A bound method is a new object on every access: key on its owner instead.
    owner = getattr(extra_check, "__self__", extra_check)
    key = (str(paths.home()), stamp, id(owner) if owner is not None else None)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _build(global_file, projects, extra_check)
        cached.stamp = stamp
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = cached
    return cached


def _build(global_file: Path, projects: list[Path], extra_check: Optional[ExtraCheck]) -> Config:
    cfg = Config()
    if global_file.is_file():
        fc = _load_file(global_file, False, cfg, extra_check)
        if fc:
            cfg.commands.extend(fc.commands)
            cfg.default_actions = fc.default_actions
            cfg.sections.update(fc.sections)
            cfg.files.append(fc.file)
    trust = TrustStore()
    for path in projects:
        sha = digest(path)
        if not trust.is_trusted(path, sha):
            shown = display_path(path)
            cfg.notices.append(
                Notice(
                    f"untrusted:{path.resolve()}:{sha}",
                    f"coterm: ignoring {shown} (not trusted). Review it, then run: ddcoterm trust {shown}",
                )
            )
            continue
        fc = _load_file(path, True, cfg, extra_check)
        if fc:
            cfg.commands.extend(fc.commands)
            _merge_project_sections(cfg.sections, fc.sections)
            cfg.files.append(fc.file)
    return cfg


def _load_file(
    path: Path, project: bool, cfg: Config, extra_check: Optional[ExtraCheck]
) -> Optional[FileConfig]:
    shown = display_path(path)
    try:
        text_digest = digest(path)
        fc, issues = _validate(path, shown, project, extra_check)
    except SourceError as exc:
        issues, fc, text_digest = [exc.issue], None, _safe_digest(path)
    except OSError as exc:
        issues, fc, text_digest = [ConfigIssue(shown, 0, "", f"cannot read: {exc.strerror}")], None, ""
    cfg.issues.extend(issues)
    if not _fatal(issues):
        _save_last_good(path)
        for issue in issues:
            cfg.notices.append(Notice(f"warn:{path}:{text_digest}:{issue}", f"coterm: {issue}"))
        return fc
    good = _last_good(path, project, extra_check)
    kept = "the last good version stays in force" if good else "its rules are not applied"
    first = next(i for i in issues if i.fatal)
    cfg.notices.append(Notice(f"error:{path}:{text_digest}", f"coterm: {first} ({kept})"))
    return good


def _validate(
    source: Path, shown: str, project: bool, extra_check: Optional[ExtraCheck]
) -> tuple[FileConfig, list[ConfigIssue]]:
    """Schema check, then (when that passes) the caller's extra check, e.g. compiling the Lua.
    Raises SourceError for unparsable text and OSError when the file cannot be read."""
    fc, issues = check_file(read_source(source, shown), shown, project)
    if extra_check and not _fatal(issues):
        issues = issues + extra_check(fc)
    return fc, issues


def _fatal(issues: list[ConfigIssue]) -> bool:
    return any(i.fatal for i in issues)


def _safe_digest(path: Path) -> str:
    try:
        return digest(path)
    except OSError:
        return ""


def _state_copy(path: Path) -> Path:
    tag = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return paths.home() / "state" / "last-good" / f"{tag}{path.suffix}"


def _save_last_good(path: Path) -> None:
    copy = _state_copy(path)
    try:
        data = path.read_bytes()
        if copy.is_file() and copy.read_bytes() == data:
            return
        copy.parent.mkdir(parents=True, exist_ok=True)
        tmp = copy.with_name(copy.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, copy)
    except OSError:
        pass  # best effort: losing the fallback copy must not break loading


def _last_good(path: Path, project: bool, extra_check: Optional[ExtraCheck]) -> Optional[FileConfig]:
    copy = _state_copy(path)
    if not copy.is_file():
        return None
    try:
        fc, issues = _validate(copy, display_path(path), project, extra_check)
    except (SourceError, OSError):
        return None
    return None if _fatal(issues) else fc


def _merge_project_sections(sections: dict[str, Any], extra: dict[str, Any]) -> None:
    """Project files may only add: more patterns, more packs, a stricter threshold."""
    for name, value in extra.items():
        merged = dict(sections.get(name) or {})
        for key, item in value.items():
            if isinstance(item, list):
                merged[key] = list(merged.get(key) or []) + item
            elif key == "severity_threshold" and item in SEVERITIES:
                current = merged.get(key, SEVERITIES[-1])
                rank = SEVERITIES.index
                merged[key] = item if current not in SEVERITIES or rank(item) < rank(current) else current
        sections[name] = merged
