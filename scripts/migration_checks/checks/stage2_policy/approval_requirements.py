"""Verify that the metadata's required approvals cover every role the policy requires.

The gate counts approvals for the roles the metadata lists; a role missing from
``required_approvals`` would never be asked for. The policy's ``approvals.transitions`` names
the roles for each transition ``{state}_to_{target_state}``, and each must appear as a ``role``
in ``.migration_metadata.json`` ``required_approvals`` (whatever its status: whether it was
given is the gate's question). A transition the policy does not list is a finding (fail closed:
list it with ``[]`` to require no approval). An update without a transition (``target_state``
equal to ``state``) needs no approval. An illegal transition is ``metadata_consistency``'s
finding, so this check is then skipped.

Passes: PLANNED to EXECUTED with ``data_owner`` and ``security`` listed, as the policy requires.
Fails: PLANNED to EXECUTED listing only ``data_owner``; a transition missing from the policy's
``approvals.transitions``.
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks import states
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext, Skip
from migration_checks.model import Problem, Stage

ID = "approval_requirements"
STAGE = Stage.POLICY
BLOCKING = True
RAISES = (BlockerId.POLICY_VIOLATION,)
POLICY = ("approvals",)


def check(ctx: MigrationContext) -> Iterator[Problem]:
    metadata = ctx.require("metadata")
    state, target = metadata.data["state"], metadata.data["target_state"]
    if state == target:
        return  # an update within one state: no transition, no approval
    if not states.is_legal_transition(state, target):
        raise Skip(f"{state} -> {target} is no legal transition (metadata_consistency reports it)")
    transition = states.transition_name(state, target)
    transitions: dict[str, list[str]] = ctx.policy.setting("approvals", "transitions") or {}
    if transition not in transitions:
        yield Problem(
            f'the policy names no approvers for transition "{transition}" '
            f"(approvals.transitions); an unknown transition is refused",
            BlockerId.POLICY_VIOLATION,
            metadata.at("/target_state"),
        )
        return
    listed = {approval["role"] for approval in metadata.data["required_approvals"]}
    for role in transitions[transition]:
        if role not in listed:
            yield Problem(
                f'required_approvals lacks role "{role}", which the policy requires for {transition}',
                BlockerId.POLICY_VIOLATION,
                metadata.at("/required_approvals"),
            )
