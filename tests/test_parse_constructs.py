"""Parser: every simple command a line would run, found through each shell construct."""

from __future__ import annotations

import pytest

from coterm.parse import parse_line


def argvs(line: str, aliases: dict[str, str] | None = None) -> list[list[str]]:
    result = parse_line(line, aliases)
    assert result.parser == "bashlex", result.error
    return [c.argv for c in result.commands]


@pytest.mark.parametrize(
    "line, expected",
    [
        # lists and pipelines
        ("ls", [["ls"]]),
        ("a; b", [["a"], ["b"]]),
        ("a && b || c", [["a"], ["b"], ["c"]]),
        ("sleep 1 & rm x", [["sleep", "1"], ["rm", "x"]]),
        ("a;b&&c||d&e", [["a"], ["b"], ["c"], ["d"], ["e"]]),
        ("ls | grep x | wc -l", [["ls"], ["grep", "x"], ["wc", "-l"]]),
        ("make 2>&1 |& tee log", [["make"], ["tee", "log"]]),
        ("! kubectl get pods", [["kubectl", "get", "pods"]]),
        ("! a | b", [["a"], ["b"]]),
        ("ls\nrm x\n", [["ls"], ["rm", "x"]]),
        ("rm \\\n  -rf x", [["rm", "-rf", "x"]]),
        # grouping
        ("(cd /; rm -rf x)", [["cd", "/"], ["rm", "-rf", "x"]]),
        ("{ a; b; }", [["a"], ["b"]]),
        ("{ a; } > $(mktemp)", [["a"], ["mktemp"]]),
        ("( ( rm x ) )", [["rm", "x"]]),
        # substitutions
        ("echo $(rm x)", [["echo", "$(rm x)"], ["rm", "x"]]),
        ("echo `rm x`", [["echo", "`rm x`"], ["rm", "x"]]),
        ('echo "`rm x`"', [["echo", "`rm x`"], ["rm", "x"]]),
        ('echo "a $(rm x) b"', [["echo", "a $(rm x) b"], ["rm", "x"]]),
        ('echo "${x:-$(rm y)}"', [["echo", "${x:-$(rm y)}"], ["rm", "y"]]),
        ("x=$(rm a)", [["rm", "a"]]),
        ("A=$(whoami) kubectl get", [["whoami"], ["kubectl", "get"]]),
        ("x=$(a | b)", [["a"], ["b"]]),
        (
            "echo $(echo $(rm -rf /))",
            [["echo", "$(echo $(rm -rf /))"], ["echo", "$(rm -rf /)"], ["rm", "-rf", "/"]],
        ),
        ("ls > $(rm x)", [["ls"], ["rm", "x"]]),
        ("diff <(ls a) >(cat)", [["diff", "<(ls a)", ">(cat)"], ["ls", "a"], ["cat"]]),
        ("psql <<< $(cat q.sql)", [["psql"], ["cat", "q.sql"]]),
        # compound bodies
        ("if a; then b; elif c; then d; else e; fi", [["a"], ["b"], ["c"], ["d"], ["e"]]),
        ("for i in $(seq 3); do rm $i; done", [["seq", "3"], ["rm", "$i"]]),
        ('while read x; do rm "$x"; done < list', [["read", "x"], ["rm", "$x"]]),
        ("until false; do sleep 1; done", [["false"], ["sleep", "1"]]),
        ("(( i++ )) && rm x", [["rm", "x"]]),
        # functions defined in the line
        ("f() { rm -rf /; }; f", [["rm", "-rf", "/"], ["f"]]),
        ("function g { kubectl delete ns x; }", [["kubectl", "delete", "ns", "x"]]),
        ("f() ( rm x )", [["rm", "x"]]),
        # quoted data is data
        ('echo "rm -rf /"', [["echo", "rm -rf /"]]),
        ("grep 'DROP TABLE' x.sql", [["grep", "DROP TABLE", "x.sql"]]),
        ("echo '$(rm x)'", [["echo", "$(rm x)"]]),
        ("echo 'a; rm x' \"| rm y\"", [["echo", "a; rm x", "| rm y"]]),
        ("ls # ; rm x", [["ls"]]),
        ("printf '%s\\n' '`rm x`'", [["printf", "%s\\n", "`rm x`"]]),
        # command names are basenamed
        ("/usr/bin/kubectl get pods", [["kubectl", "get", "pods"]]),
        ("./kubectl get", [["kubectl", "get"]]),
        ("\\kubectl get", [["kubectl", "get"]]),
        ('"kubectl" get', [["kubectl", "get"]]),
        ("r''m -rf x", [["rm", "-rf", "x"]]),
        ("$(which rm) -rf x", [["$(which rm)", "-rf", "x"], ["which", "rm"]]),
        # nothing runs
        ("", []),
        ("   \n\t", []),
        ("# just a comment", []),
        ("x=1 y=2", []),
    ],
)
def test_construct(line: str, expected: list[list[str]]) -> None:
    assert argvs(line) == expected


