"""The catalogue of SPEC section 5: every check id, its stage and whether it blocks.

The registry implements every one of them (it refuses to load otherwise); ``ci_checks_required``
may name them, the stage names, or the seed's aliases that stand for several.
"""

from __future__ import annotations

from migration_checks.model import Stage

STAGE_PACKAGES = {
    Stage.STRUCTURAL: "stage1_structural",
    Stage.POLICY: "stage2_policy",
    Stage.CODE_QUALITY: "stage3_code_quality",
    Stage.SECURITY: "stage4_security",
    Stage.DRY_RUN: "stage5_dry_run",
    Stage.POST_EXECUTION: "stage6_post_execution",
}

SPEC_CHECKS: dict[str, tuple[Stage, bool]] = {
    "file_structure": (Stage.STRUCTURAL, True),
    "json_yaml_syntax": (Stage.STRUCTURAL, True),
    "schema_validation": (Stage.STRUCTURAL, True),
    "metadata_consistency": (Stage.STRUCTURAL, True),
    "plan_signature": (Stage.STRUCTURAL, True),
    "evidence_completeness": (Stage.STRUCTURAL, True),
    "policy_version_check": (Stage.POLICY, True),
    "tolerance_validation": (Stage.POLICY, True),
    "approval_requirements": (Stage.POLICY, True),
    "pii_handling": (Stage.POLICY, True),
    "encryption_compliance": (Stage.POLICY, True),
    "profiling_completeness": (Stage.POLICY, True),
    "manual_decisions": (Stage.POLICY, True),
    "lossy_mappings": (Stage.POLICY, True),
    "policy_rules": (Stage.POLICY, True),
    "lint_python": (Stage.CODE_QUALITY, True),
    "lint_sql": (Stage.CODE_QUALITY, True),
    "lint_yaml": (Stage.CODE_QUALITY, True),
    "unit_tests": (Stage.CODE_QUALITY, True),
    "type_check": (Stage.CODE_QUALITY, False),
    "secrets_scan": (Stage.SECURITY, True),
    "credential_validation": (Stage.SECURITY, True),
    "dependency_scan": (Stage.SECURITY, True),
    "connection_test": (Stage.DRY_RUN, True),
    "schema_compatibility": (Stage.DRY_RUN, True),
    "extract_sample": (Stage.DRY_RUN, True),
    "capacity_check": (Stage.DRY_RUN, False),
    "recon_severity": (Stage.POST_EXECUTION, True),
    "parallel_run_progress": (Stage.POST_EXECUTION, False),
    "trend_analysis": (Stage.POST_EXECUTION, False),
}

# Names ci_checks_required may use besides check ids: stage names (short, and the seed's keys of
# section 6.3) and the seed's aliases of section 6.1.
STAGE_NAMES: dict[str, Stage] = {
    **{stage.name.lower(): stage for stage in Stage},
    **{
        f"stage_{stage.value}_{package.split('_', 1)[1]}": stage
        for stage, package in STAGE_PACKAGES.items()
    },
    "stage_3_code": Stage.CODE_QUALITY,
}
ALIASES: dict[str, str | Stage] = {
    "validate_schema_mapping": "schema_validation",
    "policy_compliance": Stage.POLICY,
    "dry_run_extract": "extract_sample",
    "security_scan": Stage.SECURITY,
}


def expand_required(name: str) -> list[str] | None:
    """The check ids a ``ci_checks_required`` entry stands for, or None for an unknown name."""
    target: str | Stage | None = ALIASES.get(
        name, STAGE_NAMES.get(name, name if name in SPEC_CHECKS else None)
    )
    if target is None:
        return None
    if isinstance(target, Stage):
        return [check_id for check_id, (stage, _) in SPEC_CHECKS.items() if stage is target]
    return [target]
