#!/usr/bin/env bash
# Builds the benchmark corpus from the machine's CPython standard library:
#
#   OUT/1x/    every .py file of the stdlib (site-packages excluded), same layout
#   OUT/10x/   ten copies of it (copy-00 … copy-09)
#
# Each root gets a pyproject.toml that makes every file library code, so the
# library-only rules (phase 2 sys.exit) apply everywhere, as the ast-grep
# rules do. The corpus is scratch data: never commit it.
#
# usage: bench/corpus.sh [--out DIR] [--limit N] [--copies K] [--force]
#   --out DIR    where to build it (default: target/bench-corpus in the repo)
#   --limit N    only the first N files (sorted by path); 0 = all (default)
#   --copies K   copies in the replicated corpus (default 10; 0 = none)
#   --force      rebuild even if an up-to-date corpus is there
# Prints the roots it built (or found up to date).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/target/bench-corpus"
limit=0
copies=10
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    --copies) copies="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "corpus.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

stdlib="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
[ -d "$stdlib" ] || { echo "corpus.sh: no stdlib at $stdlib" >&2; exit 2; }

list="$(mktemp)"
trap 'rm -f "$list"' EXIT
(cd "$stdlib" && find . -path ./site-packages -prune -o -type f -name '*.py' -print0) \
  | LC_ALL=C sort -z >"$list"
if [ "$limit" -gt 0 ]; then
  head -z -n "$limit" "$list" >"$list.cut" && mv "$list.cut" "$list"
fi
nfiles="$(tr -cd '\0' <"$list" | wc -c)"

stamp="stdlib=$stdlib python=$(python3 -c 'import sys; print(sys.version.split()[0])') files=$nfiles limit=$limit copies=$copies"
if [ "$force" = 0 ] && [ -f "$out/STAMP" ] && [ "$(cat "$out/STAMP")" = "$stamp" ]; then
  echo "$out/1x"
  [ "$copies" -gt 0 ] && echo "$out/10x"
  exit 0
fi

rm -rf "$out"
mkdir -p "$out/1x"
(cd "$stdlib" && tar --null -T "$list" -cf -) | (cd "$out/1x" && tar -xf -)

settings='[tool.txo-codemod]
library = ["**"]
entry-points = []'
printf '%s\n' "$settings" >"$out/1x/pyproject.toml"

if [ "$copies" -gt 0 ]; then
  mkdir -p "$out/10x"
  for i in $(seq 0 $((copies - 1))); do
    dir="$out/10x/$(printf 'copy-%02d' "$i")"
    mkdir -p "$dir"
    (cd "$out/1x" && tar --exclude=./pyproject.toml -cf - .) | (cd "$dir" && tar -xf -)
  done
  printf '%s\n' "$settings" >"$out/10x/pyproject.toml"
fi

printf '%s\n' "$stamp" >"$out/STAMP"
bytes="$(find "$out/1x" -name '*.py' -printf '%s\n' | awk '{s+=$1} END {print s}')"
echo "corpus.sh: $nfiles files, $bytes bytes from $stdlib (copies: $copies)" >&2
echo "$out/1x"
[ "$copies" -gt 0 ] && echo "$out/10x"
exit 0
