"""Parser: where bashlex fails, no command escapes, and the result says `fallback`."""

from __future__ import annotations

import pytest

from coterm.parse import parse_line

KDEL = ["kubectl", "delete", "ns", "prod"]


def degraded(line: str) -> list[list[str]]:
    result = parse_line(line)
    assert result.parser == "fallback"
    assert result.error
    return [c.argv for c in result.commands]


@pytest.mark.parametrize(
    "line, expected",
    [
        # [[ ]] (bashlex #96)
        ("[[ -f x ]] && kubectl delete ns prod", [["[[", "-f", "x", "]]"], KDEL]),
        (
            "if [[ $a == b && -n $c ]]; then rm x; fi",
            [["[[", "$a", "==", "b", "&&", "-n", "$c", "]]"], ["rm", "x"]],
        ),
        ("[[ $x =~ ^(a|b)$ ]] || kubectl delete ns prod", [["[[", "$x", "=~", "^(a|b)$", "]]"], KDEL]),
        ("[[ -z $(rm y) ]]", [["[[", "-z", "$(rm y)", "]]"], ["rm", "y"]]),
        # case (bashlex #91)
        ("case $x in a) rm x;; b|c) kubectl delete ns prod;; esac", [["rm", "x"], KDEL]),
        (
            'case "$1" in\n  start) systemctl start x ;;\n  (stop) systemctl stop x\nesac\nrm y',
            [["systemctl", "start", "x"], ["systemctl", "stop", "x"], ["rm", "y"]],
        ),
        ("case $(whoami) in root) rm -rf x;; esac", [["whoami"], ["rm", "-rf", "x"]]),
        # arithmetic expansion
        ("echo $((1+2)) && rm x", [["echo", "0"], ["rm", "x"]]),
        ("x=$((1+2)) kubectl delete ns prod", [KDEL]),
        ("echo $[1+2]; rm y", [["echo", "0"], ["rm", "y"]]),
        ("echo $(( $(rm y) + 1 ))", [["echo", "$(( $(rm y) + 1 ))"], ["rm", "y"]]),
        ("for ((i=0;i<3;i++)); do rm $i; done", [["rm", "$i"]]),
        # arrays (bashlex #84, #89)
        ("arr=(1 2 3); rm ${arr[0]}", [["rm", "${arr[0]}"]]),
        ("arr=($(ls) x); rm y", [["ls"], ["rm", "y"]]),
        ("declare -a X=() && kubectl delete ns prod", [["declare", "-a", "X=()"], KDEL]),
        # && and || inside $( ) (bashlex #83)
        ("x=$(a && rm b)", [["a"], ["rm", "b"]]),
        (
            'echo "$(kubectl get pods || rm x)"',
            [["echo", "$(kubectl get pods ; rm x)"], ["kubectl", "get", "pods"], ["rm", "x"]],
        ),
        # quoted here-doc delimiters (bashlex #99)
        ("cat <<'EOF' | psql\nDROP TABLE x;\nEOF\n", [["cat"], ["psql"]]),
        ("cat <<\\EOF\n$(rm -rf /)\nEOF\nrm y", [["cat"], ["rm", "y"]]),
        ('cat <<"END" | ssh host\nrm -rf /tmp/x\nEND\n', [["cat"], ["ssh", "host"], ["rm", "-rf", "/tmp/x"]]),
        # time, coproc, select
        ("time kubectl delete ns prod", [KDEL]),
        ("time -p rm x", [["rm", "x"]]),
        ("a && time rm x", [["a"], ["rm", "x"]]),
        ("if x; then time rm y; fi", [["x"], ["rm", "y"]]),
        ("coproc rm x", [["rm", "x"]]),
        ("coproc NAME { rm x; }", [["rm", "x"]]),
        ("select x in a b; do rm $x; done", [["rm", "$x"]]),
        # zsh
        ("ls **/*(.) && rm y", [["ls", "**/*(.)"], ["rm", "y"]]),
        ("rm -rf *(N) ; kubectl delete ns prod", [["rm", "-rf", "*(N)"], KDEL]),
        ("for f (*.txt) rm $f", [["*.txt"], ["rm", "$f"]]),
        ("rm -rf ~/x(/) && repeat 3 kubectl delete ns prod", [["rm", "-rf", "~/x(/)"], KDEL]),
        # fish
        ("echo (ls) ; rm (pwd)/x", [["echo"], ["ls"], ["rm", "/x"], ["pwd"]]),
        ("if test -f x; rm x; else; kubectl delete ns prod; end", [["test", "-f", "x"], ["rm", "x"], KDEL]),
        ("for f in (ls); rm $f; end", [["ls"], ["rm", "$f"]]),
        ("function f; rm x; end", [["rm", "x"]]),
        ("set x (kubectl delete ns prod)", [["set", "x"], KDEL]),
        ("switch $x\ncase a\nrm x\nend", [["rm", "x"]]),
        # unterminated input: what would run is still found
        ('echo "unterminated', [["echo", "unterminated"]]),
        ("rm x; echo 'unterminated ; rm y", [["rm", "x"], ["echo", "unterminated ; rm y"]]),
        ('rm x; echo "$(ls', [["rm", "x"], ["echo", "$(ls"], ["ls"]]),
        ("kubectl delete ns prod; (rm x", [KDEL, ["rm", "x"]]),
        # nested backticks
        ("echo `echo \\`rm x\\``", [["echo", "`echo \\`rm x\\``"], ["echo", "`rm x`"], ["rm", "x"]]),
    ],
)
def test_bashlex_failure(line: str, expected: list[list[str]]) -> None:
    assert degraded(line) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("ls; and rm x; or kubectl delete ns prod", [["ls"], ["rm", "x"], KDEL]),
        ("not rm x", [["rm", "x"]]),
        ("begin; rm x; end", [["rm", "x"]]),
        ("begin; rm x; end | grep y; and kubectl delete ns prod", [["rm", "x"], ["grep", "y"], KDEL]),
    ],
)
def test_fish_keywords_bashlex_accepts(line: str, expected: list[list[str]]) -> None:
    """bashlex takes `and rm x` for a command named `and`: the keyword is dropped."""
    assert [c.argv for c in parse_line(line).commands] == expected


