#!/usr/bin/env bash
# Checks that the benchmark harness still works, in seconds: a 300-file
# corpus (and a 2-copy replica), one round, no ast-grep, no network.
# The release binaries are built if needed (a few minutes on a fresh clone;
# the smoke itself then takes well under 20 s). Exit 0 = the harness works;
# it checks no performance target. CI runs it with BENCH_PROFILE=debug to
# reuse the test build.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
corpus="$repo/target/bench-smoke-corpus"
bench/corpus.sh --out "$corpus" --limit 300 --copies 2 >/dev/null
bins="$repo/target/bench-smoke-bin"
bench/build.sh "$bins" >/dev/null
python3 bench/bench.py --corpus "$corpus" --bin-dir "$bins" --out-dir "$repo/target/bench-smoke-results" \
  --runs 1 --copies 2 --quiet-wait 0 --no-targets --title "Smoke (not a measurement)" \
  --only floor_read,floor_parse,p1,p2,p3,parse_all,check,p1_10x >/dev/null
grep -q '| 1× | txo diff --phase 1 |' target/bench-smoke-results/results.md
grep -q '| 2× | txo diff --phase 1 |' target/bench-smoke-results/results.md
echo "smoke: ok (table in target/bench-smoke-results/results.md)"
