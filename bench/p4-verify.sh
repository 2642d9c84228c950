#!/usr/bin/env bash
# Phase 4 (extract-method) on a corpus: applies `diff --phase 4` to a copy,
# then checks every rewritten file: it compiles if it compiled before, and
# pyflakes reports no message it did not report before (messages compared
# without their line and column). Needs python3 and pyflakes.
#
#   bench/p4-verify.sh [TXO_BINARY] [CORPUS]
#     TXO_BINARY  default target/bench-bin/txo-codemod (bench/build.sh)
#     CORPUS      default target/bench-corpus/1x (bench/corpus.sh)
#   PHASE=3 bench/p4-verify.sh checks another phase's rewrites the same way.
# Prints the counts; exits 1 when a file stops compiling or gets a new message.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
txo="${1:-$repo/target/bench-bin/txo-codemod}"
corpus="${2:-$repo/target/bench-corpus/1x}"
txo="$(realpath "$txo")"
phase="${PHASE:-4}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A copy outside any git repository: diff headers are then relative to it.
cp -r "$corpus" "$work/before"
cp -r "$corpus" "$work/after"
status=0
(cd "$work/before" && "$txo" diff --phase "$phase" --color never . >"$work/p4.diff" 2>"$work/p4.err") || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "p4-verify.sh: diff --phase $phase failed (exit $status):" >&2
  tail -5 "$work/p4.err" >&2
  exit 2
fi
(cd "$work/after" && git apply -p1 --unidiff-zero "$work/p4.diff")

python3 - "$work" <<'EOF'
import re, subprocess, sys, warnings
from collections import Counter
from pathlib import Path

warnings.simplefilter("ignore")  # old code warns as it compiles
work = Path(sys.argv[1])
files = sorted({line[6:].strip() for line in (work / "p4.diff").read_text(errors="replace").splitlines()
                if line.startswith("+++ b/")})

def compiles(path):
    try:
        compile(path.read_bytes(), str(path), "exec")
        return True
    except (SyntaxError, ValueError):
        return False

def flakes(root):
    run = subprocess.run([sys.executable, "-m", "pyflakes", *files], cwd=root,
                         capture_output=True, text=True)
    found = {}
    for line in (run.stdout + run.stderr).splitlines():
        m = re.match(r"(.+?):\d+:(?:\d+:)? (.*)", line)
        if m:
            # "redefinition of unused 'x' from line 12": lines move.
            message = re.sub(r"\bline \d+", "line N", m.group(2))
            found.setdefault(m.group(1), Counter())[message] += 1
    return found

broken = [f for f in files if compiles(work / "before" / f) and not compiles(work / "after" / f)]
before, after = flakes(work / "before"), flakes(work / "after")
new = []
for f in files:
    extra = after.get(f, Counter()) - before.get(f, Counter())
    new.extend(f"{f}: {message}" for message in extra.elements())
print(f"{len(files)} files rewritten; {len(broken)} stop compiling; {len(new)} new pyflakes messages")
for line in broken + new:
    print("  " + line)
sys.exit(1 if broken or new else 0)
EOF
