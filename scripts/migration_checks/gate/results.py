"""The stage jobs' results (the JSON v1 of ``check``), read back by the gate.

They arrive as result files (``check --result-file``, given with ``--results``) or, in the
reusable workflow, as each stage job's ``verdict`` output inside the gate job's ``toJSON(needs)``
(``--jobs``; see reporters/verdict.py). A stage job's verdict speaks only for its own stage. All
are produced by this suite in the same workflow run, so they are read as data of the run, not of
the pull request; each must still validate against ``check_result``.
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
    EvaluateMark,
    Finding,
    Location,
    Severity,
    Status,
    redact_location,
)
from migration_checks.redaction import redact
from migration_checks.validation import validate

_MAX_RESULT_BYTES = 256 * 1024 * 1024
# A verdict is a job output (the whole toJSON(needs) is at most 128 KiB); what it unpacks to is
# bounded far below a result file's limit, so a small one cannot unpack to gigabytes of objects.
_MAX_VERDICT_BYTES = 16 * 1024 * 1024


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
    for path in result_files(paths):
        results.files.append(str(path))
        add_result(results, _read(path))
    return results


def add_result(results: StageResults, data: dict[str, Any], only_stage: int | None = None) -> None:
    """Add one JSON v1 result; with ``only_stage``, only what it says about that stage (a stage
    job's verdict speaks for its own stage, never for another)."""

    def ours(stage: int | None) -> bool:
        return only_stage is None or stage == only_stage

    results.stages.update(int(s) for s in data["stages"] if ours(int(s)))
    results.findings.extend(_finding(f) for f in data["findings"] if ours(f["stage"]))
    for migration in data["migrations"]:
        key = migration_key(migration["project_id"], migration["path"])
        findings = [_finding(f) for f in migration["findings"]]
        claimed: set[int] = set()
        listed = results.outcomes.setdefault(key, [])
        for check in migration["checks"]:
            if not ours(check["stage"]):
                continue
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
            # One check is its id in its stage: a verdict speaks for its own stage only, so a
            # check it reports under another stage's id must never stand in for that one.
            earlier = next(
                (
                    i
                    for i, o in enumerate(listed)
                    if (o.check_id, o.stage) == (outcome.check_id, outcome.stage)
                ),
                None,
            )
            if earlier is None:
                listed.append(outcome)
            elif _worse(outcome, listed[earlier]):
                # The same check reported twice (stage-1 and the root action, or a file a job
                # that ran the PR's code uploaded): the worse report stands, so a second report
                # can add a problem but never hide one.
                listed[earlier] = outcome
        results.extra.setdefault(key, []).extend(
            f for i, f in enumerate(findings) if i not in claimed and ours(f.stage)
        )


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
DISCOVER_JOB = "discover"


@dataclass(frozen=True, slots=True)
class Jobs:
    """What the gate job's ``toJSON(needs)`` says: each stage job's result (jobs ``stage_N``),
    the discover job's, and the verdict each stage job passed on (its ``verdict`` output)."""

    stages: dict[int, str]
    discover: str | None = None
    verdicts: dict[int, str] = field(default_factory=dict)


def load_jobs(path: Path) -> Jobs:
    """The jobs of the gate job's ``toJSON(needs)``; other jobs are ignored."""
    data = _read_json(path, "the jobs' results")
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected the JSON object of toJSON(needs)")
    stages: dict[int, str] = {}
    verdicts: dict[int, str] = {}
    discover: str | None = None
    for name, job in data.items():
        match = _STAGE_JOB.fullmatch(str(name))
        if match is None and name != DISCOVER_JOB:
            continue
        result = job.get("result") if isinstance(job, dict) else None
        if result not in JOB_RESULTS:
            raise ResultsError(
                f'{path}: job "{name}" has no result among {", ".join(sorted(JOB_RESULTS))}'
            )
        if match is None:
            discover = result
            continue
        stages[int(match.group(1))] = result
        outputs = job.get("outputs")
        value = outputs.get("verdict") if isinstance(outputs, dict) else None
        # Only a job that ran its steps has a verdict (a runner may show a skipped job's
        # output expressions unevaluated).
        if isinstance(value, str) and value and result in ("success", "failure"):
            verdicts[int(match.group(1))] = value
    return Jobs(stages=stages, discover=discover, verdicts=verdicts)


def add_verdicts(results: StageResults, jobs: Jobs) -> None:
    """Each stage job's verdict, as if its result file had been given: for its own stage only."""
    from migration_checks.reporters import verdict

    for stage, value in sorted(jobs.verdicts.items()):
        where = f"the verdict of job stage_{stage}"
        try:
            data = verdict.decode(value, limit=_MAX_VERDICT_BYTES)
        except ValueError as exc:
            raise ResultsError(f"{where} {exc}") from None
        add_result(results, _checked(data, where), only_stage=stage)
        results.files.append(f"job stage_{stage}")
    results.requested = True


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
    return _checked(_read_json(path, "result file"), f"result file {path}")


def _checked(data: Any, where: str) -> dict[str, Any]:
    problems = validate("check_result", data)
    if problems:
        first = problems[0]
        raise ResultsError(
            f"{where} is not a migration-checks JSON result: {first.pointer or '/'}: "
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
    # A waiver mark is not read back: the gate judges the waivers itself (waivers.py).
    deferred = data.get("enforcement")
    return Finding(
        check=data["check"],
        stage=data["stage"],
        blocker=BlockerId(data["blocker"]) if data.get("blocker") else None,
        severity=Severity(data["severity"]),
        message=redact(data["message"]),
        location=redact_location(location),
        resolution=data.get("resolution"),
        evaluate=EvaluateMark(
            blocker=BlockerId(deferred["blocker"]), blocks_from=deferred["blocks_from"]
        )
        if deferred is not None
        else None,
    )
