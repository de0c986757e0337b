"""The local approval backend end to end, with real Unix users on one host.

As root, the test creates an approvers group and three users: A (requester, also an approver),
B (approver) and C (not an approver), a spool set up with `ddcoterm approvals setup`, and runs
each side as its user through setpriv. A asks through a pty (`ddcoterm approve -- CMD`); B or C
answer with exactly the command A was shown. Users and group are removed at the end.

The interpreter may live under a directory other users cannot enter (/root/.pyenv): then the
user processes get CAP_DAC_READ_SEARCH, which lets them *read* it. No write check is bypassed,
and every check under test is about writing files and the owners of files.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pexpect
import pytest

TOOLS = ("useradd", "userdel", "groupadd", "groupdel", "setpriv")
MARK_CMD = ["sh", "-c", "echo ran >> marker"]
HINT = re.compile(r"ddcoterm approvals grant (\S+) --spool (\S+)")


@dataclass
class User:
    name: str
    home: Path

    @property
    def coterm_home(self) -> Path:
        return self.home / "coterm"


@dataclass
class Host:
    group: str
    a: User
    b: User
    c: User
    spool: Path
    setpriv_extra: list[str]
    children: list = field(default_factory=list)  # pexpect children, ended before userdel

    def env(self, user: User, coterm_home: Optional[Path] = None) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(user.home),
            "USER": user.name,
            "COTERM_HOME": str(coterm_home or user.coterm_home),
            "LANG": "C.UTF-8",
            "TERM": "xterm",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def argv(self, user: User, *args: str) -> list[str]:
        return [
            "setpriv",
            f"--reuid={user.name}",
            f"--regid={user.name}",
            "--init-groups",
            *self.setpriv_extra,
            "--",
            sys.executable,
            "-m",
            "coterm",
            *args,
        ]

    def run(self, user: User, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.argv(user, *args),
            env=self.env(user),
            cwd=user.home,
            capture_output=True,
            text=True,
            timeout=30,
        )

    def shell(self, user: User, script: str) -> subprocess.CompletedProcess:
        argv = [
            "setpriv",
            f"--reuid={user.name}",
            f"--regid={user.name}",
            "--init-groups",
            "sh",
            "-c",
            script,
        ]
        return subprocess.run(argv, env=self.env(user), capture_output=True, text=True, timeout=30)

    def spawn(self, user: User, *args: str, coterm_home: Optional[Path] = None) -> pexpect.spawn:
        argv = self.argv(user, *args)
        child = pexpect.spawn(
            argv[0],
            argv[1:],
            env=self.env(user, coterm_home),
            cwd=str(user.home),
            encoding="utf-8",
            timeout=20,
            dimensions=(24, 200),
        )
        self.children.append(child)
        return child

    def ask(self, user: User, coterm_home: Optional[Path] = None) -> tuple[pexpect.spawn, str, list[str]]:
        """User asks to run MARK_CMD; returns the child, the request id and the grant command shown."""
        child = self.spawn(user, "approve", "--reason", "deploy", "--", *MARK_CMD, coterm_home=coterm_home)
        child.expect(HINT)
        request_id, spool = child.match.group(1), child.match.group(2)
        assert spool == str(self.spool)
        child.expect("waiting for approval")
        return child, request_id, ["approvals", "grant", request_id, "--spool", spool]

    def marker_lines(self, user: User) -> int:
        marker = user.home / "marker"
        return len(marker.read_text().splitlines()) if marker.exists() else 0

    def events(self, user: User) -> list[dict]:
        proc = self.run(user, "events", "--json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)


def _skip(reason: str) -> None:
    sys.__stderr__.write(f"\ntest_approvals_local skipped: {reason}\n")
    pytest.skip(reason)


def _sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def _setpriv_extra(user: User, env: dict[str, str]) -> list[str]:
    """Empty when the user can start the interpreter; else the read-only capability it needs."""
    probe = ["setpriv", f"--reuid={user.name}", f"--regid={user.name}", "--init-groups"]
    code = "import coterm.cli, yaml, requests"

    def works(*extra: str) -> subprocess.CompletedProcess:
        argv = [*probe, *extra, sys.executable, "-c", code]
        return subprocess.run(argv, env=env, cwd="/", capture_output=True)

    if works().returncode == 0:
        return []
    extra = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    check = works(*extra)
    if check.returncode != 0:
        _skip(f"other users cannot run {sys.executable}: {check.stderr.decode().strip()[-200:]}")
    return extra


def _write_config(
    user: User, spool: Path, group: str, timeout: str = "30s", home: Optional[Path] = None
) -> None:
    home = home or user.coterm_home
    home.mkdir(exist_ok=True)
    (home / "config.yaml").write_text(
        "approvals:\n"
        "  backend: local\n"
        f"  spool: {spool}\n"
        f"  approvers_group: {group}\n"
        f"  timeout: {timeout}\n"
        "  poll_interval: 0.1\n"
    )
    shutil.chown(home, user.name, user.name)
    shutil.chown(home / "config.yaml", user.name, user.name)


@pytest.fixture(scope="module")
def host():
    if os.geteuid() != 0:
        _skip("needs root to create two Unix users and an approvers group (useradd); run the tests as root")
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        _skip(f"missing tools: {', '.join(missing)}")
    tag = secrets.token_hex(3)
    group = f"ctg{tag}"
    base = Path(tempfile.mkdtemp(prefix="coterm-approvals-"))
    base.chmod(0o755)
    created: list[str] = []
    state: dict[str, Host] = {}
    try:
        _sh("groupadd", group)
        users = []
        for role in "abc":
            name = f"ct{role}{tag}"
            home = base / name
            extra = ["-G", group] if role in "ab" else []
            _sh("useradd", "-M", "-d", str(home), "-s", "/bin/sh", *extra, name)
            created.append(name)
            home.mkdir()
            shutil.chown(home, name, name)
            users.append(User(name, home))
        spool = base / "spool"
        setup = subprocess.run(
            [sys.executable, "-m", "coterm", "approvals", "setup", "--spool", str(spool), "--group", group],
            capture_output=True,
            text=True,
        )
        assert setup.returncode == 0, setup.stderr
        for user in users:
            _write_config(user, spool, group)
        a, b, c = users
        extra = _setpriv_extra(a, {"PATH": os.environ.get("PATH", ""), "HOME": str(a.home)})
        state["host"] = Host(group, a, b, c, spool, extra)
        yield state["host"]
    finally:
        for child in state["host"].children if "host" in state else []:
            if child.isalive():
                child.terminate(force=True)
        for name in created:
            subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_spool_setup_modes(host):
    import stat

    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (host.spool, host.spool / "requests")}
    modes["decisions"] = stat.S_IMODE((host.spool / "decisions").stat().st_mode)
    assert modes == {"spool": 0o755, "requests": 0o3773, "decisions": 0o3775}


def test_grant_by_another_approver_runs_the_command_once(host):
    a, b = host.a, host.b
    before = host.marker_lines(a)
    child, request_id, grant = host.ask(a)
    listing = host.run(b, "approvals", "list", "--spool", str(host.spool))
    assert listing.returncode == 0, listing.stderr
    assert request_id in listing.stdout and f"{a.name}@" in listing.stdout
    assert "sh -c 'echo ran >> marker'" in listing.stdout
    shown = host.run(b, "approvals", "show", request_id, "--spool", str(host.spool))
    assert "cwd:" in shown.stdout and str(a.home) in shown.stdout
    assert "reason given by the requester: deploy" in shown.stdout
    assert host.marker_lines(a) == before

    granted = host.run(b, *grant, "--reason", "looks fine")
    assert granted.returncode == 0, granted.stderr
    child.expect(f"approved by {b.name}: looks fine")
    status, _ = finish(child)
    assert status == 0
    assert host.marker_lines(a) == before + 1

    again = host.run(b, *grant)
    assert again.returncode == 1
    assert "is granted" in again.stderr
    assert host.marker_lines(a) == before + 1

    request_file = host.spool / "requests" / f"{request_id}.json"
    decision_file = host.spool / "decisions" / f"{request_id}.json"
    assert request_file.stat().st_uid == _uid(a) and decision_file.stat().st_uid == _uid(b)
    assert json.loads(request_file.read_text())["state"] == "granted"

    a_events = [e for e in host.events(a) if e["approval_id"] == request_id]
    assert [e["approval_outcome"] for e in a_events] == ["created", "granted"]
    assert a_events[1]["rules"][0]["by"] == b.name
    [b_event] = [e for e in host.events(b) if e["approval_id"] == request_id]
    assert b_event["approval_outcome"] == "granted" and b_event["user"] == b.name


def test_self_grant_and_non_approvers_are_refused(host):
    a, c = host.a, host.c
    before = host.marker_lines(a)
    child, request_id, grant = host.ask(a)

    own = host.run(a, *grant)
    assert own.returncode == 1
    assert "is your own" in own.stderr
    outsider = host.run(c, *grant)
    assert outsider.returncode == 1
    assert f"not in the approvers group '{host.group}'" in outsider.stderr
    if not host.setpriv_extra:  # with CAP_DAC_READ_SEARCH anyone can read; listing is a read
        cannot_list = host.run(c, "approvals", "list", "--spool", str(host.spool))
        assert cannot_list.returncode == 1
    decision = host.spool / "decisions" / f"{request_id}.json"
    forged = host.shell(c, f'echo \'{{"verdict": "grant"}}\' > {decision}')
    assert forged.returncode != 0 and not decision.exists()

    # A is in the approvers group, so the kernel lets it write the decision file itself, with
    # a correct binding; the waiting process still refuses it: a requester cannot self-approve.
    script = (
        "import json, sys; from coterm.approvals.model import ApprovalRequest; "
        "from coterm.approvals.spool import write_new, DECISION_FILE_MODE; "
        f"r = ApprovalRequest.from_json(json.load(open('{host.spool}/requests/{request_id}.json'))); "
        f"write_new(__import__('pathlib').Path('{host.spool}/decisions'), '{request_id}.json', "
        "{'request_id': r.id, 'binding': r.binding(), 'verdict': 'grant', 'by': 'someone-else'}, DECISION_FILE_MODE)"
    )
    wrote = subprocess.run(
        [*host.argv(a)[: host.argv(a).index(sys.executable) + 1], "-c", script],
        env=host.env(a),
        capture_output=True,
        text=True,
    )
    assert wrote.returncode == 0, wrote.stderr
    child.expect("refused a decision written by the requester")
    status, _ = finish(child)
    assert status == 1
    assert host.marker_lines(a) == before


def test_a_planted_grant_from_a_non_approver_is_refused(host):
    a, c = host.a, host.c
    before = host.marker_lines(a)
    child, request_id, _ = host.ask(a)
    request = json.loads((host.spool / "requests" / f"{request_id}.json").read_text())
    from coterm.approvals.model import ApprovalRequest

    binding = ApprovalRequest.from_json(request).binding()
    decision = host.spool / "decisions" / f"{request_id}.json"
    decision.write_text(
        json.dumps({"request_id": request_id, "binding": binding, "verdict": "grant", "by": "b"})
    )
    os.chown(decision, _uid(c), -1)  # as if C had managed to write it: the owner is what counts
    child.expect(f"refused a decision written by {c.name}, who is not in group")
    status, _ = finish(child)
    assert status == 1
    assert host.marker_lines(a) == before


def test_a_replayed_grant_is_refused(host):
    a, b = host.a, host.b
    before = host.marker_lines(a)
    child, first_id, grant = host.ask(a)
    assert host.run(b, *grant).returncode == 0
    assert finish(child)[0] == 0
    assert host.marker_lines(a) == before + 1

    child, second_id, _ = host.ask(a)
    used = host.spool / "decisions" / f"{first_id}.json"
    replay = host.spool / "decisions" / f"{second_id}.json"
    shutil.copy2(used, replay)
    os.chown(replay, _uid(b), -1)  # B's own grant file, word for word, for another request
    child.expect("does not match this request")
    status, _ = finish(child)
    assert status == 1
    assert host.marker_lines(a) == before + 1


def test_deny_with_reason(host):
    a, b = host.a, host.b
    before = host.marker_lines(a)
    child, request_id, grant = host.ask(a)
    deny = host.run(b, "approvals", "deny", request_id, "--spool", str(host.spool), "--reason", "not now")
    assert deny.returncode == 0, deny.stderr
    child.expect(f"denied by {b.name}: not now; the command was not run")
    status, _ = finish(child)
    assert status == 1
    late = host.run(b, *grant)
    assert late.returncode == 1 and "is denied" in late.stderr
    assert host.marker_lines(a) == before


def test_expired_and_withdrawn_requests_cannot_be_granted(host):
    a, b = host.a, host.b
    before = host.marker_lines(a)
    short = a.home / "coterm-short"
    _write_config(a, host.spool, host.group, timeout="1s", home=short)
    child, request_id, grant = host.ask(a, coterm_home=short)
    child.expect(f"request {request_id} expired")
    status, _ = finish(child)
    assert status == 1
    late = host.run(b, *grant)
    assert late.returncode == 1 and "is expired" in late.stderr

    child, request_id, grant = host.ask(a)
    child.sendintr()
    child.expect(f"request {request_id} withdrawn")
    status, _ = finish(child)
    assert status == 1
    late = host.run(b, *grant)
    assert late.returncode == 1 and "is withdrawn" in late.stderr
    assert [e["approval_outcome"] for e in host.events(a) if e["approval_id"] == request_id] == [
        "created",
        "withdrawn",
    ]
    assert host.marker_lines(a) == before


def _uid(user: User) -> int:
    import pwd

    return pwd.getpwnam(user.name).pw_uid
