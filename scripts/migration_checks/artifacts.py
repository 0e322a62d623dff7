"""The artifacts of a migration PR directory (SPEC section 3): where each lives and its schema."""

from __future__ import annotations

import re
from dataclasses import dataclass

from migration_checks.blockers import BlockerId


@dataclass(frozen=True, slots=True)
class Artifact:
    name: str
    path: str  # for the signed plan and the profiling report, the default; the context resolves it
    schema: str
    # The blocker raised when it is missing and required; None when it is conditional.
    missing_blocker: BlockerId | None


METADATA = Artifact(
    "metadata", ".migration_metadata.json", "migration_metadata", BlockerId.MISSING_METADATA
)
SIGNED_PLAN = Artifact(
    "signed_plan", "plans/signed_plan_{plan_id}.json", "signed_plan", BlockerId.UNSIGNED_PLAN
)
MAPPING = Artifact(
    "mapping", "contracts/schema_mapping.yml", "schema_mapping", BlockerId.CI_FAILURE
)
COERCIONS = Artifact(
    "coercions", "contracts/type_coercion_log.json", "type_coercion_log", BlockerId.CI_FAILURE
)
DECISIONS = Artifact("decisions", "contracts/manual_decisions.json", "manual_decisions", None)
MIGRATION_CONFIG = Artifact(
    "migration_config", "configs/migration_config.yml", "migration_config", BlockerId.CI_FAILURE
)
RECON_CONFIG = Artifact(
    "recon_config", "configs/recon_config.yml", "recon_config", BlockerId.CI_FAILURE
)
SECRETS_REFS = Artifact(
    "secrets_refs", "configs/secrets_refs.yml", "secrets_refs", BlockerId.CI_FAILURE
)
RECON_PLAN = Artifact(
    "recon_plan", "reconciliation/recon_plan.json", "recon_plan", BlockerId.CI_FAILURE
)
EVIDENCE_LINKS = Artifact(
    "evidence_links",
    "evidence/evidence_links.json",
    "evidence_links",
    BlockerId.EVIDENCE_INCOMPLETE,
)
APPROVALS = Artifact(
    "approvals", "evidence/approval_records.json", "approval_records", BlockerId.EVIDENCE_INCOMPLETE
)
AUDIT_LOG = Artifact(
    "audit_log",
    "evidence/audit_log_excerpt.json",
    "audit_log_excerpt",
    BlockerId.EVIDENCE_INCOMPLETE,
)
# Optional: findings the pull request asks to accept, which apply once approved (waivers.py).
WAIVERS = Artifact("waivers", "evidence/waivers.json", "waivers", None)
PROFILING_REPORT = Artifact(
    "profiling_report", "evidence/profiling_report.json", "profiling_report", None
)

ARTIFACTS: tuple[Artifact, ...] = (
    METADATA,
    SIGNED_PLAN,
    MAPPING,
    COERCIONS,
    DECISIONS,
    MIGRATION_CONFIG,
    RECON_CONFIG,
    SECRETS_REFS,
    RECON_PLAN,
    EVIDENCE_LINKS,
    APPROVALS,
    AUDIT_LOG,
    WAIVERS,
    PROFILING_REPORT,
)
BY_NAME = {artifact.name: artifact for artifact in ARTIFACTS}

# The seed names the decisions file manual_decisions_required.json; SPEC accepts both names.
DECISIONS_ALIAS = "contracts/manual_decisions_required.json"
PARALLEL_RUNS_DIR = "reconciliation/parallel_runs"
PARALLEL_RUN_NAME = re.compile(r"^run_(\d{3,})\.json$")
PARALLEL_RUN_SCHEMA = "parallel_run"
SIGNED_PLAN_PREFIX = "signed_plan_"
MIGRATION_DIR_PREFIX = "migration-pr-"

# Markdown files that must exist, each with the blocker for its absence.
PLAN_SUMMARY = "plans/plan_summary.md"
RECON_SUMMARY = "reconciliation/recon_summary.md"
CUTOVER_PLAN = "runbooks/cutover_plan.md"
ROLLBACK_PLAN = "runbooks/rollback_plan.md"
RUNBOOK_SUFFIX = "_runbook.md"