def test_fallback_keeps_the_details() -> None:
    (test, cmd) = parse_line("[[ -f x ]] && sudo -u root KUBECONFIG=/p kubectl delete ns prod >log").commands
    assert (cmd.argv, cmd.wrappers, cmd.assignments, cmd.redirects) == (
        KDEL,
        ["sudo"],
        {"KUBECONFIG": "/p"},
        [">log"],
    )
    (cat, psql) = parse_line("cat <<'EOF' | psql\nDROP TABLE x;\nEOF\n").commands
    assert (cat.stdin, psql.stdin) == ("DROP TABLE x;", "DROP TABLE x;")
    (cmd,) = parse_line("case x in x) ssh host rm -rf /tmp/y;; esac").commands[1:]
    assert (cmd.argv, cmd.remote, cmd.wrappers) == (["rm", "-rf", "/tmp/y"], True, ["ssh"])


def test_fallback_expands_aliases() -> None:
    result = parse_line("[[ -f x ]] && k delete ns prod", {"k": "kubectl"})
    assert [c.argv for c in result.commands][-1] == KDEL


@pytest.mark.parametrize(
    "line",
    [
        "echo " + "$(" * 300 + "rm -rf /" + ")" * 300,
        "echo " + "$(echo " * 150 + "$(rm -rf /)" + ")" * 150,
        "( " * 300 + "rm -rf /" + " )" * 300,
        "echo " + '"$(' * 120 + "rm -rf /" + ')"' * 120,
    ],
)
def test_very_deep_nesting_still_finds_the_command(line: str) -> None:
    result = parse_line(line)
    assert ["rm", "-rf", "/"] in [c.argv for c in result.commands]


def test_very_deep_nesting_is_degraded() -> None:
    result = parse_line("echo " + "$(" * 300 + "rm -rf /" + ")" * 300)
    assert result.parser == "fallback"
    assert "RecursionError" in (result.error or "")


def test_payload_that_bashlex_rejects() -> None:
    result = parse_line("bash -c '[[ -d /x ]] && rm -rf /x'")
    assert result.parser == "fallback"
    assert [(c.argv, c.wrappers) for c in result.commands] == [
        (["[[", "-d", "/x", "]]"], ["bash"]),
        (["rm", "-rf", "/x"], ["bash"]),
    ]


def _run_isolated(code: str) -> str:
    """In a child with a deadline: a parser that loops forever fails the test, not the suite."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_lines_that_make_bashlex_loop_forever() -> None:
    code = (
        "from coterm.parse import parse_line\n"
        'for line in ("echo x\'${\' && rm y", "echo $\'${\' && rm y", "echo \'${ && rm y"):\n'
        "    r = parse_line(line)\n"
        "    print(r.parser, [c.argv for c in r.commands])\n"
    )
    out = _run_isolated(code).splitlines()
    assert out[0] == "fallback [['echo', 'x${'], ['rm', 'y']]"
    assert out[1] == "fallback [['echo', '${'], ['rm', 'y']]"
    assert out[2].startswith("fallback [['echo', '${ && rm y']]")  # unterminated: rm is data


def test_random_shell_soup_never_raises() -> None:
    """Seeded junk built from shell syntax: every line gets a ParseResult, quickly."""
    code = (
        "import random, time\n"
        "from coterm.parse import parse_line, unwrap_argv\n"
        "bits = ['rm', ' ', 'x', ';', '&&', '|', '(', ')', '{', '}', '$(', '`', '\"', \"'\",\n"
        "        '\\\\', '<<EOF\\n', '\\nEOF\\n', '<<<', '>', '[[', ']]', '$((', '))', 'case', 'in',\n"
        "        'esac', ';;', 'if', 'then', 'fi', 'for', 'do', 'done', 'sudo', 'sh -c', 'ssh h',\n"
        "        'xargs', 'find . -exec', '{a,b}', '$x', 'x=1', '#', '\\n', 'time', 'eval', '${',\n"
        "        \"$'\", '<(', 'and', 'end', 'k', 'kubectl exec p --']\n"
        "random.seed(7)\n"
        "start = time.time()\n"
        "for _ in range(400):\n"
        "    line = ''.join(random.choice(bits) for _ in range(random.randint(1, 30)))\n"
        "    r = parse_line(line, {'k': 'kubectl'})\n"
        "    assert r.parser in ('bashlex', 'fallback'), line\n"
        "    assert all(isinstance(a, str) for c in r.commands for a in c.argv), line\n"
        "    unwrap_argv(line.split())\n"
        "print(time.time() - start)\n"
    )
    assert float(_run_isolated(code)) < 30
