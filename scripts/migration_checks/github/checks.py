"""The status checks the reusable workflow reports, by the names branch protection sees.

A job of a called workflow reports its check as ``<caller job> / <job name>``: the caller's job
id (or its ``name:``) that says ``uses: .../migration-pr-checks.yml@...``, then the ``name:`` of
the job in our workflow. The README's caller snippet calls that job ``migration``.
tests/github/test_workflow.py keeps this table equal to the workflow's jobs.
"""

from __future__ import annotations

DEFAULT_CALLER_JOB = "migration"

# Job id in migration-pr-checks.yml -> the job's name there.
WORKFLOW_JOBS: dict[str, str] = {
    "discover": "discover",
    "stage_1": "structural-validation",
    "stage_2": "policy-compliance",
    "stage_3": "code-quality",
    "stage_4": "security-scan",
    "stage_5": "dry-run",
    "stage_6": "post-execution",
    "gate": "migration-gate",
}

# What branch protection requires: every stage and the gate. A stage job skipped because the pull
# request changes no migration directory reports "skipped", which GitHub counts as passing; the
# gate, which runs always and reads every job's result, is the check that decides.
REQUIRED_JOBS = ("stage_1", "stage_2", "stage_3", "stage_4", "stage_5", "stage_6", "gate")


def required_check_names(caller_job: str = DEFAULT_CALLER_JOB) -> list[str]:
    """The required status checks' names for a caller whose job is ``caller_job``."""
    return [f"{caller_job} / {WORKFLOW_JOBS[job]}" for job in REQUIRED_JOBS]
