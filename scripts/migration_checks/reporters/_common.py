"""Helpers every reporter shares: neutralising untrusted text and naming places."""

from __future__ import annotations

import math
import re

from migration_checks.model import Finding, MigrationResult, Series

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """Untrusted text (file names, keys, ids) on one line with no control characters.

    A newline in a file name could otherwise start a workflow command on stdout, and an escape
    sequence could rewrite the terminal.
    """
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}"
            if m.group() not in "\n\r\t"
            else {"\n": "\\n", "\r": "\\r", "\t": " "}[m.group()]
        ),
        text,
    )


def marked(finding: Finding) -> str:
    """The finding's message with its waiver or evaluate mode, as every report shows it."""
    waiver, evaluate = finding.waiver, finding.evaluate
    if waiver is not None:
        state = "waived by" if waiver.applied else "waivable by"
        pending = "" if waiver.applied else ", pending approval (the gate verifies it)"
        return (
            f"{finding.message} [{state} {waiver.id}{pending}, {waiver.blocker}, until "
            f"{waiver.expires_at}: {waiver.reason}]"
        )
    if evaluate is not None:
        return (
            f"{finding.message} [evaluate mode: {evaluate.blocker} blocks from "
            f"{evaluate.blocks_from}]"
        )
    return finding.message


def log_lines(lines: list[str]) -> str:
    """``lines`` as the text of a log: a line that would start with ``::`` after its leading
    white space (the GitHub runner trims it) gets its first colon escaped, so a file or
    directory named ``::error::x`` shows as itself instead of becoming a workflow command."""
    return "".join(
        f"{line.replace(':', _COLON, 1) if line.lstrip().startswith('::') else line}\n"
        for line in lines
    )


_COLON = "\\x3a"


def repo_path(migration: MigrationResult | None, finding: Finding) -> str | None:
    """The finding's file relative to where the run started (the repository root in CI)."""
    if finding.location is None:
        return None
    if migration is None or migration.path in ("", "."):
        return finding.location.path
    return f"{migration.path.rstrip('/')}/{finding.location.path}"


def position(finding: Finding) -> str:
    location = finding.location
    if location is None or location.line is None:
        return ""
    return f":{location.line}" + (f":{location.column}" if location.column else "")


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(series: Series) -> str:
    """The series on one line of block characters, lowest value ▁, highest █."""
    # Halved, so that the span of two large floats of opposite signs does not overflow; a
    # value that is not finite (no check draws one) is drawn at the bottom.
    points = [value / 2 if math.isfinite(value) else 0.0 for value in series.y]
    low, high = min(points, default=0.0), max(points, default=0.0)
    span = high - low
    return "".join(
        _BARS[round((value - low) / span * (len(_BARS) - 1)) if span else 0] for value in points
    )


def mermaid_chart(series: Series) -> str:
    """A Mermaid ``xychart-beta`` line chart of the series, which GitHub renders in Markdown."""

    def quoted(label: str) -> str:
        # One line, and neither a quote nor a backtick that could close the string or the fence.
        return '"' + clean(label).replace('"', "'").replace("`", "'") + '"'

    values = ", ".join(f"{value:.6g}" for value in series.y)
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f"    title {quoted(series.title)}",
            f"    x-axis [{', '.join(quoted(label) for label in series.x)}]",
            f"    y-axis {quoted(series.y_label)}",
            f"    line [{values}]",
            "```",
        ]
    )
