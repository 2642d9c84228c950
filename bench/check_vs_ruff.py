#!/usr/bin/env python3
"""`check` and `assess` against ruff, and the warm-cache `check` against the
read floor: paired, alternating runs on one corpus (default: the 1x stdlib
corpus of bench/corpus.sh). Each round runs every row once, in an order
rotated by one per round; each run is timed by GNU time (wall, user+sys,
peak RSS). Prints a Markdown table (medians) and the ratios of the
issue's targets, with the load average before and after.

    bench/corpus.sh && bench/build.sh && bench/setup-ruff.sh
    bench/check_vs_ruff.py [--rounds 7] [--base target/bench-bin-base/txo-codemod]

Rows: read floor (`floor_read`), `check --no-cache`, `check` on a warm
cache, `assess --no-cache`, `assess` on a warm cache, ruff with the issue's
three rules and with its default rules (both `--no-cache`); with `--base`,
`check` of that binary too (it has no cache, or `--no-cache` is not known
to it). `--only floor,check,...` runs some rows (keys: floor, check, warm,
assess, assesswarm, ruff3, ruff, base).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUFF_RULES = "PLR0915,PLW0603,BLE001"


def timed(argv):
    """(wall s, user+sys s, peak RSS MiB) of one run; output discarded."""
    with tempfile.NamedTemporaryFile(mode="r") as report:
        subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *argv],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall, user, system, rss_kib = report.read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss_kib) / 1024


def rows(args):
    corpus, txo, bins = args.corpus, args.txo, Path(args.txo).parent
    found = [
        ("floor", "read floor", [str(bins / "floor_read"), corpus]),
        ("check", "txo check --no-cache", [txo, "check", "--no-cache", corpus]),
        ("warm", "txo check (warm cache)", [txo, "check", corpus]),
        ("assess", "txo assess --no-cache", [txo, "assess", "--no-cache", corpus]),
        ("assesswarm", "txo assess (warm cache)", [txo, "assess", corpus]),
        ("ruff3", f"ruff check --select {RUFF_RULES}", [args.ruff, "check", "--no-cache", "--select", RUFF_RULES, corpus]),
        ("ruff", "ruff check (default rules)", [args.ruff, "check", "--no-cache", corpus]),
    ]
    if args.base:
        found.append(("base", "base check", [args.base, "check", corpus]))
    only = set(args.only.split(",")) if args.only else None
    return [(label, argv) for key, label, argv in found if only is None or key in only]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=str(REPO / "target/bench-corpus/1x"))
    p.add_argument("--txo", default=str(REPO / "target/bench-bin/txo-codemod"))
    p.add_argument("--ruff", default=str(REPO / "target/bench-venv-ruff/bin/ruff"))
    p.add_argument("--base", help="another txo-codemod binary whose check to pair with")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--only", default="", help="comma-separated row keys: floor, check, warm, assess, assesswarm, ruff3, ruff, base")
    args = p.parse_args()
    if not shutil.which("/usr/bin/time"):
        sys.exit("GNU time (/usr/bin/time) is needed")
    table = rows(args)
    # Warm the page cache and the check and assess caches once.
    for _, argv in table:
        timed(argv)
    load_before = os.getloadavg()
    results = {label: [] for label, _ in table}
    for round_no in range(args.rounds):
        shift = round_no % len(table)
        for label, argv in table[shift:] + table[:shift]:
            results[label].append(timed(argv))
    load_after = os.getloadavg()

    def median(label, index):
        return statistics.median(run[index] for run in results[label])

    def paired(a, b, index):
        return statistics.median(x[index] / y[index] for x, y in zip(results[a], results[b]) if y[index] > 0)

    print(f"corpus {args.corpus}; {args.rounds} rounds; load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after\n")
    print("| row | wall s (median) | user+sys s (median) | peak RSS MiB (max) |")
    print("|---|---|---|---|")
    for label, _ in table:
        rss = max(run[2] for run in results[label])
        print(f"| {label} | {median(label, 0):.3f} | {median(label, 1):.3f} | {rss:.1f} |")
    print()
    ruff3 = f"ruff check --select {RUFF_RULES}"
    ratios = [
        ("check --no-cache / ruff 3 rules (target ≤ 0.5)", "txo check --no-cache", ruff3),
        ("check warm / read floor (target ≤ 3)", "txo check (warm cache)", "read floor"),
        ("assess --no-cache / ruff default rules (target ≤ 1)", "txo assess --no-cache", "ruff check (default rules)"),
        ("assess warm / ruff default rules", "txo assess (warm cache)", "ruff check (default rules)"),
        ("assess warm / read floor", "txo assess (warm cache)", "read floor"),
    ]
    if args.base:
        ratios.append(("check --no-cache / base check", "txo check --no-cache", "base check"))
    for name, a, b in ratios:
        if a not in results or b not in results:
            continue
        print(f"- {name}: {paired(a, b, 0):.2f} by wall time, {paired(a, b, 1):.2f} by CPU time "
              f"(medians of paired rounds)")


if __name__ == "__main__":
    main()
