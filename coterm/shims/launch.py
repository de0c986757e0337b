"""Hand over to the real binary: exec it (nothing of the shim is left), or record it.

Python ignores SIGPIPE and SIGXFSZ for itself, and ignored signals survive exec: they are
reset first, or `NAME ... | head -1` would leave NAME writing into a closed pipe.
"""

from __future__ import annotations

import _signal
import os
import sys


def restore_signals() -> None:
    for name in ("SIGPIPE", "SIGXFSZ"):
        sig = getattr(_signal, name, None)
        if sig is not None:
            _signal.signal(sig, _signal.SIG_DFL)


def exec_real(real: str, argv: list[str]) -> int:
    """Replace this process with `real`; returns an exit status only when that fails."""
    restore_signals()  # (stderr needs no flush: every shim message is written and flushed whole)
    try:
        os.execv(real, argv)
    except OSError as exc:
        return _exec_failed(real, argv, exc)
    return 126  # not reached


def _exec_failed(real: str, argv: list[str], exc: OSError) -> int:
    import errno

    if exc.errno == errno.ENOEXEC:  # a script without #!: shells hand those to sh
        try:
            os.execv("/bin/sh", ["sh", real, *argv[1:]])
        except OSError as again:
            exc = again
    _say(f"{argv[0]}: {real}: {exc.strerror or exc}")
    return 127 if exc.errno == errno.ENOENT else 126


def record_run(real: str, argv: list[str]) -> int:
    """Run `real` under the recorder (`ddcoterm -- CMD`) and return its exit status."""
    quiet = not os.isatty(2)  # the session start/end lines only where a person reads them
    try:
        from coterm.record.session import RecordError, RecordOptions, run_session
    except ImportError:  # no recorder in this install: the CLI may still have one
        restore_signals()
        cli = [sys.executable, "-m", "coterm", *(["-q"] if quiet else []), "--", real, *argv[1:]]
        return exec_real(sys.executable, cli)
    from coterm.shims.decide import overrides

    _, approval = overrides(os.environ)
    opts = RecordOptions(command=[real, *argv[1:]], approval=approval, quiet=quiet)
    try:
        return run_session(opts)
    except RecordError as exc:
        _say(f"ddcoterm: {exc}")
        return exc.code
    except Exception as exc:  # same contract as `ddcoterm -- CMD`: one line, status 70
        _say(f"ddcoterm: recording {argv[0]} failed: {type(exc).__name__}: {exc}")
        return 70


def _say(text: str) -> None:
    if sys.stderr is not None:  # None when started with stderr closed
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
