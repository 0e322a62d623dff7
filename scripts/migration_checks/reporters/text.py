"""Plain text for a terminal or a log: grouped by migration, stage and check."""

from __future__ import annotations

from collections.abc import Callable

from migration_checks.model import (
    CheckOutcome,
    Finding,
    MigrationResult,
    RunResult,
    Severity,
    Stage,
    Status,
)
from migration_checks.reporters._common import clean, log_lines, marked, position, sparkline

_MARK = {
    Status.PASSED: ("ok", "green"),
    Status.FAILED: ("FAIL", "red"),
    Status.ERROR: ("ERROR", "red"),
    Status.SKIPPED: ("skip", "yellow"),
    Status.NOT_APPLICABLE: ("n/a", "blue"),
}
_SEVERITY_COLOUR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTICE: "blue"}
_ANSI = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "bold": "1"}


def render(result: RunResult, *, colour: bool = False) -> str:
    paint: Callable[[str, str], str] = _paint if colour else lambda text, _: text
    stages = (
        f"stages {', '.join(str(s) for s in result.stages)}" if result.stages else "no stage run"
    )
    lines = [
        f"migration-checks {result.tool_version} · policy {result.policy_version or '-'} · {stages}",
    ]
    for finding in sorted(result.findings, key=lambda f: f.sort_key):
        lines.append(_finding_line(finding, None, paint, indent=""))
    for migration in result.migrations:
        lines.append("")
        lines.extend(_migration(migration, result.stages, paint))
    lines.append("")
    lines.append(result.examined.line)
    if result.blocked:
        lines.append(paint(f"Result: BLOCKED ({', '.join(result.blockers)})", "red"))
    else:
        lines.append(paint("Result: no blocking finding", "green"))
    return log_lines(lines)


def _paint(text: str, colour: str) -> str:
    return f"\x1b[{_ANSI[colour]}m{text}\x1b[0m"


def _migration(
    migration: MigrationResult, stages: tuple[int, ...], paint: Callable[[str, str], str]
) -> list[str]:
    transition = (
        f" ({migration.state} -> {migration.target_state})"
        if migration.state and migration.target_state
        else ""
    )
    lines = [paint(clean(f"{migration.path}{transition}"), "bold")]
    for finding in migration.extra_findings:
        lines.append(_finding_line(finding, migration, paint, indent="  "))
    for stage_number in stages:
        stage = Stage(stage_number)
        outcomes = [o for o in migration.outcomes if o.stage == stage_number]
        if not outcomes:
            continue  # the migration was not examined (its listing failed): extra_findings say why
        not_applicable = [o for o in outcomes if o.status is Status.NOT_APPLICABLE]
        if len(not_applicable) == len(outcomes) and outcomes[0].reason:
            lines.append(
                f"  stage {stage_number} · {stage.title}: not applicable: {clean(outcomes[0].reason)}"
            )
            continue
        lines.append(f"  stage {stage_number} · {stage.title}")
        for outcome in outcomes:
            lines.extend(_outcome(outcome, migration, paint))
    verdict = (
        f"BLOCKED: {', '.join(migration.blockers)}" if migration.blocked else "no blocking finding"
    )
    lines.append(paint(f"  {verdict}", "red" if migration.blocked else "green"))
    return lines


def _outcome(
    outcome: CheckOutcome, migration: MigrationResult, paint: Callable[[str, str], str]
) -> list[str]:
    mark, colour = _MARK[outcome.status]
    head = f"    {paint(f'{mark:<5}', colour)} {outcome.check_id:<24} {outcome.duration_ms:>5} ms"
    if outcome.reason:
        head += f"  {clean(outcome.reason)}"
    lines = [head]
    for finding in outcome.findings:
        lines.append(_finding_line(finding, migration, paint, indent="          "))
    return lines


def _finding_line(
    finding: Finding,
    migration: MigrationResult | None,
    paint: Callable[[str, str], str],
    *,
    indent: str,
) -> str:
    where = f"{clean(finding.location.path)}{position(finding)}: " if finding.location else ""
    blocker = f" {finding.blocker}" if finding.blocker else ""
    line = f"{indent}{where}{paint(str(finding.severity), _SEVERITY_COLOUR[finding.severity])}{blocker}: {clean(marked(finding))}"
    if finding.series is not None and finding.series.y:
        first, last = finding.series.x[0], finding.series.x[-1]
        line += f" [{sparkline(finding.series)} {clean(first)}..{clean(last)}]"
    if finding.resolution:
        line += f" (resolution: {finding.resolution})"
    return line
