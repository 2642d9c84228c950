#!/usr/bin/env bash
# Counts the instructions each command executes (valgrind callgrind), on one
# thread, on a 300-file slice of the stdlib corpus. Unlike wall or CPU time,
# the counts barely move when other jobs share the machine, so they tell
# whether a change made a command cheaper; bench/run.sh gives the times.
#
# usage: bench/instructions.sh [--limit N] [--only KEYS] [--scaling K]
#   --limit N    files in the slice (default 300: the first N by path)
#   --only KEYS  comma-separated rows (floor_parse, parse_all, check, assess,
#                p1, p2, p3, p4; default all but p3 and p4)
#   --scaling K  also run floor_parse, parse_all and p1 on K copies of the
#                slice and print each K-copy / 1-copy ratio (work that grows
#                faster than the input shows above K; use a small --limit,
#                callgrind runs about 50 M instructions a second)
# Environment: BENCH_REF (measure that commit; see build.sh).
# Prints a Markdown table; callgrind profiles are kept in
# target/bench-instructions/<row>.callgrind for `callgrind_annotate`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

limit=300
scaling=0
only="floor_parse,parse_all,check,assess,p1,p2"
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) limit="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --scaling) scaling="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "instructions.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

if ! command -v valgrind >/dev/null; then
  echo "instructions.sh: installing valgrind" >&2
  apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi

corpus="$repo/target/bench-instructions-corpus"
bench/corpus.sh --out "$corpus" --limit "$limit" --copies "$scaling" >/dev/null
slice="$corpus/1x"
bins="$repo/target/bench-bin"
built="$(bench/build.sh "$bins")"
out="$repo/target/bench-instructions"
mkdir -p "$out"

txo="$bins/txo-codemod"
command_for() {
  local slice="$slice"
  case "$1" in *@copies) slice="$corpus/10x" ;; esac
  case "${1%@copies}" in
    floor_parse) echo "$bins/floor_parse $slice" ;;
    parse_all) echo "$txo diff --phase 1 --color never -j 1 --rule bench-parse-all --rules bench/parse-all-rules $slice" ;;
    check) echo "$txo check -j 1 $slice" ;;
    assess) echo "$txo assess -j 1 $slice" ;;
    p1) echo "$txo diff --phase 1 --color never -j 1 $slice" ;;
    p2) echo "$txo diff --phase 2 --color never -j 1 $slice" ;;
    p3) echo "$txo diff --phase 3 --color never -j 1 $slice" ;;
    p4) echo "$txo diff --phase 4 --color never -j 1 $slice" ;;
    *) echo "instructions.sh: no row '$1'" >&2; exit 2 ;;
  esac
}

# Callgrind's "Collected : N" line is the total instruction count.
count() {
  local key="$1" log="$out/${1/@/-}.log"
  # shellcheck disable=SC2046 # the command is split into words on purpose
  RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$out/${key/@/-}.callgrind" \
    $(command_for "$key") >/dev/null 2>"$log" || true
  grep -o 'Collected : [0-9]*' "$log" | grep -o '[0-9]*$' ||
    { echo "instructions.sh: $key failed; see $log" >&2; exit 1; }
}

files="$(find "$slice" -name '*.py' | wc -l)"
echo "### Instructions ($(date -u +%Y-%m-%d), $built, $files files, 1 thread)"
echo
echo "| row | G instructions | / parse floor |"
echo "|---|---:|---:|"
floor=""
IFS=, read -ra keys <<<"$only"
case ",$only," in *,floor_parse,*) ;; *) keys=(floor_parse "${keys[@]}") ;; esac
for key in "${keys[@]}"; do
  n="$(count "$key")"
  [ "$key" = floor_parse ] && floor="$n"
  awk -v k="$key" -v n="$n" -v f="$floor" \
    'BEGIN { printf "| %s | %.2f | %.3f |\n", k, n / 1e9, n / f }'
done

if [ "$scaling" -gt 0 ]; then
  echo
  echo "| row | 1 copy (G) | $scaling copies (G) | ratio |"
  echo "|---|---:|---:|---:|"
  for key in floor_parse parse_all p1; do
    one="$(count "$key")"
    many="$(count "$key@copies")"
    awk -v k="$key" -v a="$one" -v b="$many" \
      'BEGIN { printf "| %s | %.2f | %.2f | %.2f |\n", k, a / 1e9, b / 1e9, b / a }'
  done
fi
