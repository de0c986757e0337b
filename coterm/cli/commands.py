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
    "redact": ("coterm.cli.redact", "copy stdin to stdout with secrets replaced (streaming)"),
    "record": ("coterm.cli.record", "record a shell or one command (the default: ddcoterm [-- CMD])"),
    "play": ("coterm.cli.play", "replay a recorded session in the terminal"),
    "export": ("coterm.cli.export", "export a recording as text (what the screen showed) or .cast"),
    "init": ("coterm.cli.init", 'print the shell hook for an rc file: eval "$(ddcoterm init zsh)"'),
    "doctor": ("coterm.cli.doctor", "show whether this shell is hooked and the evaluator answers"),
    "rules": (
        "coterm.cli.rules",
        "list the default rule packs, or explain one rule: ddcoterm rules explain ID",
    ),
    "evaluator": ("coterm.cli.evaluator", "start, stop or show the resident evaluator the hooks talk to"),
    "sessions": ("coterm.cli.sessions", "list recorded sessions (killed ones too) from the local store"),
    "events": ("coterm.cli.events", "list command events: what ran, when, how it ended, what was cancelled"),
    "search": ("coterm.cli.search", "full-text search over session output, with a replay command per hit"),
    "prune": ("coterm.cli.prune", "delete old sessions (cast and rows together) and keep under the disk cap"),
    "reindex": ("coterm.cli.reindex", "rebuild sessions and the search index from the .cast files"),
    "approve": ("coterm.cli.approve", "ask another person to approve a command, wait, then run it"),
    "approvals": ("coterm.cli.approvals", "approvers: list, show, grant or deny approval requests"),
    "shim": ("coterm.cli.shim", "route every future NAME through coterm: shim create|list|remove NAME"),
}

HELP_EPILOG = """
examples:
  ddcoterm check -- 'kubectl scale deploy/web --replicas=0'
  ddcoterm check --json -- 'sudo rm -rf /'
  ddcoterm trust                      # trust this project's rule file
"""
