"""The labels the gate manages (SPEC section 2), named by the policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_checks.gate.labels import Transition, plan_labels
from migration_checks.policy import Policy, load_policy
from tests.conftest import BASE_POLICY

STATE_LABELS = {
    "migration/proposed",
    "migration/planned",
    "migration/executing",
    "migration/post-execution",
    "migration/validated",
    "migration/cutover-ready",
}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(BASE_POLICY)


@pytest.mark.parametrize(
    ("state", "target", "label"),
    [
        ("PROPOSED", "PLANNED", "migration/proposed"),
        ("PLANNED", "EXECUTED", "migration/planned"),
        ("EXECUTED", "PARALLEL_VALIDATED", "migration/post-execution"),
        ("PARALLEL_VALIDATED", "CUTOVER_READY", "migration/validated"),
        ("CUTOVER_READY", "CUTOVER_DONE", "migration/cutover-ready"),
    ],
)
def test_the_state_label(policy: Policy, state: str, target: str, label: str) -> None:
    plan = plan_labels(
        policy,
        [Transition(state, target)],
        blocked=False,
        needs_decision=False,
        security_review=False,
    )
    current = sorted(STATE_LABELS | {"bug", "blocked"})
    add, remove = plan.changes(current)
    assert add == []
    kept = set(current) - set(remove)
    expected = {label, "bug"}
    if (state, target) == ("PLANNED", "EXECUTED"):
        expected.add("migration/executing")  # execution may be in progress: not ours to remove
    assert kept == expected


def test_cutover_done_has_no_state_label(policy: Policy) -> None:
    plan = plan_labels(
        policy, [Transition("CUTOVER_DONE", "CUTOVER_DONE")], blocked=True, needs_decision=None,
        security_review=None,
    )  # fmt: skip
    add, remove = plan.changes(["migration/cutover-ready", "needs-decision", "security-review"])
    assert add == ["blocked"]
    assert remove == ["migration/cutover-ready"]  # unknown conditions leave their labels alone


def test_blocked_needs_decision_and_security_review(policy: Policy) -> None:
    plan = plan_labels(
        policy, [Transition("PLANNED", "EXECUTED")], blocked=True, needs_decision=True,
        security_review=True,
    )  # fmt: skip
    add, remove = plan.changes(["Migration/Planned"])  # GitHub label names ignore case
    assert add == ["blocked", "needs-decision", "security-review"]
    assert remove == []
    plan = plan_labels(
        policy, [Transition("PLANNED", "EXECUTED")], blocked=False, needs_decision=False,
        security_review=False,
    )  # fmt: skip
    assert plan.changes(["BLOCKED", "needs-decision", "security-review", "migration/planned"]) == (
        [],
        ["BLOCKED", "needs-decision", "security-review"],
    )


def test_an_unknown_state_leaves_state_labels_alone(policy: Policy) -> None:
    plan = plan_labels(
        policy, [Transition(None, None)], blocked=True, needs_decision=None, security_review=None
    )
    assert plan.changes(["migration/planned"]) == (["blocked"], [])


def test_label_names_come_from_the_policy(tmp_path: Path) -> None:
    data = json.loads(BASE_POLICY.read_text())
    data["labels"] = {"planned": "state: planned", "blocked": "do-not-merge"}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    plan = plan_labels(
        load_policy(path), [Transition("PLANNED", "EXECUTED")], blocked=True,
        needs_decision=False, security_review=None,
    )  # fmt: skip
    assert plan.changes(["migration/proposed", "blocked"]) == (
        ["state: planned", "do-not-merge"],
        ["migration/proposed"],
    )
