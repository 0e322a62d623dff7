"""What a GitHub Actions step shows: annotations, the job summary and the step outputs.

At most ten annotations of each level are shown per step, so blockers come first and, when
findings are left over, the last notice says how many more the job summary holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from migration_checks.model import RunResult, Severity
from migration_checks.reporters import markdown
from migration_checks.reporters._common import repo_path

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
    shown: list[Annotation] = []
    counts = dict.fromkeys(Severity, 0)
    pairs = result.all_findings()
    for position, (migration, finding) in enumerate(pairs):
        left_after = len(pairs) - position - 1
        # Keep the last notice slot for the pointer to the summary when findings remain.
        room = PER_LEVEL - (1 if finding.severity is Severity.NOTICE and left_after else 0)
        if counts[finding.severity] >= room:
            continue
        counts[finding.severity] += 1
        location = finding.location
        message = finding.message
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
        shown.append(
            Annotation(
                level="notice",
                message=f"{hidden} more findings in the job summary",
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
        outputs=outputs(result, result_file),
    )
