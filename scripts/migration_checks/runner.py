"""Running the registered checks over migration directories and collecting their outcomes.

The runner owns what no check may decide for itself: whether a stage applies, how a problem
becomes a finding (id, stage, severity, resolution), what a crash means (status ``error`` with a
CI_FAILURE finding, the other checks still run) and how ``ci_checks_required`` is judged.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from migration_checks import __version__, states
from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.catalogue import SPEC_CHECKS, expand_required
from migration_checks.checks.stage3_code_quality import _isolation as isolation
from migration_checks.context import MigrationContext, Skip
from migration_checks.discovery import discover
from migration_checks.model import (
    CheckOutcome,
    Finding,
    Location,
    MigrationResult,
    Problem,
    RunResult,
    Severity,
    Stage,
    Status,
    fails,
)
from migration_checks.policy import Policy
from migration_checks.registry import Check, for_stages

ALL_STAGES: tuple[int, ...] = tuple(int(stage) for stage in Stage)


def run(
    paths: Sequence[Path],
    policy: Policy,
    *,
    stages: Sequence[int] = ALL_STAGES,
    allow_empty: bool = False,
) -> RunResult:
    stage_list = tuple(sorted(set(stages)))
    checks = for_stages(stage_list)
    directories: list[Path] = []
    run_findings = []
    for path in paths:
        found = discover(path)
        if not found:
            run_findings.append(_nothing_found(path, allow_empty=allow_empty))
        directories.extend(found)
    migrations = run_migrations(directories, policy, checks, stage_list)
    return RunResult(
        tool_version=__version__,
        policy_version=policy.version,
        stages=stage_list,
        roots=tuple(display_path(path) for path in paths),
        migrations=tuple(migrations),
        findings=tuple(run_findings),
    )


def _nothing_found(path: Path, *, allow_empty: bool) -> Finding:
    message = (
        f'no migration-pr-* directory found under "{display_path(path)}"; nothing was examined'
    )
    if allow_empty:
        return make_finding("discovery", None, message, blocker=None, severity=Severity.NOTICE)
    return make_finding(
        "discovery",
        None,
        f"{message}; pass the directory that holds the migration, or --allow-empty",
    )


def make_finding(
    check: str,
    stage: int | None,
    message: str,
    *,
    blocker: BlockerId | None = BlockerId.CI_FAILURE,
    severity: Severity | None = None,
    location: Location | None = None,
) -> Finding:
    """A finding of the engine itself (the runner, the gate), where no check stamps one."""
    return Finding(
        check=check,
        stage=stage,
        blocker=blocker,
        severity=severity or (Severity.ERROR if blocker else Severity.WARNING),
        message=message,
        location=location,
        resolution=BLOCKERS[blocker].resolution if blocker else None,
    )


def display_path(path: Path) -> str:
    """A path as reports show it: relative to the working directory when below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return Path(relative).as_posix() if not relative.startswith("..") else path.as_posix()


def run_migrations(
    directories: Sequence[Path], policy: Policy, checks: Sequence[Check], stages: Sequence[int]
) -> list[MigrationResult]:
    """Every directory's checks, the stage that runs the pull request's code last (SPEC §6.1).

    Stage 3 runs the PR's tests, conftest.py and plugins, which could rewrite what another stage
    reads. So stages 1, 2, 4, 5 and 6 of every directory fix their results first, each
    directory's context staying open; then Stage 3 runs directory by directory, or, while the
    environment holds a secret the PR's code could read, refuses with one CI_FAILURE per
    directory (``stage3_code_quality._isolation``). Results list the checks in registry order.
    """
    runs_pr_code = [check for check in checks if check.stage is Stage.CODE_QUALITY]
    opened: list[tuple[MigrationContext, dict[str, CheckOutcome], list[Finding]]] = []
    try:
        for directory in directories:
            ctx = MigrationContext(directory.resolve(), display_path(directory), policy)
            outcomes: dict[str, CheckOutcome] = {}
            opened.append((ctx, outcomes, []))
            for check in checks:
                if check.stage is not Stage.CODE_QUALITY:
                    outcomes[check.id] = run_check(check, ctx)
        refused = isolation.refusal(os.environ) if runs_pr_code else None
        with isolation.pr_code_stage():
            for ctx, outcomes, extra in opened:
                try:
                    for check in runs_pr_code:
                        outcomes[check.id] = (
                            run_check(check, ctx) if refused is None else _refused(check)
                        )
                finally:
                    ctx.close()  # what the checks opened, such as the dry run's session
                if refused is not None:
                    extra.append(make_finding("stage_3", int(Stage.CODE_QUALITY), refused))
    finally:
        for ctx, _, _ in opened:
            ctx.close()
    return [
        migration_result(ctx, [outcomes[check.id] for check in checks], stages, extra)
        for ctx, outcomes, extra in opened
    ]


def _refused(check: Check) -> CheckOutcome:
    """A Stage 3 check that did not run: the directory's one refusal finding says why."""
    return CheckOutcome(
        check_id=check.id,
        stage=int(check.stage),
        blocking=check.blocking,
        status=Status.SKIPPED,
        duration_ms=0,
        reason="stage 3 refused to run while the environment holds secrets (see its finding)",
        skipped_after_failure=True,
    )


