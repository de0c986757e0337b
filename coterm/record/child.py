"""Starting the recorded program on a fresh pty, as the session leader with that pty as
its controlling terminal. Plain fork+exec: no ptrace, no no_new_privs, so sudo and other
setuid programs work inside."""

from __future__ import annotations

import fcntl
import os
import pwd
import subprocess
import termios
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

from coterm.record.terminal import Size, set_size


@dataclass
class Child:
    pid: int
    master: int


def user_shell(given: Optional[str]) -> str:
    if given:
        return given
    env = os.environ.get("SHELL")
    if env:
        return env
    try:
        return pwd.getpwuid(os.getuid()).pw_shell or "/bin/sh"
    except KeyError:
        return "/bin/sh"


def shell_argv(shell: str, env: Mapping[str, str]) -> Tuple[List[str], Dict[str, str]]:
    """argv + extra env that start the shell with the user's rc files, then coterm's hook."""
    try:
        from coterm.shell_launch import shell_command
    except ImportError:  # the shell integration is not installed: a plain interactive shell
        return [shell, "-i"], {}
    argv, extra = shell_command(shell, dict(env))
    return list(argv), dict(extra)


def spawn(argv: List[str], env: Mapping[str, str], size: Size, like_fd: Optional[int]) -> Child:
    """Run argv on a new pty; raises OSError (FileNotFoundError, PermissionError) if exec fails.

    like_fd: the user's terminal, whose modes the new pty copies (erase key, etc.). With no
    terminal (pipes, CI) the pty does not echo, as `script` does, so piped input is not
    recorded twice.
    """
    master, slave = os.openpty()
    try:
        set_size(slave, size)
        attrs = termios.tcgetattr(like_fd if like_fd is not None else slave)
        if like_fd is None:
            attrs[3] &= ~(termios.ECHO | termios.ECHONL)
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            start_new_session=True,
            preexec_fn=_take_terminal,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    proc.returncode = 0  # the proxy reaps it with waitpid; keep Popen from trying again
    os.set_blocking(master, False)
    return Child(proc.pid, master)


def _take_terminal() -> None:
    """In the child, after setsid and the dup2s: make the pty our controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
