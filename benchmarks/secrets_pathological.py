"""Time Stage 4's secret scan on pathological lines: one family of adversarial text at a time,
each about 1 MB, scanned through ``scan_text`` under several file names.

    python benchmarks/secrets_pathological.py [--size 1000000] [--family NAME] [--name notes.txt]

Every regular expression on the scan path (detect-secrets' plugins, filters and transformers,
and ours) must run in linear time: a family that one of them backtracks on takes minutes at
1 MB. The target is under 1 s per megabyte for each family and file name; the script prints
the CPU seconds per megabyte of each (the scan is one thread: the process's own time leaves out
what other work on the machine does to the wall clock), each family's slowest, the five slowest
of all, and PASS/MISS, and exits 0 either way (a measurement, not a test: the unit test
``tests/unit/test_secrets_pathological.py`` runs the same families under a looser alarm).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.secrets_pathological import FAMILIES, NAMES, scan_once

TARGET_S_PER_MB = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--family", action="append", help="only these families")
    parser.add_argument("--name", action="append", help="only these file names")
    args = parser.parse_args()
    families = {k: v for k, v in FAMILIES.items() if not args.family or k in args.family}
    names = args.name or list(NAMES)
    print(f"CPU seconds per megabyte (target < {TARGET_S_PER_MB:.0f} s/MB)")
    print(f"{'family':<28}" + "".join(f"{n:>11}" for n in names) + f"{'slowest':>11}")
    timed: list[tuple[float, str, str]] = []
    for family, make in families.items():
        text = make(args.size)
        row = []
        for name in names:
            started = time.process_time()
            scan_once(name, text)
            per_mb = (time.process_time() - started) / (len(text) / 1_000_000)
            timed.append((per_mb, family, name))
            row.append(per_mb)
        print(f"{family:<28}" + "".join(f"{t:>11.3f}" for t in row) + f"{max(row):>11.3f}")
    timed.sort(reverse=True)
    print("slowest:", "; ".join(f"{family} ({name}) {t:.3f} s/MB" for t, family, name in timed[:5]))
    verdict = "PASS" if timed[0][0] < TARGET_S_PER_MB else "MISS"
    print(f"slowest {timed[0][0]:.3f} s/MB (target < {TARGET_S_PER_MB:.0f} s/MB): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
