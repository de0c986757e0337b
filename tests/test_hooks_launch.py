"""shell_command(): a shell the recorder starts loads the user's rc files first, then the
hook (gate active, marks emitted, nonce hidden)."""

from __future__ import annotations

import os

import pytest
from shellpty import Env, Shell, require, start_server

NONCE = "9f" * 16
USER_RC = {
    "bash": (".bashrc", "PS1='CTP> '\nUSER_RC=loaded\n"),
    "zsh": (".zshrc", "PROMPT='CTP> '\nUSER_RC=loaded\n"),
    "fish": (
        ".config/fish/config.fish",
        "function fish_prompt; echo -n 'CTP> '; end\nfunction fish_greeting; end\nset -g USER_RC loaded\n",
    ),
    "xonsh": (
        ".xonshrc",
        "$PROMPT = 'CTP> '\n$UPDATE_PROMPT_ON_KEYPRESS = False\n$XONSH_HISTORY_BACKEND = 'dummy'\n"
        "$USER_RC = 'loaded'\n",
    ),
}


@pytest.fixture(scope="module")
def lenv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("launch")
    env = Env(tmp, tmp / "coterm-home")
    start_server(env)
    for rc, text in USER_RC.values():
        path = env.home / rc
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    yield env
    env.stop_server()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "xonsh"])
def test_recorded_shell_loads_user_rc_then_hook(lenv, shell, monkeypatch):
    from coterm.shell_launch import shell_command

    monkeypatch.setenv("COTERM_HOME", str(lenv.coterm_home))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    base = lenv.environ({"COTERM_SESSION": "s1", "COTERM_NONCE": NONCE, "COTERM_MODE": "all"})
    argv, extra = shell_command(require(shell), base)
    sh = Shell(shell, lenv, argv, {**extra, "COTERM_SESSION": "s1", "COTERM_NONCE": NONCE})
    try:
        sh.prompt(timeout=30 if shell == "xonsh" else None)
        out = sh.run("echo rc=$USER_RC")
        assert "rc=loaded" in out
        assert f"\x1b]6973;{NONCE};start;rec=1;line=echo rc=" in out
        before = len(lenv.kubectl_calls())
        out = sh.ask("kubectl scale deploy/rec", "n\r" if shell == "xonsh" else "n")  # xonsh reads a line
        assert "scaling in prod" in out
        assert len(lenv.kubectl_calls()) == before
        if shell == "zsh":  # ZDOTDIR is the user's again once startup is over
            sh.clear_line()
            assert f"zdot={lenv.home}" in sh.run("echo zdot=$ZDOTDIR")
    finally:
        sh.close()
    assert os.environ.get("COTERM_NONCE") is None
