#!/usr/bin/env bash
# The Python package as users get it: builds the wheel from pyproject.toml
# (maturin, `bindings = "bin"`) the way `pip install .` does, installs it into
# a fresh virtualenv and runs the installed `txo-codemod` from there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -m maturin --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2" || {
    echo "error: maturin could not be installed (pip install maturin); the wheel is not checked" >&2
    exit 1
  }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m maturin build --release --locked --quiet --out "$work/wheels"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$work"/wheels/*.whl
exe="$work/venv/bin/txo-codemod"

"$exe" --version
# The README's first command, from the installed binary: exit 1 = a diff to review.
status=0
"$exe" diff --phase 1 examples/txo-v21-sample >"$work/diff.out" 2>"$work/diff.err" || status=$?
if [ "$status" -ne 1 ] || ! grep -q '^+++ ' "$work/diff.out"; then
  echo "error: the installed txo-codemod did not print the sample's phase-1 diff (exit $status)" >&2
  cat "$work/diff.err" >&2
  exit 1
fi
tail -n 1 "$work/diff.err"
echo "wheel: $(basename "$work"/wheels/*.whl) installs and runs"
