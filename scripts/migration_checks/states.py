"""Plan states in order, their transitions and the labels that mirror them (SPEC section 2)."""

from __future__ import annotations

STATES: tuple[str, ...] = (
    "PROPOSED",
    "PLANNED",
    "EXECUTED",
    "PARALLEL_VALIDATED",
    "CUTOVER_READY",
    "CUTOVER_DONE",
)


def rank(state: str) -> int:
    """Position of ``state`` in the lifecycle; unknown states rank before every known one."""
    return STATES.index(state) if state in STATES else -1


def is_legal_transition(state: str, target_state: str) -> bool:
    """``target_state`` is ``state`` itself (an update) or its direct successor."""
    if state not in STATES or target_state not in STATES:
        return False
    return rank(target_state) - rank(state) in (0, 1)


def transition_name(state: str, target_state: str) -> str:
    return f"{state}_to_{target_state}"


def reaches(state: str | None, target_state: str | None, threshold: str) -> bool:
    """Whether the plan is at ``threshold`` or later, or this PR asks to get there."""
    return any(s is not None and rank(s) >= rank(threshold) for s in (state, target_state))