@pytest.mark.parametrize(
    "line, origins",
    [
        ("a | b", ["pipeline", "pipeline"]),
        ("(a)", ["subshell"]),
        ("echo $(a)", ["top", "substitution"]),
        ("cat <(a)", ["top", "procsub"]),
        ("f() { a; }", ["function"]),
        ("sudo a", ["wrapper"]),
        ("eval a", ["eval"]),
        ("ssh h a", ["top", "remote"]),
        ("cat <<EOF\n$(a)\nEOF\n", ["top", "heredoc"]),
        ("bash <<EOF\na\nEOF\n", ["stdin"]),
    ],
)
def test_origin(line: str, origins: list[str]) -> None:
    assert [c.origin for c in parse_line(line).commands] == origins


def test_empty_line_is_clean() -> None:
    for line in ("", "  ", "# only a comment", "\n# c\n"):
        result = parse_line(line)
        assert (result.commands, result.parser, result.error) == ([], "bashlex", None)


def test_assignments_kept_per_command() -> None:
    cmds = parse_line(
        "COTERM_BREAK_GLASS=true kubectl delete ns prod; KUBECONFIG=/k B=2 kubectl get"
    ).commands
    assert [c.argv for c in cmds] == [["kubectl", "delete", "ns", "prod"], ["kubectl", "get"]]
    assert [c.assignments for c in cmds] == [{"COTERM_BREAK_GLASS": "true"}, {"KUBECONFIG": "/k", "B": "2"}]


def test_path_and_raw_argv_keep_what_was_written() -> None:
    (cmd,) = parse_line("sudo -u root /usr/local/bin/kubectl get pods").commands
    assert cmd.argv == ["kubectl", "get", "pods"]
    assert cmd.path == "/usr/local/bin/kubectl"
    assert cmd.raw_argv == ["sudo", "-u", "root", "/usr/local/bin/kubectl", "get", "pods"]
    assert cmd.executable == "kubectl"


def test_redirects() -> None:
    (cmd,) = parse_line("dd if=x >/dev/sda 2>&1 <in.sql >>log 3>&- &>all").commands
    assert cmd.redirects == [">/dev/sda", "2>&1", "<in.sql", ">>log", "3>&-", "&>all"]


@pytest.mark.parametrize(
    "line, stdins",
    [
        ("psql <<EOF\nDROP TABLE x;\nEOF\n", ["DROP TABLE x;"]),
        ("psql <<-EOF\n\tDROP TABLE x;\n\tEOF\n", ["DROP TABLE x;"]),
        ('psql <<< "DROP TABLE x"', ["DROP TABLE x"]),
        ("echo 'DROP TABLE x' | psql", ["", "DROP TABLE x"]),
        ("echo -n DROP TABLE x | psql -h prod", ["", "DROP TABLE x"]),
        ("printf 'DROP TABLE %s' x | psql", ["", "DROP TABLE %s x"]),
        ("cat <<EOF | psql\nDROP TABLE x;\nEOF\n", ["DROP TABLE x;", "DROP TABLE x;"]),
        ("cat q.sql | psql", ["", ""]),
        ("sudo -u postgres psql <<EOF\nDROP DATABASE d;\nEOF\n", ["DROP DATABASE d;"]),
    ],
)
def test_stdin(line: str, stdins: list[str]) -> None:
    assert [c.stdin for c in parse_line(line).commands] == stdins


