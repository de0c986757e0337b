"""The server side of the `shim` verb (see wire.py): coterm.server.daemon calls answer()
on its worker thread. An `error` reply makes the shim evaluate in-process, so a slow rule
costs time, never the check."""

from __future__ import annotations

import os
from typing import Any

from coterm.shims.decide import verdict_for
from coterm.shims.wire import argv_from_fields


def answer(evaluator: Any, req: Any) -> Any:
    """req: a coterm.server.protocol.Request; returns a coterm.server.protocol.Reply."""
    from coterm.server.protocol import Reply

    argv = argv_from_fields(req.fields)
    if not argv:
        return Reply("error", True, "", "CoTerm: shim request without argv")
    name = req.get("name") or os.path.basename(argv[0])
    verdict = verdict_for(evaluator, name, argv, req.get("cwd") or "/", req.prefixed("e."))
    kind, record, arg, text = verdict.to_reply_fields()
    return Reply(kind, record, arg, text)
