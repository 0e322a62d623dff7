"""Time Stage 3 (code quality) on a synthetic tree: the whole stage, each check alone, and peers.

    python benchmarks/stage3.py [--size medium] [--runs 3] [--peers] [--keep]

The tree is ``generate.py``'s (the medium one: 500 SQL transforms of 40 columns, an Airflow DAG,
Python helpers with a test module, the 3.4 MB mapping). Printed:

- the whole stage as users run it, ``migration-checks check --stage 3`` in a child process:
  wall time from spawn to reap, median and minimum of ``--runs`` runs after one unmeasured run,
  with each check's ``duration_ms`` from the JSON result (the tools run side by side, so a
  check's time is the wait for its own tool, not its tool's cost);
- each check alone, in this process, on a fresh context that starts only that check's tool;
- with ``--peers``, the tools teams use today on the same input: sqlfluff over the SQL
  (``--processes 0``, every core) and yamllint with its default configuration over the mapping.
  They take minutes.

It is a measurement, not a test: it exits 0 whatever the figures (a target is printed as
PASS/MISS). With ``--keep`` the tree stays in ``benchmarks/out/stage3-{size}/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from generate import generate  # benchmarks/ is sys.path[0] when this file runs
from migration_checks.checks.stage3_code_quality import (
    _tools,
    lint_python,
    lint_sql,
    lint_yaml,
    type_check,
    unit_tests,
)
from migration_checks.context import MigrationContext
from migration_checks.policy import load_policy

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TARGET_S = 3.0
CHECKS = (lint_python, lint_sql, lint_yaml, unit_tests, type_check)


def stage_run(workspace: Path, policy: Path) -> tuple[float, dict[str, Any]]:
    command = [str(BIN / "migration-checks"), "check", str(workspace), "--stage", "3"]
    command += ["--policy", str(policy), "--format", "json"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"stage 3 failed to run (exit {done.returncode}): {done.stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return wall, result["migrations"][0]


def alone(module: Any, root: Path, policy: Path) -> tuple[float, int]:
    """One check on a fresh context whose workspace starts only that check's tool."""
    ctx = MigrationContext(root, root.name, load_policy(policy))
    started = time.perf_counter()

    def only_this(context: MigrationContext) -> _tools.Workspace:
        ws = _tools.Workspace(context)
        if hasattr(module, "launch"):
            ws.launch(module.ID, partial(module.launch, context, ws))
        return ws

    ctx.derived("stage3_code_quality.workspace", only_this)
    reason = module.applies(ctx)
    found = 0 if reason is not None else len(list(module.check(ctx)))
    wall = time.perf_counter() - started
    ctx.derived("stage3_code_quality.workspace", only_this).close()
    return wall, found


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peers", action="store_true", help="also time sqlfluff and yamllint")
    parser.add_argument("--keep", action="store_true", help="keep the tree in benchmarks/out/")
    args = parser.parse_args()

    out = HERE / "out" / f"stage3-{args.size}" if args.keep else Path(tempfile.mkdtemp())
    try:
        root = generate(args.size, out)
        policy = out / "policy.json"
        sql = sorted(root.glob("code/sql/**/*.sql"))
        py = sorted(root.glob("code/**/*.py"))
        mapping = root / "contracts" / "schema_mapping.yml"
        print(f"tree: {root.name}: {len(sql)} SQL files, {len(py)} Python files, mapping "
              f"{mapping.stat().st_size / 1e6:.2f} MB; {os.cpu_count()} cores, load "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip

        stage_run(root.parent, policy)  # unmeasured: page cache, .pyc
        walls, durations, counts = [], {}, {}
        for _ in range(args.runs):
            wall, migration = stage_run(root.parent, policy)
            walls.append(wall)
            for check in migration["checks"]:
                durations.setdefault(check["id"], []).append(check["duration_ms"] / 1000)
            counts = dict.fromkeys(durations, 0)
            for finding in migration["findings"]:
                counts[finding["check"]] = counts.get(finding["check"], 0) + 1
        median = statistics.median(walls)
        print(f"\nstage 3, whole (`check --stage 3`, {args.runs} runs): median {median:.2f} s, "
              f"min {min(walls):.2f} s  [{'PASS' if median < TARGET_S else 'MISS'} < {TARGET_S:g} s]")  # fmt: skip
        for check_id, values in durations.items():
            print(f"  {check_id:<12} {statistics.median(values):6.2f} s  "
                  f"{counts.get(check_id, 0):>6} findings")  # fmt: skip

        print("\neach check alone (in process, one run):")
        for module in CHECKS:
            wall, found = alone(module, root, policy)
            print(f"  {module.ID:<12} {wall:6.2f} s  {found:>6} findings")

        if args.peers:
            print("\npeers on the same input:")
            sqlfluff = [str(BIN / "sqlfluff"), "lint", "--format", "json", "--processes", "0"]
            sqlfluff += ["--dialect", "sparksql", "--disable-progress-bar", "--nocolor"]
            sqlfluff += [str(p) for p in sql]
            print(f"  sqlfluff, {len(sql)} SQL files: {timed(sqlfluff, root):.1f} s")
            yamllint = [str(BIN / "yamllint"), "-d", "default", "-f", "parsable", str(mapping)]
            print(f"  yamllint (default), the mapping: {timed(yamllint, root):.1f} s")
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
