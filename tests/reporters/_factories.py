"""Building run results by hand and reading what the reporters wrote.

Real runs (``make_tree``) give realistic findings; hand-built ``RunResult``s give the volumes
and the hostile text that no fixture tree can produce cheaply.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import referencing

from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.model import (
    CheckOutcome,
    Finding,
    Location,
    MigrationResult,
    RunResult,
    Severity,
    Status,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO / "schemas"
SIGNED_PLAN = "plans/signed_plan_plan_shop2026.json"
# tests/cases/UNSIGNED_PLAN.yml, case unknown_key: a plan signed, then its key id changed.
UNSIGNED_PLAN_MUTATIONS: list[dict[str, Any]] = [
    {"sign": SIGNED_PLAN},
    {"set": {"file": SIGNED_PLAN, "pointer": "/signature/key_id", "value": "rogue"}},
]
# Several blockers at once, one of them raised twice: MISSING_METADATA (two schema errors in the
# metadata), SCHEMA_VALIDATION_FAILED (a JSON syntax error) and UNSIGNED_PLAN.
MANY_BLOCKER_MUTATIONS: list[dict[str, Any]] = [
    *UNSIGNED_PLAN_MUTATIONS,
    {"set": {"file": ".migration_metadata.json", "pointer": "/created_at", "value": "yesterday"}},
    {"set": {"file": ".migration_metadata.json", "pointer": "/plan_version", "value": "three"}},
    {"write": {"file": "contracts/type_coercion_log.json", "content": '{"a": 1,,}\n'}},
]

CHECKS_BY_STAGE_1 = (
    "file_structure",
    "json_yaml_syntax",
    "schema_validation",
    "metadata_consistency",
    "plan_signature",
    "evidence_completeness",
)


# --------------------------------------------------------------------------- building results


def finding(
    message: str,
    *,
    severity: Severity = Severity.WARNING,
    blocker: BlockerId | None = None,
    check: str = "file_structure",
    path: str | None = "contracts/schema_mapping.yml",
    line: int | None = 3,
    column: int | None = 7,
    stage: int | None = 1,
) -> Finding:
    return Finding(
        check=check,
        stage=stage,
        blocker=blocker,
        severity=severity,
        message=message,
        location=None if path is None else Location(path=path, line=line, column=column),
        resolution=BLOCKERS[blocker].resolution if blocker else None,
    )


def migration(
    findings: Iterable[Finding],
    *,
    path: str = "migrations/migration-pr-proj_abc123def456",
    state: str | None = "PLANNED",
    target_state: str | None = "EXECUTED",
) -> MigrationResult:
    """One migration whose findings are grouped into one outcome per check id."""
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_check[f.check].append(f)
    outcomes = tuple(
        CheckOutcome(
            check_id=check,
            stage=1,
            blocking=True,
            status=Status.FAILED if any(f.blocker for f in fs) else Status.PASSED,
            duration_ms=1,
            findings=tuple(sorted(fs, key=lambda f: f.sort_key)),
        )
        for check, fs in by_check.items()
    )
    return MigrationResult(
        path=path,
        project_id="proj_abc123def456",
        state=state,
        target_state=target_state,
        outcomes=outcomes,
        files_parsed=13,
    )


def run_result(
    migrations: Sequence[MigrationResult], findings: Sequence[Finding] = ()
) -> RunResult:
    return RunResult(
        tool_version="0.0.0-test",
        policy_version="v2.1.0",
        stages=(1,),
        roots=(".",),
        migrations=tuple(migrations),
        findings=tuple(findings),
    )


BLOCKER_CYCLE = (
    BlockerId.UNSIGNED_PLAN,
    BlockerId.MISSING_METADATA,
    BlockerId.SCHEMA_VALIDATION_FAILED,
    BlockerId.EVIDENCE_INCOMPLETE,
    BlockerId.CI_FAILURE,
)


def mixed_findings(
    total: int = 10_000, *, message: str = "", plain_notices: bool = True
) -> list[Finding]:
    """``total`` findings of every kind, interleaved so no reporter gets them pre-sorted.

    Per hundred: 10 blocker errors, 10 blocker warnings, 1 blocker notice, 30 plain errors,
    30 plain warnings and 19 plain notices (turned into plain warnings if not ``plain_notices``).
    """
    out = []
    for i in range(total):
        slot = i % 100
        blocker: BlockerId | None = None
        if slot % 10 == 0:
            severity, blocker = Severity.ERROR, BLOCKER_CYCLE[i // 10 % len(BLOCKER_CYCLE)]
        elif slot % 10 == 1:
            severity, blocker = Severity.WARNING, BLOCKER_CYCLE[(i // 10 + 2) % len(BLOCKER_CYCLE)]
        elif slot == 99:
            severity, blocker = Severity.NOTICE, BlockerId.CI_FAILURE
        elif slot % 10 in (2, 3, 4):
            severity = Severity.ERROR
        elif slot % 10 in (5, 6, 7):
            severity = Severity.WARNING
        else:
            severity = Severity.NOTICE if plain_notices else Severity.WARNING
        out.append(
            finding(
                f"finding {i:05d} {message}".rstrip(),
                severity=severity,
                blocker=blocker,
                check=CHECKS_BY_STAGE_1[i % len(CHECKS_BY_STAGE_1)],
                path=f"contracts/file_{i % 37}.json",
                line=i % 500 + 1,
                column=i % 80 + 1,
            )
        )
    return out


# --------------------------------------------------------------------------- reading outputs


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def check_result_validator() -> jsonschema.Draft202012Validator:
    registry = referencing.Registry().with_resources(
        (_schema(n)["$id"], referencing.Resource.from_contents(_schema(n)))
        for n in ("defs", "check_result")
    )
    return jsonschema.Draft202012Validator(
        _schema("check_result"), registry=registry, format_checker=jsonschema.FormatChecker()
    )


def check_result_errors(instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in check_result_validator().iter_errors(instance)
    ]


def parse_file_commands(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file (``name=value`` and ``name<<DELIM`` records) like the runner."""
    values: dict[str, str] = {}
    lines = text.split(os.linesep)
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line.split("=", 1)
            values[name] = value
            continue
        assert heredoc > 0, f"not a file command: {line!r}"
        name, delimiter = line.split("<<", 1)
        end = lines.index(delimiter, i)
        values[name] = os.linesep.join(lines[i:end])
        i = end + 1
    return values


def unescaped(text: str, char: str) -> int:
    """How many times ``char`` occurs in ``text`` not preceded by a backslash escape."""
    count, i = 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        count += text[i] == char
        i += 1
    return count
