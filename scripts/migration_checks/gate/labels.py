"""The pull-request labels of SPEC section 2 that the gate manages, named by the policy's ``labels``.

The gate adds or removes only these: the state label of each migration's ``state``, ``blocked``
while any blocker stands, ``needs-decision`` while a manual decision is unresolved and
``security-review`` while stage 4 has findings. ``migration/executing`` marks an execution in
progress, which only the execution tooling knows: the gate never adds it, keeps it on a
PLANNED → EXECUTED pull request and removes it from any other. Every other label is left alone.
A label whose condition cannot be told (say, no stage 4 result) is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from migration_checks.policy import Policy

# state -> the policy's label key (CUTOVER_DONE has none: the pull request merges).
STATE_LABEL_KEYS = {
    "PROPOSED": "proposed",
    "PLANNED": "planned",
    "EXECUTED": "post_execution",
    "PARALLEL_VALIDATED": "validated",
    "CUTOVER_READY": "cutover_ready",
}
_STATE_KEYS = (*STATE_LABEL_KEYS.values(), "executing")


@dataclass(frozen=True, slots=True)
class Transition:
    state: str | None
    target_state: str | None


@dataclass(frozen=True, slots=True)
class LabelPlan:
    """Labels that must be present and managed labels that must be absent; others are kept."""

    want: tuple[str, ...]
    unwanted: tuple[str, ...]

    def changes(self, current: Iterable[str]) -> tuple[list[str], list[str]]:
        """(labels to add, labels to remove) for a pull request that has ``current``.

        GitHub label names are case-insensitive; a label is removed under its own spelling.
        """
        present = list(current)
        folded = {name.casefold() for name in present}
        unwanted = {name.casefold() for name in self.unwanted}
        add = [name for name in self.want if name.casefold() not in folded]
        remove = [name for name in present if name.casefold() in unwanted]
        return add, remove


def plan_labels(
    policy: Policy,
    migrations: Sequence[Transition],
    *,
    blocked: bool,
    needs_decision: bool | None,
    security_review: bool | None,
) -> LabelPlan:
    want: dict[str, None] = {}
    unwanted: dict[str, None] = {}
    known = [m for m in migrations if m.state in STATE_LABEL_KEYS or m.state == "CUTOVER_DONE"]
    if known and len(known) == len(migrations):
        wanted_keys = {STATE_LABEL_KEYS[m.state] for m in known if m.state in STATE_LABEL_KEYS}
        executing_ok = any(m.state == "PLANNED" and m.target_state == "EXECUTED" for m in known)
        for key in _STATE_KEYS:
            if key in wanted_keys:
                want[policy.label(key)] = None
            elif key == "executing" and executing_ok:
                continue
            else:
                unwanted[policy.label(key)] = None
    for key, condition in (
        ("blocked", blocked),
        ("needs_decision", needs_decision),
        ("security_review", security_review),
    ):
        if condition is True:
            want[policy.label(key)] = None
        elif condition is False:
            unwanted[policy.label(key)] = None
    # A policy may give two keys one name; presence wins.
    return LabelPlan(tuple(want), tuple(u for u in unwanted if u not in want))
