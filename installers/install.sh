#!/bin/sh
# Install ddcoterm for the current user: a private virtualenv plus a link in ~/.local/bin.
# Usage: sh installers/install.sh [--rc]     (--rc also adds the shell hook to ~/.bashrc / ~/.zshrc)
# Re-running upgrades in place. Nothing outside $HOME is touched unless run as root on a
# machine that lacks python3-venv (then it is installed with apt).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
prefix=${DDCOTERM_PREFIX:-"$HOME/.local/share/ddcoterm"}
bindir=${DDCOTERM_BINDIR:-"$HOME/.local/bin"}
venv="$prefix/venv"

say() { printf 'ddcoterm install: %s\n' "$*" >&2; }

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing python3-venv with apt"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
        say "python3 has no venv module; install it (Debian: sudo apt-get install python3-venv) and re-run"
        exit 1
    fi
fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
say "installing from $src into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade "$src"
mkdir -p "$bindir"
ln -sf "$venv/bin/ddcoterm" "$bindir/ddcoterm"
say "installed: $bindir/ddcoterm ($("$bindir/ddcoterm" --version))"

if [ "${1:-}" = "--rc" ]; then
    for pair in "bash:.bashrc" "zsh:.zshrc"; do
        sh_name=${pair%%:*}
        rc="$HOME/${pair#*:}"
        line="eval \"\$($bindir/ddcoterm init $sh_name)\""
        if [ -f "$rc" ] && grep -qF "ddcoterm init $sh_name" "$rc"; then
            continue
        fi
        printf '\n# coterm: check risky commands before they run\n%s\n' "$line" >> "$rc"
        say "added the hook to $rc"
    done
else
    case ":$PATH:" in *":$bindir:"*) ;; *) say "add $bindir to PATH";; esac
    say "to check commands in your shell, add to ~/.zshrc:  eval \"\$(ddcoterm init zsh)\"  (or bash, fish)"
fi
