"""Real shells on a real pty: a token typed at the prompt, echoed the way each line editor echoes
it (bash plainly; zsh repainting with syntax highlighting; fish repainting its suggestion), is
redacted from the recorded bytes however they were chunked, with an idle pause after each read."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from coterm.redact import StreamRedactor

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

TOKEN = "gh" + "p_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz12"
ZSH_PLUGINS = (
    "/usr/share/zsh-autosuggestions/zsh-autosuggestions.zsh",
    "/usr/share/zsh-syntax-highlighting/zsh-syntax-highlighting.zsh",
)


def _session(argv: list[str], env: dict, keys: list[str]) -> list[bytes]:
    """Type keys one character at a time; return the raw pty reads in order."""
    # Start in HOME: prompts show the cwd, and its length (the checkout path otherwise) would
    # move where the typed line wraps.
    child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=env["HOME"], dimensions=(24, 100))
    child.delaybeforesend = None
    reads: list[bytes] = []

    def drain(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                reads.append(child.read_nonblocking(65536, timeout=min(seconds, 0.02)))
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                return

    drain(1.0)
    for line in keys:
        for ch in line:
            child.send(ch)
            drain(0.003)
        drain(0.4)
    child.sendline("exit")
    drain(0.5)
    child.close(force=True)
    return reads


def _screen(text: str) -> str:
    """What a replay of text shows: the terminal's screen as plain lines."""
    screen = pyte.Screen(100, 24)
    pyte.Stream(screen).feed(text)
    return "\n".join(screen.display)


def _check(reads: list[bytes], visible: str) -> None:
    raw = b"".join(reads).decode("utf-8", "replace")
    assert TOKEN[4:12] in _screen(raw), "the shell did not show the token: nothing was tested"
    r = StreamRedactor()
    out = "".join(r.feed(c.decode("utf-8", "replace")) + r.idle() for c in reads) + r.flush()
    pieces = [TOKEN[i : i + 8] for i in range(len(TOKEN) - 7) if TOKEN[i : i + 8] in out]
    assert not pieces, f"leaked {pieces[:3]} from {raw[-2000:]!r}"
    shown = _screen(out)
    assert "[REDACTED:github_token]" in shown
    assert not any(TOKEN[i : i + 8] in shown for i in range(len(TOKEN) - 7))
    # The command around the secret is still on the screen.
    assert visible in shown, f"{visible!r} lost from the screen:\n{shown}\nraw: {raw[-2000:]!r}"


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COTERM", "ZDOTDIR"))}
    env.update(
        HOME=str(tmp_path),
        TERM="xterm-256color",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    return env


def test_bash_echo(tmp_path):
    if not shutil.which("bash"):
        pytest.skip("bash not installed")
    keys = [f"export GITHUB_TOKEN={TOKEN}\r", "echo $GITHUB_TOKEN\r"]
    _check(_session(["bash", "--norc", "--noprofile", "-i"], _env(tmp_path), keys), "export")


def test_zsh_with_highlighting_and_suggestions(tmp_path):
    if not shutil.which("zsh"):
        pytest.skip("zsh not installed")
    rc = "PS1='%F{green}%n@box%f:%F{blue}%~%f%# '\n"
    rc += "".join(f"source {p}\n" for p in ZSH_PLUGINS if os.path.exists(p))
    (tmp_path / ".zshrc").write_text(rc)
    env = dict(_env(tmp_path), ZDOTDIR=str(tmp_path))
    keys = [f"export GITHUB_TOKEN={TOKEN}\r", "export GITHUB_T"]
    _check(_session(["zsh", "-i"], env, keys), "GITHUB_TOKEN=")


def test_fish_with_history_suggestion(tmp_path):
    if not shutil.which("fish"):
        pytest.skip("fish not installed")
    keys = [f"set -gx GITHUB_TOKEN {TOKEN}\r", "echo $GITHUB_TOKEN\r", "set -gx GITHUB_T"]
    _check(_session(["fish", "--no-config", "-i"], _env(tmp_path), keys), "GITHUB_TOKEN")
