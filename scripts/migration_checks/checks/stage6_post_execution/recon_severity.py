"""Judge the latest parallel run by its values: CRITICAL blocks, MAJOR blocks until acknowledged.

The latest run is ``reconciliation/parallel_runs/run_NNN.json`` with the highest NNN. Its
severity is not taken on trust: each result's severity is recomputed from its source and target
values against the check's tolerance in ``configs/recon_config.yml`` and the policy's
``reconciliation.critical_relative`` (see reconciliation.py), and the run is judged by the worst
of what it states and what its values give. A report that states a milder severity than its
values is judged by its values, and a warning says so. A CRITICAL result is RECON_CRITICAL.
A MAJOR result is RECON_MAJOR_UNACK unless the run is acknowledged: ``acknowledged: true`` with
an ``acknowledgement`` naming who (``by``), when (``at``, not before the run finished and not in
the future) and why (``reason``). An acknowledgement never covers a CRITICAL result. A result
whose check is not in ``recon_config.yml`` is judged with no tolerance, with a warning.
Values are compared exactly, never through a float: checksums 18446744073709551557
and 18446744073709551515 differ, and so do sums 0.1000000000000000055 and 0.1. Messages show
the values as written; a relative difference rounded for display is marked ``≈``.

Passes: the latest run's results all within tolerance; a MAJOR run acknowledged by a named
person after it finished, with a reason.
Fails: ``orders_rows`` with source 1000 and target 900 (10% > 5%: CRITICAL) even when the
report says PASS; a MAJOR result with ``acknowledged: false``; ``acknowledged: true`` without an
acknowledgement, or acknowledged before the run finished; checksums 18446744073709551557 and
18446744073709551515 with no tolerance (MAJOR: they differ by 42, which a float does not see).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext, Skip
from migration_checks.model import Problem, Severity, Stage
from migration_checks.reconciliation import (
    SHOWN_DIGITS,
    VALUE_DIGITS_SHOWN,
    Judged,
    Level,
    Run,
    fmt,
    reconciliation,
    timestamp,
)

ID = "recon_severity"
STAGE = Stage.POST_EXECUTION
BLOCKING = True
RAISES = (BlockerId.RECON_CRITICAL, BlockerId.RECON_MAJOR_UNACK)


def check(ctx: MigrationContext) -> Iterator[Problem]:
    judged = reconciliation(ctx)
    latest_path = ctx.parallel_run_paths()[-1] if ctx.parallel_run_paths() else None
    if latest_path is None:
        yield Problem(
            "no parallel run yet: reconciliation/parallel_runs/ holds no run_NNN.json",
            severity=Severity.NOTICE,
        )
        return
    run = judged.latest
    if run is None or run.path != latest_path:
        raise Skip(f"the latest run, {latest_path}, is not usable (stage 1 says why)")
    yield from _understated(run)
    critical = [r for r in run.results if r.effective is Level.CRITICAL]
    major = [r for r in run.results if r.effective is Level.MAJOR]
    for result in critical:
        yield Problem(
            f"{_name(result)} is CRITICAL in {run.run_id}: {_values(result)}",
            BlockerId.RECON_CRITICAL,
            run.document.at(f"/results/{result.index}"),
        )
    if run.stated is Level.CRITICAL and not critical:
        yield Problem(
            f"{run.run_id} states overall_severity CRITICAL",
            BlockerId.RECON_CRITICAL,
            run.document.at("/overall_severity"),
        )
    if not major and not (run.stated is Level.MAJOR and not critical):
        return
    missing = _acknowledgement_problem(run)
    if missing is None:
        return
    for result in major:
        yield Problem(
            f"{_name(result)} is MAJOR in {run.run_id} and the run is not acknowledged "
            f"({missing}): {_values(result)}",
            BlockerId.RECON_MAJOR_UNACK,
            run.document.at(f"/results/{result.index}"),
        )
    if not major:
        yield Problem(
            f"{run.run_id} states overall_severity MAJOR and is not acknowledged ({missing})",
            BlockerId.RECON_MAJOR_UNACK,
            run.document.at("/overall_severity"),
        )


def _understated(run: Run) -> Iterator[Problem]:
    for result in run.results:
        if not result.known_check:
            yield Problem(
                f'result "{result.check_id}" of {run.run_id} names no check of '
                "configs/recon_config.yml, so it is judged with no tolerance",
                location=run.document.at(f"/results/{result.index}/check_id"),
                severity=Severity.WARNING,
            )
        if result.recomputed > result.stated:
            yield Problem(
                f"{_name(result)} states {result.stated.name} but its values give "
                f"{result.recomputed.name} ({_values(result)}): the report understates it and "
                "is judged by its values",
                location=run.document.at(f"/results/{result.index}/severity"),
                severity=Severity.WARNING,
            )
    if run.effective > run.stated:
        yield Problem(
            f"{run.run_id} states overall_severity {run.stated.name} but its results give "
            f"{run.effective.name}: the report understates it and is judged by its results",
            location=run.document.at("/overall_severity"),
            severity=Severity.WARNING,
        )


def _acknowledgement_problem(run: Run) -> str | None:
    """Why the run's acknowledgement does not count, or None when it does."""
    if not run.acknowledged:
        return "acknowledged is not true"
    given = run.acknowledgement
    if given is None:
        return "acknowledged is true but no acknowledgement says who, when and why"
    blank = [field for field in ("by", "at", "reason") if not str(given.get(field, "")).strip()]
    if blank:
        return f"the acknowledgement's {' and '.join(blank)} is blank"
    at = timestamp(given["at"])
    if at is None:
        return "the acknowledgement's time cannot be read"
    if run.finished_at is not None and at < run.finished_at:
        return f"it was acknowledged at {given['at']}, before the run finished"
    if at > datetime.now(UTC):
        return f"it is acknowledged at {given['at']}, in the future"
    return None


def _name(result: Judged) -> str:
    return f'check "{result.check_id}" on {result.dataset}'


def _values(result: Judged) -> str:
    inexact = (
        ""
        if result.exact
        else "; the values have too many digits to be compared exactly, so they are judged CRITICAL"
    )
    return (
        f"source {fmt(result.source, VALUE_DIGITS_SHOWN)}, "
        f"target {fmt(result.target, VALUE_DIGITS_SHOWN)}, relative difference "
        f"{fmt(result.relative, SHOWN_DIGITS)} (tolerance: {result.tolerance.describe()}){inexact}"
    )
