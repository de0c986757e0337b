"""Real shims in a temp COTERM_HOME in front of a fake `kubectl`: what a user of `kubectl` notices.

Commands run without a controlling terminal (start_new_session=True) unless the test drives
a pty: that is how scripts, cron and CI run them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from coterm.shims import manage, stub

FAKE_KUBECTL = """\
#!/bin/sh
# a stand-in kubectl for coterm's shim tests
case "$1" in
  json) echo '{"items": [{"name": "web"}]}' ;;
  status) echo "status $2"; exit "$2" ;;
  stdin) tr a-z A-Z ;;
  stderr) echo "to stderr" >&2; echo "to stdout" ;;
  pid) echo "pid $$" ;;
  yes) exec yes ;;
  sleep) echo sleeping; exec sleep 30 ;;
  plugin) exec kubectl version --client ;;
  *) echo "fake kubectl: $*" ;;
esac
"""

# "The next kubectl in PATH after me", the way real wrapper scripts find what they wrap.
WRAPPER = """\
#!/bin/sh
me=$(cd "$(dirname "$0")" && pwd -P)/kubectl
IFS=:
for dir in $PATH; do
  [ -x "$dir/kubectl" ] || continue
  [ "$(cd "$dir" && pwd -P)/kubectl" = "$me" ] && continue
  echo "wrapper -> $dir/kubectl" >&2
  exec "$dir/kubectl" {extra}"$@"
done
echo "wrapper: no kubectl" >&2
exit 127
"""

RULES = """\
process_config:
  commands:
    - command: kubectl
      lints:
        - |
          if has_arg("scale") then return "Scaling is risky." end
      rules:
        - rule: return has_arg("delete"), "Deleting is blocked here."
          deny: true
        - rule: return has_arg("apply"), "Apply needs approval.", "Check the plan."
          actions: ["approval"]
        - rule: return has_arg("logs"), "Logs are recorded."
          actions: ["record"]
