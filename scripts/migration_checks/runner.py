"""Running the registered checks over migration directories and collecting their outcomes.

The runner owns what no check may decide for itself: whether a stage applies, how a problem
becomes a finding (id, stage, severity, resolution), what a crash means (status ``error`` with a
CI_FAILURE finding, the other checks still run) and how ``ci_checks_required`` is judged.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from migration_checks import __version__, enforcement, waivers
from migration_checks.blockers import BLOCKERS
from migration_checks.catalogue import SPEC_CHECKS, expand_required
from migration_checks.context import MigrationContext, Skip
from migration_checks.discovery import Discovery, discover_all
from migration_checks.git_base import BaseCommit, view_of
from migration_checks.model import (
    CheckOutcome,
    Finding,
    MigrationResult,
    Problem,
    RunResult,
    Severity,
    Stage,
    Status,
    display_path,
    fails,
    make_finding,
    redact_location,
)
from migration_checks.policy import Policy
from migration_checks.redaction import redact
from migration_checks.registry import STAGES, Check, for_stages

ALL_STAGES: tuple[int, ...] = tuple(int(stage) for stage in Stage)
# Stage 3 runs the pull request's own code (tests, plugins), so every other stage of every
# directory fixes its result first: that code cannot change what they read (SPEC 6.1).
EXECUTION_ORDER: tuple[Stage, ...] = tuple(
    sorted(Stage, key=lambda stage: (stage is Stage.CODE_QUALITY, stage))
)


def run(
    paths: Sequence[Path],
    policy: Policy,
    *,
    stages: Sequence[int] = ALL_STAGES,
    allow_empty: bool = False,
    base: BaseCommit | None = None,
    now: datetime | None = None,
) -> RunResult:
    """Run ``stages`` over every migration directory under ``paths``.

    ``now`` (default: the current time) decides which waivers have expired and whether a check
    in evaluate mode blocks yet (from its date, in UTC).
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stage_list = tuple(sorted(set(stages)))
    found = discover_all(paths, base)
    run_findings = list(found.findings)
    if base is not None and base.resolution is not None:
        run_findings.append(
            make_finding("discovery", None, base.resolution, blocker=None, severity=Severity.NOTICE)
        )
    if not found.directories:
        run_findings.append(_nothing_found(paths, found, allow_empty=allow_empty))
    contexts = [
        MigrationContext(
            directory.resolve(), display_path(directory), policy, view_of(base, directory)
        )
        for directory in found.directories
    ]
    # Read before any stage runs: stage 3 runs the pull request's code, which could rewrite it.
    loaded = [_waivers(ctx, moment) for ctx in contexts]
    outcomes: list[dict[str, CheckOutcome]] = [{} for _ in contexts]
    stage_findings: list[list[Finding]] = [[] for _ in contexts]
    try:
        for stage in EXECUTION_ORDER:
            if int(stage) in stage_list:
                _run_stage(stage, contexts, outcomes, stage_findings)
    finally:
        for ctx in contexts:
            ctx.close()  # what the checks opened for this directory, such as a database session
    ordered = [check.id for check in for_stages(stage_list)]
    return RunResult(
        tool_version=__version__,
        policy_version=policy.version,
        stages=stage_list,
        roots=tuple(display_path(path) for path in paths),
        migrations=tuple(
            _migration_result(
                ctx,
                *_settle(ctx, [done[c] for c in ordered], stage_list, moment, w),
                stage_list,
                extra,
            )
            for ctx, done, extra, w in zip(contexts, outcomes, stage_findings, loaded, strict=True)
        ),
        findings=tuple(run_findings),
    )


