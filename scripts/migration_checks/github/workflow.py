"""Writing a GitHub report where the runner reads it, through github-action-utils.

github-action-utils escapes annotation data (``%``, CR, LF) and properties (also ``:`` and ``,``),
so a file name cannot smuggle a workflow command into the log.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import github_action_utils as gha

from migration_checks.model import Finding
from migration_checks.reporters.github import GithubReport

_EMITTERS = {"error": gha.error, "warning": gha.warning, "notice": gha.notice}


# Rendered when --format github has nowhere to put the job summary (outside GitHub Actions).
NO_SUMMARY = (
    "migration-checks: the job summary was not written: GITHUB_STEP_SUMMARY is not set (this is "
    "not a GitHub Actions step) and no --output FILE was given\n"
)


def emit(report: GithubReport, *, summary_file: Path | None = None) -> None:
    for annotation in report.annotations:
        _EMITTERS[annotation.level](
            annotation.message,
            title=annotation.title,
            file=annotation.file,
            line=annotation.line,
            col=annotation.col,
        )
    if summary_file is not None:
        summary_file.write_text(report.summary, encoding="utf-8")
    elif os.environ.get("GITHUB_STEP_SUMMARY"):
        gha.append_job_summary(report.summary)
    else:
        sys.stderr.write(NO_SUMMARY)
    if os.environ.get("GITHUB_OUTPUT"):
        for name, value in report.outputs.items():
            gha.set_output(name, value)


def emit_discovery(findings: Sequence[Finding], outputs: dict[str, str]) -> None:
    """What ``discover --format github`` shows: one annotation per finding and the outputs."""
    for finding in findings:
        level = "error" if finding.blocker is not None else str(finding.severity)
        _EMITTERS.get(level, gha.notice)(finding.message, title=f"migration-checks {finding.check}")
    if os.environ.get("GITHUB_OUTPUT"):
        for name, value in outputs.items():
            gha.set_output(name, value)
