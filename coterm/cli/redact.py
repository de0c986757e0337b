"""`ddcoterm redact`: standard input to standard output with secrets replaced, streaming."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

DESCRIPTION = """\
Copy standard input to standard output with secrets replaced.

Works on a live pipe: complete lines appear as they arrive, and a line still being
written is shown after 0.1 s of quiet up to its last word (a word that may be the start
of a secret waits for the rest). Private key blocks wait for their END line.

Settings come from the `redaction:` section of the config (replacement, fingerprint,
patterns, allowlist); `enabled: false` turns off recording redaction, not this command."""

EPILOG = """\
examples:
  ddcoterm redact < session.log > clean.log
  tail -f /var/log/app.log | ddcoterm redact
  kubectl get secret app -o yaml | ddcoterm redact --mask     # ******** of the same width
  ddcoterm redact --json < build.log        # where the secrets are, not the text

--json prints one JSON object per secret found, as soon as it is decided, and not the text:
  {"type": "github_token", "start": 120, "end": 160, "line": 3}
  type: what was found (github_token, aws_access_key_id, password, private_key, jwt, ...);
  start, end: character offsets in the input (0-based, end exclusive; bytes for ASCII);
  line: the 1-based line where it starts. The secret itself is never printed.
  Count secrets in a file:  ddcoterm redact --json < out.txt | wc -l
"""

_READ = 65536


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print findings as JSON Lines instead of the text"
    )
    parser.add_argument(
        "--mask",
        action="store_true",
        help="replace with * of the same width instead of [REDACTED:type]",
    )
    parser.add_argument(
        "--fingerprint",
        action="store_true",
        help="append a keyed hash so repeats of one secret can be matched (key: $COTERM_HOME/redaction.key)",
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=0.1,
        metavar="SECONDS",
        help="quiet time after which a partial line is shown (default 0.1)",
    )


def run(args: argparse.Namespace) -> int:
    import codecs
    import json
    import select

    from coterm.redact import StreamRedactor

    cfg = _config(args)
    out = sys.stdout.buffer
    if args.json:

        def on_finding(finding: Any) -> None:
            out.write((json.dumps(finding.to_json()) + "\n").encode())
            out.flush()

        redactor = StreamRedactor(cfg, on_finding=on_finding)
    else:
        redactor = StreamRedactor(cfg)

    def emit(text: str) -> None:
        if text and not args.json:
            out.write(text.encode("utf-8", "surrogateescape"))
            out.flush()

    fd = sys.stdin.fileno()
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    idle_pending = False  # something is held that a quiet moment might release
    try:
        while True:
            timeout = args.idle if idle_pending else None
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                emit(redactor.idle())
                idle_pending = False
                continue
            data = os.read(fd, _READ)
            if not data:
                break
            emit(redactor.feed(decoder.decode(data)))
            idle_pending = redactor.pending() > 0
    except KeyboardInterrupt:
        emit(redactor.feed(decoder.decode(b"", final=True)) + redactor.flush())
        return 130
    emit(redactor.feed(decoder.decode(b"", final=True)) + redactor.flush())
    return 0


def _config(args: argparse.Namespace):
    from coterm import paths
    from coterm.redact import RedactionConfig

    section: Any = None
    try:
        from coterm.config import load_config

        section = load_config(os.getcwd()).section("redaction")
    except Exception as exc:  # config is optional here: redact with the defaults
        print(f"ddcoterm redact: config not read ({exc}); using defaults", file=sys.stderr)
    cfg = RedactionConfig.from_mapping(section, key_file=paths.home() / "redaction.key")
    for problem in cfg.problems:
        print(f"ddcoterm redact: config: {problem}", file=sys.stderr)
    cfg.enabled = True
    if args.mask:
        cfg.replacement = "mask"
    if args.fingerprint:
        cfg.fingerprint = True
    return cfg
