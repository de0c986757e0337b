"""Parser: wrappers are peeled to the real argv, keeping the chain, assignments and remoteness."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coterm.parse import parse_argv, parse_line, unwrap_argv


def found(line: str) -> list[tuple[list[str], list[str]]]:
    result = parse_line(line)
    assert result.parser == "bashlex", result.error
    return [(c.argv, c.wrappers) for c in result.commands]


RM = ["rm", "-rf", "x"]


@pytest.mark.parametrize(
    "line, expected",
    [
        # privilege
        ("sudo rm -rf x", [(RM, ["sudo"])]),
        ("sudo -u postgres -g grp psql -c 'DROP TABLE x'", [(["psql", "-c", "DROP TABLE x"], ["sudo"])]),
        ("sudo -uroot -H -E -- rm -rf x", [(RM, ["sudo"])]),
        ("sudo -h host -p pw -C 3 -r role -t type -U u -D /tmp rm -rf x", [(RM, ["sudo"])]),
        ("sudo --user=root --chdir /tmp rm -rf x", [(RM, ["sudo"])]),
        ("sudo -s", [(["sh"], ["sudo"])]),
        ("sudo -i", [(["sh"], ["sudo"])]),
        ("sudo -i rm -rf x", [(RM, ["sudo"])]),
        ("sudo -l", [(["sudo", "-l"], [])]),
        ("sudo -e /etc/hosts", [(["sudo", "-e", "/etc/hosts"], [])]),
        ("doas -u root rm -rf x", [(RM, ["doas"])]),
        ("doas -s", [(["sh"], ["doas"])]),
        # environment and scheduling
        ("env rm -rf x", [(RM, ["env"])]),
        ("env -i PATH=/bin -u HOME -C /tmp rm -rf x", [(RM, ["env"])]),
        ('env -S "rm -rf x"', [(RM, ["env"])]),
        ("env", [(["env"], [])]),
        ("nice -n 10 rm -rf x", [(RM, ["nice"])]),
        ("nice -10 rm -rf x", [(RM, ["nice"])]),
        ("ionice -c 3 -n7 rm -rf x", [(RM, ["ionice"])]),
        ("ionice -c 3 -p 123", [(["ionice", "-c", "3", "-p", "123"], [])]),
        ("chrt -f 99 rm -rf x", [(RM, ["chrt"])]),
        ("chrt -p 99 123", [(["chrt", "-p", "99", "123"], [])]),
        ("taskset -c 0,1 rm -rf x", [(RM, ["taskset"])]),
        ("taskset 0x3 rm -rf x", [(RM, ["taskset"])]),
        ("stdbuf -oL -e 0 rm -rf x", [(RM, ["stdbuf"])]),
        ("setsid -f rm -rf x", [(RM, ["setsid"])]),
        ("nohup rm -rf x &", [(RM, ["nohup"])]),
        ("timeout -s KILL -k 1 5s rm -rf x", [(RM, ["timeout"])]),
        ("timeout --preserve-status 10 rm -rf x", [(RM, ["timeout"])]),
        ("chronic rm -rf x", [(RM, ["chronic"])]),
        # builtins that run their argument (or do not)
        ("command rm -rf x", [(RM, ["command"])]),
        ("command -p rm -rf x", [(RM, ["command"])]),
        ("command -v rm", [(["command", "-v", "rm"], [])]),
        ("command -V rm", [(["command", "-V", "rm"], [])]),
        ("builtin cd /", [(["cd", "/"], ["builtin"])]),
        ("exec rm -rf x", [(RM, ["exec"])]),
        ("exec -a name rm -rf x", [(RM, ["exec"])]),
        ("exec 3>&-", [(["exec"], [])]),
        # xargs and watch
        ("xargs rm", [(["rm"], ["xargs"])]),
        (
            "find . | xargs -0 -n 1 -P 4 -I {} rm -f {}",
            [(["find", "."], []), (["rm", "-f", "{}"], ["xargs"])],
        ),
        ("xargs -a list", [(["echo"], ["xargs"])]),
        ("xargs -d '\\n' -L 1 -r rm", [(["rm"], ["xargs"])]),
        ("watch -n 1 kubectl get pods", [(["kubectl", "get", "pods"], ["watch"])]),
        (
            "watch -d 'kubectl get pods | grep x'",
            [(["kubectl", "get", "pods"], ["watch"]), (["grep", "x"], ["watch"])],
        ),
        ('watch -n1 "rm -rf x; ls"', [(RM, ["watch"]), (["ls"], ["watch"])]),
        ("watch -x rm -rf x", [(RM, ["watch"])]),
        # tracers
        ("strace -f -o out.txt -e trace=open rm -rf x", [(RM, ["strace"])]),
        ("strace -p 123", [(["strace", "-p", "123"], [])]),
        ("ltrace -e malloc -o f rm -rf x", [(RM, ["ltrace"])]),
        # shells given a string
        ("sh -c 'rm -rf x'", [(RM, ["sh"])]),
        (
            'bash -lc "kubectl delete ns prod && echo done"',
            [(["kubectl", "delete", "ns", "prod"], ["bash"]), (["echo", "done"], ["bash"])],
        ),
        ("zsh -ec 'rm -rf x'", [(RM, ["zsh"])]),
        ("dash -xc 'rm -rf x'", [(RM, ["dash"])]),
        ("ksh -c 'ls | rm -rf x'", [(["ls"], ["ksh"]), (RM, ["ksh"])]),
        ("bash -o pipefail -c 'rm -rf x' name arg", [(RM, ["bash"])]),
        ("fish -c 'rm -rf x'", [(RM, ["fish"])]),
        ("bash deploy.sh prod", [(["deploy.sh", "prod"], ["bash"])]),
        ("bash", [(["bash"], [])]),
        ("su -c 'rm -rf x' root", [(RM, ["su"])]),
        ("su - postgres -c \"psql -c 'DROP TABLE x'\"", [(["psql", "-c", "DROP TABLE x"], ["su"])]),
        ("su - root", [(["su", "-", "root"], [])]),
        ("runuser -u app -- rm -rf x", [(RM, ["runuser"])]),
        ("runuser -l app -c 'rm -rf x'", [(RM, ["runuser"])]),
        ("flock /tmp/lock -c 'rm -rf x'", [(RM, ["flock"])]),
        ("flock -n -w 5 /tmp/lock rm -rf x", [(RM, ["flock"])]),
        ('eval "rm -rf x; ls"', [(RM, ["eval"]), (["ls"], ["eval"])]),
        ("eval rm -rf x", [(RM, ["eval"])]),
        # find
        ("find . -name x -exec rm -f {} \\;", [(["rm", "-f", "{}"], ["find"])]),
        (
            "find . -type f -execdir chmod 777 {} + -ok rm {} ';'",
            [(["chmod", "777", "{}"], ["find"]), (["rm", "{}"], ["find"])],
        ),
        ("find / -delete", [(["find", "/", "-delete"], [])]),
        (
            "find . -exec rm {} + -delete",
            [(["find", ".", "-exec", "rm", "{}", "+", "-delete"], []), (["rm", "{}"], ["find"])],
        ),
        ("find . -name x", [(["find", ".", "-name", "x"], [])]),
        # nesting
        (
            "sudo env A=1 nice -n 5 nohup timeout 5 sh -c 'rm -rf x'",
            [(RM, ["sudo", "env", "nice", "nohup", "timeout", "sh"])],
        ),
        ("sudo -u x bash -c 'sudo rm -rf x'", [(RM, ["sudo", "bash", "sudo"])]),
        ("xargs -I{} sh -c 'rm -rf {}'", [(["rm", "-rf", "{}"], ["xargs", "sh"])]),
        ("/usr/bin/sudo /bin/rm -rf x", [(RM, ["sudo"])]),
    ],
)
def test_wrapper(line: str, expected: list[tuple[list[str], list[str]]]) -> None:
    assert found(line) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("ssh -p 2222 -i key -o StrictHostKeyChecking=no user@host rm -rf x", [(RM, ["ssh"], True)]),
        (
            "ssh -t host 'sudo rm -rf x; kubectl delete ns a'",
            [(RM, ["ssh", "sudo"], True), (["kubectl", "delete", "ns", "a"], ["ssh"], True)],
        ),
        ("ssh -J jump -l me host -- rm -rf x", [(RM, ["ssh"], True)]),
        ("ssh host -t -p 22 rm -rf x", [(RM, ["ssh"], True)]),
        (
            "ssh host <<EOF\nkubectl delete ns prod\nEOF\n",
            [(["kubectl", "delete", "ns", "prod"], ["ssh"], True)],
        ),
        ("kubectl exec -it pod -n ns -- rm -rf x", [(RM, ["kubectl"], True)]),
        ("kubectl --context prod exec pod -c app -- sh -c 'rm -rf x'", [(RM, ["kubectl", "sh"], True)]),
        ("docker exec -it -u root ctr rm -rf x", [(RM, ["docker"], True)]),
        ("podman exec -e A=1 ctr sh -c 'rm -rf x'", [(RM, ["podman", "sh"], True)]),
        ("docker run --rm -v /:/host -it --name t alpine rm -rf x", [(RM, ["docker"], True)]),
        ("docker run --entrypoint rm alpine -rf x", [(RM, ["docker"], True)]),
        ("sudo ssh host rm -rf x", [(RM, ["sudo", "ssh"], True)]),
    ],
)
def test_remote(line: str, expected: list[tuple[list[str], list[str], bool]]) -> None:
    """The inner command is remote; the ssh/kubectl/docker command itself is reported first."""
    cmds = parse_line(line).commands
    outer, inner = cmds[0], cmds[1:]
    assert outer.executable in ("ssh", "kubectl", "docker", "podman")
    assert not outer.remote
    assert [(c.argv, c.wrappers, c.remote) for c in inner] == expected
    assert all(c.origin in ("remote", "wrapper") for c in inner)


@pytest.mark.parametrize(
    "line",
    ["ssh host", "ssh -N -L 80:x:80 host", "kubectl exec pod", "docker ps", "docker run alpine"],
)
def test_remote_wrapper_without_command_is_itself(line: str) -> None:
    assert found(line) == [(line.split(), [])]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("sudo A=1 B=2 kubectl get", {"A": "1", "B": "2"}),
        ("sudo -E env KUBECONFIG=/x kubectl get", {"KUBECONFIG": "/x"}),
        ("A=1 env B=2 kubectl get", {"A": "1", "B": "2"}),
        ("A=1 env -i B=2 kubectl get", {"B": "2"}),
        ("A=1 B=2 env -u A kubectl get", {"B": "2"}),
        ("KUBECONFIG=/k sh -c 'kubectl get'", {"KUBECONFIG": "/k"}),
        ("KUBECONFIG=/k ssh host kubectl get", {}),
        ("strace -E K=v kubectl get", {"K": "v"}),
    ],
)
def test_wrapper_assignments(line: str, expected: dict[str, str]) -> None:
    inner = parse_line(line).commands[-1]
    assert inner.argv == ["kubectl", "get"]
    assert inner.assignments == expected


def test_depth_is_counted_and_capped() -> None:
    (cmd,) = parse_line("sudo nice sh -c 'rm x'").commands
    assert (cmd.argv, cmd.depth) == (["rm", "x"], 3)
    result = parse_line("sudo " * 12 + "rm x")
    assert result.parser == "fallback"
    assert "deeper than 8" in (result.error or "")
    (cmd,) = result.commands
    assert cmd.depth == 8
    assert cmd.argv[-2:] == ["rm", "x"]  # what was found is kept


def test_deep_sh_c_is_degraded_not_clean() -> None:
    line = "rm x"
    for _ in range(9):
        line = "sh -c " + _quote(line)
    result = parse_line(line)
    assert result.parser == "fallback"
    assert result.commands[0].wrappers == ["sh"] * 8


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["kubectl", "get", "pods"], [(["kubectl", "get", "pods"], [])]),
        (["/usr/local/bin/kubectl", "get"], [(["kubectl", "get"], [])]),
        (["sudo", "-u", "x", "kubectl", "get"], [(["kubectl", "get"], ["sudo"])]),
        (["env", "A=1", "xargs", "rm"], [(["rm"], ["env", "xargs"])]),
        (
            ["sh", "-c", "rm x; kubectl delete ns a"],
            [(["rm", "x"], ["sh"]), (["kubectl", "delete", "ns", "a"], ["sh"])],
        ),
        (["eval", "rm", "x"], [(["rm", "x"], ["eval"])]),
        (
            ["ssh", "host", "rm x | cat"],
            [(["ssh", "host", "rm x | cat"], []), (["rm", "x"], ["ssh"]), (["cat"], ["ssh"])],
        ),
        (["watch", "-n1", "rm -rf x"], [(["rm", "-rf", "x"], ["watch"])]),
        (["echo", "rm -rf /"], [(["echo", "rm -rf /"], [])]),
    ],
)
def test_unwrap_argv(argv: list[str], expected: list[tuple[list[str], list[str]]]) -> None:
    assert [(c.argv, c.wrappers) for c in unwrap_argv(argv)] == expected


def test_unwrap_argv_assignments_and_result() -> None:
    (cmd,) = unwrap_argv(["sudo", "B=2", "kubectl", "get"], {"A": "1"})
    assert cmd.assignments == {"A": "1", "B": "2"}
    assert parse_argv(["kubectl", "get"]).parser == "bashlex"
    degraded = parse_argv(["sudo"] * 12 + ["rm"])
    assert degraded.parser == "fallback" and degraded.error


def test_unwrap_argv_on_plain_argv_does_not_import_bashlex() -> None:
    code = (
        "import sys\n"
        "from coterm.parse import unwrap_argv\n"
        "for argv in (['kubectl', 'get'], ['sudo', '-u', 'x', 'env', 'A=1', 'kubectl', 'get'],\n"
        "             ['watch', '-n', '1', 'kubectl', 'get', 'pods'], ['ssh', 'h', 'ls', '-la'],\n"
        "             ['sh', '-c', 'ls -la'], ['find', '.', '-exec', 'rm', '{}', ';']):\n"
        "    assert unwrap_argv(argv), argv\n"
        "print('bashlex' in sys.modules)\n"
        "unwrap_argv(['sh', '-c', 'rm x; ls'])\n"
        "print('bashlex' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
