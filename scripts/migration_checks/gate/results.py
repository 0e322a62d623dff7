"""The stage jobs' results (the JSON v1 of ``check --result-file``), read back by the gate.

In the reusable workflow each stage job uploads its result file and the gate job downloads them
all. They are produced by this suite in the same workflow run, so they are read as data of the
run, not of the pull request; each must still validate against ``check_result``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.documents import DocumentError, Limits, parse_document
from migration_checks.model import (
    CheckOutcome,
    Finding,
    Location,
    Severity,
    Status,
    redact_location,
)
from migration_checks.redaction import redact
from migration_checks.validation import validate

_MAX_RESULT_BYTES = 256 * 1024 * 1024


class ResultsError(Exception):
    """A result file that cannot be used; the gate exits 2."""


@dataclass(slots=True)
class StageResults:
    stages: set[int] = field(default_factory=set)
    outcomes: dict[str, list[CheckOutcome]] = field(default_factory=dict)  # migration key ->
    extra: dict[str, list[Finding]] = field(default_factory=dict)  # findings of no outcome
    findings: list[Finding] = field(default_factory=list)  # run-level
    files: list[str] = field(default_factory=list)
    requested: bool = False  # results were asked for (--results), even if none arrived

    @property
    def given(self) -> bool:
        """Whether the gate judges ci_checks_required: a stage with no result then fails it."""
        return self.requested


def migration_key(project_id: str | None, path: str) -> str:
    """Results and directories meet on the project id (the directory's suffix), else the path."""
    return f"project:{project_id}" if project_id else f"path:{path}"


def result_files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise ResultsError(f"no result file or directory at {path}")
    return found


def load_results(paths: Sequence[Path]) -> StageResults:
    results = StageResults(requested=bool(paths))
    seen: dict[tuple[str, str], int] = {}  # (migration, check) -> index in its outcomes
    for path in result_files(paths):
        data = _read(path)
        results.files.append(str(path))
        results.stages.update(int(s) for s in data["stages"])
        results.findings.extend(_finding(f) for f in data["findings"])
        for migration in data["migrations"]:
            key = migration_key(migration["project_id"], migration["path"])
            findings = [_finding(f) for f in migration["findings"]]
            claimed: set[int] = set()
            for check in migration["checks"]:
                own = [
                    i
                    for i, f in enumerate(findings)
                    if f.check == check["id"] and f.stage == check["stage"] and i not in claimed
                ]
                claimed.update(own)
                outcome = CheckOutcome(
                    check_id=check["id"],
                    stage=check["stage"],
                    blocking=check["blocking"],
                    status=Status(check["status"]),
                    duration_ms=check["duration_ms"],
                    reason=check["reason"],
                    findings=tuple(findings[i] for i in own),
                )
                listed = results.outcomes.setdefault(key, [])
                earlier = seen.get((key, check["id"]))
                if earlier is None:
                    seen[(key, check["id"])] = len(listed)
                    listed.append(outcome)
                elif _worse(outcome, listed[earlier]):
                    # The same check reported twice (stage-1 and the root action, or a file a
                    # job that ran the PR's code uploaded): the worse report stands, so a second
                    # file can add a problem but never hide one.
                    listed[earlier] = outcome
            results.extra.setdefault(key, []).extend(
                f for i, f in enumerate(findings) if i not in claimed
            )
    return results


_STATUS_RANK = {
    Status.PASSED: 0,
    Status.NOT_APPLICABLE: 1,
    Status.SKIPPED: 2,
    Status.FAILED: 3,
    Status.ERROR: 4,
}


def _worse(candidate: CheckOutcome, current: CheckOutcome) -> bool:
    def rank(outcome: CheckOutcome) -> tuple[int, int]:
        blockers = sum(1 for f in outcome.findings if f.blocker is not None)
        return _STATUS_RANK[outcome.status], blockers

    return rank(candidate) > rank(current)


JOB_RESULTS = frozenset({"success", "failure", "cancelled", "skipped"})
_STAGE_JOB = re.compile(r"stage_([1-6])")


def load_jobs(path: Path) -> dict[int, str]:
    """Each stage job's result, from the gate job's ``toJSON(needs)``: jobs named ``stage_N``."""
    data = _read_json(path, "the jobs' results")
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected the JSON object of toJSON(needs)")
    jobs: dict[int, str] = {}
    for name, job in data.items():
        match = _STAGE_JOB.fullmatch(str(name))
        if match is None:
            continue
        result = job.get("result") if isinstance(job, dict) else None
        if result not in JOB_RESULTS:
            raise ResultsError(
                f'{path}: job "{name}" has no result among {", ".join(sorted(JOB_RESULTS))}'
            )
        jobs[int(match.group(1))] = result
    return jobs


def _read_json(path: Path, what: str) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ResultsError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(raw) > _MAX_RESULT_BYTES:
        raise ResultsError(f"{what} {path} is larger than {_MAX_RESULT_BYTES} bytes")
    try:
        return parse_document(str(path), raw, "json", Limits(max_file_bytes=_MAX_RESULT_BYTES)).data
    except DocumentError as exc:
        raise ResultsError(f"{what} {path} is not JSON: {exc}") from None


def _read(path: Path) -> dict[str, Any]:
    data = _read_json(path, "result file")
    problems = validate("check_result", data)
    if problems:
        first = problems[0]
        raise ResultsError(
            f"result file {path} is not a migration-checks JSON result: {first.pointer or '/'}: "
            f"{first.message}"
        )
    checked: dict[str, Any] = data
    return checked


def _finding(data: dict[str, Any]) -> Finding:
    location = None
    if data.get("path") is not None:
        location = Location(
            path=data["path"],
            line=data.get("line"),
            column=data.get("column"),
            pointer=data.get("pointer"),
        )
    return Finding(
        check=data["check"],
        stage=data["stage"],
        blocker=BlockerId(data["blocker"]) if data.get("blocker") else None,
        severity=Severity(data["severity"]),
        message=redact(data["message"]),
        location=redact_location(location),
        resolution=data.get("resolution"),
    )
