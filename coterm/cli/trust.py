"""`ddcoterm trust` / `ddcoterm untrust`: per-project rule files apply only once trusted."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DESCRIPTION = """\
Project rule files (.ddcoterm/config.yaml or .ddcoterm.toml, found from the current
directory upward) apply only once you trust them. Trust is keyed on the file's path and
the sha256 of its content: after any edit the file is ignored until trusted again.
Project files may only add command rules (and redaction patterns, rule packs); they can
never set credentials, sinks, approval backends or recording settings."""

EPILOG = """\
examples:
  ddcoterm trust                 # trust the rule files of the project you are in
  ddcoterm trust ~/src/infra     # ... of another project directory
  ddcoterm trust --list          # every trusted file, and whether it changed since
  ddcoterm untrust .ddcoterm.toml"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="?",
        help="a rule file, or a directory to search upward from (default: the current directory)",
    )
    p.add_argument("--list", action="store_true", help="list trusted files and their state")


def _targets(path: str | None) -> list[Path]:
    from coterm.config.trust import project_files

    target = Path(path or os.getcwd()).expanduser()
    if target.is_file():
        return [target]
    if target.is_dir():
        return project_files(target)
    return []


def run(args: argparse.Namespace) -> int:
    from coterm.config import display_path
    from coterm.config.trust import TrustStore

    store = TrustStore()
    if args.list:
        entries = store.entries()
        if not entries:
            print("no trusted project files")
        for e in entries:
            print(f"{e.status():<22} {display_path(Path(e.path))}  sha256:{e.sha256[:12]}")
        return 0
    targets = _targets(args.path)
    if args.command_name == "untrust":
        return _untrust(store, targets, args.path)
    if not targets:
        where = args.path or "the current directory"
        print(
            f"ddcoterm trust: no .ddcoterm/config.yaml or .ddcoterm.toml in {where} or above", file=sys.stderr
        )
        return 1
    for path in targets:
        entry = store.trust(path)
        print(f"trusted {display_path(path)} (sha256:{entry.sha256[:12]}); its rules now apply")
    return 0


def _untrust(store: object, targets: list[Path], path: str | None) -> int:
    if not targets and path:
        targets = [Path(path).expanduser().absolute()]
    done = [p for p in targets if store.untrust(p)]  # type: ignore[attr-defined]
    from coterm.config import display_path

    for p in done:
        print(f"untrusted {display_path(p)}; its rules no longer apply")
    if not done:
        print("ddcoterm untrust: nothing trusted there", file=sys.stderr)
        return 1
    return 0
