"""The catalogue of SPEC section 5: every check id, its stage and whether it blocks.

The registry implements every one of them (it refuses to load otherwise); ``ci_checks_required``
may name them, the stage names, or the seed's aliases that stand for several.
"""

from __future__ import annotations

from migration_checks.blockers import BlockerId
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


# The blocker each blocking check raises first (SPEC section 5's table): what stands for a check
# that could not run once what stopped it no longer blocks (``enforcement.unjudged``). The
# registry checks that each check raises it.
SPEC_BLOCKERS: dict[str, BlockerId] = {
    "file_structure": BlockerId.MISSING_METADATA,
    "json_yaml_syntax": BlockerId.SCHEMA_VALIDATION_FAILED,
    "schema_validation": BlockerId.SCHEMA_VALIDATION_FAILED,
    "metadata_consistency": BlockerId.SCHEMA_VALIDATION_FAILED,
    "plan_signature": BlockerId.UNSIGNED_PLAN,
    "evidence_completeness": BlockerId.EVIDENCE_INCOMPLETE,
    "policy_version_check": BlockerId.POLICY_VERSION_MISMATCH,
    "tolerance_validation": BlockerId.POLICY_VIOLATION,
    "approval_requirements": BlockerId.POLICY_VIOLATION,
    "pii_handling": BlockerId.PII_NOT_ADDRESSED,
    "encryption_compliance": BlockerId.ENCRYPTION_UNMET,
    "profiling_completeness": BlockerId.PROFILING_INCOMPLETE,
    "manual_decisions": BlockerId.UNRESOLVED_MANUAL_DECISIONS,
    "lossy_mappings": BlockerId.LOSSY_MAPPING_NO_APPROVAL,
    "policy_rules": BlockerId.POLICY_VIOLATION,
    "lint_python": BlockerId.CI_FAILURE,
    "lint_sql": BlockerId.CI_FAILURE,
    "lint_yaml": BlockerId.CI_FAILURE,
    "unit_tests": BlockerId.CI_FAILURE,
    "secrets_scan": BlockerId.SECRETS_EXPOSED,
    "credential_validation": BlockerId.SECRETS_EXPOSED,
    "dependency_scan": BlockerId.CI_FAILURE,
    "connection_test": BlockerId.CI_FAILURE,
    "schema_compatibility": BlockerId.CI_FAILURE,
    "extract_sample": BlockerId.CI_FAILURE,
    "recon_severity": BlockerId.RECON_CRITICAL,
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
