#!/usr/bin/env bash
# Installs ruff (the peer of `check`/`assess` in bench/check_vs_ruff.py)
# from PyPI into a virtualenv at target/bench-venv-ruff. Prints the path of
# the binary. RUFF_VERSION pins the version (default below).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$repo/target/bench-venv-ruff"
version="${RUFF_VERSION:-0.14.7}"
if [ ! -x "$venv/bin/ruff" ] || ! "$venv/bin/ruff" --version | grep -qx "ruff $version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "ruff==$version" >&2
fi
echo "$venv/bin/ruff"
