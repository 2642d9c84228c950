#!/usr/bin/env python3
"""The tokenizer's function extents (bench/token_extents.rs) against
Python's `ast` (tests/python/function_extents.py) on every file of a corpus
(default: the 1x stdlib corpus of bench/corpus.sh). Prints the counts and
each file that differs; exits 1 if any does.

    cargo build --release --example token_extents
    bench/extents_vs_ast.py [CORPUS] [--bin target/release/examples/token_extents]
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ORACLE = REPO / "tests/python/function_extents.py"


def lines_by_path(text):
    found = {}
    for line in text.splitlines():
        path, payload = line.split("\t", 1)
        found[path] = json.loads(payload)
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus", nargs="?", default=str(REPO / "target/bench-corpus/1x"))
    p.add_argument("--bin", default=str(REPO / "target/release/examples/token_extents"))
    args = p.parse_args()
    tokens = lines_by_path(subprocess.run([args.bin, args.corpus], capture_output=True,
                                          text=True, check=True).stdout)
    files = sorted(tokens)
    python = {}
    for start in range(0, len(files), 200):
        out = subprocess.run([sys.executable, str(ORACLE), *files[start:start + 200]],
                             capture_output=True, text=True, check=True).stdout
        python.update(lines_by_path(out))
    compared = functions = 0
    differing = []
    for path in files:
        expected = python.get(path)
        if not isinstance(expected, list):
            continue  # not Python this interpreter parses (test data)
        compared += 1
        functions += len(expected)
        if tokens[path] != expected:
            differing.append(path)
    skipped = len(files) - compared
    print(f"{compared} files, {functions} functions: extents and code lines equal ast "
          f"in {compared - len(differing)} files; {len(differing)} differ; "
          f"{skipped} skipped (ast cannot parse them)")
    for path in differing:
        print(f"differs: {path}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
