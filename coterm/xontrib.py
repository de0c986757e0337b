"""The xonsh side of coterm: `xontrib load coterm` in ~/.xonshrc (no entry point on purpose:
xonsh would load it into every session of everyone who installs coterm).

Gate: `on_transform_command` returns "" to cancel, pre-filling the next prompt with the line.
It asks the per-user resident evaluator over its Unix socket, in-process (no process per
command, no evaluator copy per shell). `$COTERM_XONSH_INPROCESS = True` evaluates inside
xonsh instead (about 7 MB more per shell).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Any, Optional

from coterm.server.protocol import ALLOW, APPROVE, ASK, DENY, Reply, Request

TIMEOUT = 0.3
ENV_NAMES = [
    "KUBECONFIG",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "CLOUDSDK_CORE_PROJECT",
    "GOOGLE_CLOUD_PROJECT",
    "VIRTUAL_ENV",
    "COTERM_BREAK_GLASS",
    "DD_ENV",
]


class Gate:
    def __init__(self, xsh: Any) -> None:
        self.xsh = xsh
        self.nonce = os.environ.pop("COTERM_NONCE", "")
        if "COTERM_NONCE" in xsh.env:
            del xsh.env["COTERM_NONCE"]
        self.approved = ""  # the text last allowed: transformers run several times per line
        self.pending = False
        self.rec = True
        self.pty = ""  # set when the next command is recorded in place
        self.saved: Optional[tuple[int, int]] = None  # our stdout, stderr while it runs
        self._spawned = 0.0
        self._evaluator: Optional[Any] = None

    # -- events ------------------------------------------------------------------------------

    def on_transform_command(self, cmd: str, **_kw: Any) -> str:
        line = cmd.rstrip("\n")
        if not line.strip() or line == self.approved or _inside_line_editor():
            return cmd  # xonsh asks while editing too (to decide on a newline): answer later
        reply = self.ask_evaluator(line)
        self.rec = reply.record
        if reply.kind == ALLOW:
            if reply.text:
                print(reply.text, file=sys.stderr)
            return self._allow(line, cmd, reply)
        if reply.kind == APPROVE:
            if self._approve(line, reply):
                return self._allow(line, cmd, reply)
            print("CoTerm: not approved; the line is still here to edit.", file=sys.stderr)
            self.send(Request("cancel", {"pid": str(os.getpid())}))
            self.xsh.env["XONSH_PROMPT_NEXT_CMD"] = line
            return ""
        print(reply.text, file=sys.stderr)
        if reply.kind == ASK and _yes("Do you want to continue? (y/n) "):
            return self._allow(line, cmd, reply)
        if reply.kind != DENY:
            print("CoTerm: cancelled; the line is still here to edit.", file=sys.stderr)
            self.send(Request("cancel", {"pid": str(os.getpid())}))
        self.xsh.env["XONSH_PROMPT_NEXT_CMD"] = line
        return ""

    def on_precommand(self, cmd: str, **_kw: Any) -> None:
        if self.pty:
            self.saved = _redirect(self.pty)
            self.pty = ""
        if self.nonce and os.environ.get("COTERM_SESSION"):
            rec = "1" if (self.rec or not self.pending) else "0"
            self.mark(f"start;rec={rec};line={_mark_encode(cmd.rstrip(chr(10)))}")

    def on_postcommand(self, cmd: str, rtn: int = 0, ts: Any = None, **_kw: Any) -> None:
        attached, self.saved = self.saved, None
        if attached:
            _restore(attached)
        self.pty = ""
        if self.nonce and os.environ.get("COTERM_SESSION"):
            self.mark(f"end;status={rtn}")
        if self.pending:
            self.pending = False
            ms = int((ts[1] - ts[0]) * 1000) if ts and len(ts) == 2 and ts[1] else 0
            fields = {"pid": str(os.getpid()), "status": str(rtn), "ms": str(ms), "cwd": os.getcwd()}
            if attached:  # the prompt comes after the command's last output
                from coterm.server import control

                control.query(Request("end", fields), timeout=1.0)
            else:
                self.send(Request("end", fields))
        self.approved = ""

    # -- helpers -----------------------------------------------------------------------------

    def _allow(self, line: str, cmd: str, reply: Reply) -> str:
        self.approved = line
        self.pending = True
        if reply.here:
            self.pty = self._attach(line)
        return cmd

    def _attach(self, line: str) -> str:
        """Rules say record and no recorder is around: a pty the evaluator records, which
        the command's output goes to (coterm/server/attach.py)."""
        from coterm.server import control

        fields = {"sh": "xonsh", "pid": str(os.getpid()), "line": line, "cwd": os.getcwd()}
        with contextlib.suppress(OSError):
            fields["tty"] = os.ttyname(0)
        reply, _ = control.query(Request("attach", fields), timeout=3.0)
        if reply is not None and reply.kind == "attach" and reply.arg:
            return reply.arg
        text = reply.text if reply is not None and reply.text else ""
        text = text or "CoTerm: could not start recording this command"
        print(f"{text}; it runs unrecorded.", file=sys.stderr)
        return ""

    def _approve(self, line: str, reply: Reply) -> bool:
        """The approvals flow, on the terminal: exit 0 granted, 1 not granted, 2 broken."""
        import subprocess

        argv = [sys.executable, "-m", "coterm", "approve", "--for-line", line, "--cwd", os.getcwd()]
        argv += ["--user-message", reply.text, "--approver-message", reply.arg]
        try:
            return subprocess.run(argv).returncode == 0
        except KeyboardInterrupt:
            return False

    def request_for(self, line: str) -> Request:
        fields = {"sh": "xonsh", "pid": str(os.getpid()), "line": line, "cwd": os.getcwd()}
        if os.environ.get("COTERM_SESSION"):
            fields["sess"] = os.environ["COTERM_SESSION"]
        for name in ENV_NAMES:
            fields[f"e.{name}"] = str(self.xsh.env.get(name, "") or "")
        first = line.split(None, 1)[0] if line.split() else ""
        alias = self.xsh.aliases.get(first) if first else None
        if isinstance(alias, (list, tuple)) and all(isinstance(a, str) for a in alias):
            fields[f"a.{first}"] = " ".join(alias)
        return Request("eval", fields)

    def ask_evaluator(self, line: str) -> Reply:
        req = self.request_for(line)
        if self.xsh.env.get("COTERM_XONSH_INPROCESS"):
            return self._in_process(req)
        from coterm.server import control

        reply, why = control.query(req, timeout=TIMEOUT)
        if reply is not None:
            return reply
        if why == "timeout":
            return _unreachable("evaluator did not answer within 300 ms", line)
        self._spawn()
        return _unreachable("evaluator not running (starting it)", line)

    def _in_process(self, req: Request) -> Reply:
        from coterm.server import replies

        if self._evaluator is None:
            from coterm.evaluator import Evaluator

            self._evaluator = Evaluator()
        env = dict(os.environ)
        env.update({k: v for k, v in req.prefixed("e.").items() if v})
        decision = self._evaluator.evaluate(
            req.get("line"),
            cwd=req.get("cwd"),
            env=env,
            shell="xonsh",
            aliases=req.prefixed("a."),
        )
        return replies.reply_for(decision, decision.notices)

    def _spawn(self) -> None:
        if time.monotonic() - self._spawned < 2:
            return
        self._spawned = time.monotonic()
        from coterm.server import control

        with contextlib.suppress(OSError):
            control.spawn()

    def send(self, req: Request) -> None:
        from coterm.server import control

        control.request(req, timeout=0.1, wait=False)

    def mark(self, body: str) -> None:
        try:
            with open("/dev/tty", "w") as tty:
                tty.write(f"\x1b]6973;{self.nonce};{body}\a")
        except OSError:
            pass


