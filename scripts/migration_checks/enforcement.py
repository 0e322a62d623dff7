"""Evaluate mode: a check the policy introduces gradually warns until a date, then blocks.

The base policy sets ``enforcement: {check_id: {mode: evaluate, until: DATE}}``. Before ``until``
(compared with today's date in UTC) each blocking finding of that check is a warning that names
its blocker and the day it starts to block; from that day on the check blocks as usual. A blocker
of ``waivers.never`` (secrets, an unsigned plan, a critical reconciliation) is never softened.

The policy comes from the base commit (``--base``), so a pull request cannot put a check into
evaluate mode; without ``--base`` the policy the caller names is trusted as given. The runner
applies it, where the check ran; the gate takes the stage results as they were judged.

A check whose input another check rejected is skipped, and adds no blocker of its own: the
rejection blocks. Once that rejection is softened here, or waived in the gate, nothing would
block for the skipped check, and what it never judged (a plan's signature, a secret, a decision)
would pass unseen. So ``unjudged`` fails closed: while a finding of the migration is softened or
waived, every blocking check that was skipped blocks, with its own blocker (``SPEC_BLOCKERS``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

from migration_checks.catalogue import SPEC_BLOCKERS
from migration_checks.model import (
    CheckOutcome,
    EvaluateMark,
    Finding,
    Severity,
    Status,
    fails,
    make_finding,
)
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


def unjudged(outcomes: Sequence[CheckOutcome], *, softened: bool = True) -> list[Finding]:
    """A blocker for each blocking check that was skipped, when a finding of these outcomes no
    longer blocks because an approved waiver applies or, with ``softened`` (the runner's call;
    the gate's stage results already hold what the runner found), evaluate mode softened it."""
    lifted = any(
        (softened and finding.evaluate is not None)
        or (finding.waiver is not None and finding.waiver.applied)
        for outcome in outcomes
        for finding in outcome.findings
    )
    if not lifted:
        return []
    found = []
    for outcome in outcomes:
        blocker = SPEC_BLOCKERS.get(outcome.check_id)
        if outcome.status is not Status.SKIPPED or blocker is None:
            continue
        found.append(
            make_finding(
                outcome.check_id,
                int(outcome.stage),
                f"{outcome.check_id} did not run ({outcome.reason or 'its input was rejected'}), "
                "and the finding that stopped it is softened by evaluate mode or waived: what "
                "it checks was never judged, so it blocks until its input passes",
                blocker=blocker,
            )
        )
    return found
