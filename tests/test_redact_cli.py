"""`ddcoterm redact` as a user runs it: a live pipe, files, --json, --mask, config."""

from __future__ import annotations

import json
import os
import select
import subprocess
import time

from conftest import ddcoterm_cmd

GHP = "gh" + "p_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz12"


def _read_until(proc: subprocess.Popen, needle: bytes, timeout: float) -> bytes:
    """Read the process's stdout until needle shows up or timeout passes."""
    fd = proc.stdout.fileno()
    got = b""
    deadline = time.monotonic() + timeout
    while needle not in got:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            got += chunk
    return got


def test_live_pipe_shows_each_line_while_the_writer_is_still_open():
    proc = subprocess.Popen([*ddcoterm_cmd(), "redact"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        # Let the interpreter start before timing the line itself.
        proc.stdin.write(b"starting\n")
        proc.stdin.flush()
        assert _read_until(proc, b"starting\n", 20) == b"starting\n"

        sent = time.monotonic()
        proc.stdin.write(f"export GITHUB_TOKEN={GHP}\n".encode())
        proc.stdin.flush()
        got = _read_until(proc, b"\n", 5)
        assert got == b"export GITHUB_TOKEN=[REDACTED:github_token]\n"
        assert time.monotonic() - sent < 0.5
        assert proc.poll() is None  # still running: the pipe is open

        # A partial line (a prompt) appears after the idle pause, a half-typed token does not.
        proc.stdin.write(b"alice@box:~$ echo " + GHP[:8].encode())
        proc.stdin.flush()
        assert _read_until(proc, b"echo ", 2) == b"alice@box:~$ echo "
        proc.stdin.write(GHP[8:].encode() + b"\n")
        proc.stdin.flush()
        assert _read_until(proc, b"\n", 5) == b"[REDACTED:github_token]\n"
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert proc.returncode == 0


def _run(args: list[str], data: bytes, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ddcoterm_cmd(), "redact", *args], input=data, capture_output=True, timeout=60, **kw
    )


def test_files_json_mask_and_raw_bytes():
    data = (
        b"ok \xff\xfe binary\n"
        + f"token={GHP}\n".encode()
        + b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtoolong\n"  # unterminated: fail closed
    )
    res = _run([], data)
    assert res.returncode == 0, res.stderr
    assert res.stdout == (
        b"ok \xff\xfe binary\ntoken=[REDACTED:github_token]\n"
        b"-----BEGIN RSA PRIVATE KEY-----\n[REDACTED:private_key]\n"
    )

    found = [json.loads(line) for line in _run(["--json"], data).stdout.splitlines()]
    assert [(f["type"], f["line"]) for f in found] == [("github_token", 2), ("private_key", 4)]
    text = data.decode("utf-8", "surrogateescape")
    assert text[found[0]["start"] : found[0]["end"]] == GHP

    masked = _run(["--mask"], f"pw: password={GHP}\n".encode()).stdout
    assert masked == f"pw: password={'*' * len(GHP)}\n".encode()


def test_config_patterns_and_fingerprint(coterm_home):
    (coterm_home / "config.yaml").write_text(
        "redaction:\n  fingerprint: true\n  patterns:\n    - name: acme_key\n      regex: 'acme_[0-9]{8}'\n"
    )
    res = _run([], b"a acme_12345678 b acme_12345678\n", env=dict(os.environ))
    assert res.returncode == 0, res.stderr
    words = res.stdout.decode().split()
    assert words[1] == words[3] and words[1].startswith("[REDACTED:acme_key:")
    assert (coterm_home / "redaction.key").exists()


def test_help_teaches_the_json_format():
    res = subprocess.run([*ddcoterm_cmd(), "redact", "--help"], capture_output=True, text=True)
    assert res.returncode == 0
    assert '{"type": "github_token", "start": 120, "end": 160, "line": 3}' in res.stdout
    assert "tail -f" in res.stdout