def _run_stage(
    stage: Stage,
    contexts: Sequence[MigrationContext],
    outcomes: Sequence[dict[str, CheckOutcome]],
    stage_findings: Sequence[list[Finding]],
) -> None:
    """One stage over every directory, within what the stage declares (``registry.StageHooks``):
    a stage that refuses to run in this process gives each directory one CI_FAILURE saying why,
    its checks skipped because of it."""
    hooks = STAGES[stage]
    checks = for_stages([int(stage)])
    refused = hooks.refuses() if hooks.refuses is not None else None
    confined = hooks.confined() if hooks.confined is not None else contextlib.nullcontext([])
    with confined as undone:
        for ctx, done, extra in zip(contexts, outcomes, stage_findings, strict=True):
            if refused is not None:
                stage_outcomes = [_refused(check) for check in checks]
                extra.append(make_finding(f"stage_{int(stage)}", int(stage), refused))
            else:
                stage_outcomes = [run_check(check, ctx) for check in checks]
                if hooks.finish is not None:
                    hooks.finish(ctx, stage_outcomes)
            done.update((outcome.check_id, outcome) for outcome in stage_outcomes)
    for extra in stage_findings:
        extra.extend(make_finding(f"stage_{int(stage)}", int(stage), text) for text in undone)


def _refused(check: Check) -> CheckOutcome:
    """A check of a refused stage: the directory's one refusal finding says why."""
    return CheckOutcome(
        check_id=check.id,
        stage=int(check.stage),
        blocking=check.blocking,
        status=Status.SKIPPED,
        duration_ms=0,
        reason=f"stage {int(check.stage)} refused to run here (see its finding)",
        skipped_after_failure=True,
    )


def _nothing_found(paths: Sequence[Path], found: Discovery, *, allow_empty: bool) -> Finding:
    if found.changed_only:
        message = "the pull request changes no migration-pr-* directory; nothing was examined"
    else:
        where = ", ".join(f'"{display_path(path)}"' for path in paths)
        message = f"no migration-pr-* directory found under {where}; nothing was examined"
    if allow_empty:
        return make_finding("discovery", None, message, blocker=None, severity=Severity.NOTICE)
    return make_finding(
        "discovery",
        None,
        f"{message}; pass the directory that holds the migration, or --allow-empty",
    )


def _waivers(ctx: MigrationContext, now: datetime) -> waivers.Waivers:
    present = waivers.FILE in ctx.tree.files or ctx.tree.is_link(waivers.FILE)
    return waivers.load(
        ctx.usable("waivers") if present else None, ctx.policy, now, present=present
    )


def _settle(
    ctx: MigrationContext,
    outcomes: list[CheckOutcome],
    stages: Sequence[int],
    now: datetime,
    loaded: waivers.Waivers,
) -> tuple[list[CheckOutcome], list[Finding]]:
    """The policy's evaluate mode, then the waivers of the pull request: ``check`` verifies no
    approval, so a waived finding is marked pending and still blocks (see waivers.py)."""
    policy = ctx.policy
    outcomes = enforcement.soften(outcomes, policy, now.date())
    outcomes, found = waivers.apply(
        outcomes,
        loaded,
        approved=None,
        max_findings=policy.waiver_max_findings,
        stages=stages,
    )
    return outcomes, [
        *(f for f in loaded.problems if f.stage in stages),
        *found,
        *enforcement.unjudged(outcomes),
    ]


def _migration_result(
    ctx: MigrationContext,
    outcomes: list[CheckOutcome],
    waiver_findings: list[Finding],
    stages: Sequence[int],
    findings: Sequence[Finding] = (),
) -> MigrationResult:
    return MigrationResult(
        path=ctx.display_path,
        project_id=_text(ctx.data("metadata", "/project_id")),
        state=_text(ctx.data("metadata", "/state")),
        target_state=_text(ctx.data("metadata", "/target_state")),
        outcomes=tuple(outcomes),
        files_parsed=ctx.files_parsed,
        extra_findings=(
            *findings,
            *waiver_findings,
            *judge_required_checks(ctx, outcomes, stages),
        ),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def run_check(check: Check, ctx: MigrationContext) -> CheckOutcome:
    started = time.perf_counter()
    stage_applies = STAGES[check.stage].applies
    reason: str | None = None
    findings: list[Finding] = []
    status = Status.PASSED
    after_failure = True
    try:
        if stage_applies is not None:
            reason = stage_applies(ctx)
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
        message=redact(problem.message),
        location=redact_location(problem.location),
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
