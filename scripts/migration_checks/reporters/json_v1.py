"""The JSON result of SPEC section 7, version 1 (schema ``schemas/check_result.schema.json``).

The shape is frozen: fields may be added in a new version, never changed in this one.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from migration_checks.model import CheckOutcome, Finding, MigrationResult, RunResult


def finding_dict(finding: Finding) -> dict[str, Any]:
    location = finding.location
    data: dict[str, Any] = {
        "check": finding.check,
        "stage": finding.stage,
        "blocker": str(finding.blocker) if finding.blocker else None,
        "severity": str(finding.severity),
        "message": finding.message,
        "path": location.path if location else None,
        "line": location.line if location else None,
        "column": location.column if location else None,
        "resolution": finding.resolution,
    }
    if location is not None and location.pointer is not None:
        data["pointer"] = location.pointer
    if finding.series is not None:
        series = finding.series
        data["series"] = {
            "title": series.title,
            "y_label": series.y_label,
            "x": list(series.x),
            "y": list(series.y),
        }
    return data


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
        "findings": [finding_dict(f) for f in migration.findings],
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
        "findings": [finding_dict(f) for f in sorted(result.findings, key=lambda f: f.sort_key)],
        "migrations": [_migration_dict(m) for m in result.migrations],
        "blockers": list(result.blockers),
        "blocked": result.blocked,
    }


def render(result: RunResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
