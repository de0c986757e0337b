"""The shim's client for the resident evaluator: what it sends, what it accepts, when it gives up."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

from coterm.server.protocol import Reply, parse_request
from coterm.shims import client, wire
from coterm.shims.serve import answer

TRICKY = ["kubectl", "get", "a\tb", "line1\nline2", "100%", "%09", "", "ünï", "cr\r"]


class OneShotServer:
    """A Unix socket that answers each connection with `reply` (after `delay` seconds)."""

    def __init__(self, path: Path, reply: bytes, delay: float = 0.0) -> None:
        self.path = path
        self.reply = reply
        self.delay = delay
        self.requests: list[bytes] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(4)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data)
                time.sleep(self.delay)
                with contextlib.suppress(OSError):
                    conn.sendall(self.reply)

    def close(self) -> None:
        self.sock.close()


def test_request_carries_argv_and_env_exactly(tmp_path: Path) -> None:
    reply = Reply(
        "confirm",
        False,
        "allow",
        wire.Verdict("confirm", messages=["careful\twith\ntabs"]).to_reply_fields()[3],
    )
    server = OneShotServer(tmp_path / "s.sock", reply.to_line())
    try:
        env = {"KUBECONFIG": "/x/y", "ODD": "tab\there%"}
        verdict = client.ask(str(server.path), "kubectl", TRICKY, "/some dir", env)
        assert verdict is not None and verdict.kind == "confirm"
        assert verdict.noninteractive == "allow" and verdict.messages == ["careful\twith\ntabs"]
        req = parse_request(server.requests[0])
        assert req.verb == "shim" and req.get("cwd") == "/some dir"
        assert wire.argv_from_fields(req.fields) == TRICKY
        assert req.prefixed("e.") == env
    finally:
        server.close()


def test_no_answer_means_evaluate_in_process(tmp_path: Path) -> None:
    assert client.ask(str(tmp_path / "missing.sock"), "kubectl", ["kubectl"], "/", {}) is None
    older = OneShotServer(
        tmp_path / "old.sock", Reply("error", True, "", "CoTerm: unknown request 'shim'").to_line()
    )
    slow = OneShotServer(tmp_path / "slow.sock", Reply("allow").to_line(), delay=2)
    try:
        assert client.ask(str(older.path), "kubectl", ["kubectl"], "/", {}) is None
        started = time.monotonic()
        assert client.ask(str(slow.path), "kubectl", ["kubectl"], "/", {}, timeout=0.3) is None
        assert time.monotonic() - started < 1.5
    finally:
        older.close()
        slow.close()


def test_plain_allow_is_one_short_line() -> None:
    line = Reply(*wire.Verdict("allow").to_reply_fields()).to_line()
    assert line == b"allow\t0\tdeny\t-\n"
    verdict = wire.parse_reply(line.rstrip(b"\n"))
    assert verdict is not None and verdict.plain()


def test_server_side_answer_uses_the_rules(coterm_home: Path) -> None:
    from coterm.evaluator import Evaluator

    (coterm_home / "config.yaml").write_text(
        "process_config:\n  commands:\n    - command: kubectl\n      noninteractive: allow\n"
        '      rules:\n        - rule: return has_arg("logs"), "Logs are recorded."\n'
        '          actions: ["record"]\n'
    )
    raw = wire.request_line("kubectl", ["kubectl", "logs", "web"], "/", {"COTERM_SAVE_LEVEL": ""})
    reply = answer(Evaluator(), parse_request(raw))
    verdict = wire.parse_reply(reply.to_line().rstrip(b"\n"))
    assert verdict is not None
    assert (verdict.kind, verdict.record, verdict.noninteractive) == ("allow", True, "allow")
    assert verdict.messages == ["Logs are recorded."]
    raw = wire.request_line("kubectl", ["kubectl", "logs", "web"], "/", {"COTERM_SAVE_LEVEL": "metadata"})
    verdict = wire.parse_reply(answer(Evaluator(), parse_request(raw)).to_line().rstrip(b"\n"))
    assert verdict is not None and verdict.record is False