"""


def _script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def _tools(folder: Path) -> Path:
    """Only the programs the tests use, so a kubectl installed on this machine stays out of PATH."""
    folder.mkdir()
    for name in ("bash", "sh", "tr", "yes", "sleep", "jq", "head", "cat", "dirname"):
        found = shutil.which(name)
        if found:
            (folder / name).symlink_to(found)
    return folder


class Setup:
    def __init__(self, home: Path, tmp: Path) -> None:
        self.home = home
        self.tmp = tmp
        self.bin = tmp / "realbin"
        self.kubectl = _script(self.bin / "kubectl", FAKE_KUBECTL)
        (home / "config.yaml").write_text(RULES)
        self.shim = manage.create("kubectl").path
        self.overrides = self.shim.parent
        self.path = [str(self.overrides), str(self.bin), str(_tools(tmp / "tools"))]

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join(self.path)
        env.pop("COTERM_SHIM_CHAIN", None)
        env.update(extra)
        return env

    def run(self, *args: str, input: str = "", **extra: str) -> subprocess.CompletedProcess:
        """Run `kubectl ARGS` from PATH, with no controlling terminal."""
        return self.sh(" ".join(["kubectl", *args]), input=input, **extra)

    def sh(self, line: str, input: str = "", **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["/bin/sh", "-c", line],
            input=input,
            capture_output=True,
            text=True,
            env=self.env(**extra),
            cwd=self.tmp,
            start_new_session=True,
            timeout=30,
        )


@pytest.fixture
def setup(coterm_home: Path, tmp_path: Path) -> Setup:
    return Setup(coterm_home, tmp_path)


def _events(count: int) -> list:
    """The stored command events, once there are `count` (runs that go on write theirs from
    a detached child, so they may land a moment after the command)."""
    from coterm.store import Store

    deadline = time.monotonic() + 15
    while True:
        with Store.open() as store:
            events = store.events()
        if len(events) >= count or time.monotonic() > deadline:
            return sorted(events, key=lambda e: e.start)
        time.sleep(0.05)


def test_output_status_stdin_stderr_and_no_extra_process(setup: Setup) -> None:
    ok = setup.run("get", "pods")
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "fake kubectl: get pods\n", "")
    failed = setup.run("status", "3")
    assert (failed.returncode, failed.stdout) == (3, "status 3\n")
    upper = setup.run("stdin", input="hello\n")
    assert upper.stdout == "HELLO\n"
    split = setup.run("stderr")
    assert (split.stdout, split.stderr) == ("to stdout\n", "to stderr\n")


def test_exec_keeps_the_pid(setup: Setup) -> None:
    # exec, not fork: the program runs in the very process that started the shim
    child = subprocess.Popen(
        ["kubectl", "pid"], stdout=subprocess.PIPE, text=True, env=setup.env(), start_new_session=True
    )
    out, _ = child.communicate(timeout=30)
    assert out == f"pid {child.pid}\n"


def test_pipes_json_to_jq_and_sigpipe(setup: Setup) -> None:
    jq = setup.sh("kubectl get pods -o json >/dev/null && kubectl json | jq -r '.items[0].name'")
    assert (jq.returncode, jq.stdout) == (0, "web\n")
    # `yes` must die of SIGPIPE when head exits: the shim must not leave SIGPIPE ignored
    started = time.monotonic()
    head = setup.sh("kubectl yes | head -n 1")
    assert (head.stdout, head.stderr) == ("y\n", "")
    assert time.monotonic() - started < 10


def test_no_terminal_means_126_never_a_wait(setup: Setup) -> None:
    lint = setup.run("scale", "deploy/web")
    assert lint.returncode == 126 and lint.stdout == ""
    assert "Warning from CoTerm: Scaling is risky." in lint.stderr
    assert "no terminal to ask" in lint.stderr and "noninteractive: allow" in lint.stderr
    denied = setup.run("delete", "ns", "prod")
    assert denied.returncode == 126 and "CoTerm: blocked: Deleting is blocked here." in denied.stderr
    approval = setup.run("apply", "-f", "x.yaml")
    assert approval.returncode == 126 and "Message for the approver: Check the plan." in approval.stderr
    outcomes = sorted(e.lint_outcome for e in _events(3))
    assert outcomes == ["blocked", "noninteractive deny", "noninteractive deny"]


def test_noninteractive_allow_per_command_then_global(setup: Setup) -> None:
    per_command = RULES.replace(
        "    - command: kubectl\n", "    - command: kubectl\n      noninteractive: allow\n"
    )
    (setup.home / "config.yaml").write_text(per_command)
    lint = setup.run("scale", "deploy/web")
    assert (lint.returncode, lint.stdout) == (0, "fake kubectl: scale deploy/web\n")
    assert "Scaling is risky." in lint.stderr and "noninteractive: allow" in lint.stderr
    assert setup.run("delete", "ns", "x").returncode == 126  # allow never overrides a deny rule
    (setup.home / "config.yaml").write_text("noninteractive: allow\n" + RULES)
    assert setup.run("scale", "deploy/web").returncode == 0


def test_break_glass_and_cli_overrides(setup: Setup) -> None:
    glass = setup.run("apply", "-f", "x.yaml", COTERM_BREAK_GLASS="true")
    assert (glass.returncode, glass.stdout) == (0, "fake kubectl: apply -f x.yaml\n")
    assert "COTERM_BREAK_GLASS" in glass.stderr
    assert [e.break_glass for e in _events(1)] == [True]
    assert setup.run("scale", "x", COTERM_BREAK_GLASS="true").returncode == 126  # lints still ask
    assert setup.run("apply", "-f", "x.yaml", COTERM_APPROVAL="false").returncode == 0
    forced = setup.run("get", "pods", COTERM_APPROVAL="true")
    assert forced.returncode == 126 and "needs approval" in forced.stderr


def test_overrides_twice_and_another_homes_shim_in_path(setup: Setup, tmp_path: Path) -> None:
    alias = tmp_path / "overrides-link"
    alias.symlink_to(setup.overrides)
    other = _script(tmp_path / "other-home" / "overrides" / "kubectl", Path(setup.shim).read_text())
    setup.path = [str(setup.overrides), str(alias), str(other.parent), str(setup.overrides), *setup.path[1:]]
    proc = setup.run("get", "pods")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "fake kubectl: get pods\n", "")


def test_wrapper_script_named_kubectl_reaches_the_real_one(setup: Setup, tmp_path: Path) -> None:
    (setup.home / "config.yaml").write_text("noninteractive: allow\n" + RULES)
    wrap = _script(tmp_path / "wrapbin" / "kubectl", WRAPPER.format(extra=""))
    setup.path.insert(1, str(wrap.parent))
    proc = setup.run("scale", "deploy/web")
    assert (proc.returncode, proc.stdout) == (0, "fake kubectl: scale deploy/web\n")
    assert proc.stderr.count("Scaling is risky.") == 1  # the same command is not asked twice
    assert proc.stderr.count("wrapper ->") == 1
    # a wrapper that changes the command gets it checked again, and still no loop
    _script(wrap, WRAPPER.format(extra="--context=prod "))
    proc = setup.run("scale", "deploy/web")
    assert (proc.returncode, proc.stdout) == (0, "fake kubectl: --context=prod scale deploy/web\n")
    assert proc.stderr.count("Scaling is risky.") == 2


def test_program_calling_itself_is_checked_and_cannot_loop(setup: Setup, tmp_path: Path) -> None:
    plugin = setup.run("plugin")  # the real kubectl runs `kubectl version` through the shim
    assert (plugin.returncode, plugin.stdout) == (0, "fake kubectl: version --client\n")
    looping = _script(tmp_path / "loopbin" / "kubectl", '#!/bin/sh\nexec kubectl again "$@"\n')
    setup.path = [str(setup.overrides), str(looping.parent), setup.path[-1]]
    started = time.monotonic()
    proc = setup.run("get")
    assert proc.returncode == 126 and "keeps calling itself" in proc.stderr
    assert time.monotonic() - started < 20


def test_missing_real_binary_is_127(setup: Setup) -> None:
    setup.kubectl.unlink()
    proc = setup.run("get", "pods")
    assert proc.returncode == 127 and proc.stdout == ""
    assert proc.stderr.startswith("kubectl: command not found")
    assert "Traceback" not in proc.stderr


def test_removed_shim_no_longer_checks(setup: Setup) -> None:
    assert setup.run("delete", "ns", "x").returncode == 126
    manage.remove("kubectl")
    proc = setup.run("delete", "ns", "x")
    assert (proc.returncode, proc.stdout) == (0, "fake kubectl: delete ns x\n")


def test_record_when_rules_say_or_always(setup: Setup) -> None:
    sessions = setup.home / "sessions"
    plain = setup.run("get", "pods")
    assert plain.stdout == "fake kubectl: get pods\n" and not sessions.exists()
    logs = setup.run("logs", "web")
    assert logs.returncode == 0 and "fake kubectl: logs web" in logs.stdout
    assert len(list(sessions.glob("*.cast"))) == 1
    assert setup.run("logs", "web", COTERM_SAVE_LEVEL="none").stdout == "fake kubectl: logs web\n"
    assert len(list(sessions.glob("*.cast"))) == 1
    manage.create("kubectl", record=True)
    assert "fake kubectl: get pods" in setup.run("get", "pods").stdout
    assert len(list(sessions.glob("*.cast"))) == 2


def test_resident_evaluator_answers_the_shim(setup: Setup) -> None:
    from coterm.server import control
    from coterm.shims import client, where

    server = subprocess.Popen(
        [sys.executable, "-m", "coterm.server"],
        env=setup.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert control.wait_running(timeout=20)
        verdict = client.ask(where.server_socket(), "kubectl", ["kubectl", "scale", "x"], "/", setup.env())
        assert verdict is not None and verdict.kind == "confirm"
        assert verdict.messages == ["Scaling is risky."]
        assert setup.run("get", "pods").stdout == "fake kubectl: get pods\n"
        assert setup.run("delete", "ns", "x").returncode == 126
    finally:
        control.stop()
        server.wait(timeout=10)


def test_stub_for_an_interpreter_path_with_a_space(setup: Setup, tmp_path: Path) -> None:
    odd = tmp_path / "py thon"
    odd.mkdir()
    (odd / "python3").symlink_to(sys.executable)
    setup.shim.write_text(stub.render("kubectl", False, python=str(odd / "python3")))
    assert setup.shim.read_text().startswith("#!/bin/sh\n")
    proc = setup.run("get", "pods")
    assert (proc.returncode, proc.stdout) == (0, "fake kubectl: get pods\n")
    assert setup.run("delete", "x").returncode == 126


def test_shim_without_coterm_says_so_and_runs_the_command(setup: Setup) -> None:
    setup.shim.write_text(stub.render("kubectl", False, paths=["/nonexistent"]))
    proc = setup.run("delete", "ns", "x")
    assert (proc.returncode, proc.stdout) == (0, "fake kubectl: delete ns x\n")
    assert "cannot load coterm" in proc.stderr and f"rm {setup.shim}" in proc.stderr


def _bash(setup: Setup) -> pexpect.spawn:
    env = setup.env(PS1="$ ", TERM="dumb")
    shell = pexpect.spawn(
        "bash", ["--norc", "--noprofile"], env=env, cwd=str(setup.tmp), encoding="utf-8", timeout=20
    )
    shell.expect_exact("$ ")
    return shell


def _status(shell: pexpect.spawn) -> str:
    shell.sendline('echo "st=$?"')
    shell.expect(r"st=(\d+)")
    status = shell.match.group(1)
    shell.expect_exact("$ ")
    return status


def test_questions_on_the_terminal(setup: Setup) -> None:
    shell = _bash(setup)
    try:
        shell.sendline("kubectl scale deploy/web | cat")
        shell.expect_exact("Warning from CoTerm: Scaling is risky.")
        shell.expect_exact("Do you want to continue? (y/n)")
        shell.sendline("y")
        shell.expect_exact("fake kubectl: scale deploy/web")
        assert _status(shell) == "0"

        shell.sendline("kubectl scale deploy/web")
        shell.expect_exact("Do you want to continue? (y/n)")
        shell.sendline("n")
        shell.expect_exact("CoTerm: cancelled; kubectl did not run.")
        assert _status(shell) == "1"

        shell.sendline("kubectl apply -f x.yaml")
        shell.expect_exact("CoTerm: this command needs approval: Apply needs approval.")
        shell.expect_exact("approvers_group is not set")  # no approver configured: fail closed
        assert _status(shell) == "2"

        shell.sendline("kubectl scale deploy/web")
        shell.expect_exact("Do you want to continue? (y/n)")
        shell.sendintr()
        shell.expect_exact("CoTerm: cancelled")
        assert _status(shell) == "130"

        shell.sendline("kubectl sleep")
        shell.expect_exact("sleeping")
        started = time.monotonic()
        shell.sendintr()  # Ctrl-C reaches the program itself
        assert _status(shell) == "130"
        assert time.monotonic() - started < 10
        outcomes = [e.lint_outcome for e in _events(4)]
        assert outcomes == ["confirmed", "cancelled", "cancelled", "cancelled"]  # 3rd: not approved
    finally:
        shell.close(force=True)