def _redirect(pty: str) -> Optional[tuple[int, int]]:
    """Point stdout and stderr (the descriptors commands inherit) at the recording pty."""
    try:
        fd = os.open(pty, os.O_WRONLY | os.O_NOCTTY)
    except OSError:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    return saved


def _restore(saved: tuple[int, int]) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    for target, fd in zip((1, 2), saved):
        os.dup2(fd, target)
        os.close(fd)


def _unreachable(why: str, line: str) -> Reply:
    """Fail open, except for commands whose rules say fail_closed (the server's list)."""
    from coterm.server import replies
    from coterm.server.layout import layout
    from coterm.server.policy import fail_closed_match, read_fail_closed

    return replies.unavailable(why, fail_closed_match(read_fail_closed(layout().fail_closed), line))


def _inside_line_editor() -> bool:
    try:
        from prompt_toolkit.application.current import get_app_or_none
    except ImportError:
        return False
    app = get_app_or_none()
    return app is not None and app.is_running


def _yes(question: str) -> bool:
    try:
        answer = input(question)
    except (EOFError, KeyboardInterrupt):
        print()
        return False
    return answer.strip() in ("y", "Y")


def _mark_encode(text: str) -> str:
    for raw, enc in (("%", "%25"), ("\x1b", "%1B"), ("\a", "%07"), ("\n", "%0A"), ("\r", "%0D")):
        text = text.replace(raw, enc)
    return text


_GATE: Optional[Gate] = None


# xonsh events take plain functions (they set attributes on them), not bound methods.
def _on_transform_command(cmd: str, **kw: Any) -> str:
    return _GATE.on_transform_command(cmd, **kw) if _GATE is not None else cmd


def _on_precommand(cmd: str, **kw: Any) -> None:
    if _GATE is not None:
        _GATE.on_precommand(cmd, **kw)


def _on_postcommand(cmd: str, **kw: Any) -> None:
    if _GATE is not None:
        _GATE.on_postcommand(cmd, **kw)


_HANDLERS = (
    ("on_transform_command", _on_transform_command),
    ("on_precommand", _on_precommand),
    ("on_postcommand", _on_postcommand),
)


def _load_xontrib_(xsh: Any, **_kw: Any) -> dict:
    global _GATE
    if _GATE is not None or not xsh.env.get("XONSH_INTERACTIVE", False):
        return {}  # loaded twice, or a script: hook once, scripts never
    _GATE = Gate(xsh)
    _put_overrides_first(xsh)
    _start_evaluator()
    for name, handler in _HANDLERS:
        getattr(xsh.builtins.events, name)(handler)
    _GATE.send(Request("hello", {"sh": "xonsh", "pid": str(os.getpid()), "state": "gate"}))
    return {}


def _put_overrides_first(xsh: Any) -> None:
    """Shims (`ddcoterm shim create NAME`) live in the overrides dir: first on PATH, once."""
    from coterm import paths

    overrides = str(paths.overrides_dir())
    path = xsh.env.get("PATH")
    if path is not None and overrides not in list(path):
        path.insert(0, overrides)


def _start_evaluator() -> None:
    """Start the shared evaluator now (detached), so the first line is already checked."""
    if _GATE is None or _GATE.xsh.env.get("COTERM_XONSH_INPROCESS"):
        return
    from coterm.server import control

    try:
        if not control.ensure_running():
            _GATE._spawned = time.monotonic()
    except OSError:
        pass


def _unload_xontrib_(xsh: Any, **_kw: Any) -> dict:
    global _GATE
    for name, handler in _HANDLERS:
        getattr(xsh.builtins.events, name).discard(handler)
    _GATE = None
    return {}
