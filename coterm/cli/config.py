"""`ddcoterm config`: which files apply here, and what is wrong with them."""

from __future__ import annotations

import argparse
import os

DESCRIPTION = """\
Show the config files that apply in a directory (the global $COTERM_HOME/config.yaml,
then trusted project files, nearest last) and every problem found in them, with file,
line and field. A file with errors is replaced by its last good version."""

EPILOG = """\
examples:
  ddcoterm config            # files and problems for the current directory
  ddcoterm config --path     # just the global config file's path"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cwd", metavar="DIR", help="look from DIR instead of the current directory")
    p.add_argument("--path", action="store_true", help="print the global config file's path")


def run(args: argparse.Namespace) -> int:
    from coterm import paths
    from coterm.evaluator import Evaluator

    if args.path:
        print(paths.config_file())
        return 0
    cfg = Evaluator().config(os.path.abspath(args.cwd or os.getcwd()))
    print(
        f"global config: {paths.config_file()}"
        f"{'' if paths.config_file().is_file() else ' (absent: defaults apply)'}"
    )
    for f in cfg.files:
        print(f"applies:       {f}")
    for notice in cfg.notices:
        print(notice.text)
    for issue in cfg.issues:
        print(f"{'error' if issue.fatal else 'warning'}: {issue}")
    rules = sum(len(c.rules) for c in cfg.commands)
    lints = sum(len(c.lints) for c in cfg.commands)
    print(f"{len(cfg.commands)} command entries, {lints} lints, {rules} rules")
    return 0 if cfg.ok else 2
