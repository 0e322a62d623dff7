"""Markdown for the sticky PR comment and the job summary, within GitHub's size limits.

GitHub refuses a comment over 65,536 characters and a step summary over 1 MiB. Findings are
added in priority order (blockers first, then by severity) until the budget is spent, and the
report says how many were left out and where to find them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from migration_checks.model import Finding, MigrationResult, RunResult, Stage, Status, WaiverMark
from migration_checks.reporters._common import clean, marked, mermaid_chart, position

MARKER = "<!-- migration-checks -->"
COMMENT_LIMIT = 65_536  # characters
SUMMARY_LIMIT = 1_048_576  # bytes
MAX_CHARTS = 5  # per migration, in the job summary

_STATUS = {
    Status.PASSED: "✅ passed",
    Status.FAILED: "❌ failed",
    Status.ERROR: "💥 error",
    Status.SKIPPED: "⏭️ skipped",
    Status.NOT_APPLICABLE: "⚪ not applicable",
}
_SEVERITY = {"error": "🔴 error", "warning": "🟡 warning", "notice": "🔵 notice"}


def text(value: str) -> str:
    """Untrusted text for a table cell: no HTML, no Markdown, no @mentions or links, one line."""
    escaped = html.escape(clean(value), quote=False)
    for char in "\\`*_[]|#~":
        escaped = escaped.replace(char, f"\\{char}")
    # A zero-width space keeps GitHub from turning mentions and bare URLs into live links.
    return escaped.replace("@", "@\u200b").replace("://", ":/\u200b/").replace("www.", "www\u200b.")


def code(value: str) -> str:
    """Untrusted text in a code style; GitHub parses Markdown inside <code>, so it is escaped too."""
    return f"<code>{text(value)}</code>"


@dataclass(frozen=True, slots=True)
class _Budget:
    limit: int
    in_bytes: bool

    def size(self, part: str) -> int:
        return len(part.encode("utf-8")) if self.in_bytes else len(part)


def render(result: RunResult, *, limit: int = COMMENT_LIMIT) -> str:
    """The PR comment body, at most ``limit`` characters (less when a caller appends a section)."""
    return _render(result, _Budget(limit, in_bytes=False), with_checks=False,
                   elsewhere="the job summary and the JSON result list them all")  # fmt: skip


def summary(result: RunResult, *, limit: int = SUMMARY_LIMIT) -> str:
    """The job summary (at most ``limit`` bytes): also a per-stage table of checks."""
    return _render(result, _Budget(limit, in_bytes=True), with_checks=True,
                   elsewhere="the JSON result (output result-file) lists them all")  # fmt: skip


def _render(result: RunResult, budget: _Budget, *, with_checks: bool, elsewhere: str) -> str:
    head = _head(result)
    used = budget.size(head) + budget.size(_closing(10**6, 10**6, elsewhere)) + 2
    sections: dict[str, str] = {}
    for migration in result.migrations:
        section = _migration_head(migration, with_checks)
        cost = budget.size(section) + 2
        if used + cost <= budget.limit:
            sections[migration.path] = section
            used += cost
    rows: dict[str | None, list[str]] = {}
    omitted = 0
    for owner, finding in result.all_findings():
        key = owner.path if owner else None
        if key is not None and key not in sections:
            omitted += 1
            continue
        row = _row(finding)
        cost = budget.size(row) + 1
        if key not in rows:
            cost += budget.size(_table_head(key)) + 2
        if used + cost > budget.limit:
            omitted += 1
            continue
        used += cost
        rows.setdefault(key, []).append(row)
    charts: dict[str, list[str]] = {}
    for migration in result.migrations if with_checks else ():
        for chart in _charts(migration) if migration.path in sections else ():
            if used + budget.size(chart) + 2 <= budget.limit:
                used += budget.size(chart) + 2
                charts.setdefault(migration.path, []).append(chart)
    parts = [head]
    if rows.get(None):
        parts.append(_table_head(None) + "\n".join(rows[None]))
    for migration in result.migrations:
        if migration.path in sections:
            parts.append(sections[migration.path])
            if rows.get(migration.path):
                parts.append(_table_head(migration.path) + "\n".join(rows[migration.path]))
            parts.extend(charts.get(migration.path, []))
    omitted_migrations = len(result.migrations) - len(sections)
    if omitted or omitted_migrations:
        parts.append(_closing(omitted, omitted_migrations, elsewhere))
    return "\n\n".join(parts) + "\n"


def _closing(omitted: int, omitted_migrations: int, elsewhere: str) -> str:
    left_out = [f"{omitted} more finding{'s' if omitted != 1 else ''}"] if omitted else []
    if omitted_migrations:
        left_out.append(
            f"{omitted_migrations} more migration{'s' if omitted_migrations != 1 else ''}"
        )
    return (
        f"> **{' and '.join(left_out)} not shown** to stay within GitHub's size limit; {elsewhere}."
    )


def _table_head(key: str | None) -> str:
    heading = "#### Findings\n\n" if key is not None else ""
    return f"{heading}| Severity | Check | Where | Message |\n|---|---|---|---|\n"


def _head(result: RunResult) -> str:
    verdict = "❌ blocked" if result.blocked else "✅ no blocking finding"
    lines = [MARKER, f"## migration-checks: {verdict}", "", result.examined.line + "."]
    if result.blockers:
        counts: dict[str, int] = {}
        resolutions: dict[str, str] = {}
        for _, finding in result.all_findings():
            if finding.blocker is not None:
                counts[finding.blocker] = counts.get(finding.blocker, 0) + 1
                resolutions[finding.blocker] = finding.resolution or ""
        lines += ["", "### Blockers", "", "| Blocker | Resolution | Findings |", "|---|---|---|"]
        lines += [
            f"| `{b}` | {text(resolutions.get(b, ''))} | {counts.get(b, 0)} |"
            for b in result.blockers
        ]
    return "\n".join(lines)


def _migration_head(migration: MigrationResult, with_checks: bool) -> str:
    transition = (
        f" — {migration.state} → {migration.target_state}"
        if migration.state and migration.target_state
        else ""
    )
    verdict = (
        f"blocked by {', '.join(f'`{b}`' for b in migration.blockers)}"
        if migration.blocked
        else "no blocking finding"
    )
    lines = [
        f"### {code(migration.path)}{text(transition)}",
        "",
        f"{verdict}; {migration.files_parsed} files parsed.",
    ]
    if with_checks and migration.outcomes:
        lines += ["", "| Stage | Check | Status | Time | Note |", "|---|---|---|---|---|"]
        for outcome in migration.outcomes:
            stage = Stage(outcome.stage)
            lines.append(
                f"| {stage.value} {stage.title} | `{outcome.check_id}` | {_STATUS[outcome.status]} | "
                f"{outcome.duration_ms} ms | {text(outcome.reason or '')} |"
            )
    if with_checks:
        lines += _waiver_table(migration)
    return "\n".join(lines)


def _waiver_table(migration: MigrationResult) -> list[str]:
    """The waivers that match findings: applied (the gate verified their approval) or pending."""
    waived: dict[str, tuple[WaiverMark, str, int]] = {}
    for finding in migration.findings:
        mark = finding.waiver
        if mark is not None:
            _, check, count = waived.get(mark.id, (mark, finding.check, 0))
            waived[mark.id] = (mark, check, count + 1)
    if not waived:
        return []
    lines = [
        "",
        "| Waiver | Status | Check | Blocker | Findings | Expires | Reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for waiver_id, (mark, check, count) in sorted(waived.items()):
        status = "✅ applied" if mark.applied else "⏳ pending approval"
        lines.append(
            f"| {code(waiver_id)} | {status} | `{check}` | `{mark.blocker}` | {count} | "
            f"{text(mark.expires_at)} | {text(mark.reason)} |"
        )
    return lines


def _row(finding: Finding) -> str:
    severity = _SEVERITY[str(finding.severity)]
    if finding.blocker:
        severity += f" `{finding.blocker}`"
    where = code(f"{finding.location.path}{position(finding)}") if finding.location else ""
    message = text(marked(finding))
    if finding.resolution:
        message += f" — *{text(finding.resolution)}*"
    return f"| {severity} | `{finding.check}` | {where} | {message} |"


def _charts(migration: MigrationResult) -> list[str]:
    """A chart for each of the first findings that carry a series (trend_analysis)."""
    with_series = [f for f in migration.findings if f.series is not None and f.series.y]
    return [
        f"**{text(finding.series.title)}** ({code(finding.check)})\n\n"
        + mermaid_chart(finding.series)
        for finding in with_series[:MAX_CHARTS]
        if finding.series is not None
    ]
