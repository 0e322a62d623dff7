"""Evaluate mode: a check the policy introduces gradually warns until a date, then blocks.

The base policy sets ``enforcement: {check_id: {mode: evaluate, until: DATE}}``. Before ``until``
(compared with today's date in UTC) each blocking finding of that check is a warning that names
its blocker and the day it starts to block; from that day on the check blocks as usual. A blocker
of ``waivers.never`` (secrets, an unsigned plan, a critical reconciliation) is never softened.

The policy comes from the base commit (``--base``), so a pull request cannot put a check into
evaluate mode; without ``--base`` the policy the caller names is trusted as given. The runner
applies it, where the check ran; the gate takes the stage results as they were judged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

from migration_checks.model import CheckOutcome, EvaluateMark, Finding, Severity, Status, fails
from migration_checks.policy import Policy


def soften(outcomes: Sequence[CheckOutcome], policy: Policy, today: date) -> list[CheckOutcome]:
    """The outcomes with every check still in evaluate mode on ``today`` softened."""
    until = policy.evaluate_until
    never = policy.never_waived
    softened = []
    for outcome in outcomes:
        first_day = until.get(outcome.check_id)
        if first_day is None or today >= first_day or outcome.status is not Status.FAILED:
            # An errored check is not judged on its findings: its crash blocks as ever.
            softened.append(outcome)
            continue
        findings = tuple(
            _deferred(finding, first_day)
            if finding.blocker is not None and finding.blocker not in never
            else finding
            for finding in outcome.findings
        )
        status = Status.FAILED if fails(outcome.blocking, findings) else Status.PASSED
        softened.append(
            dataclasses.replace(
                outcome,
                status=status,
                findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
            )
        )
    return softened


def _deferred(finding: Finding, first_day: date) -> Finding:
    assert finding.blocker is not None
    return dataclasses.replace(
        finding,
        blocker=None,
        severity=Severity.WARNING,
        evaluate=EvaluateMark(blocker=finding.blocker, blocks_from=first_day.isoformat()),
    )
