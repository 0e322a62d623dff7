"""Time Stage 5 (the dry run) on the local PostgreSQL, and show that its memory follows the
sample size, not the table size.

    python benchmarks/dry_run.py [--runs 5] [--tables 50] [--rows 2000] [--big-rows 1000000]
                                 [--url postgresql://postgres@127.0.0.1:5432/postgres]

A database ``mc_bench_dry_run_<pid>`` is created on the server of ``--url`` (dropped at the
end) with ``--tables`` tables of ``--rows`` rows each, of eleven columns of varied types
(bigint key, integer, numeric(12,2), double, text, varchar, boolean, date, timestamptz,
jsonb, text[]), and two more tables of the same shape: ``small`` with 100 rows and ``big``
with ``--big-rows`` rows. The example migration is copied three times, its mapping replaced:
one maps the ``--tables`` tables, one maps ``small`` alone, one maps ``big`` alone; each reads
its source through ``url_ref``, as a real pull request would. ``migration-checks check TREE
--stage 5 --format json`` runs ``--runs`` times on each after a warm-up (whole processes: wall
time from spawn to reap, peak RSS from ``wait4``). Printed: median and minimum wall time, peak
RSS, the checks' own times, and the verdicts. Targets: the ``--tables`` tables under 5 s; the
1-million-row table within 5 MB of the 100-row one (the same 100-row sample).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from run import MB, ROOT, child_environment, executable, measure  # benchmarks/ is sys.path[0]

EXAMPLE = ROOT / "examples" / "migrations" / "migration-pr-proj_shop2026"
POLICY = ROOT / "examples" / "policy" / "policy.json"
TABLES_MAX_S = 5.0
RSS_SLACK = 5 * MB

COLUMNS = [  # (name, PostgreSQL type, Spark target type, value from g)
    ("id", "bigint", "bigint", "g"),
    ("quantity", "integer", "int", "g % 1000"),
    ("amount", "numeric(12,2)", "decimal(12,2)", "round((g * 1.37)::numeric % 100000, 2)"),
    ("ratio", "double precision", "double", "g / 7.0"),
    ("note", "text", "string", "'note ' || g"),
    ("code", "varchar(16)", "string", "'C' || (g % 100000)"),
    ("active", "boolean", "boolean", "g % 2 = 0"),
    ("day", "date", "date", "date '2020-01-01' + (g % 2000)"),
    ("at", "timestamp with time zone", "timestamp", "timestamptz '2020-01-01 00:00+00' + g * interval '1 minute'"),
    ("doc", "jsonb", "string", "jsonb_build_object('g', g, 'tag', 't' || (g % 10))"),
    ("tags", "text[]", "array<string>", "array['a' || (g % 5), 'b']"),
]  # fmt: skip


def _create(url: str, database: str, tables: int, rows: int, big_rows: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"'.encode())
        admin.execute(f'CREATE DATABASE "{database}"'.encode())
    columns = ", ".join(f"{name} {kind}" for name, kind, _, _ in COLUMNS)
    values = ", ".join(value for _, _, _, value in COLUMNS)
    with psycopg.connect(url, dbname=database, autocommit=True) as connection:
        for name, count in [*((f"t{i:03d}", rows) for i in range(tables)), ("small", 100), ("big", big_rows)]:  # fmt: skip
            connection.execute(f"CREATE TABLE {name} ({columns}, PRIMARY KEY (id))".encode())
            connection.execute(
                f"INSERT INTO {name} SELECT {values} FROM generate_series(1, {count}) g".encode()
            )
        connection.execute(b"VACUUM ANALYZE")


def _drop(url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'.encode())


def _tree(workspace: Path, tables: list[str]) -> Path:
    migration = workspace / EXAMPLE.name
    shutil.copytree(EXAMPLE, migration)
    mapping = {
        "version": 1,
        "source": {"system": "postgres", "dialect": "postgres"},
        "target": {"system": "s3", "format": "parquet", "dialect": "spark"},
        "datasets": [
            {
                "source": f"public.{table}",
                "target": table,
                "columns": [
                    {"source": {"name": n, "type": k}, "target": {"name": n, "type": t}}
                    for n, k, t, _ in COLUMNS
                ],
            }
            for table in tables
        ],
    }
    # JSON is YAML: the files keep their .yml names and are parsed by the YAML reader.
    (migration / "contracts" / "schema_mapping.yml").write_text(json.dumps(mapping), "utf-8")
    config = migration / "configs" / "migration_config.yml"
    text = config.read_text("utf-8").replace(
        'url: "sqlite:///data/shop.sqlite"', "url_ref: BENCH_DB"
    )
    config.write_text(text, "utf-8")
    refs = migration / "configs" / "secrets_refs.yml"
    refs.write_text(refs.read_text("utf-8") + '  BENCH_DB: "vault://kv/bench#url"\n', "utf-8")
    return migration


def _report(label: str, cmd: list[str], runs: int, env: dict[str, str]) -> Any:
    timing = measure(cmd, runs, env)
    durations: dict[str, list[int]] = {}
    for sample in timing.samples:
        if sample.returncode != 0:
            sys.exit(f"error: {label}: exit {sample.returncode}\n{sample.stdout.decode()[-3000:]}")
        (migration,) = json.loads(sample.stdout)["migrations"]
        for outcome in migration["checks"]:
            durations.setdefault(outcome["id"], []).append(outcome["duration_ms"])
    own = ", ".join(f"{cid} {statistics.median(ms):.0f} ms" for cid, ms in durations.items())
    print(
        f"{label}: median {timing.median_s:.3f} s, min {timing.min_s:.3f} s, "
        f"peak RSS {timing.peak_rss / MB:.1f} MB\n    checks' own time (median): {own}"
    )
    return timing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--tables", type=int, default=50)
    parser.add_argument("--rows", type=int, default=2000, help="rows of each of the --tables")
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    mc = executable("migration-checks")
    database = f"mc_bench_dry_run_{os.getpid()}"
    started = time.perf_counter()
    _create(args.url, database, args.tables, args.rows, args.big_rows)
    created = time.perf_counter() - started
    try:
        with tempfile.TemporaryDirectory(prefix="mc-bench-dry-run-") as scratch:
            out = Path(scratch)
            env = child_environment(out / "pycache")
            env["MIGRATION_SECRET_BENCH_DB"] = args.url.rsplit("/", 1)[0] + f"/{database}"
            env["MIGRATION_CHECKS_DRY_RUN_DIR"] = str(out / "evidence")
            trees = {
                "tables": _tree(out / "tables", [f"t{i:03d}" for i in range(args.tables)]),
                "small": _tree(out / "small", ["small"]),
                "big": _tree(out / "big", ["big"]),
            }
            print(
                f"# Stage 5 benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python "
                f"{sys.version.split()[0]}; {os.cpu_count()} CPUs\n"
                f"source: PostgreSQL database with {args.tables} tables x {args.rows} rows x "
                f"{len(COLUMNS)} columns, small (100 rows), big ({args.big_rows} rows); "
                f"created in {created:.1f} s; sample: 100 rows per dataset\n"
            )
            timings = {}
            for label, root in trees.items():
                cmd = [mc, "check", str(root.parent), "--stage", "5", "--format", "json"]
                cmd += ["--policy", str(POLICY)]
                timings[label] = _report(f"--stage 5, {label}", cmd, args.runs, env)
    finally:
        _drop(args.url, database)
    tables_s = timings["tables"].median_s
    small, big = timings["small"].peak_rss, timings["big"].peak_rss
    print(
        f"\n{args.tables} tables: {tables_s:.3f} s   target < {TABLES_MAX_S} s: "
        f"{'PASS' if tables_s < TABLES_MAX_S else 'MISS'}\n"
        f"peak RSS, {args.big_rows}-row table {big / MB:.1f} MB vs 100-row table "
        f"{small / MB:.1f} MB: {(big - small) / MB:+.1f} MB   target within "
        f"{RSS_SLACK / MB:.0f} MB: {'PASS' if abs(big - small) <= RSS_SLACK else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
