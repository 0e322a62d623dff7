"""Extract a sample of every mapped dataset, cast it to the target types and look for personal data.

At most ``dry_run.sample_rows`` rows (default 100, at most 1000) of each dataset's mapped
columns are read, the limit pushed into the database and the rows ordered by the primary key
where there is one, so the cost does not grow with the table. Each column is cast to the Arrow
type of its target type with pyarrow's safe casts (``source_db.sampling``): values that overflow the
target (an integer out of range, a decimal with too many digits, ``infinity``), that it would
truncate (decimal places, fractional seconds, a string or binary longer than its length, the
time of a date), whose time zone a target without one drops, or that are not values of it at
all, are counted per column and kind. Nulls in a column the mapping declares ``nullable:
false`` are counted where the catalog cannot rule them out (a view). The sample is written as
Parquet, one file per dataset, beside ``dry_run_result.json``.

PII detectors (email, phone, SSN, payment card with the Luhn checksum, IP address) run on the
sampled text; a column where they find personal data is PII_NOT_ADDRESSED unless the mapping
declares its ``pii`` or the plan lists a handling for it. Columns with personal data, found or
declared, are written to Parquet as nulls. A value that holds a credential (a token of a
well-known kind, a private key, a password in a URL or after ``password=``) is written with it
replaced by ``[redacted]``, with a warning that names the column and counts them: the sample is a
file the job keeps, and a secret pasted into a row is a secret there too. Sample values are never
printed: findings name the column, the detector or the kind of problem, and a count.

Passes: 100 rows of ``customers`` whose ``email`` column is declared ``pii: email``; ``total``
``numeric(12,2)`` values that fit ``decimal(12,2)``.
Fails: a ``notes`` column with undeclared email addresses (PII_NOT_ADDRESSED); amounts of
1e9 in a column mapped to ``decimal(5,2)``; ids above 2^31 mapped to ``int``; time-zoned values
mapped to ``timestamp_ntz``; a column the driver cannot read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migration_checks import pii, redaction, source_db, sqltypes
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.model import Problem, Severity, Stage
from migration_checks.source_db import sampling
from migration_checks.source_db.catalog import Relation, SourceColumn

ID = "extract_sample"
STAGE = Stage.DRY_RUN
BLOCKING = True
RAISES = (BlockerId.CI_FAILURE, BlockerId.PII_NOT_ADDRESSED)
POLICY = ("dry_run", "pii")

_FAILURE = BlockerId.CI_FAILURE
_ISSUE_WORDS = {
    sampling.OVERFLOW: "overflow the target type",
    sampling.TRUNCATION: "would be truncated by the target type",
    sampling.TIME_ZONE: "carry a time zone that the target type drops",
    sampling.INVALID: "are not values of the target type",
}


def check(ctx: MigrationContext) -> Iterator[Problem]:
    run = source_db.dry_run(ctx)
    yield from _check(ctx, run)


def _check(ctx: MigrationContext, run: source_db.DryRun) -> Iterator[Problem]:
    mapping = run.mapping()
    session = run.session()
    catalog = run.catalog()
    try:
        directory = run.samples_directory()
    except OSError as error:
        yield Problem(
            f"the samples cannot be written under {source_db.output_root()}: "
            f"{error.strerror or type(error).__name__}; set {source_db.ENV_DIRECTORY} to a "
            "writable directory",
            _FAILURE,
        )
        return
    sampler = _Sampler(run, mapping, _planned_pii(ctx), directory)
    for d, relation in catalog.found():
        yield from sampler.dataset(d, mapping.data["datasets"][d], relation)
    run.details[ID] = {
        "sample_rows": run.sample_rows,
        "datasets": sampler.summaries,
        "directory": str(sampler.directory),
    }
    rows = sum(s["rows"] for s in sampler.summaries)
    where = (
        "a temporary directory"
        if source_db.is_temporary(sampler.directory)
        else f"{sampler.directory}/"
    )
    yield Problem(
        f"sampled {rows} rows from {len(sampler.summaries)} datasets of the source "
        f"({session.endpoint.label}; at most {run.sample_rows} each) into "
        f"{where}; {sampler.redacted} columns with personal data are written as "
        "nulls",
        severity=Severity.NOTICE,
    )


def _planned_pii(ctx: MigrationContext) -> dict[str, set[str]]:
    """The columns with a PII handling in the plan, by source dataset."""
    plan = ctx.usable("signed_plan")
    if plan is None:
        return {}
    return {
        dataset["name"]: {entry["column"] for entry in dataset.get("pii", [])}
        for dataset in plan.data["plan"]["datasets"]
    }


class _Sampler:
    def __init__(
        self,
        run: source_db.DryRun,
        mapping: Document,
        planned: dict[str, set[str]],
        directory: Path,
    ) -> None:
        self.run = run
        self.mapping = mapping
        self.planned = planned
        self.directory = directory
        self.target_dialect: str = mapping.data["target"]["dialect"]
        self.summaries: list[dict[str, Any]] = []
        self.redacted = 0

    def dataset(self, d: int, dataset: dict[str, Any], relation: Relation) -> Iterator[Problem]:
        columns: list[tuple[int, dict[str, Any], SourceColumn]] = []
        for c, column in enumerate(dataset["columns"]):
            actual = relation.column(column["source"]["name"])
            if actual is not None:  # a missing column is schema_compatibility's finding
                columns.append((c, column, actual))
        names = list(dict.fromkeys(actual.name for _, _, actual in columns))
        fetched = sampling.fetch(self.run.session(), relation, names, self.run.sample_rows)
        if fetched.error is not None:
            yield Problem(
                f'dataset "{dataset["source"]}" could not be sampled: {fetched.error}',
                _FAILURE,
                self.mapping.at(f"/datasets/{d}/source"),
            )
            return
        arrays, targets, redacted = [], [], []
        for c, column, actual in columns:
            at = f"/datasets/{d}/columns/{c}"
            label = f'"{dataset["source"]}.{actual.name}"'
            if actual.name in fetched.failed:
                yield Problem(
                    f"column {label} could not be sampled: {fetched.failed[actual.name]}",
                    _FAILURE,
                    self.mapping.at(f"{at}/source/name"),
                )
                continue
            sample = fetched.values[actual.name]
            problems, array, personal = self._column(label, column, actual, sample, at, dataset)
            yield from problems
            if personal:
                array = sampling.nulls_like(array)
                redacted.append(column["target"]["name"])
            else:
                array, hidden = sampling.without_credentials(array)
                if hidden:
                    yield Problem(
                        f"column {label}: {hidden} of {len(sample)} sampled values hold what "
                        "looks like a credential (a token, a private key, a password in a URL or "
                        f"a key=value pair); the sample has them as {redaction.REDACTED}; if the "
                        "source stores credentials there, rotate them and exclude the column",
                        severity=Severity.WARNING,
                        location=self.mapping.at(f"{at}/source/name"),
                    )
            arrays.append(array)
            targets.append(column["target"]["name"])
        self.redacted += len(redacted)
        written = None
        if arrays:
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", dataset["target"])[:80]
            path = self.directory / f"{d:04d}_{safe}.parquet"
            sampling.write_parquet(path, _unique(targets), arrays, redacted)
            written = path.name
        self.summaries.append(
            {
                "dataset": dataset["source"],
                "relation": relation.qualified,
                "rows": fetched.rows,
                "file": written,
                "redacted": redacted,
            }
        )

    def _column(
        self,
        label: str,
        column: dict[str, Any],
        actual: SourceColumn,
        sample: list[Any],
        at: str,
        dataset: dict[str, Any],
    ) -> tuple[list[Problem], Any, bool]:
        """The problems of one column, its cast array, and whether it holds personal data."""
        problems: list[Problem] = []
        spelled = column["target"]["type"]
        target = sqltypes.parse(spelled, self.target_dialect)
        result = sampling.cast(sample, target)
        of = f"of {len(sample)} sampled values"
        for kind in sampling.ISSUE_KINDS:
            if result.issues[kind]:
                problems.append(
                    Problem(
                        f'column {label}: {result.issues[kind]} {of} {_ISSUE_WORDS[kind]} "{spelled}" '
                        f"({sqltypes.describe(target)}); widen the target type or declare and "
                        "approve the loss in the coercion log and transform",
                        _FAILURE,
                        self.mapping.at(f"{at}/target/type"),
                    )
                )
        if not result.cast:
            problems.append(
                Problem(
                    f'column {label}: the target type "{spelled}" has no Arrow type here, so the '
                    "sample was not cast and is written as text",
                    severity=Severity.NOTICE,
                    location=self.mapping.at(f"{at}/target/type"),
                )
            )
        nulls = sum(value is None for value in sample)
        if nulls and column.get("nullable") is False and actual.nullable is None:
            problems.append(
                Problem(
                    f"column {label}: {nulls} {of} are null, but the mapping declares "
                    f"nullable: false",
                    _FAILURE,
                    self.mapping.at(f"{at}/nullable"),
                )
            )
        found: Counter[str] = Counter()
        for value in sample:
            found.update(pii.categories_in(value))
        declared = bool(column.get("pii")) or actual.name in self.planned.get(
            dataset["source"], set()
        )
        if found and not declared:
            detail = ", ".join(
                f"{category} in {count}" for category, count in sorted(found.items())
            )
            problems.append(
                Problem(
                    f"column {label} holds personal data that neither the mapping nor the plan "
                    f"declares: detectors found {detail} {of}; declare pii in the mapping and a "
                    "handling in the plan's datasets[].pii",
                    BlockerId.PII_NOT_ADDRESSED,
                    self.mapping.at(f"{at}/source/name"),
                )
            )
        return problems, result.array, declared or bool(found)


def _unique(names: list[str]) -> list[str]:
    """Parquet column names, made unique when the mapping maps two columns to one name."""
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}__{seen[name]}")
    return unique
