"""``migration-checks protect``'s output: a table of setting / expected / actual / source, or JSON.

Pure: ``render_text(report)`` and ``render_json(report)`` only format a ``protection.Report``.
"""

from __future__ import annotations

import json
from typing import Any

from migration_checks.github.protection import Report, Row

HEADER = ("", "SETTING", "EXPECTED", "ACTUAL", "FROM")


def _show(value: bool | int | None, row: Row, *, expected: bool) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "unknown" if row.unknown else "not required"
    return f"at least {value}" if expected else str(value)


def _cells(row: Row) -> tuple[str, ...]:
    return (
        "ok" if row.ok else ("UNKNOWN" if row.unknown else "DRIFT"),
        row.label,
        _show(row.expected, row, expected=True),
        _show(row.actual, row, expected=False),
        ", ".join(row.sources) or "none",
    )


def render_text(report: Report) -> str:
    lines = [
        f'migration-checks protect: {report.repo}, branch "{report.branch}", '
        f'caller job "{report.caller_job}" (no bypass; docs/protect.md)',
        "",
    ]
    applied = report.applied
    if applied is not None:
        if applied.fixed:
            writes = []
            if applied.branch_protection:
                writes.append(f'branch protection of "{report.branch}" (PUT)')
            if applied.repository:
                fields = ", ".join(
                    f"{key}={str(value).lower()}" for key, value in applied.repository.items()
                )
                writes.append(f"repository settings {fields} (PATCH)")
            lines += [
                f"Applied: {' and '.join(writes)}.",
                f"Drifted before: {'; '.join(applied.fixed)}.",
                "Read again from GitHub:",
                "",
            ]
        else:
            lines += ["Nothing to apply: every setting already matched.", ""]
    table = [HEADER, *(_cells(row) for row in report.rows)]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(HEADER) - 1)]
    for cells in table:
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
            + "  "
            + cells[-1]
        )
    lines.append("")
    total = len(report.rows)
    drift = [row for row in report.drift if not row.unknown]
    if report.unknown:
        lines.append(
            f"GitHub did not report {len(report.unknown)} setting(s): the token needs admin "
            "rights on the repository to read them."
        )
    if drift and applied is not None:
        lines.append(f"{len(drift)} of {total} settings still drift after --apply.")
    elif drift:
        lines.append(
            f"{len(drift)} of {total} settings drift. `migration-checks protect --apply` "
            "writes them (the token needs admin rights)."
        )
    elif not report.unknown:
        lines.append(f"All {total} settings match.")
    return "\n".join(lines) + "\n"


def _row_json(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {"setting": row.setting}
    if row.check is not None:
        data["check"] = row.check
    data.update(
        {
            "label": row.label,
            "expected": row.expected,
            "actual": row.actual,
            "ok": row.ok,
            "unknown": row.unknown,
            "from": list(row.sources),
        }
    )
    return data


def render_json(report: Report) -> str:
    applied = report.applied
    data = {
        "repository": report.repo,
        "branch": report.branch,
        "caller_job": report.caller_job,
        "compliant": not report.drift,
        "settings": [_row_json(row) for row in report.rows],
        "applied": None
        if applied is None
        else {
            "fixed": list(applied.fixed),
            "branch_protection": applied.branch_protection,
            "repository": dict(applied.repository),
        },
    }
    return json.dumps(data, indent=2) + "\n"
