"""The squash-merge message of seed 6.8: it carries the approval ids of the transition.

Its subject follows the commit rule of seed 6.7, so the squashed commit passes it too; trailers
name the project, plan and transition and one ``Approval-Id`` per counted approval. The records
are judged as the gate judges them without GitHub (transition, plan, digest, times, distinct
approvers); the gate, which runs before the merge, is what verifies them on GitHub.

The records are written by the pull request's author, so the message carries only approval ids
of the form ``appr_...`` (``migration_checks.gate.shown``) and approvers that are GitHub logins: a
record whose id has another form is named by its place and no message is made (SPEC 6.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from migration_checks.gate.approvals import ChainReport, RoleStatus, RoleVerdict

# The commit ACTION (seed 6.7) that a pull request to each target state makes.
_TARGET_ACTIONS = {
    "PLANNED": "APPROVE",
    "EXECUTED": "EXECUTE",
    "PARALLEL_VALIDATED": "RECON",
    "CUTOVER_READY": "CUTOVER",
    "CUTOVER_DONE": "CUTOVER",
}


def commit_action(state: str, target_state: str) -> str:
    if state == target_state:
        return "PROPOSE" if state == "PROPOSED" else "UPDATE"
    return _TARGET_ACTIONS.get(target_state, "UPDATE")


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeMessage:
    text: str
    missing_roles: tuple[str, ...]
    unfit_ids: tuple[str, ...] = ()  # places of approval ids the message cannot carry


def merge_message(
    *,
    project_id: str,
    plan_id: str,
    plan_version: int,
    state: str,
    target_state: str,
    chain: ChainReport,
    pr: int | None = None,
) -> MergeMessage:
    action = commit_action(state, target_state)
    transition = chain.transition
    suffix = f" (#{pr})" if pr is not None else ""
    subject = f"[MIGRATION] {action}: {project_id} {plan_id} v{plan_version}, {transition}{suffix}"
    filled = [role for role in chain.roles if role.status is not RoleStatus.MISSING]
    missing = tuple(role.role for role in chain.roles if role.status is RoleStatus.MISSING)
    unfit = tuple(
        role.approval_id.place
        for role in filled
        if role.approval_id is not None and role.approval_id.value is None
    )
    lines = [subject, ""]
    if not chain.required:
        lines.append(f"{transition} requires no approval.")
    else:
        approved = ", ".join(_approved_by(role) for role in filled)
        lines.append(f"Approved by {approved}." if approved else "No approval counts yet.")
    lines += [
        "",
        f"Migration-Project: {project_id}",
        f"Migration-Plan: {plan_id} v{plan_version}",
        f"Migration-Transition: {transition}",
    ]
    lines += [f"Approval-Id: {_approval_id(role)}" for role in filled]
    return MergeMessage(text="\n".join(lines) + "\n", missing_roles=missing, unfit_ids=unfit)


def _approval_id(role: RoleVerdict) -> str:
    shown = role.approval_id.value if role.approval_id is not None else None
    return shown or "?"


def _approved_by(role: RoleVerdict) -> str:
    """``data_owner jsmith (appr_shop01)``; an approver that is no login is left out."""
    approver = role.approver.value if role.approver is not None else None
    who = f" {approver}" if approver is not None else ""
    return f"{role.role}{who} ({_approval_id(role)})"


def missing_text(missing: Sequence[str]) -> str:
    return ", ".join(f'"{role}"' for role in missing)
