"""Measure the mapped datasets in the source's catalog and compare their size with the target's capacity.

Sizes come from the catalog, never from reading rows: PostgreSQL ``pg_total_relation_size``
(table, indexes and TOAST; a partitioned table counts its partitions once), MySQL and MariaDB
``information_schema.tables`` (``data_length + index_length``), SQLite's page counts
(``dbstat``, a table with its indexes). Views and foreign tables store nothing and are listed
as such. A notice reports the total and the largest datasets; when
``dry_run.target_capacity_bytes`` is set and the total exceeds it, a warning says by how much.
The source's size is only an estimate of what the target will hold (Parquet compresses,
indexes are not copied), so this check never blocks.

Passes: 120 MiB of mapped tables and ``target_capacity_bytes: 10737418240`` (a notice);
no capacity set (a notice with the sizes).
Fails: the mapped tables take more than ``target_capacity_bytes`` (a warning); the sizes
cannot be read (a warning).
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks import source_db
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Severity, Stage

ID = "capacity_check"
STAGE = Stage.DRY_RUN
BLOCKING = False
RAISES = ()
POLICY = ("dry_run",)

_LARGEST = 5


def check(ctx: MigrationContext) -> Iterator[Problem]:
    run = source_db.dry_run(ctx)
    yield from _check(run)


def _check(run: source_db.DryRun) -> Iterator[Problem]:
    config = run.config()
    session = run.session()
    found = run.catalog().found()
    relations = [relation for _, relation in found]
    try:
        with session.read("measure the mapped tables") as connection:
            sizes = session.backend.sizes(connection, relations)
    except source_db.SourceError as error:
        yield Problem(
            f"the sizes of the mapped datasets could not be read: {error.reason}",
            severity=Severity.WARNING,
            location=error.location,
        )
        return
    human = source_db.human_bytes
    pairs = list(zip(relations, sizes, strict=True))
    measured = sorted(
        (p for p in pairs if p[1].bytes is not None), key=lambda p: -(p[1].bytes or 0)
    )
    total = sum(size.bytes or 0 for _, size in measured)
    run.details[ID] = {
        "total_bytes": total,
        "datasets": {r.qualified: {"bytes": s.bytes, "rows_estimate": s.rows} for r, s in pairs},
    }
    summary = f"the {len(measured)} mapped datasets measured take {human(total)} in the source"
    if measured:
        largest = ", ".join(f"{r.qualified} {human(s.bytes or 0)}" for r, s in measured[:_LARGEST])
        summary += f" (largest: {largest})"
    unmeasured = [r.qualified for r, s in pairs if s.bytes is None]
    if unmeasured:
        summary += f"; not measured (they store no rows, or the catalog has no size): {', '.join(unmeasured[:_LARGEST])}"
    capacity = config.data["dry_run"].get("target_capacity_bytes")
    location = config.at("/dry_run/target_capacity_bytes" if capacity is not None else "/dry_run")
    run.details[ID]["target_capacity_bytes"] = capacity
    if capacity is None:
        yield Problem(
            f"{summary}; set dry_run.target_capacity_bytes to compare with the target's free "
            "capacity",
            severity=Severity.NOTICE,
            location=location,
        )
    elif total > capacity:
        yield Problem(
            f"{summary}: more than the target's capacity of {human(capacity)} "
            f"(dry_run.target_capacity_bytes) by {human(total - capacity)}; free space in the "
            "target or split the migration",
            severity=Severity.WARNING,
            location=location,
        )
    else:
        share = 100 * total / capacity if capacity else 0.0
        yield Problem(
            f"{summary}: {share:.2g}% of the target's capacity of {human(capacity)}",
            severity=Severity.NOTICE,
            location=location,
        )
