#!/bin/sh
# Install what the tests need, then run them. Safe to re-run.
#   - as root on Debian/Ubuntu: zsh, fish, zsh plugins, python3-venv, chromium from apt
#   - a virtualenv in .venv with coterm installed as a user would (not editable) + test tools
# Extra arguments go to pytest, e.g.  sh tests/run.sh -k hooks
set -eu
cd "$(dirname "$0")/.."

apt_packages="zsh fish zsh-autosuggestions zsh-syntax-highlighting python3-venv util-linux procps"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    missing=""
    for pkg in $apt_packages; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        echo "tests/run.sh: apt-get install$missing" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    fi
else
    echo "tests/run.sh: not root; make sure these are installed: $apt_packages" >&2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q --disable-pip-version-check ".[test]"

PATH="$PWD/.venv/bin:$PATH"
export PATH
.venv/bin/ruff check coterm tests bench xontrib
.venv/bin/ruff format --check coterm tests bench xontrib
exec .venv/bin/pytest "$@"
