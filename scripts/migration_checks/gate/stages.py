"""Which stages the gate requires, and whether each one really ran (SPEC section 6.1).

The stages a migration must pass come from the base policy (``gate.required_stages``, default all
six) and the suite's own applicability rule (stage 6 only where the state anchored to the base is
EXECUTED or later, or ``parallel_runs/`` holds runs); ``ci_checks_required`` in the metadata, which
the pull request's author writes, can only add stages. Labels decide nothing.

For every required stage of every migration directory, the gate needs the stage's result for that
directory (the stage job's ``--result-file``) and, where the workflow passes them (``--jobs``, the
``toJSON(needs)`` of the gate job), the stage job's own result. A missing result, a job that ended
``skipped`` or ``cancelled``, or one that ``failed`` without a blocker of its own that explains it,
blocks with CI_FAILURE naming the stage and the directory. Job results are the authority: a result
file is data a job uploaded, and a job that ran the pull request's code (stage 3) could upload any.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from migration_checks import anchoring
from migration_checks.catalogue import SPEC_CHECKS, expand_required
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.gate.results import StageResults, migration_key
from migration_checks.model import Finding, Stage, make_finding

ALL_STAGES = tuple(int(stage) for stage in Stage)
CHECK = "required_stages"


def required_stages(ctx: MigrationContext, metadata: Document | None) -> dict[int, str]:
    """Each required stage of the migration, with why it is required."""
    listed: Any = ctx.policy.setting("gate", "required_stages")
    from_policy = [int(n) for n in listed] if listed is not None else list(ALL_STAGES)
    required: dict[int, str] = {}
    for number in from_policy:
        if number == int(Stage.POST_EXECUTION) and anchoring.post_execution_not_applicable(ctx):
            continue
        required[number] = "the policy requires it"
    if metadata is not None:
        for name in metadata.data.get("ci_checks_required", []):
            for check_id in expand_required(name) or []:
                required.setdefault(int(SPEC_CHECKS[check_id][0]), "ci_checks_required names it")
    return dict(sorted(required.items()))


def judge_stages(
    ctx: MigrationContext,
    metadata: Document | None,
    results: StageResults,
    jobs: Mapping[int, str] | None,
) -> Iterator[Finding]:
    """CI_FAILURE for every required stage of this directory that did not verifiably run."""
    project_id = metadata.get("/project_id") if metadata is not None else None
    key = migration_key(project_id if isinstance(project_id, str) else None, ctx.display_path)
    outcomes = results.outcomes.get(key, [])
    for number, why in required_stages(ctx, metadata).items():
        stage = Stage(number)
        reported = [o for o in outcomes if o.stage == number]
        problem = _problem(number, reported, jobs)
        if problem is not None:
            yield make_finding(
                CHECK,
                number,
                f'stage {number} ({stage.title}) is required for "{ctx.display_path}" ({why}) '
                f"but {problem}",
            )


def judge_discover_job(result: str | None, own: Sequence[Finding]) -> Iterator[Finding]:
    """CI_FAILURE when the workflow's discover job did not succeed and the gate's own discovery
    (``own``) does not say why: the stage jobs checked what it found, or nothing."""
    if result is None or result == "success":
        return
    if result == "failure" and any(f.blocker is not None for f in own):
        return  # e.g. two migration directories: the gate's own finding names them
    yield make_finding(
        "discovery",
        None,
        f"the discover job ended {result}, so the stage jobs did not check the pull request's "
        "migration directory (see the discover job's log)",
    )


def _problem(number: int, reported: list[Any], jobs: Mapping[int, str] | None) -> str | None:
    explained = any(f.blocker is not None for outcome in reported for f in outcome.findings)
    if jobs is not None:
        result = jobs.get(number)
        if result is None:
            return f"the workflow has no stage {number} job (stage_{number}) among the gate's needs"
        if result in ("skipped", "cancelled"):
            return f"its job ended {result}"
        if result == "failure" and not explained:
            return "its job failed without a finding that says why (see the job's log)"
        if result not in ("success", "failure"):
            return f'its job ended "{result}"'
    if not reported:
        return "no result of it for this directory reached the gate (--results)"
    return None
