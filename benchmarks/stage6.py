"""Time Stage 6 (post-execution) over a year of daily parallel runs.

    python benchmarks/stage6.py [--runs 5] [--parallel-runs 365] [--checks 200]

The small benchmark tree gets a ``recon_config.yml`` with ``--checks`` reconciliation checks
and ``--parallel-runs`` daily reports of one result per check, all passing, three of the checks
drifting upwards in the last runs (so trend_analysis has series to report), the latest run MAJOR
and acknowledged. Then ``migration-checks check TREE --stage 6 --format json`` runs ``--runs``
times after a warm-up; printed: the median and minimum wall time, the peak RSS, each Stage 6
check's own time (median of its ``duration_ms``), and the findings. Target: under 1 s for 365
runs x 200 checks.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from generate import generate  # benchmarks/ is sys.path[0] when this file runs
from run import MB, executable, measure_stage

TARGET_S = 1.0


def datasets(root: Path) -> list[str]:
    """The dataset names the generated tree's recon plan uses."""
    plan = json.loads((root / "reconciliation" / "recon_plan.json").read_text(encoding="utf-8"))
    return sorted({check["dataset"] for check in plan["checks"]})


def write_history(root: Path, runs: int, checks: int) -> None:
    names = datasets(root)
    entries = [
        {
            "id": f"c{index:04d}",
            "dataset": names[index % len(names)],
            "type": "row_count" if index % 2 == 0 else "column_sum",
            "tolerance": {"relative": 0.0001},
        }
        for index in range(checks)
    ]
    config = {"parallel_runs": {"required": 5, "max_interval_hours": 48}, "checks": entries}
    # JSON is YAML: the file keeps its .yml name and is parsed by the YAML reader.
    (root / "configs" / "recon_config.yml").write_text(json.dumps(config), encoding="utf-8")
    plan_id = json.loads((root / ".migration_metadata.json").read_text(encoding="utf-8"))["plan_id"]
    directory = root / "reconciliation" / "parallel_runs"
    directory.mkdir(parents=True, exist_ok=True)
    start = datetime(2025, 11, 1, tzinfo=UTC)
    for number in range(1, runs + 1):
        day = start + timedelta(days=number - 1)
        latest = number == runs
        results = []
        for index, entry in enumerate(entries):
            source = 1_000_000.0 + index
            drift = 0.0
            if index < 3 and number > runs - 4:  # three checks drift over the last four runs
                drift = source * 0.00002 * (2 ** (number - (runs - 4)))
            target = source + drift
            relative = abs(target - source) / source
            severity = "MAJOR" if relative > 0.0001 else "PASS"
            results.append(
                {
                    "check_id": entry["id"],
                    "dataset": entry["dataset"],
                    "source_value": source,
                    "target_value": target,
                    "difference": target - source,
                    "relative_difference": relative,
                    "severity": severity,
                }
            )
        stated = "MAJOR" if any(r["severity"] == "MAJOR" for r in results) else "PASS"
        report: dict[str, object] = {
            "run_id": f"run_{number:03d}",
            "plan_id": plan_id,
            "started_at": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "finished_at": (day + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "overall_severity": stated,
            "acknowledged": latest,
            "results": results,
        }
        if latest:
            report["acknowledgement"] = {
                "by": "dana.owner",
                "at": (day + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "reason": "benchmark: a known drift under investigation",
            }
        (directory / f"run_{number:03d}.json").write_text(json.dumps(report), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--parallel-runs", type=int, default=365)
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args(argv)
    mc = executable("migration-checks")
    with tempfile.TemporaryDirectory(prefix="mc-bench-stage6-") as scratch:
        out = Path(scratch)
        root = generate("small", out)
        write_history(root, args.parallel_runs, args.checks)
        size = sum(p.stat().st_size for p in (root / "reconciliation" / "parallel_runs").iterdir())
        print(
            f"# Stage 6 benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python "
            f"{sys.version.split()[0]}\n"
            f"{args.parallel_runs} parallel runs x {args.checks} checks "
            f"({size / MB:.1f} MB of run reports)\n"
        )
        timing, durations, migration = measure_stage(
            mc, root.parent, out / "policy.json", 6, args.runs, out / "pycache"
        )
        verdict = "PASS" if timing.median_s < TARGET_S else "MISS"
        print(
            f"--stage 6: median {timing.median_s:.3f} s, min {timing.min_s:.3f} s, "
            f"peak RSS {timing.peak_rss / MB:.1f} MB   target < {TARGET_S} s: {verdict}"
        )
        own = ", ".join(f"{cid} {statistics.median(ms):.0f} ms" for cid, ms in durations.items())
        print(f"checks' own time (median): {own}")
        print("findings of the last run:")
        for found in migration["findings"]:
            print(f"  {found['check']}: {found['severity']}: {found['message'][:150]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
