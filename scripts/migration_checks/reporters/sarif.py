"""SARIF 2.1.0 for GitHub code scanning: one rule per check that fired, one result per finding."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any
from urllib.parse import quote

from migration_checks.model import Finding, MigrationResult, RunResult, Severity
from migration_checks.reporters._common import marked, repo_path

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/org/migration-checks"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}


def rule_id(check: str) -> str:
    return f"migration-checks/{check}"


def _rule(check: str) -> dict[str, Any]:
    from migration_checks.registry import BY_ID

    known = BY_ID.get(check)
    summary = (
        known.summary if known else f"{check.replace('_', ' ')} (see the check's documentation)"
    )
    rule: dict[str, Any] = {
        "id": rule_id(check),
        "name": "".join(part.capitalize() for part in check.split("_")),
        "shortDescription": {"text": summary},
        "helpUri": f"{INFORMATION_URI}#{check.replace('_', '-')}",
    }
    if known:
        rule["fullDescription"] = {"text": " ".join(known.doc.split())}
        rule["help"] = {
            "text": f"Passes: {known.section('Passes')}\nFails: {known.section('Fails')}"
        }
        rule["defaultConfiguration"] = {"level": "error" if known.blocking else "warning"}
        rule["properties"] = {"tags": ["migration", f"stage-{int(known.stage)}"]}
    return rule


def _location(migration: MigrationResult | None, finding: Finding) -> list[dict[str, Any]]:
    uri = repo_path(migration, finding)
    if uri is None:
        if migration is None:
            return []
        uri = f"{migration.path.rstrip('/')}/.migration_metadata.json"
    region: dict[str, int] = {}
    if finding.location is not None and finding.location.line is not None:
        region["startLine"] = finding.location.line
        if finding.location.column is not None:
            region["startColumn"] = finding.location.column
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": quote(uri, safe="/"), "uriBaseId": "%SRCROOT%"}
    }
    if region:
        physical["region"] = region
    return [{"physicalLocation": physical}]


def _fingerprint(migration: MigrationResult | None, finding: Finding) -> str:
    # Stable across runs and line shifts: the check, the file, the pointer and the message.
    parts = [
        finding.check,
        repo_path(migration, finding) or "",
        finding.location.pointer or "" if finding.location else "",
        finding.message,
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def to_dict(result: RunResult) -> dict[str, Any]:
    pairs = result.all_findings()
    fired = sorted({finding.check for _, finding in pairs})
    index = {check: i for i, check in enumerate(fired)}
    results = []
    for migration, finding in pairs:
        entry: dict[str, Any] = {
            "ruleId": rule_id(finding.check),
            "ruleIndex": index[finding.check],
            "level": _LEVEL[finding.severity],
            "message": {
                "text": marked(finding)
                + (f" (resolution: {finding.resolution})" if finding.resolution else "")
            },
            "locations": _location(migration, finding),
            "partialFingerprints": {"migrationChecks/v1": _fingerprint(migration, finding)},
            "properties": {
                "blocker": str(finding.blocker) if finding.blocker else None,
                "stage": finding.stage,
            },
        }
        if not entry["locations"]:
            del entry["locations"]
        results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "migration-checks",
                        "version": result.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(check) for check in fired],
                    }
                },
                "originalUriBaseIds": {
                    "%SRCROOT%": {"description": {"text": "The directory the run started in."}}
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        # What was examined: finding nothing to examine is no pass.
                        "properties": {
                            "examined": dataclasses.asdict(result.examined),
                            "roots": list(result.roots),
                        },
                    }
                ],
            }
        ],
    }


def render(result: RunResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
