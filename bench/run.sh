#!/usr/bin/env bash
# Reruns the whole benchmark and prints the results table (bench/README.md).
#
# usage: bench/run.sh [--runs N] [--runs-10x N] [--only KEYS] [--no-ast-grep]
#                     [--no-replicated] [--quiet-wait S]
#   --runs N         rounds over the 1x rows (default 5)
#   --runs-10x N     rounds over the 10x rows (default: --runs)
#   --only KEYS      comma-separated row keys (floor_read, floor_parse,
#                    floor_parse_1t, p1, p1_j1, p2, parse_all, parse_all_report,
#                    check, assess, p3, p4, ast_grep, floor_parse_10x, p1_10x,
#                    parse_all_10x)
#   --no-ast-grep    no peer row (no network needed)
#   --no-replicated  no 10x rows
#   --quiet-wait S   before each run wait up to S s for other load to drop (default 20)
# Environment: BENCH_CORPUS (default target/bench-corpus), AST_GREP_VERSION,
#   BENCH_REF (benchmark that commit instead of the working tree; see build.sh).
# Results: target/bench-results/results.{md,json}, per-run stderr in logs/.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

ast_grep=1
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-ast-grep) ast_grep=0; shift ;;
    --runs|--runs-10x|--only|--quiet-wait) pass+=("$1" "$2"); shift 2 ;;
    --no-replicated) pass+=("$1"); shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

# GNU time measures wall, CPU and peak RSS of each run.
if ! /usr/bin/time -f '%e' true >/dev/null 2>&1; then
  echo "run.sh: installing GNU time" >&2
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

corpus="${BENCH_CORPUS:-$repo/target/bench-corpus}"
bench/corpus.sh --out "$corpus" >/dev/null

echo "run.sh: building release binaries" >&2
bins="$repo/target/bench-bin"
bench/build.sh "$bins" >&2

args=(--corpus "$corpus" --bin-dir "$bins" --out-dir "$repo/target/bench-results"
      --title "Results ($(date -u +%Y-%m-%d))")
if [ "$ast_grep" = 1 ]; then
  args+=(--ast-grep "$(bench/setup-ast-grep.sh)")
fi
exec python3 bench/bench.py "${args[@]}" "${pass[@]}"
