"""The parallel runs of one migration, judged once and shared by the Stage 6 checks.

SPEC section 3: a run's *effective* severity is the worst of its stated ``overall_severity``,
every result's stated ``severity``, and the severity recomputed from each result's values.
``relative_difference = |source - target| / |source|`` (the absolute difference when the source
is 0); within the check's tolerance in ``recon_config.yml`` it is PASS, beyond it and at most
the policy's ``reconciliation.critical_relative`` (default 0.05) MAJOR, above that CRITICAL.

A tolerance holds when every bound it sets holds (``absolute`` on the absolute difference,
``relative`` on the relative one); a tolerance that sets neither, or a result whose check is not
in ``recon_config.yml``, allows no difference at all (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from migration_checks.context import MigrationContext
from migration_checks.documents import Document


class Level(IntEnum):
    """Reconciliation severities, mildest first, so that ``max`` gives the worst."""

    PASS = 0
    MINOR = 1
    MAJOR = 2
    CRITICAL = 3


@dataclass(frozen=True, slots=True)
class Tolerance:
    absolute: float | None = None
    relative: float | None = None

    def holds(self, absolute_difference: float, relative_difference: float) -> bool:
        if self.absolute is None and self.relative is None:
            return absolute_difference == 0
        return (self.absolute is None or absolute_difference <= self.absolute) and (
            self.relative is None or relative_difference <= self.relative
        )

    def describe(self) -> str:
        parts = [f"{name} {value:g}" for name, value in self.bounds() if value is not None]
        return ", ".join(parts) if parts else "no difference"

    def bounds(self) -> tuple[tuple[str, float | None], ...]:
        return (("absolute", self.absolute), ("relative", self.relative))


_LEVELS = {level.name: level for level in Level}


@dataclass(frozen=True, slots=True)
class Judged:
    """One result of one run, with what its values say."""

    index: int
    check_id: str
    dataset: str
    source: float
    target: float
    relative: float
    stated: Level
    recomputed: Level
    tolerance: Tolerance
    known_check: bool

    @property
    def effective(self) -> Level:
        return max(self.stated, self.recomputed)

    @property
    def series_key(self) -> tuple[str, str]:
        return (self.check_id, self.dataset)


_NO_TOLERANCE = Tolerance()


@dataclass(frozen=True, slots=True)
class Run:
    """One parallel run report, judged."""

    path: str
    document: Document
    run_id: str
    stated: Level
    results: tuple[Judged, ...]
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def effective(self) -> Level:
        return max([self.stated, *(result.effective for result in self.results)])

    @property
    def acknowledgement(self) -> dict[str, Any] | None:
        value = self.document.data.get("acknowledgement")
        return value if isinstance(value, dict) else None

    @property
    def acknowledged(self) -> bool:
        return self.document.data.get("acknowledged") is True


@dataclass(frozen=True, slots=True)
class Reconciliation:
    runs: tuple[Run, ...]  # the usable runs, oldest first (by run number)
    unusable: tuple[str, ...]  # runs that did not parse or failed their schema (stage 1 says why)
    required: int
    max_interval_hours: float | None

    @property
    def latest(self) -> Run | None:
        return self.runs[-1] if self.runs else None


def reconciliation(ctx: MigrationContext) -> Reconciliation:
    """The judged runs of ``ctx``, computed once for every Stage 6 check."""
    return ctx.derived("reconciliation", _judge_all)


def _judge_all(ctx: MigrationContext) -> Reconciliation:
    recon = ctx.usable("recon_config")
    config = recon.data if recon is not None else {}
    tolerances = {
        entry["id"]: Tolerance(
            entry["tolerance"].get("absolute"), entry["tolerance"].get("relative")
        )
        for entry in config.get("checks", [])
    }
    critical = float(ctx.policy.setting("reconciliation", "critical_relative") or 0.05)
    runs, unusable = [], []
    for path in ctx.parallel_run_paths():
        outcome = ctx.parse(path)
        if isinstance(outcome, Document) and not ctx.run_schema_problems(path):
            runs.append(_judge_run(path, outcome, tolerances, critical))
        else:
            unusable.append(path)
    parallel = config.get("parallel_runs", {})
    required = max(
        int(parallel.get("required", 0)),
        int(ctx.policy.setting("parallel_runs", "min_required") or 0),
    )
    return Reconciliation(
        tuple(runs), tuple(unusable), required, parallel.get("max_interval_hours")
    )


def _judge_run(
    path: str, document: Document, tolerances: dict[str, Tolerance], critical: float
) -> Run:
    data = document.data
    return Run(
        path=path,
        document=document,
        run_id=data["run_id"],
        stated=_LEVELS[data["overall_severity"]],
        results=tuple(
            _judge_result(index, result, tolerances, critical)
            for index, result in enumerate(data["results"])
        ),
        started_at=timestamp(data["started_at"]),
        finished_at=timestamp(data["finished_at"]),
    )


def _judge_result(
    index: int, result: dict[str, Any], tolerances: dict[str, Tolerance], critical: float
) -> Judged:
    source, target = float(result["source_value"]), float(result["target_value"])
    absolute = abs(source - target)
    relative = absolute / abs(source) if source else absolute
    check_id = result["check_id"]
    tolerance = tolerances.get(check_id, _NO_TOLERANCE)
    if tolerance.holds(absolute, relative):
        recomputed = Level.PASS
    else:
        recomputed = Level.MAJOR if relative <= critical else Level.CRITICAL
    return Judged(
        index,
        check_id,
        result["dataset"],
        source,
        target,
        relative,
        _LEVELS[result["severity"]],
        recomputed,
        tolerance,
        check_id in tolerances,
    )


def timestamp(text: Any) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def series(runs: tuple[Run, ...]) -> Iterator[tuple[tuple[str, str], list[tuple[Run, Judged]]]]:
    """Each (check id, dataset) with its result in every run that has one, oldest first."""
    by_key: dict[tuple[str, str], list[tuple[Run, Judged]]] = {}
    for run in runs:
        for result in run.results:
            by_key.setdefault(result.series_key, []).append((run, result))
    yield from by_key.items()


def fmt(value: float) -> str:
    """A number as reports show it: integers whole, others with six significant digits."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"
