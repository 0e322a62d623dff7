"""The JSON result of SPEC section 7, version 1 (schema ``schemas/check_result.schema.json``).

The shape is frozen: fields may be added in a new version, never changed in this one.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from migration_checks.model import CheckOutcome, MigrationResult, RunResult, finding_record


def _check_dict(outcome: CheckOutcome) -> dict[str, Any]:
    return {
        "id": outcome.check_id,
        "stage": outcome.stage,
        "blocking": outcome.blocking,
        "status": str(outcome.status),
        "duration_ms": outcome.duration_ms,
        "reason": outcome.reason,
    }


def _migration_dict(migration: MigrationResult) -> dict[str, Any]:
    return {
        "path": migration.path,
        "project_id": migration.project_id,
        "state": migration.state,
        "target_state": migration.target_state,
        "files_parsed": migration.files_parsed,
        "checks": [_check_dict(outcome) for outcome in migration.outcomes],
        "findings": [finding_record(f) for f in migration.findings],
        "blockers": list(migration.blockers),
        "blocked": migration.blocked,
    }


def to_dict(result: RunResult) -> dict[str, Any]:
    examined = result.examined
    return {
        "schema_version": "v1",
        "tool": {"name": "migration-checks", "version": result.tool_version},
        "policy_version": result.policy_version,
        "stages": list(result.stages),
        "examined": {"roots": list(result.roots), **dataclasses.asdict(examined)},
        "findings": [finding_record(f) for f in sorted(result.findings, key=lambda f: f.sort_key)],
        "migrations": [_migration_dict(m) for m in result.migrations],
        "blockers": list(result.blockers),
        "blocked": result.blocked,
    }


def render(result: RunResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
