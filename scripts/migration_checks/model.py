"""The data every part of the suite shares: stages, findings, outcomes and results.

Checks yield ``Problem``s; only the runner turns them into ``Finding``s, stamping the
check id, stage, severity and resolution, so a check cannot mislabel itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.redaction import redact


class Stage(IntEnum):
    STRUCTURAL = 1
    POLICY = 2
    CODE_QUALITY = 3
    SECURITY = 4
    DRY_RUN = 5
    POST_EXECUTION = 6

    @property
    def title(self) -> str:
        return _STAGE_TITLES[self]


_STAGE_TITLES = {
    Stage.STRUCTURAL: "structural validation",
    Stage.POLICY: "policy compliance",
    Stage.CODE_QUALITY: "code quality",
    Stage.SECURITY: "security",
    Stage.DRY_RUN: "dry run",
    Stage.POST_EXECUTION: "post-execution",
}


class Severity(StrEnum):
    """The three annotation levels GitHub knows, most severe first."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTICE: 2}


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where a finding points: a path relative to the migration directory, 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """Values over runs that a finding is about: the job summary draws them as a chart, the
    text report as a sparkline. ``x`` labels the points (run ids), ``y`` holds their values."""

    title: str
    y_label: str
    x: tuple[str, ...]
    y: tuple[float, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class WaiverMark:
    """A waiver of ``evidence/waivers.json`` that matches a finding (waivers.py). Applied: the
    gate verified its approval, the finding no longer blocks and ``blocker`` keeps what it
    raised. Pending: ``check`` cannot verify approvals, so the finding still blocks."""

    id: str
    blocker: BlockerId
    reason: str  # as shown: redacted, one line
    expires_at: str  # ISO 8601, UTC
    applied: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluateMark:
    """A finding of a check the policy enforces in evaluate mode (``enforcement``): a warning
    until ``blocks_from`` (a UTC date), when ``blocker`` starts to block."""

    blocker: BlockerId
    blocks_from: str  # YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check yields: a message, the blocker it raises (if any) and where."""

    message: str
    blocker: BlockerId | None = None
    location: Location | None = None
    severity: Severity | None = None
    series: Series | None = None

    def severity_in(self, blocking: bool) -> Severity:
        """Its severity as a check of that kind reports it: a blocker of a blocking check is an
        error, anything else without a stated severity a warning."""
        if self.severity is not None:
            return self.severity
        return Severity.ERROR if blocking and self.blocker is not None else Severity.WARNING


def fails(blocking: bool, reported: Iterable[Problem | Finding]) -> bool:
    """Whether a check fails with what it reported: a blocking check when it raised a blocker,
    a non-blocking one when it reported more than notices."""
    if blocking:
        return any(item.blocker is not None for item in reported)
    return any(item.severity is not Severity.NOTICE for item in reported)


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    check: str
    stage: int | None
    blocker: BlockerId | None
    severity: Severity
    message: str
    location: Location | None
    resolution: str | None
    series: Series | None = None
    waiver: WaiverMark | None = None
    evaluate: EvaluateMark | None = None

    @property
    def sort_key(self) -> tuple[int, int, str, int, int, str]:
        """Blockers first, then by severity, file and position."""
        loc = self.location
        return (
            0 if self.blocker else 1,
            self.severity.rank,
            loc.path if loc else "",
            (loc.line or 0) if loc else 0,
            (loc.column or 0) if loc else 0,
            self.message,
        )


def make_finding(
    check: str,
    stage: int | None,
    message: str,
    *,
    blocker: BlockerId | None = BlockerId.CI_FAILURE,
    severity: Severity | None = None,
    location: Location | None = None,
) -> Finding:
    """A finding of the engine itself (the runner, the gate), where no check stamps one: the
    resolution comes from the blocker, the severity is an error when it blocks."""
    return Finding(
        check=check,
        stage=stage,
        blocker=blocker,
        severity=severity or (Severity.ERROR if blocker else Severity.WARNING),
        message=redact(message),
        location=redact_location(location),
        resolution=BLOCKERS[blocker].resolution if blocker else None,
    )


def display_path(path: Path) -> str:
    """A path as reports show it: relative to the working directory when below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return Path(relative).as_posix() if not relative.startswith("..") else path.as_posix()


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckOutcome:
    check_id: str
    stage: int
    blocking: bool
    status: Status
    duration_ms: int
    reason: str | None = None
    findings: tuple[Finding, ...] = ()
    # A skip explained by an earlier failure adds nothing; any other skip of a required check does.
    skipped_after_failure: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationResult:
    """Everything one ``migration-pr-*`` directory produced."""

    path: str
    project_id: str | None
    state: str | None
    target_state: str | None
    outcomes: tuple[CheckOutcome, ...]
    files_parsed: int
    # Findings that belong to no single check, such as the judgement of ci_checks_required.
    extra_findings: tuple[Finding, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        every = [f for outcome in self.outcomes for f in outcome.findings]
        every.extend(self.extra_findings)
        return tuple(sorted(every, key=lambda f: f.sort_key))

    @property
    def blockers(self) -> tuple[str, ...]:
        return tuple(sorted({str(f.blocker) for f in self.findings if f.blocker is not None}))

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)


@dataclass(frozen=True, slots=True, kw_only=True)
class Examined:
    """What a run looked at: every report states it, since examining nothing is no pass."""

    migrations: int
    files_parsed: int
    checks_run: int
    checks_passed: int
    checks_failed: int
    checks_skipped: int
    checks_errored: int
    checks_not_applicable: int

    @property
    def line(self) -> str:
        dirs = "migration directory" if self.migrations == 1 else "migration directories"
        files = "file" if self.files_parsed == 1 else "files"
        if not (self.checks_run or self.checks_skipped or self.checks_not_applicable):
            return f"Examined {self.migrations} {dirs}, {self.files_parsed} {files} parsed; no check ran"
        return (
            f"Examined {self.migrations} {dirs}, {self.files_parsed} {files} parsed; checks: "
            f"{self.checks_run} run ({self.checks_passed} passed, {self.checks_failed} failed, "
            f"{self.checks_errored} errored), {self.checks_skipped} skipped, "
            f"{self.checks_not_applicable} not applicable"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    tool_version: str
    policy_version: str | None
    stages: tuple[int, ...]
    roots: tuple[str, ...]
    migrations: tuple[MigrationResult, ...]
    # Findings about the run itself, such as "nothing to examine".
    findings: tuple[Finding, ...] = field(default=())

    @property
    def blockers(self) -> tuple[str, ...]:
        ids = {b for m in self.migrations for b in m.blockers}
        ids.update(str(f.blocker) for f in self.findings if f.blocker is not None)
        return tuple(sorted(ids))

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    @property
    def blocked_unwaived(self) -> bool:
        """Whether a blocker stands that no waiver of the pull request matches (a matched one
        waits for the gate, which alone can verify the waiver's approval)."""
        return any(f.blocker is not None and f.waiver is None for _, f in self.all_findings())

    def fails(self, fail_on: str) -> bool:
        """Whether a run ends with exit 1 under ``--fail-on``."""
        if fail_on == "never":
            return False
        return self.blocked_unwaived if fail_on == "unwaived" else self.blocked

    @property
    def examined(self) -> Examined:
        statuses = [o.status for m in self.migrations for o in m.outcomes]
        passed, failed, errored = (
            statuses.count(s) for s in (Status.PASSED, Status.FAILED, Status.ERROR)
        )
        return Examined(
            migrations=len(self.migrations),
            files_parsed=sum(m.files_parsed for m in self.migrations),
            checks_run=passed + failed + errored,
            checks_passed=passed,
            checks_failed=failed,
            checks_skipped=statuses.count(Status.SKIPPED),
            checks_errored=errored,
            checks_not_applicable=statuses.count(Status.NOT_APPLICABLE),
        )

    def all_findings(self) -> list[tuple[MigrationResult | None, Finding]]:
        """Every finding with its migration, run-level ones first, each group in priority order."""
        pairs: list[tuple[MigrationResult | None, Finding]] = [(None, f) for f in self.findings]
        pairs.extend((m, f) for m in self.migrations for f in m.findings)
        pairs.sort(key=lambda pair: pair[1].sort_key[:2])
        return pairs


def redact_location(location: Location | None) -> Location | None:
    """A location without a secret in its path or pointer (a file or key named after a token)."""
    if location is None:
        return None
    path, pointer = redact(location.path), location.pointer and redact(location.pointer)
    if path == location.path and pointer == location.pointer:
        return location
    return Location(path=path, line=location.line, column=location.column, pointer=pointer)


def finding_record(finding: Finding) -> dict[str, Any]:
    """A finding as the JSON result v1 writes it (SPEC section 7, ``check_result.schema.json``):
    flat ``path``/``line``/``column``. Also the dry run's evidence file uses it."""
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
    if finding.waiver is not None:
        waiver = finding.waiver
        data["waiver"] = {
            "id": waiver.id,
            "status": "applied" if waiver.applied else "pending",
            "blocker": str(waiver.blocker),
            "reason": waiver.reason,
            "expires_at": waiver.expires_at,
        }
    if finding.evaluate is not None:
        data["enforcement"] = {
            "mode": "evaluate",
            "blocker": str(finding.evaluate.blocker),
            "blocks_from": finding.evaluate.blocks_from,
        }
    if finding.series is not None:
        series = finding.series
        data["series"] = {
            "title": series.title,
            "y_label": series.y_label,
            "x": list(series.x),
            "y": list(series.y),
        }
    return data
