"""The fifteen blocker ids of the seed (section 6.2), with its condition and resolution text."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BlockerId(StrEnum):
    MISSING_METADATA = "MISSING_METADATA"
    UNSIGNED_PLAN = "UNSIGNED_PLAN"
    POLICY_VERSION_MISMATCH = "POLICY_VERSION_MISMATCH"
    UNRESOLVED_MANUAL_DECISIONS = "UNRESOLVED_MANUAL_DECISIONS"
    LOSSY_MAPPING_NO_APPROVAL = "LOSSY_MAPPING_NO_APPROVAL"
    PROFILING_INCOMPLETE = "PROFILING_INCOMPLETE"
    POLICY_VIOLATION = "POLICY_VIOLATION"
    PII_NOT_ADDRESSED = "PII_NOT_ADDRESSED"
    ENCRYPTION_UNMET = "ENCRYPTION_UNMET"
    CI_FAILURE = "CI_FAILURE"
    RECON_CRITICAL = "RECON_CRITICAL"
    RECON_MAJOR_UNACK = "RECON_MAJOR_UNACK"
    EVIDENCE_INCOMPLETE = "EVIDENCE_INCOMPLETE"
    SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
    SECRETS_EXPOSED = "SECRETS_EXPOSED"


@dataclass(frozen=True, slots=True)
class Blocker:
    id: BlockerId
    condition: str
    resolution: str


BLOCKERS: dict[BlockerId, Blocker] = {
    b.id: b
    for b in (
        Blocker(
            BlockerId.MISSING_METADATA,
            "`.migration_metadata.json` missing or invalid",
            "Add required metadata",
        ),
        Blocker(
            BlockerId.UNSIGNED_PLAN,
            "`signed_plan.json` missing signature",
            "Re-generate signed plan",
        ),
        Blocker(
            BlockerId.POLICY_VERSION_MISMATCH,
            "Plan policy_version != current PolicyService version",
            "Re-validate with current policy",
        ),
        Blocker(
            BlockerId.UNRESOLVED_MANUAL_DECISIONS,
            "`manual_decisions_required.json` has unresolved items",
            "Resolve all decisions",
        ),
        Blocker(
            BlockerId.LOSSY_MAPPING_NO_APPROVAL,
            "Lossy type mapping without approval request",
            "Add approval request or fix mapping",
        ),
        Blocker(
            BlockerId.PROFILING_INCOMPLETE,
            "Profiling report missing or incomplete",
            "Complete profiling",
        ),
        Blocker(BlockerId.POLICY_VIOLATION, "PolicyService reports violations", "Fix violations"),
        Blocker(
            BlockerId.PII_NOT_ADDRESSED,
            "PII detected but not addressed in plan",
            "Add PII handling",
        ),
        Blocker(
            BlockerId.ENCRYPTION_UNMET, "Encryption requirements not met", "Configure encryption"
        ),
        Blocker(BlockerId.CI_FAILURE, "Any CI check failed", "Fix CI failures"),
        Blocker(
            BlockerId.RECON_CRITICAL, "Reconciliation has CRITICAL severity", "Investigate and fix"
        ),
        Blocker(
            BlockerId.RECON_MAJOR_UNACK,
            "Reconciliation has unacknowledged MAJOR",
            "Acknowledge or fix",
        ),
        Blocker(
            BlockerId.EVIDENCE_INCOMPLETE,
            "Evidence pack missing required artifacts",
            "Complete evidence",
        ),
        Blocker(
            BlockerId.SCHEMA_VALIDATION_FAILED,
            "YAML/JSON schema validation failed",
            "Fix schema errors",
        ),
        Blocker(
            BlockerId.SECRETS_EXPOSED, "Secrets or credentials in PR content", "Remove secrets"
        ),
    )
}
