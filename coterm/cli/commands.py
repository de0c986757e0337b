"""The table of subcommands: name -> (module, one-line summary).

Each module defines `add_arguments(parser)` and `run(args) -> int`, and optionally
DESCRIPTION and EPILOG for its --help. Only commands that work belong here.
"""

from __future__ import annotations

DEFAULT_COMMAND = "record"

COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("coterm.cli.check", "show what coterm would do with a command line, without running it"),
    "trust": ("coterm.cli.trust", "trust a project's rule file (.ddcoterm/config.yaml, .ddcoterm.toml)"),
    "untrust": ("coterm.cli.trust", "withdraw trust from a project's rule file"),
    "config": ("coterm.cli.config", "show where config comes from and whether it is valid"),
}

HELP_EPILOG = """
examples:
  ddcoterm check -- 'kubectl scale deploy/web --replicas=0'
  ddcoterm check --json -- 'sudo rm -rf /'
  ddcoterm trust                      # trust this project's rule file
"""
