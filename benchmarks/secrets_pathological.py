"""Time Stage 4's secret scan on pathological lines: one family of adversarial text at a time,
each about 1 MB, scanned through ``scan_text`` under several file names.

    python benchmarks/secrets_pathological.py [--size 1000000] [--family NAME] [--name notes.txt]

Every regular expression on the scan path (detect-secrets' plugins, filters and transformers,
and ours) must run in linear time: a family that one of them backtracks on takes minutes at
1 MB. The target is under 1 s per family and file name; the script prints each time, the
slowest, and PASS/MISS, and exits 0 either way (a measurement, not a test: the unit test
``tests/unit/test_secrets_pathological.py`` runs the same families under a generous alarm).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.secrets_pathological import FAMILIES, NAMES, scan_once

TARGET_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--family", action="append", help="only these families")
    parser.add_argument("--name", action="append", help="only these file names")
    args = parser.parse_args()
    families = {k: v for k, v in FAMILIES.items() if not args.family or k in args.family}
    names = args.name or list(NAMES)
    print(f"{'family':<28}" + "".join(f"{n:>12}" for n in names))
    slowest = 0.0
    for family, make in families.items():
        text = make(args.size)
        row = []
        for name in names:
            started = time.perf_counter()
            scan_once(name, text)
            elapsed = time.perf_counter() - started
            slowest = max(slowest, elapsed)
            row.append(f"{elapsed:>11.3f}s")
        print(f"{family:<28}" + "".join(row), flush=True)
    verdict = "PASS" if slowest < TARGET_S else "MISS"
    print(f"slowest {slowest:.3f}s (target < {TARGET_S:.0f} s): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
