"""The server side of the `shim` verb (see wire.py), for coterm.server to call.

Wiring, in coterm.server.daemon.Server.handle (the evaluation must run on the server's
single worker thread, as `eval` does, because one Lua runtime is not thread-safe):

    if verb == "shim":
        from coterm.shims.serve import answer
        future = self._worker.submit(answer, self.policy.evaluator(), req)
        try:
            return future.result(timeout=self.timeout)
        except Exception:
            return Reply("error", True, "", "CoTerm: shim evaluation failed or timed out")

An `error` reply makes the shim evaluate in-process, so a slow rule costs time, never
the check.
"""

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


def _serve_with_shim_verb() -> int:  # pragma: no cover - exercised by tests/bench in a subprocess
    """`python -m coterm.shims.serve`: the resident evaluator with the `shim` verb, until
    coterm.server.daemon.Server.handle wires it in itself (see the module docstring)."""
    from coterm.server import daemon
    from coterm.server.layout import layout
    from coterm.server.protocol import Reply

    class ShimServer(daemon.Server):
        def handle(self, req: Any, door: str) -> Any:
            if req.verb != "shim":
                return super().handle(req, door)
            future = self._worker.submit(answer, self.policy.evaluator(), req)
            try:
                return future.result(timeout=self.timeout)
            except Exception:
                return Reply("error", True, "", "CoTerm: shim evaluation failed or timed out")

    daemon.Server = ShimServer  # type: ignore[misc]  # only inside this process
    return daemon.run(layout())


if __name__ == "__main__":
    raise SystemExit(_serve_with_shim_verb())
