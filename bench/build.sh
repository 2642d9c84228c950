#!/usr/bin/env bash
# Builds the benchmarked binaries (txo-codemod, floor_read, floor_parse) in
# release mode and copies them to OUT_DIR (default target/bench-bin), so that
# other builds replacing target/release cannot change them mid-benchmark.
#
#   bench/build.sh [OUT_DIR]
#
# By default the working tree is built. With BENCH_REF=<git ref> (e.g. HEAD)
# that commit is exported with `git archive` to target/bench-src and built
# there (target dir target/bench-target): a consistent snapshot while other
# people edit src/. The floors are always the working tree's bench/*.rs.
# BENCH_PROFILE=debug builds unoptimised binaries instead (CI's smoke run
# reuses what `cargo test` built; such timings mean nothing).
# Prints a line describing what was built.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$repo/target/bench-bin}"
cd "$repo"
profile="${BENCH_PROFILE:-release}"
case "$profile" in
  release) profile_flag=(--release); profile_dir=release ;;
  debug) profile_flag=(); profile_dir=debug ;;
  *) echo "build.sh: BENCH_PROFILE must be release or debug, not '$profile'" >&2; exit 2 ;;
esac

if [ -n "${BENCH_REF:-}" ]; then
  commit="$(git rev-parse --short "$BENCH_REF^{commit}")"
  src="$repo/target/bench-src"
  rm -rf "$src" && mkdir -p "$src"
  git archive "$commit" | tar -x -C "$src"
  mkdir -p "$src/bench"
  cp bench/floor_read.rs bench/floor_parse.rs bench/walk_args.rs "$src/bench/"
  if ! grep -q 'bench/floor_parse.rs' "$src/Cargo.toml"; then
    printf '\n[[example]]\nname = "floor_read"\npath = "bench/floor_read.rs"\n\n[[example]]\nname = "floor_parse"\npath = "bench/floor_parse.rs"\n' >>"$src/Cargo.toml"
  fi
  target="$repo/target/bench-target"
  if ! CARGO_TARGET_DIR="$target" cargo build "${profile_flag[@]}" --locked --quiet \
      --manifest-path "$src/Cargo.toml" --bin txo-codemod --examples; then
    echo "build.sh: building $BENCH_REF ($commit) failed" >&2
    exit 1
  fi
  built="commit $commit ($BENCH_REF)"
else
  target="$repo/target"
  if ! cargo build "${profile_flag[@]}" --locked --quiet --bin txo-codemod --examples; then
    echo "build.sh: the working tree does not build (someone may be mid-edit);" >&2
    echo "build.sh: try BENCH_REF=HEAD to benchmark the last commit instead" >&2
    exit 1
  fi
  dirty=""
  git diff --quiet HEAD -- src rules build.rs Cargo.toml Cargo.lock 2>/dev/null || dirty=" + uncommitted changes"
  built="working tree at $(git rev-parse --short HEAD)$dirty"
fi

rm -rf "$out" && mkdir -p "$out"
cp "$target/$profile_dir/txo-codemod" "$target/$profile_dir/examples/floor_read" \
   "$target/$profile_dir/examples/floor_parse" "$out/"
[ "$profile" = release ] || built="$built, $profile build"
echo "$built" >"$out/BUILT"
echo "$built"
