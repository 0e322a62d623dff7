"""Verify that every file a migration PR must carry is present, as a plain file.

A reviewer, and every later check, relies on the directory layout of a migration pull request. Required
always: ``.migration_metadata.json`` (MISSING_METADATA), ``plans/signed_plan_{plan_id}.json``
(UNSIGNED_PLAN), the three ``evidence/`` files (EVIDENCE_INCOMPLETE), and the plan summary, the
mapping, the coercion log, the three configs, the recon plan and summary and at least one
``runbooks/*_runbook.md`` (CI_FAILURE). Required when they apply: the manual
decisions file when the coercion log cites a decision; parallel run reports from
PARALLEL_VALIDATED on (``parallel_runs.min_required`` of them to reach CUTOVER_READY); the cutover
and rollback plans when the target is CUTOVER_READY or CUTOVER_DONE; one
``{target}_runbook.md`` per dataset when the policy sets ``runbooks.per_dataset``. Symbolic links
and special files are refused anywhere in the directory: a link could make the suite read, hash
or publish a file from outside the pull request. Each is reported here once, with the blocker of
its place (the metadata's, a signed plan's, ``evidence/``'s, else CI_FAILURE); the checks that
would read it report nothing more about it (one problem, one blocker). Two names that differ only in case or Unicode
normalization are refused too: on macOS and Windows checkouts they are one file, so a reviewer
and the suite could read different contents under the same name.

Passes: every required file is present as a regular file.
Fails: ``evidence/approval_records.json`` is missing; ``plans/signed_plan_plan_789xyz.json`` is a
symbolic link; ``runbooks/`` holds no ``*_runbook.md``; ``plans/Plan_Summary.md`` next to
``plans/plan_summary.md``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from migration_checks import artifacts, states
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Location, Problem, Stage

ID = "file_structure"
STAGE = Stage.STRUCTURAL
BLOCKING = True
RAISES = (
    BlockerId.MISSING_METADATA,
    BlockerId.UNSIGNED_PLAN,
    BlockerId.EVIDENCE_INCOMPLETE,
    BlockerId.CI_FAILURE,
)
POLICY = ("runbooks", "parallel_runs", "limits.max_files")

_ALWAYS = tuple(
    a
    for a in artifacts.ARTIFACTS
    if a.missing_blocker is not None and a is not artifacts.SIGNED_PLAN
)
_MARKDOWN = (artifacts.PLAN_SUMMARY, artifacts.RECON_SUMMARY)


def check(ctx: MigrationContext) -> Iterator[Problem]:
    reported: set[str] = set()
    for artifact in _ALWAYS:
        assert artifact.missing_blocker is not None
        yield from _require_file(ctx, artifact.path, artifact.missing_blocker, reported)
    yield from _signed_plan(ctx, reported)
    for path in _MARKDOWN:
        yield from _require_file(ctx, path, BlockerId.CI_FAILURE, reported)
    yield from _runbooks(ctx, reported)
    yield from _decisions(ctx, reported)
    yield from _state_dependent(ctx, reported)
    yield from _links_and_special_files(ctx, reported)
    yield from _colliding_names(ctx)
    if ctx.tree.truncated_at is not None:
        yield Problem(
            f"the directory holds more than {ctx.tree.truncated_at} files; only that many were listed "
            "(policy limits.max_files)",
            BlockerId.CI_FAILURE,
        )


def _require_file(
    ctx: MigrationContext, path: str, blocker: BlockerId, reported: set[str]
) -> Iterator[Problem]:
    reported.add(path)
    if ctx.tree.is_link(path):
        yield Problem(
            f'"{path}" is a symbolic link; links are refused: commit the file itself',
            blocker,
            Location(path=path),
        )
    elif path in ctx.tree.special:
        yield Problem(f'"{path}" is not a regular file', blocker, Location(path=path))
    elif path not in ctx.tree.files:
        yield Problem(f'required file "{path}" is missing', blocker, Location(path=path))


def _signed_plan(ctx: MigrationContext, reported: set[str]) -> Iterator[Problem]:
    path = ctx.signed_plan_path()
    if path is not None:
        yield from _require_file(ctx, path, BlockerId.UNSIGNED_PLAN, reported)
        return
    candidates = ctx.signed_plan_candidates()
    plan_id = ctx.data("metadata", "/plan_id")
    expected = (
        f"plans/{artifacts.SIGNED_PLAN_PREFIX}{plan_id}.json" if isinstance(plan_id, str) else None
    )
    if not candidates:
        name = expected or "plans/signed_plan_{plan_id}.json"
        yield Problem(
            f'required file "{name}" is missing', BlockerId.UNSIGNED_PLAN, Location(path=name)
        )
    else:
        listed = ", ".join(f'"{c}"' for c in candidates)
        yield Problem(
            f"several signed plans ({listed}) and none is named after the metadata's plan_id; keep only "
            f'"{expected or "plans/signed_plan_{plan_id}.json"}"',
            BlockerId.UNSIGNED_PLAN,
            Location(path="plans"),
        )
    reported.update(candidates)


def _runbooks(ctx: MigrationContext, reported: set[str]) -> Iterator[Problem]:
    runbooks = ctx.tree.glob("runbooks", suffix=artifacts.RUNBOOK_SUFFIX)
    if not runbooks:
        yield Problem(
            'no runbook: "runbooks/" must hold at least one "{dataset}_runbook.md"',
            BlockerId.CI_FAILURE,
            Location(path="runbooks"),
        )
    if not ctx.policy.runbook_per_dataset:
        return
    plan = ctx.usable("signed_plan")
    for dataset in plan.data["plan"]["datasets"] if plan is not None else []:
        yield from _require_file(
            ctx,
            f"runbooks/{dataset['target']}{artifacts.RUNBOOK_SUFFIX}",
            BlockerId.CI_FAILURE,
            reported,
        )


def _decisions(ctx: MigrationContext, reported: set[str]) -> Iterator[Problem]:
    both = [p for p in (artifacts.DECISIONS.path, artifacts.DECISIONS_ALIAS) if p in ctx.tree.files]
    if len(both) == 2:
        yield Problem(
            f'both "{both[0]}" and "{both[1]}" exist; they are one file under two names: keep one',
            BlockerId.CI_FAILURE,
            Location(path=both[1]),
        )
    coercions = ctx.usable("coercions")
    if coercions is None or both:
        return
    for index, coercion in enumerate(coercions.data["coercions"]):
        approval = coercion.get("approval")
        if isinstance(approval, dict) and "decision_id" in approval:
            path = artifacts.DECISIONS.path
            reported.add(path)
            yield Problem(
                f'required file "{path}" is missing: the coercion log cites decision '
                f'"{approval["decision_id"]}"',
                BlockerId.CI_FAILURE,
                coercions.at(f"/coercions/{index}/approval/decision_id"),
            )
            return


def _state_dependent(ctx: MigrationContext, reported: set[str]) -> Iterator[Problem]:
    metadata = ctx.usable("metadata")
    if metadata is None:
        return
    state, target = metadata.data["state"], metadata.data["target_state"]
    if target in ("CUTOVER_READY", "CUTOVER_DONE"):
        for path in (artifacts.CUTOVER_PLAN, artifacts.ROLLBACK_PLAN):
            yield from _require_file(ctx, path, BlockerId.CI_FAILURE, reported)
    if not states.reaches(state, target, "PARALLEL_VALIDATED"):
        return
    runs = ctx.parallel_run_paths()
    needed = 1
    if states.transition_name(state, target) == "PARALLEL_VALIDATED_to_CUTOVER_READY":
        needed = ctx.policy.min_parallel_runs
    if len(runs) < needed:
        yield Problem(
            f"{len(runs)} parallel run report(s) in {artifacts.PARALLEL_RUNS_DIR}/, {needed} required for "
            f"{states.transition_name(state, target)} (run_NNN.json)",
            BlockerId.CI_FAILURE,
            Location(path=artifacts.PARALLEL_RUNS_DIR),
        )


def _links_and_special_files(ctx: MigrationContext, reported: set[str]) -> Iterator[Problem]:
    for link in ctx.tree.symlinks:
        if link not in reported:
            yield Problem(
                f'"{link}" is a symbolic link; links are refused in a migration directory: '
                "commit the file itself",
                blocker_of(link),
                Location(path=link),
            )
    for path in ctx.tree.special:
        if path not in reported:
            yield Problem(f'"{path}" is not a regular file', blocker_of(path), Location(path=path))


def blocker_of(path: str) -> BlockerId:
    """The blocker of a file that is not what it must be, by where it is (the metadata, a signed
    plan, ``evidence/``, anything else): the later checks that read it report nothing more."""
    if path == artifacts.METADATA.path:
        return BlockerId.MISSING_METADATA
    if path.startswith(f"plans/{artifacts.SIGNED_PLAN_PREFIX}"):
        return BlockerId.UNSIGNED_PLAN
    if path.startswith("evidence/"):
        return BlockerId.EVIDENCE_INCOMPLETE
    return BlockerId.CI_FAILURE


def _colliding_names(ctx: MigrationContext) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for path in sorted([*ctx.tree.files, *ctx.tree.symlinks, *ctx.tree.special]):
        folded = unicodedata.normalize("NFC", path).casefold()
        if folded in seen:
            yield Problem(
                f'"{path}" and "{seen[folded]}" differ only in case or Unicode normalization; on '
                "macOS and Windows they are one file: rename one",
                BlockerId.CI_FAILURE,
                Location(path=path),
            )
        else:
            seen[folded] = path
