"""Report how far the parallel runs have come: runs done, the passing streak, and gaps.

Cut-over needs a streak of consecutive passing parallel runs, as many as
``parallel_runs.required`` in ``configs/recon_config.yml`` (or the policy's
``parallel_runs.min_required``, whichever is more). A run passes when its effective severity
(judged from its values, as recon_severity does) is PASS or MINOR. The streak counts back from
the latest run. Two consecutive runs further apart than ``parallel_runs.max_interval_hours``
(from one run's finish to the next run's start) are a gap, and so are runs whose numbers and
times disagree. This check does not block: it tells the team what is left.

Passes: three consecutive passing runs of three required, a day apart at most.
Fails: (warnings) two passing runs of three required; a MAJOR run_004 resetting the streak;
40 hours between run_002 and run_003 with ``max_interval_hours: 24``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from migration_checks.context import MigrationContext
from migration_checks.model import Location, Problem, Severity, Stage
from migration_checks.reconciliation import Level, Run, fmt, reconciliation

ID = "parallel_run_progress"
STAGE = Stage.POST_EXECUTION
BLOCKING = False
RAISES = ()
POLICY = ("parallel_runs",)


def check(ctx: MigrationContext) -> Iterator[Problem]:
    judged = reconciliation(ctx)
    runs = judged.runs
    streak = 0
    for run in reversed(runs):
        if run.effective > Level.MINOR:
            break
        streak += 1
    summary = (
        f"{len(runs)} parallel run{'s' if len(runs) != 1 else ''}; the current passing streak "
        f"is {streak} of {judged.required} required"
    )
    latest = runs[-1] if runs else None
    where = (
        latest.document.at("/overall_severity")
        if latest
        else Location(path="configs/recon_config.yml")
    )
    if streak < judged.required:
        broken = (
            f"; {latest.run_id} is {latest.effective.name}"
            if latest is not None and latest.effective > Level.MINOR
            else ""
        )
        yield Problem(
            f"{summary}{broken}: cut-over needs {judged.required - streak} more passing run(s)",
            location=where,
            severity=Severity.WARNING,
        )
    else:
        yield Problem(summary, location=where, severity=Severity.NOTICE)
    if judged.unusable:
        yield Problem(
            f"{len(judged.unusable)} run report(s) are not counted: they did not parse or failed "
            f"their schema ({', '.join(judged.unusable[:5])})",
            location=Location(path=judged.unusable[0]),
            severity=Severity.WARNING,
        )
    yield from _gaps(runs, judged.max_interval_hours)


def _gaps(runs: tuple[Run, ...], max_hours: float | None) -> Iterator[Problem]:
    for before, after in itertools.pairwise(runs):
        if before.finished_at is None or after.started_at is None:
            continue
        hours = (after.started_at - before.finished_at).total_seconds() / 3600
        if hours < 0:
            yield Problem(
                f"{after.run_id} started before {before.run_id} finished although its number is "
                "higher: run numbers must follow the order of the runs",
                location=after.document.at("/started_at"),
                severity=Severity.WARNING,
            )
        elif max_hours is not None and hours > max_hours:
            yield Problem(
                f"{fmt(round(hours, 1))} hours passed between {before.run_id} and {after.run_id}, "
                f"more than max_interval_hours {fmt(float(max_hours))}: the runs are not "
                "consecutive",
                location=after.document.at("/started_at"),
                severity=Severity.WARNING,
            )
