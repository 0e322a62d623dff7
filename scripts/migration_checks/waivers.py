"""Waivers: findings a pull request asks to accept for now, applied only once approved.

``evidence/waivers.json`` (schema ``waivers``) lists waivers ``{id, check, blocker, path?,
pointer?, reason, requested_by, expires_at}``. A waiver matches a finding of a check of stages
1-6 when the check and the blocker are the same and, when given, the finding is on ``path`` and
its pointer equals ``pointer`` or lies under it (``/checks/0`` covers ``/checks/0/tolerance``); a
``path`` without a pointer covers the whole file. Only a check's own findings of a failed check
can be waived: not a crash, not the runner's findings (``ci_checks_required``) nor the gate's
(approvals, branch, required stages).

The file is written by the pull request's author, so by itself it changes nothing (SPEC 6.1):

- ``check`` never verifies approvals: a matched finding shows "waivable by W-1, pending
  approval" and still blocks;
- the gate applies a waiver only when an approval record names it and is verified like any
  approval (``gate/approvals.py``): by a role of the **base** policy's ``waivers.approvers``,
  confirmed by that person's review on the head commit, someone other than the requester and the
  pull request's author, covering ``evidence/waivers.json``. A waiver not approved is a blocker.

A waiver is itself a blocker (POLICY_VIOLATION, check ``waivers``), and applies to nothing, when
its id is used twice, its check is unknown, never blocks or belongs to the gate, its blocker is
one of ``waivers.never``, its path is not canonical, it has expired, it expires more than
``waivers.max_days`` from now, or it is over-broad: it has no path while the findings it would
match name their file, or it matches more than ``waivers.max_findings`` findings. A waiver that
matches nothing is a warning. Waived findings are shown everywhere with the waiver's id, reason
and expiry; the reason is the one free text shown, redacted and cut to one short line.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from migration_checks import artifacts
from migration_checks.blockers import BlockerId
from migration_checks.catalogue import SPEC_CHECKS
from migration_checks.documents import Document
from migration_checks.fs import UnsafePath, check_relative
from migration_checks.model import (
    CheckOutcome,
    Finding,
    Location,
    Severity,
    Status,
    WaiverMark,
    fails,
    make_finding,
)
from migration_checks.policy import Policy
from migration_checks.redaction import redact
from migration_checks.times import parse_time

CHECK = "waivers"
FILE = artifacts.WAIVERS.path
REASON_SHOWN = 200  # characters of a reason a report shows


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiver:
    """A waiver that passed every check that needs no finding: its id is unique, its check and
    blocker can be waived, its path is canonical and it has not expired."""

    index: int
    id: str
    check: str
    stage: int
    blocker: BlockerId
    path: str | None
    pointer: str | None
    reason: str  # as shown
    requested_by: str
    expires_at: datetime
    location: Location  # of the waiver in the waivers file

    def matches(self, finding: Finding) -> bool:
        if finding.check != self.check or finding.blocker is not self.blocker:
            return False
        location = finding.location
        if self.path is None:
            return location is None
        if location is None or location.path != self.path:
            return False
        if self.pointer is None:
            return True
        found = location.pointer
        return found is not None and (found == self.pointer or found.startswith(self.pointer + "/"))

    def mark(self, *, applied: bool) -> WaiverMark:
        return WaiverMark(
            id=self.id,
            blocker=self.blocker,
            reason=self.reason,
            expires_at=self.expires_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            applied=applied,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Waivers:
    """The waivers file of one migration directory, as far as it can be judged without findings."""

    present: bool  # the file exists (usable or not: stage 1 reports a broken one)
    valid: tuple[Waiver, ...] = ()
    problems: tuple[Finding, ...] = ()  # a blocker for each waiver that cannot apply


def load(document: Document | None, policy: Policy, now: datetime, *, present: bool) -> Waivers:
    """The waivers of ``document`` (the schema-valid waivers file, or None) judged at ``now``."""
    if document is None:
        return Waivers(present=present)
    entries: list[dict[str, Any]] = list(document.data["waivers"])
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["id"]] = counts.get(entry["id"], 0) + 1
    valid: list[Waiver] = []
    problems: list[Finding] = []
    for index, entry in enumerate(entries):
        here = f"/waivers/{index}"
        spec = SPEC_CHECKS.get(entry["check"])
        stage = int(spec[0]) if spec is not None else 1
        expires = parse_time(entry["expires_at"])
        wrong = _entry_problems(entry, policy, now, expires, duplicate=counts[entry["id"]] > 1)
        problems.extend(
            make_finding(
                CHECK,
                stage,
                f'waiver "{entry["id"]}" {message}',
                blocker=BlockerId.POLICY_VIOLATION,
                location=document.at(f"{here}/{field}"),
            )
            for message, field in wrong
        )
        if wrong or isinstance(expires, str):
            continue
        valid.append(
            Waiver(
                index=index,
                id=entry["id"],
                check=entry["check"],
                stage=stage,
                blocker=BlockerId(entry["blocker"]),
                path=entry.get("path"),
                pointer=entry.get("pointer"),
                reason=shown_reason(entry["reason"]),
                requested_by=entry["requested_by"],
                expires_at=expires,
                location=document.at(here),
            )
        )
    return Waivers(present=True, valid=tuple(valid), problems=tuple(problems))


def _entry_problems(
    entry: dict[str, Any],
    policy: Policy,
    now: datetime,
    expires: datetime | str,
    *,
    duplicate: bool,
) -> list[tuple[str, str]]:
    """Why a waiver cannot apply whatever it matches: (message, field) pairs."""
    found = []
    if duplicate:
        found.append(("is used by more than one waiver; give each its own id", "id"))
    spec = SPEC_CHECKS.get(entry["check"])
    if spec is None:
        found.append(("names no check of stages 1-6 (the gate's own cannot be waived)", "check"))
    elif not spec[1]:
        found.append((f'is for "{entry["check"]}", which never blocks: nothing to waive', "check"))
    blocker = BlockerId(entry["blocker"])
    if blocker in policy.never_waived:
        found.append(
            (f"is for {blocker}, which the policy never lets be waived (waivers.never)", "blocker")
        )
    path = entry.get("path")
    why = _path_problem(path) if path is not None else None
    if why is not None:
        found.append((f"path {why}", "path"))
    latest = now + timedelta(days=policy.waiver_max_days)
    if isinstance(expires, str):
        found.append((f"expires_at {expires}", "expires_at"))
    elif expires <= now:
        found.append((f"expired at {_utc(expires)}; renew it or fix the findings", "expires_at"))
    elif expires > latest:
        found.append(
            (
                f"expires at {_utc(expires)}, more than {policy.waiver_max_days} days from now "
                f"(waivers.max_days); set it no later than {_utc(latest)}",
                "expires_at",
            )
        )
    return found


def shown_reason(text: str) -> str:
    """A reason as reports show it: secrets redacted, on one line, at most REASON_SHOWN long."""
    line = "".join(c if c.isprintable() else " " for c in redact(text))
    return line if len(line) <= REASON_SHOWN else line[: REASON_SHOWN - 1] + "…"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _path_problem(path: str) -> str | None:
    try:
        parts = check_relative(path)
    except UnsafePath as exc:
        return f"is refused: {exc}"
    if "/".join(parts) != path:
        return "is not written canonically (no ./, // or trailing /)"
    if unicodedata.normalize("NFC", path) != path:
        return "is not in Unicode NFC form"
    return None


def apply(
    outcomes: Sequence[CheckOutcome],
    waivers: Waivers,
    *,
    approved: Collection[str] | None,
    max_findings: int,
    stages: Collection[int],
) -> tuple[list[CheckOutcome], list[Finding]]:
    """Mark the findings each valid waiver matches, and judge its breadth.

    ``approved`` holds the ids of the waivers whose approval the gate verified; None (``check``)
    means none could be verified. An approved waiver's findings stop blocking; any other's are
    marked pending and still block. Only waivers of ``stages`` (those whose results are here)
    are judged for breadth. Returns the outcomes and the findings about the waivers.
    """
    marks: dict[tuple[int, int], WaiverMark] = {}
    found: list[Finding] = []
    for waiver in waivers.valid:
        if waiver.stage not in stages:
            continue
        candidates = [
            (i, j)
            for i, outcome in enumerate(outcomes)
            if outcome.check_id == waiver.check
            and outcome.stage == waiver.stage
            and outcome.status is Status.FAILED
            for j, finding in enumerate(outcome.findings)
            if finding.blocker is waiver.blocker
        ]
        if waiver.path is None and any(outcomes[i].findings[j].location for i, j in candidates):
            found.append(
                _about(
                    waiver,
                    f"is over-broad: it names no path, but the {waiver.blocker} findings of "
                    f'"{waiver.check}" name their file; give path (and pointer) to waive only '
                    "what was reviewed",
                )
            )
            continue
        matched = [(i, j) for i, j in candidates if waiver.matches(outcomes[i].findings[j])]
        if not matched:
            found.append(
                _about(
                    waiver,
                    f'matches no {waiver.blocker} finding of "{waiver.check}"; remove it',
                    blocker=None,
                )
            )
            continue
        if len(matched) > max_findings:
            found.append(
                _about(
                    waiver,
                    f"is over-broad: it matches {len(matched)} findings, more than the "
                    f"{max_findings} of waivers.max_findings; narrow it with path and pointer",
                )
            )
            continue
        applied = approved is not None and waiver.id in approved
        for key in matched:
            current = marks.get(key)
            if current is None or (applied and not current.applied):
                marks[key] = waiver.mark(applied=applied)
    if not marks:
        return list(outcomes), found
    marked = []
    for i, outcome in enumerate(outcomes):
        findings = tuple(
            _marked(finding, marks[(i, j)]) if (i, j) in marks else finding
            for j, finding in enumerate(outcome.findings)
        )
        if findings == outcome.findings:
            marked.append(outcome)
            continue
        status = Status.FAILED if fails(outcome.blocking, findings) else Status.PASSED
        marked.append(
            dataclasses.replace(
                outcome, status=status, findings=tuple(sorted(findings, key=lambda f: f.sort_key))
            )
        )
    return marked, found


def _marked(finding: Finding, mark: WaiverMark) -> Finding:
    if not mark.applied:
        return dataclasses.replace(finding, waiver=mark)
    return dataclasses.replace(finding, blocker=None, severity=Severity.WARNING, waiver=mark)


def _about(
    waiver: Waiver, message: str, *, blocker: BlockerId | None = BlockerId.POLICY_VIOLATION
) -> Finding:
    return make_finding(
        CHECK, waiver.stage, f'waiver "{waiver.id}" {message}', blocker=blocker,
        location=waiver.location,
    )  # fmt: skip
