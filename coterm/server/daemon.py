"""The resident per-user evaluator: one process answers every hooked shell of a user.

Three doors, one handler, because each shell has a different builtin route:
- a Unix socket (zsh `zsocket`, xonsh and Python clients); the 0700 directory is the lock;
- loopback TCP (bash `/dev/tcp`): a 0600 file holds the port and the token a shell must send;
  the hook connects only while the pid file names a live process of its own user called
  coterm-eval, so a stranger who binds the port of a dead server gets nothing;
- a shared request FIFO plus one reply FIFO per shell (fish, which has neither).

Evaluations run one at a time. Socket callers are served inline (bash and zsh time out their
own read after 0.3 s, xonsh its socket); fish cannot time out a read, so its evaluations go to
a worker thread and, after `timeout` seconds, get a fail-open (or fail-closed) answer from
here. A slow rule never hangs a shell.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import fcntl
import hmac
import json
import logging
import os
import secrets
import signal
import socket
import stat
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from coterm.server import replies
from coterm.server.attach import Attachments
from coterm.server.events import HookEvents, ShellTable
from coterm.server.layout import PROCESS_NAME, Layout, ensure_dir
from coterm.server.policy import Policy
from coterm.server.protocol import MORE, ProtocolError, Reply, Request, parse_request

log = logging.getLogger("coterm.server")

MAX_REQUEST = 1 << 20
FIFO_HOLD = 5.0  # seconds a fish reply FIFO stays open after our last reply
DEFAULT_TIMEOUT = 0.25  # hooks give up at 0.3 s; answer before they do


class Server:
    def __init__(
        self,
        lay: Layout,
        evaluator_factory: Optional[Callable[[], object]] = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.lay = lay
        self.timeout = timeout
        self.policy = Policy(lay, evaluator_factory)
        self.events = HookEvents()
        self.shells = ShellTable()
        self.attachments = Attachments(str(lay.log), on_start=self.events.recorded_in_place)
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="coterm-eval")
        self._stop = threading.Event()
        self._eval_lock = threading.Lock()
        self._eval_ms: collections.deque[float] = collections.deque(maxlen=10000)
        self._token = secrets.token_hex(16)  # the shell proves it may ask
        self._fifo_fds: dict[str, tuple[int, float]] = {}  # reply FIFO -> (fd, last write)
        self._fifo_lock = threading.Lock()
        self._unix: Optional[socket.socket] = None
        self._tcp: Optional[socket.socket] = None

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self) -> None:
        ensure_dir(self.lay)
        self._unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        _unlink(self.lay.socket)
        self._unix.bind(str(self.lay.socket))
        os.chmod(self.lay.socket, 0o600)
        self._unix.listen(128)
        self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tcp.bind(("127.0.0.1", 0))
        self._tcp.listen(128)
        port = self._tcp.getsockname()[1]
        _write_private(self.lay.tcp, f"{port} {self._token}\n")
        if not _is_fifo(self.lay.fifo):
            _unlink(self.lay.fifo)
            os.mkfifo(self.lay.fifo, 0o600)
        self.policy.warm()
        _write_private(self.lay.pid, f"{os.getpid()}\n")

    def serve_forever(self) -> None:
        threads = [
            threading.Thread(target=self._accept_loop, args=(self._unix, "unix"), daemon=True),
            threading.Thread(target=self._accept_loop, args=(self._tcp, "tcp"), daemon=True),
            threading.Thread(target=self._fifo_loop, daemon=True),
            threading.Thread(target=self._janitor, daemon=True),
            threading.Thread(target=self._fifo_closer, daemon=True),
        ]
        for t in threads:
            t.start()
        self._stop.wait()
        self.close()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        for path in (self.lay.socket, self.lay.tcp, self.lay.pid):
            _unlink(path)
        for sock in (self._unix, self._tcp):
            if sock is not None:
                sock.close()
        self._worker.shutdown(wait=False)

    # -- doors -------------------------------------------------------------------------------

    def _accept_loop(self, sock: Optional[socket.socket], door: str) -> None:
        # Served inline, one at a time: on a loaded machine every thread hand-off costs a
        # scheduler wake-up (milliseconds), and shells send their line right after connecting.
        while sock is not None and not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            self._serve_conn(conn, door)

    def _serve_conn(self, conn: socket.socket, door: str) -> None:
        with conn:
            conn.settimeout(0.5)
            try:
                raw = _read_line(conn)
                req = parse_request(raw)
            except (OSError, ProtocolError):
                return
            token = req.get("tok").encode("utf-8", errors="surrogateescape")
            if door == "tcp" and not hmac.compare_digest(token, self._token.encode()):
                return  # anyone on the host can reach loopback; say nothing to them
            reply = self.handle(req, door)
            if reply is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(reply.to_line())

    def _fifo_loop(self) -> None:
        # O_RDWR keeps a writer open, so the loop never sees EOF between shells.
        fd = os.open(self.lay.fifo, os.O_RDWR)
        buf = b""
        while not self._stop.is_set():
            chunk = os.read(fd, 65536)
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                self._serve_fifo(raw)  # inline: a thread per line costs a wake-up under load

    def _serve_fifo(self, raw: bytes) -> None:
        try:
            req = parse_request(raw)
        except ProtocolError:
            return
        reply = self.handle(req, "fifo")
        if reply is not None:
            self._reply_fifo(req, reply)

    def _reply_fifo(self, req: Request, reply: Reply) -> None:
        target = req.get("fifo")
        fd = self._reply_fd(target) if target else None
        if fd is not None:
            try:
                os.write(fd, reply.to_line(seq=req.get("seq", "0")))
            except OSError:
                self._drop_fifo(target)

    def _reply_fd(self, target: str) -> Optional[int]:
        """The shell's reply FIFO, held open read-write: our write never blocks and the reply
        waits in the pipe until fish reads it, however late fish opens its end."""
        path = Path(target)
        if path.parent != self.lay.dir or not _is_fifo(path):
            return None  # only FIFOs inside our private directory
        with self._fifo_lock:
            fd, _ = self._fifo_fds.get(target, (None, 0.0))
            if fd is None:
                fd = os.open(target, os.O_RDWR | os.O_NONBLOCK)
            self._fifo_fds[target] = (fd, time.monotonic())
            return fd

    def _drop_fifo(self, target: str) -> None:
        with self._fifo_lock:
            fd, _ = self._fifo_fds.pop(target, (None, 0.0))
        if fd is not None:
            os.close(fd)

    def _fifo_closer(self) -> None:
        """Let go of reply FIFOs we have not written to for FIFO_HOLD. fish cannot time out
        a read, and Ctrl-C does not break one: should this process ever stop answering
        while it holds a shell's FIFO open, closing it ends that shell's wait (EOF: the
        line runs with the notice) instead of holding the shell for good."""
        while not self._stop.wait(1.0):
            now = time.monotonic()
            with self._fifo_lock:
                idle = [t for t, (_, last) in self._fifo_fds.items() if now - last > FIFO_HOLD]
            for target in idle:
                self._drop_fifo(target)

    def _janitor(self) -> None:
        while not self._stop.wait(30):
            for target in self.lay.dir.glob("fish-*.fifo"):
                if not _owner_alive(str(target)):
                    with contextlib.suppress(OSError):
                        target.unlink()
            self.policy.forget_dead_shells()
            self.shells.forget_dead()

    # -- requests ----------------------------------------------------------------------------

    def handle(self, req: Request, door: str) -> Optional[Reply]:
        verb = req.verb
        if verb == "eval":
            return self._evaluate(req, door)
        if verb == "shim":
            return self._shim(req)
        if verb == "end":
            self.events.ended(req)
            # after a command recorded in place, the hook waits: its prompt comes after
            # the command's last output
            return Reply("ok", True, "", "") if self.attachments.ended(req.get("pid")) else None
        if verb == "attach" and door != "fifo":
            return self.attachments.start(req)
        if verb == "cancel":
            self.events.cancelled(req)
            return None
        if verb == "hello":
            self.shells.seen(req, door)
            return None
        if verb == "shells":
            return Reply("shells", True, "", self.shells.to_json())
        if verb == "stats":  # evaluation times since the last `stats` (benchmarks)
            times, self._eval_ms = sorted(self._eval_ms), collections.deque(maxlen=10000)
            return Reply("stats", True, "", json.dumps({"eval_ms": times}))
        if verb == "ping":
            return Reply("pong", True, str(os.getpid()), "")
        if verb == "stop" and door == "unix":
            self.stop()
            return Reply("bye", True, "", "")
        return Reply("error", True, "", f"CoTerm: unknown request {verb!r}")

    def _shim(self, req: Request) -> Reply:
        """A shim's argv (no parsing needed), bounded by the server's timeout; an `error`
        reply makes the shim evaluate in-process instead."""
        from coterm.shims.serve import answer

        def run() -> Reply:
            with self._eval_lock:  # the same Lua runtime serves the shells' `eval`
                return answer(self.policy.evaluator(), req)

        future = self._worker.submit(run)
        try:
            return future.result(timeout=self.timeout)
        except Exception:
            log.exception("shim evaluation failed")
            return Reply("error", True, "", "CoTerm: shim evaluation failed or timed out")

    def _evaluate(self, req: Request, door: str) -> Reply:
        self.shells.seen(req, "")
        line = req.get("line")
        try:
            if door == "fifo":
                # fish cannot time out a read: bound the wait here instead.
                future = self._worker.submit(self._decide, req)
                reply, decision = future.result(timeout=self.timeout)
            else:  # the shell's own `read -t` / socket timeout bounds the wait
                reply, decision = self._decide(req)
        except concurrent.futures.TimeoutError:
            ms = int(self.timeout * 1000)
            return replies.unavailable(f"evaluator took over {ms} ms", self.policy.fail_closed_match(line))
        except Exception as exc:  # a broken evaluator must not take a shell with it
            log.exception("evaluation failed")
            return replies.unavailable(
                f"evaluator error ({type(exc).__name__})", self.policy.fail_closed_match(line)
            )
        if reply.kind not in ("deny", MORE):
            self.events.started(req, decision)
        return reply

    def _decide(self, req: Request):
        with self._eval_lock:
            t0 = time.perf_counter()
            reply, decision = self.policy.decide(req)
            self._eval_ms.append((time.perf_counter() - t0) * 1000)
        if req.get("sh") == "bash" and self.policy.incomplete_bash(req.get("line"), decision):
            return Reply(MORE, True, "", ""), decision
        return reply, decision


# -- helpers ---------------------------------------------------------------------------------


def _read_line(conn: socket.socket) -> bytes:
    buf = b""
    while b"\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
        if len(buf) > MAX_REQUEST:
            raise ProtocolError("request too long")
    return buf.split(b"\n", 1)[0]


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _owner_alive(fifo: str) -> bool:
    """fish names its reply FIFO fish-<pid>.fifo; a killed fish leaves it behind."""
    pid = Path(fifo).name.removeprefix("fish-").removesuffix(".fifo")
    return not pid.isdigit() or os.path.exists(f"/proc/{pid}")


def _is_fifo(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _set_process_name(name: str) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass


def run(
    lay: Layout,
    timeout: float = DEFAULT_TIMEOUT,
    evaluator_factory: Optional[Callable[[], object]] = None,
) -> int:
    """Serve until stopped. Returns 0 at once when another server already holds the lock."""
    ensure_dir(lay)
    with contextlib.suppress(OSError):
        os.setsid()  # leave the terminal's session: closing the shell must not hang us up
    lock_fd = os.open(lay.lock, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0
    logging.basicConfig(
        filename=str(lay.log), level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    _set_process_name(PROCESS_NAME)
    server = Server(lay, evaluator_factory, timeout=timeout)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server.stop())
    server.open()
    log.info("serving pid=%s dir=%s", os.getpid(), lay.dir)
    started = time.time()
    try:
        server.serve_forever()
    finally:
        log.info("stopped after %.0f s", time.time() - started)
    return 0
