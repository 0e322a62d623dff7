"""Verify that identifiers and versions agree across the metadata, the plan, file names and configs.

A PR whose metadata, plan and configs describe different migrations cannot be reviewed as one.
The directory is ``migration-pr-{project_id}``; the plan file is ``signed_plan_{plan_id}.json``;
``project_id``, ``plan_id``, ``plan_version``, ``archetype_id`` and ``policy_version`` agree
between the metadata and the plan; ``target_state`` is ``state`` or its direct successor; every
``ci_checks_required`` entry names a known check, stage or alias; the plan summary names the
plan; the migration config, recon plan, profiling report and parallel runs name the same
project and plan; the mapping maps exactly the plan's datasets; ``execution.waves``, when given,
lists exactly the plan's datasets, each in the plan's wave. The ``state`` is anchored to the
base commit (``anchoring``): where the directory exists there it equals the base's
``target_state``, and a new directory starts at an initial state of the base policy; without a
base commit a notice says the state was not verified.

Passes: metadata and plan both say ``plan_789xyz`` version 3, in ``migration-pr-proj_abc123def456``.
Fails: the metadata says ``plan_version`` 3 and the plan 2; ``state`` PLANNED with
``target_state`` PARALLEL_VALIDATED; ``state`` CUTOVER_DONE where the base commit leaves the
migration at PLANNED; a dataset of the plan missing from the mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migration_checks import anchoring, artifacts, states
from migration_checks.blockers import BlockerId
from migration_checks.catalogue import expand_required
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.fs import UnsafePath
from migration_checks.model import Location, Problem, Severity, Stage

ID = "metadata_consistency"
STAGE = Stage.STRUCTURAL
BLOCKING = True
RAISES = (BlockerId.SCHEMA_VALIDATION_FAILED,)
POLICY = ("lifecycle",)

_FAILED = BlockerId.SCHEMA_VALIDATION_FAILED
_PLAN_FIELDS = ("project_id", "plan_id", "plan_version", "archetype_id", "policy_version")


def check(ctx: MigrationContext) -> Iterator[Problem]:
    metadata = ctx.require("metadata")
    meta = metadata.data
    yield from _directory_and_transition(ctx, metadata)
    for index, name in enumerate(meta["ci_checks_required"]):
        if expand_required(name) is None:
            yield Problem(
                f'ci_checks_required names "{name}", which is no check id, stage name or alias '
                '(the README\'s "Checks" table lists the checks)',
                _FAILED,
                metadata.at(f"/ci_checks_required/{index}"),
            )
    if meta["blockers"]:
        yield Problem(
            f"the metadata declares blockers {', '.join(meta['blockers'])}; the checks recompute blockers "
            "and do not take them from the metadata",
            severity=Severity.NOTICE,
            location=metadata.at("/blockers"),
        )
    plan = ctx.usable("signed_plan")
    if plan is not None:
        yield from _plan_agrees(ctx, metadata, plan)
    yield from _summary_names_plan(ctx, meta["plan_id"])
    yield from _others_agree(ctx, meta, plan)


def _directory_and_transition(ctx: MigrationContext, metadata: Document) -> Iterator[Problem]:
    meta = metadata.data
    expected_dir = f"{artifacts.MIGRATION_DIR_PREFIX}{meta['project_id']}"
    if ctx.dir_name != expected_dir:
        yield Problem(
            f'directory is "{ctx.dir_name}" but the metadata\'s project_id calls for "{expected_dir}"',
            _FAILED,
            metadata.at("/project_id"),
        )
    state, target = meta["state"], meta["target_state"]
    if not states.is_legal_transition(state, target):
        successor = (
            states.STATES[states.rank(state) + 1]
            if states.rank(state) + 1 < len(states.STATES)
            else None
        )
        allowed = f'"{state}"' + (f' or "{successor}"' if successor else "")
        yield Problem(
            f"illegal transition {state} -> {target}: target_state must be {allowed}",
            _FAILED,
            metadata.at("/target_state"),
        )
    if not ctx.base:
        yield Problem(
            anchoring.UNVERIFIED, severity=Severity.NOTICE, location=metadata.at("/state")
        )
        return
    problem = anchoring.state_problem(ctx, state)
    if problem is not None:
        yield Problem(f"illegal transition: {problem}", _FAILED, metadata.at("/state"))


def _plan_agrees(ctx: MigrationContext, metadata: Document, plan: Document) -> Iterator[Problem]:
    meta = metadata.data
    expected_name = f"plans/{artifacts.SIGNED_PLAN_PREFIX}{meta['plan_id']}.json"
    if plan.path != expected_name:
        yield Problem(
            f'the signed plan is "{plan.path}" but the metadata\'s plan_id calls for "{expected_name}"',
            _FAILED,
            Location(path=plan.path),
        )
    for field in _PLAN_FIELDS:
        yield from _agree(field, meta[field], plan, f"/plan/{field}", "the metadata")


def _agree(
    field: str, expected: Any, document: Document, ptr: str, source: str
) -> Iterator[Problem]:
    found = document.get(ptr)
    if found != expected:
        yield Problem(
            f"{field}: expected {_show(expected)} as in {source}, found {_show(found)}",
            _FAILED,
            document.at(ptr),
        )


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else "nothing" if value is None else str(value)


def _summary_names_plan(ctx: MigrationContext, plan_id: str) -> Iterator[Problem]:
    path = artifacts.PLAN_SUMMARY
    if path not in ctx.tree.files:
        return  # file_structure reports it
    try:
        text = ctx.read_bytes(path).decode("utf-8", "replace")
    except (OSError, UnsafePath, ValueError):
        return
    if plan_id not in text:
        yield Problem(
            f'the plan summary does not name the plan "{plan_id}"',
            _FAILED,
            Location(path=path, line=1),
        )


def _others_agree(
    ctx: MigrationContext, meta: dict[str, Any], plan: Document | None
) -> Iterator[Problem]:
    config = ctx.usable("migration_config")
    if config is not None:
        for field in ("project_id", "archetype_id"):
            yield from _agree(field, meta[field], config, f"/{field}", "the metadata")
    for name in ("recon_plan", "profiling_report"):
        document = ctx.usable(name)
        if document is not None:
            yield from _agree("plan_id", meta["plan_id"], document, "/plan_id", "the metadata")
    for path in ctx.parallel_run_paths():
        run = ctx.parse(path)
        if isinstance(run, Document) and not ctx.run_schema_problems(path):
            yield from _agree("plan_id", meta["plan_id"], run, "/plan_id", "the metadata")
    if plan is None:
        return
    datasets = plan.data["plan"]["datasets"]
    mapping = ctx.usable("mapping")
    if mapping is not None:
        yield from _mapping_covers_plan(mapping, plan, datasets)
    if config is not None and "waves" in config.data["execution"]:
        yield from _waves_match_plan(config, datasets)


def _mapping_covers_plan(
    mapping: Document, plan: Document, datasets: list[dict[str, Any]]
) -> Iterator[Problem]:
    mapped = {
        entry["source"]: (index, entry["target"])
        for index, entry in enumerate(mapping.data["datasets"])
    }
    for index, dataset in enumerate(datasets):
        name = dataset["name"]
        if name not in mapped:
            yield Problem(
                f'dataset "{name}" of the plan is not in the mapping (contracts/schema_mapping.yml)',
                _FAILED,
                plan.at(f"/plan/datasets/{index}/name"),
            )
        elif mapped[name][1] != dataset["target"]:
            yield Problem(
                f'dataset "{name}": expected target "{dataset["target"]}" as in the plan, found '
                f'"{mapped[name][1]}"',
                _FAILED,
                mapping.at(f"/datasets/{mapped[name][0]}/target"),
            )
    planned = {dataset["name"] for dataset in datasets}
    for source, (index, _) in mapped.items():
        if source not in planned:
            yield Problem(
                f'the mapping maps dataset "{source}", which is not in the plan',
                _FAILED,
                mapping.at(f"/datasets/{index}/source"),
            )


def _waves_match_plan(config: Document, datasets: list[dict[str, Any]]) -> Iterator[Problem]:
    planned_wave = {dataset["name"]: dataset.get("wave") for dataset in datasets}
    # The plan may name a dataset by its source or its target; both are accepted in waves.
    by_target = {dataset["target"]: dataset["name"] for dataset in datasets}
    seen: set[str] = set()
    for w, wave in enumerate(config.data["execution"]["waves"]):
        for d, listed in enumerate(wave["datasets"]):
            name = listed if listed in planned_wave else by_target.get(listed)
            if name is None:
                message = (
                    f'wave "{wave["id"]}" lists "{listed}", which is not a dataset of the plan'
                )
            elif name in seen:
                message = f'dataset "{listed}" is listed in more than one wave'
            elif planned_wave[name] not in (None, wave["id"]):
                message = f'dataset "{listed}": expected wave "{planned_wave[name]}" as in the plan, found "{wave["id"]}"'
            else:
                seen.add(name)
                continue
            seen.add(name or listed)
            # Positions cost a second parse of the file: only a finding pays for one.
            yield Problem(message, _FAILED, config.at(f"/execution/waves/{w}/datasets/{d}"))
    for name in planned_wave:
        if name not in seen:
            yield Problem(
                f'dataset "{name}" of the plan is in no wave of execution.waves',
                _FAILED,
                config.at("/execution/waves"),
            )
