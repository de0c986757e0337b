"""`ddcoterm evaluator start|stop|restart|status`: the resident evaluator the shell hooks ask."""

from __future__ import annotations

import argparse
import json
import time

DESCRIPTION = (
    "Manage the resident evaluator: one process per user that checks the command lines of all\n"
    "hooked shells. Hooks start it on demand; these commands are for when you want control."
)
EPILOG = """
examples:
  ddcoterm evaluator status            # pid, endpoints, shells talking to it
  ddcoterm evaluator restart           # after upgrading coterm
  ddcoterm evaluator start --foreground   # run it in this terminal (logs to its log file)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "restart", "status"))
    parser.add_argument("--foreground", action="store_true", help="start: do not detach")
    parser.add_argument("--json", action="store_true", help="status: print JSON")


def run(args: argparse.Namespace) -> int:
    from coterm.server import control
    from coterm.server.layout import layout

    lay = layout()
    if args.action in ("stop", "restart"):
        if not control.stop(lay):
            print(f"ddcoterm: the evaluator did not stop; see {lay.log}")
            return 1
        if args.action == "stop":
            print("evaluator stopped")
            return 0
    if args.action in ("start", "restart"):
        if args.foreground:
            from coterm.server.daemon import run as serve

            return serve(lay)
        control.ensure_running(lay)
        pid = control.wait_running(lay)
        if pid is None:
            print(f"ddcoterm: the evaluator did not start; see {lay.log}")
            return 1
        print(f"evaluator running (pid {pid})")
        return 0
    return _status(lay, args.json)


def _status(lay, as_json: bool) -> int:
    from coterm.server import control
    from coterm.server.protocol import Request

    t0 = time.perf_counter()
    pid = control.server_pid(lay)
    ms = (time.perf_counter() - t0) * 1000
    shells = []
    if pid:
        reply = control.request(Request("shells"), lay)
        shells = json.loads(reply.text) if reply and reply.text else []
    info = {
        "running": pid is not None,
        "pid": pid,
        "ping_ms": round(ms, 2) if pid else None,
        "dir": str(lay.dir),
        "socket": str(lay.socket),
        "log": str(lay.log),
        "shells": shells,
    }
    if as_json:
        print(json.dumps(info, indent=2))
        return 0 if pid else 1
    if not pid:
        print("evaluator: not running (hooks start it on demand; or: ddcoterm evaluator start)")
        return 1
    print(f"evaluator: running, pid {pid}, answered a ping in {ms:.1f} ms")
    print(f"  endpoints: {lay.dir}  log: {lay.log}")
    for sh in shells:
        print(f"  shell pid {sh.get('pid')}: {sh.get('shell')} ({sh.get('state', 'gate')})")
    return 0
