"""The checks this version runs, as data: one explicit, ordered list built from the check modules.

Each check module declares ``ID``, ``STAGE``, ``BLOCKING``, ``RAISES``, a docstring with
``Passes:`` and ``Fails:`` sections, a ``check(ctx)`` generator and optionally ``applies(ctx)``
and ``POLICY``, the policy fields (sections or dotted paths) it reads, which its reference page
lists as its options.
Each stage package may declare what holds for the whole stage: ``applies(ctx)`` (why the stage
does not apply to a migration, or None), ``finish(ctx, outcomes)`` (what the stage makes of its
checks' outcomes, such as the dry run's evidence file), ``refuses()`` (why the stage must not run
in this process at all) and ``confined()`` (a context the runner runs the stage in, which yields
the problems it found when the stage ended); ``STAGES`` holds them.
The list is validated when it is built, so a check cannot be registered under a wrong name or
stage, or in disagreement with the catalogue of SPEC section 5 (``catalogue.SPEC_CHECKS``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from migration_checks.blockers import BlockerId
from migration_checks.catalogue import SPEC_BLOCKERS, SPEC_CHECKS, STAGE_PACKAGES
from migration_checks.checks.stage1_structural import (
    evidence_completeness,
    file_structure,
    json_yaml_syntax,
    metadata_consistency,
    plan_signature,
    schema_validation,
)
from migration_checks.checks.stage2_policy import (
    approval_requirements,
    encryption_compliance,
    lossy_mappings,
    manual_decisions,
    pii_handling,
    policy_rules,
    policy_version_check,
    profiling_completeness,
    tolerance_validation,
)
from migration_checks.checks.stage3_code_quality import (
    lint_python,
    lint_sql,
    lint_yaml,
    type_check,
    unit_tests,
)
from migration_checks.checks.stage4_security import (
    credential_validation,
    dependency_scan,
    secrets_scan,
)
from migration_checks.checks.stage5_dry_run import (
    capacity_check,
    connection_test,
    extract_sample,
    schema_compatibility,
)
from migration_checks.checks.stage6_post_execution import (
    parallel_run_progress,
    recon_severity,
    trend_analysis,
)
from migration_checks.model import CheckOutcome, Problem, Stage

if TYPE_CHECKING:
    from migration_checks.context import MigrationContext


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    stage: Stage
    blocking: bool
    raises: tuple[BlockerId, ...]
    doc: str
    run: Callable[[MigrationContext], Iterable[Problem]]
    applies: Callable[[MigrationContext], str | None] | None = None
    policy: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".")

    def section(self, title: str) -> str:
        """The text of a docstring section such as ``Passes:`` or ``Fails:``."""
        lines = self.doc.strip().splitlines()
        collected: list[str] = []
        inside = False
        for line in lines:
            stripped = line.strip()
            if stripped.startswith(f"{title}:"):
                inside = True
                stripped = stripped[len(title) + 1 :].strip()
            elif (
                inside and (not stripped or (stripped.endswith(":") and " " not in stripped))
            ) or (inside and any(stripped.startswith(f"{t}:") for t in ("Passes", "Fails"))):
                break
            if inside and stripped:
                collected.append(stripped)
        return " ".join(collected)


def _load(module: ModuleType) -> Check:
    check_id: str = module.ID
    stage = Stage(module.STAGE)
    blocking = bool(module.BLOCKING)
    raises = tuple(module.RAISES)
    name = module.__name__
    if name.rsplit(".", 1)[-1] != check_id:
        raise RuntimeError(f"check module {name} declares ID {check_id!r}")
    if name.rsplit(".", 2)[-2] != STAGE_PACKAGES[stage]:
        raise RuntimeError(f"check {check_id} declares stage {stage} but lives in {name}")
    if bool(raises) != blocking:
        raise RuntimeError(f"check {check_id}: RAISES must be non-empty exactly when BLOCKING")
    if check_id not in SPEC_CHECKS or SPEC_CHECKS[check_id] != (stage, blocking):
        raise RuntimeError(f"check {check_id} does not match SPEC section 5")
    if blocking and SPEC_BLOCKERS.get(check_id) not in raises:
        raise RuntimeError(f"check {check_id} does not raise its SPEC_BLOCKERS blocker")
    return Check(
        id=check_id,
        stage=stage,
        blocking=blocking,
        raises=raises,
        doc=module.__doc__ or "",
        run=module.check,
        applies=getattr(module, "applies", None),
        policy=tuple(getattr(module, "POLICY", ())),
    )


ALL_CHECKS: tuple[Check, ...] = tuple(
    _load(module)
    for module in (
        file_structure,
        json_yaml_syntax,
        schema_validation,
        metadata_consistency,
        plan_signature,
        evidence_completeness,
        policy_version_check,
        tolerance_validation,
        approval_requirements,
        pii_handling,
        encryption_compliance,
        profiling_completeness,
        manual_decisions,
        lossy_mappings,
        policy_rules,
        lint_python,
        lint_sql,
        lint_yaml,
        unit_tests,
        type_check,
        secrets_scan,
        credential_validation,
        dependency_scan,
        connection_test,
        schema_compatibility,
        capacity_check,
        extract_sample,
        recon_severity,
        parallel_run_progress,
        trend_analysis,
    )
)
BY_ID: dict[str, Check] = {check.id: check for check in ALL_CHECKS}
if set(BY_ID) != set(SPEC_CHECKS) or len(BY_ID) != len(ALL_CHECKS):
    raise RuntimeError("the registry must hold every check of SPEC section 5, once each")


@dataclass(frozen=True, slots=True)
class StageHooks:
    """What a stage package declares for all of its checks."""

    stage: Stage
    applies: Callable[[MigrationContext], str | None] | None = None
    finish: Callable[[MigrationContext, Sequence[CheckOutcome]], None] | None = None
    refuses: Callable[[], str | None] | None = None
    confined: Callable[[], AbstractContextManager[list[str]]] | None = None


def _load_stage(stage: Stage) -> StageHooks:
    package = importlib.import_module(f"migration_checks.checks.{STAGE_PACKAGES[stage]}")
    return StageHooks(
        stage,
        **{
            hook: getattr(package, hook)
            for hook in ("applies", "finish", "refuses", "confined")
            if hasattr(package, hook)
        },
    )


STAGES: dict[Stage, StageHooks] = {stage: _load_stage(stage) for stage in Stage}


def for_stages(stages: Sequence[int]) -> list[Check]:
    wanted = set(stages)
    return [check for check in ALL_CHECKS if check.stage in wanted]