def migration_result(
    ctx: MigrationContext,
    outcomes: list[CheckOutcome],
    stages: Sequence[int],
    findings: Sequence[Finding] = (),
) -> MigrationResult:
    extra = [*findings, *judge_required_checks(ctx, outcomes, stages)]
    return MigrationResult(
        path=ctx.display_path,
        project_id=_text(ctx.data("metadata", "/project_id")),
        state=_text(ctx.data("metadata", "/state")),
        target_state=_text(ctx.data("metadata", "/target_state")),
        outcomes=tuple(outcomes),
        files_parsed=ctx.files_parsed,
        extra_findings=tuple(extra),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def stage_not_applicable(stage: Stage, ctx: MigrationContext) -> str | None:
    """Why a whole stage does not apply to this migration, or None when it does."""
    if stage is Stage.POST_EXECUTION:
        state = _text(ctx.data("metadata", "/state"))
        if (
            state is None or states.rank(state) < states.rank("EXECUTED")
        ) and not ctx.parallel_run_paths():
            return (
                f"stage 6 applies from EXECUTED on, or when reconciliation/parallel_runs/ holds runs; "
                f"the plan is {state or 'in an unknown state'} and has no parallel runs"
            )
    return None


def run_check(check: Check, ctx: MigrationContext) -> CheckOutcome:
    started = time.perf_counter()
    reason = stage_not_applicable(check.stage, ctx)
    findings: list[Finding] = []
    status = Status.PASSED
    after_failure = True
    try:
        if reason is None and check.applies is not None:
            reason = check.applies(ctx)
        if reason is not None:
            status = Status.NOT_APPLICABLE
        else:
            findings = [stamp(check, problem) for problem in check.run(ctx)]
            status = _status(check, findings)
    except Skip as skip:
        status, reason, after_failure = Status.SKIPPED, skip.reason, skip.after_failure
    except Exception as exc:  # crash isolation: one broken check must not hide the others
        status = Status.ERROR
        findings.append(_crash_finding(check, exc))
    return CheckOutcome(
        check_id=check.id,
        stage=int(check.stage),
        blocking=check.blocking,
        status=status,
        duration_ms=round((time.perf_counter() - started) * 1000),
        reason=reason,
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        skipped_after_failure=status is Status.SKIPPED and after_failure,
    )


def stamp(check: Check, problem: Problem) -> Finding:
    """Turn a check's problem into a finding; the check's declared blockers are enforced here."""
    if problem.blocker is not None and problem.blocker not in check.raises:
        raise RuntimeError(f"check {check.id} raised {problem.blocker}, which it does not declare")
    return Finding(
        check=check.id,
        stage=int(check.stage),
        blocker=problem.blocker,
        severity=problem.severity_in(check.blocking),
        message=problem.message,
        location=problem.location,
        resolution=BLOCKERS[problem.blocker].resolution if problem.blocker else None,
        series=problem.series,
    )


def _status(check: Check, findings: list[Finding]) -> Status:
    return Status.FAILED if fails(check.blocking, findings) else Status.PASSED


def _crash_finding(check: Check, exc: Exception) -> Finding:
    # Exception texts can quote input values (a secret among them), so only the type and the
    # place in the suite's code are reported.
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "migration_checks" in f.filename] or frames
    where = ""
    if ours:
        last = ours[-1]
        where = f" at {Path(last.filename).name}:{last.lineno}"
    return make_finding(
        check.id,
        int(check.stage),
        f'error in "{check.id}" check: internal {type(exc).__name__}{where}; please report it',
    )


def judge_required_checks(
    ctx: MigrationContext, outcomes: Sequence[CheckOutcome], stages: Sequence[int]
) -> list[Finding]:
    """CI_FAILURE for each check the metadata requires that did not run to a verdict.

    A required check is satisfied when it passed, or failed with its own blocker (which already
    stands). It is a CI_FAILURE when it could not apply, was skipped for a reason other than an
    earlier failure, or does not exist in this version. Only the stages of this run are judged.
    """
    metadata = ctx.document("metadata")
    if metadata is None or ctx.schema_problems("metadata"):
        return []
    by_id = {outcome.check_id: outcome for outcome in outcomes}
    findings = []
    for index, name in enumerate(metadata.data["ci_checks_required"]):
        for check_id in expand_required(name) or []:
            stage = SPEC_CHECKS[check_id][0]
            if int(stage) not in stages:
                continue
            problem = _required_problem(check_id, by_id.get(check_id))
            if problem is not None:
                findings.append(
                    make_finding(
                        check_id,
                        int(stage),
                        f'"{check_id}" is required by ci_checks_required but {problem}',
                        location=metadata.at(f"/ci_checks_required/{index}"),
                    )
                )
    return findings


def _required_problem(check_id: str, outcome: CheckOutcome | None) -> str | None:
    if outcome is None:
        return "it did not run"
    if outcome.status is Status.NOT_APPLICABLE:
        return f"it does not apply: {outcome.reason}"
    if outcome.status is Status.SKIPPED and not outcome.skipped_after_failure:
        return f"it was skipped: {outcome.reason}"
    if outcome.status is Status.FAILED and not any(f.blocker for f in outcome.findings):
        return "it reported findings"
    return None
