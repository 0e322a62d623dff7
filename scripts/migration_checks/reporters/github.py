"""What a GitHub Actions step shows: annotations, the job summary and the step outputs.

At most ten annotations of each level are shown per step, so blockers come first and, when
findings are left over, the last notice says how many more the job summary holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from migration_checks.model import RunResult, Severity
from migration_checks.reporters import markdown, verdict
from migration_checks.reporters._common import marked, repo_path

PER_LEVEL = 10
Level = Literal["error", "warning", "notice"]


@dataclass(frozen=True, slots=True)
class Annotation:
    level: Level
    message: str
    title: str
    file: str | None = None
    line: int | None = None
    col: int | None = None


@dataclass(frozen=True, slots=True)
class GithubReport:
    annotations: tuple[Annotation, ...]
    summary: str
    outputs: dict[str, str]


def annotations_for(result: RunResult) -> list[Annotation]:
    pairs = result.all_findings()
    total = dict.fromkeys(Severity, 0)
    for _, finding in pairs:
        total[finding.severity] += 1
    overflow = any(count > PER_LEVEL for count in total.values())
    # When anything is left out, the last notice slot points to the job summary.
    room = dict.fromkeys(Severity, PER_LEVEL)
    if overflow:
        room[Severity.NOTICE] = PER_LEVEL - 1
    shown: list[Annotation] = []
    counts = dict.fromkeys(Severity, 0)
    for migration, finding in pairs:  # blockers first, then by severity
        if counts[finding.severity] >= room[finding.severity]:
            continue
        counts[finding.severity] += 1
        location = finding.location
        message = marked(finding)
        if finding.blocker:
            message = f"{finding.blocker}: {message} (resolution: {finding.resolution})"
        shown.append(
            Annotation(
                level=finding.severity.value,
                message=message,
                title=finding.check,
                file=repo_path(migration, finding),
                line=location.line if location else None,
                col=location.column if location else None,
            )
        )
    hidden = len(pairs) - len(shown)
    if hidden:
        findings = "finding" if hidden == 1 else "findings"
        shown.append(
            Annotation(
                level="notice",
                message=f"{hidden} more {findings} in the job summary",
                title="migration-checks",
            )
        )
    return shown


def outputs(result: RunResult, result_file: str | None) -> dict[str, str]:
    return {
        "blocked": "true" if result.blocked else "false",
        "blockers": ",".join(result.blockers),
        "result-file": result_file or "",
    }


def render(result: RunResult, result_file: str | None = None) -> GithubReport:
    return GithubReport(
        annotations=tuple(annotations_for(result)),
        summary=markdown.summary(result),
        # A stage's verdict reaches the reusable workflow's gate job through the job's outputs.
        outputs={**outputs(result, result_file), "verdict": verdict.render(result)},
    )