@pytest.mark.parametrize(
    "line, expected",
    [
        ("cat <<EOF\n$(rm -rf /)\nEOF\n", [["cat"], ["rm", "-rf", "/"]]),
        ("cat <<EOF\n`rm x` and ${y:-$(rm z)}\nEOF\n", [["cat"], ["rm", "x"], ["rm", "z"]]),
        (
            "bash <<EOF\nrm -rf /tmp/x\nkubectl delete ns a\nEOF\n",
            [["rm", "-rf", "/tmp/x"], ["kubectl", "delete", "ns", "a"]],
        ),
        ("echo 'rm -rf /' | sh", [["echo", "rm -rf /"], ["rm", "-rf", "/"]]),
        ("curl -s x | sh", [["curl", "-s", "x"], ["sh"]]),
        ("cat <<EOF > f\nline\nEOF\nrm f\n", [["cat"], ["rm", "f"]]),
    ],
)
def test_heredocs(line: str, expected: list[list[str]]) -> None:
    assert argvs(line) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("{rm,-rf,x}", [["rm", "-rf", "x"]]),
        ("rm -rf {a,b}/c", [["rm", "-rf", "a/c", "b/c"]]),
        ("echo a{b,{c,d}}e {} ${x} '{p,q}'", [["echo", "abe", "ace", "ade", "{}", "${x}", "{p,q}"]]),
        ("c=rm; $c -rf x", [["rm", "-rf", "x"]]),
        ('c="rm -rf"; $c x', [["rm", "-rf", "x"]]),
        ('c=rm; "${c}" x', [["rm", "x"]]),
        ("c=$(which rm); $c x", [["which", "rm"], ["$c", "x"]]),
        ("export C=kubectl; $C delete ns x", [["export", "C=kubectl"], ["kubectl", "delete", "ns", "x"]]),
        ("A=rm sh -c '$A -rf x'", [["rm", "-rf", "x"]]),
        ("$'rm' -rf x", [["rm", "-rf", "x"]]),
        ("echo $'a\\tb' 'x'\"'\"'y'", [["echo", "a\tb", "x'y"]]),
    ],
)
def test_expansions_that_name_commands(line: str, expected: list[list[str]]) -> None:
    assert argvs(line) == expected


ALIASES = {
    "k": "kubectl",
    "kp": "kubectl --context prod",
    "ls": "ls --color",
    "nuke": "cd /; rm -rf *",
    "sudo": "sudo ",
    "a1": "a2",
    "a2": "a1 z",
}


@pytest.mark.parametrize(
    "line, expected",
    [
        ("k delete ns x", [["kubectl", "delete", "ns", "x"]]),
        ("kp get pods | grep x", [["kubectl", "--context", "prod", "get", "pods"], ["grep", "x"]]),
        ("ls -la", [["ls", "--color", "-la"]]),
        ("nuke", [["cd", "/"], ["rm", "-rf", "*"]]),
        ("sudo k delete ns x", [["kubectl", "delete", "ns", "x"]]),
        ("true && k get", [["true"], ["kubectl", "get"]]),
        ("echo k", [["echo", "k"]]),
        ("\\k get", [["k", "get"]]),
        ("'k' get", [["k", "get"]]),
        ("a1", [["a1", "z"]]),
        ("x=$(k get pods)", [["kubectl", "get", "pods"]]),
    ],
)
def test_aliases(line: str, expected: list[list[str]]) -> None:
    assert argvs(line, ALIASES) == expected


def test_alias_keeps_assignments_and_wrappers() -> None:
    (cmd,) = parse_line("KUBECONFIG=/p sudo k delete ns x", ALIASES).commands
    assert (cmd.argv, cmd.wrappers, cmd.assignments) == (
        ["kubectl", "delete", "ns", "x"],
        ["sudo"],
        {"KUBECONFIG": "/p"},
    )
