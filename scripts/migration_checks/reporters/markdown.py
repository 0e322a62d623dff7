"""Markdown for the sticky PR comment and the job summary, within GitHub's size limits.

GitHub refuses a comment over 65,536 characters and a step summary over 1 MiB. Findings are
added in priority order (blockers first, then by severity) until the budget is spent, and the
report says how many were left out and where to find them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from migration_checks.model import Finding, MigrationResult, RunResult, Stage, Status
from migration_checks.reporters._common import clean, position

MARKER = "<!-- migration-checks -->"
COMMENT_LIMIT = 65_536  # characters
SUMMARY_LIMIT = 1_048_576  # bytes
_RESERVE = 600  # room for the closing notes

_STATUS = {
    Status.PASSED: "✅ passed",
    Status.FAILED: "❌ failed",
    Status.ERROR: "💥 error",
    Status.SKIPPED: "⏭️ skipped",
    Status.NOT_APPLICABLE: "⚪ not applicable",
}
_SEVERITY = {"error": "🔴 error", "warning": "🟡 warning", "notice": "🔵 notice"}


def text(value: str) -> str:
    """Untrusted text for a table cell: no HTML, no Markdown syntax, no @mentions, one line."""
    escaped = html.escape(clean(value), quote=False)
    for char in "\\`*_[]|#~":
        escaped = escaped.replace(char, f"\\{char}")
    return escaped.replace("@", "@\u200b")


def code(value: str) -> str:
    return f"<code>{html.escape(clean(value), quote=False).replace('|', '&#124;').replace('@', '@&#8203;')}</code>"


@dataclass(frozen=True, slots=True)
class _Budget:
    limit: int
    in_bytes: bool

    def size(self, part: str) -> int:
        return len(part.encode("utf-8")) if self.in_bytes else len(part)


def render(result: RunResult) -> str:
    """The PR comment body."""
    return _render(result, _Budget(COMMENT_LIMIT, in_bytes=False), with_checks=False,
                   elsewhere="the job summary and the JSON result list them all")  # fmt: skip


def summary(result: RunResult) -> str:
    """The job summary: also a per-stage table of checks with status and time."""
    return _render(result, _Budget(SUMMARY_LIMIT, in_bytes=True), with_checks=True,
                   elsewhere="the JSON result (output result-file) lists them all")  # fmt: skip


def _render(result: RunResult, budget: _Budget, *, with_checks: bool, elsewhere: str) -> str:
    head = _head(result)
    sections = {m.path: _migration_head(m, with_checks) for m in result.migrations}
    used = budget.size(head) + sum(budget.size(s) for s in sections.values()) + _RESERVE
    rows: dict[str | None, list[str]] = {}
    omitted = 0
    for migration, finding in result.all_findings():
        row = _row(finding)
        cost = budget.size(row) + 1
        if used + cost > budget.limit:
            omitted += 1
            continue
        used += cost
        rows.setdefault(migration.path if migration else None, []).append(row)
    parts = [head]
    if rows.get(None):
        parts.append(_table(rows[None]))
    for migration in result.migrations:
        parts.append(sections[migration.path])
        if rows.get(migration.path):
            parts.append("#### Findings\n\n" + _table(rows[migration.path]))
    if omitted:
        parts.append(f"> **{omitted} more finding{'s' if omitted != 1 else ''} not shown** to stay within "
                     f"GitHub's size limit; {elsewhere}.")  # fmt: skip
    return "\n\n".join(parts) + "\n"


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
    return "\n".join(lines)


def _table(rows: list[str]) -> str:
    return "| Severity | Check | Where | Message |\n|---|---|---|---|\n" + "\n".join(rows)


def _row(finding: Finding) -> str:
    severity = _SEVERITY[str(finding.severity)]
    if finding.blocker:
        severity += f" `{finding.blocker}`"
    where = code(f"{finding.location.path}{position(finding)}") if finding.location else ""
    message = text(finding.message)
    if finding.resolution:
        message += f" — *{text(finding.resolution)}*"
    return f"| {severity} | `{finding.check}` | {where} | {message} |"
