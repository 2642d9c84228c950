#!/usr/bin/env bash
# Installs the benchmark's peer, ast-grep, from PyPI (package ast-grep-cli)
# into a virtualenv at target/bench-venv. Prints the path of the binary.
# AST_GREP_VERSION pins the version (default below; "latest" = newest).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$repo/target/bench-venv"
version="${AST_GREP_VERSION:-0.51.1}"
spec="ast-grep-cli==$version"
[ "$version" = latest ] && spec="ast-grep-cli"
if [ ! -x "$venv/bin/ast-grep" ] || { [ "$version" != latest ] && ! "$venv/bin/ast-grep" --version | grep -qx "ast-grep $version"; }; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec" >&2
fi
echo "$venv/bin/ast-grep"
