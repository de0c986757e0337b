"""The command-line parser: from one line of shell, every simple command that would run.

    parse_line(line, aliases=None) -> ParseResult
    unwrap_argv(argv, assignments=None) -> list[SimpleCommand]
    parse_argv(argv, assignments=None) -> ParseResult   (unwrap_argv, plus parser/error)

A leaf: imports coterm.model, the standard library and, lazily, bashlex. unwrap_argv
imports bashlex only when a wrapper hands over shell text that is more than plain words.

What is reported
- Every simple command that may run, in source order: list members, pipeline stages,
  subshells, `{ }`, `$( )` and backticks (also inside double quotes, `${x:-$(..)}`,
  `$(( $(..) ))` and unquoted here-doc bodies), process substitution, bodies of
  if/for/while/until/case/select and of functions defined in the line. Branches that
  may not be taken are reported too. `origin` says where a command was found: top,
  pipeline, subshell, substitution, procsub, function, heredoc (a substitution in a
  here-doc body), stdin (a script fed to a shell on stdin), wrapper, eval, remote.
- Quoted data stays data: `echo "rm -rf /"` is one `echo`.
- argv[0] is basenamed (`/usr/bin/kubectl`, `./kubectl`, `\\kubectl`, `"kubectl"` are
  `kubectl`); `path` keeps it as written, `raw_argv` is the simple command the shell split
  (wrappers included). Brace expansion and variables set earlier in the line are applied
  (`{rm,-rf,x}`, `c=rm; $c x`); other dynamic names stay as written (`$(which rm)`).
- Wrappers are peeled and only the real command is reported, with the chain in `wrappers`:
  `sudo -u x env A=1 kubectl ...` is `kubectl`, wrappers ["sudo", "env"], assignments
  {"A": "1"}. A wrapper is reported itself when it runs nothing else (`sudo -l`,
  `command -v x`, `env`, `ssh host`, `bash` on an unseen script, `curl ... | sh`'s `sh`)
  and, in addition to its inner command, when it is a finding of its own:
  `find ... -delete`, `ssh HOST CMD` (rules about hosts see `ssh`), `kubectl exec ... -- CMD`
  and `docker|podman exec|run ... CMD` (rules about kubectl or docker see them). Commands
  run through ssh, kubectl exec and docker exec/run have remote=True and do not inherit the
  local assignments. `sudo -s`, `sudo -i` and `doas -s` with no command report `sh`.
  `bash script.sh args` reports `script.sh`.
- Shell text handed to a shell is parsed again: `sh|bash|zsh|dash|ksh|fish -c STR` (also
  -lc, -ec ...), `su|runuser -c STR`, `flock F -c STR`, `eval ARGS`, `watch ARGS` (watch
  runs `sh -c "$*"`), `ssh HOST ARGS`, and a shell or ssh fed a here-doc, a here-string or
  `echo ... |`.
- `stdin` holds the here-doc or here-string body, or the text `echo`/`printf`/`cat <<EOF`
  writes into the pipe, so rules can read `echo 'DROP TABLE x' | psql`. `redirects` are
  written like `>/dev/sda`, `2>&1`, `<x.sql`, `>>log`, `<<EOF`.
- Aliases (name -> text) expand in command position as the shell does: recursively, never
  inside their own expansion, a text ending in a blank expanding the next word too; also
  in eval payloads, not in `sh -c` or ssh payloads.
- A line that is only assignments or only redirects (`> /dev/sda`) reports no command.

When bashlex raises, cheap rewrites are tried first (`[[ ]]`, `time`, `$(( ))`, `for ((`,
quoted here-doc delimiters, `&&` inside `$( )`); if bashlex still fails, a grammar-light
fallback finds the command words. Either way, and also when wrappers nest deeper than 8 or
substitutions deeper than 32, the result is degraded: parser == "fallback" and `error`
says why. A degraded result is a best effort: callers should not treat it as clean.
"""

from coterm.parse.line import parse_line
from coterm.parse.unwrap import parse_argv, unwrap_argv

__all__ = ["parse_argv", "parse_line", "unwrap_argv"]
