"""The gate applies a waiver only when its approval is verified on GitHub (SPEC section 6.1).

The pull request's author writes evidence/waivers.json and the approval records; the base
policy names who may approve a waiver (waivers.approvers) and GitHub says who reviewed the head
commit. Each test changes one fact of an approved waiver and expects the finding to block again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Tree
from tests.gate.trees import PLAN, gate_tree, load_records, save_records
from tests.github.conftest import approved_pull
from tests.github.fake_github import FakeGithub, FakePull, commit_sha
from tests.github.test_gate_github import gate, gate_json
from tests.unit.test_waivers import LOOSE, WAIVERS, waiver, write_waivers

# mlead may approve waivers; jsmith (data_owner) and lchen (security) approve the transition.
POLICY = {
    "/waivers": {"approvers": ["waiver_approver"]},
    "/approvals/roles/waiver_approver": {"teams": [], "users": ["mlead", "author1"]},
}


def waiver_record(waiver_id: str = "W-1", approver: str = "mlead", **fields: Any) -> dict[str, Any]:
    record = {
        "approval_id": "appr_waiver01",
        "project_id": "proj_shop2026",
        "plan_id": "plan_shop2026",
        "transition": "PLANNED_to_EXECUTED",
        "approver": {"id": approver, "role": "waiver_approver"},
        "approved_at": "2026-11-09T12:00:00Z",
        "sha256_reviewed": "0" * 64,
        "artifacts_reviewed": [PLAN, WAIVERS],
        "waiver": waiver_id,
    }
    record.update(fields)
    return record


def add_records(tree: Tree, *records: dict[str, Any]) -> None:
    save_records(tree.migration, [*load_records(tree.migration), *records])


def stage_2_results(tree: Tree, tmp_path: Path) -> Path:
    target = tmp_path / "results" / "stage-2.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    done = tree.run("--result-file", str(target), stages=(2,))
    assert done.exit_code == 1, done.output  # the tolerances block in check, waiver or not
    return target.parent


@pytest.fixture
def waived(make_tree: Callable[..., Tree], tmp_path: Path) -> Callable[..., tuple[Tree, Path]]:
    """A tree whose two tolerance findings block, with the waivers given and an approval record
    for W-1 by mlead (unless ``records`` says otherwise), and the stage 2 result."""

    def factory(
        *entries: dict[str, Any],
        records: tuple[dict[str, Any], ...] | None = None,
        policy: dict[str, Any] | None = None,
    ) -> tuple[Tree, Path]:
        tree = gate_tree(
            make_tree,
            [*LOOSE, write_waivers(*(entries or (waiver(),)))],
            policy={**POLICY, **(policy or {})},
        )
        add_records(tree, *(records if records is not None else (waiver_record(),)))
        return tree, stage_2_results(tree, tmp_path / f"r{len(list(tmp_path.iterdir()))}")

    return factory


def tolerance_findings(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    migration = result["result"]["migrations"][0]
    return {
        f["pointer"].split("/")[2]: f
        for f in migration["findings"]
        if f["check"] == "tolerance_validation"
    }


def waiver_messages(result: dict[str, Any]) -> list[str]:
    migration = result["result"]["migrations"][0]
    return [f["message"] for f in migration["findings"] if f["check"] == "waivers"]


def run_gate(tree: Tree, results: Path, fake: FakeGithub) -> tuple[int, dict[str, Any]]:
    return gate_json(tree, fake, "--results", str(results), "--no-apply")


def reviewed(fake: FakeGithub, *logins: str) -> FakePull:
    pull = approved_pull(fake)
    for login in logins:
        pull.review(login)
    return pull


# --- the approved waiver --------------------------------------------------------------------


def test_an_approved_waiver_suppresses_exactly_the_findings_it_matches(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived()
    reviewed(fake, "mlead")

    code, result = run_gate(tree, results, fake)

    found = tolerance_findings(result)
    assert found["0"]["blocker"] is None and found["0"]["severity"] == "warning"
    assert found["0"]["waiver"] == {
        "id": "W-1",
        "status": "applied",
        "blocker": "POLICY_VIOLATION",
        "reason": "row counts differ by soft-deleted customers until DATA-812",
        "expires_at": "2026-12-31T00:00:00Z",
    }
    # /checks/1 is not under the waiver's pointer: it still blocks, and alone.
    assert found["1"]["blocker"] == "POLICY_VIOLATION" and "waiver" not in found["1"]
    assert code == 1 and waiver_messages(result) == []
    blocking = [f for m in result["result"]["migrations"] for f in m["findings"] if f["blocker"]]
    assert [(f["check"], f["pointer"]) for f in blocking] == [
        ("tolerance_validation", "/checks/1/tolerance/relative")
    ]


def test_an_approved_waiver_of_every_finding_lets_the_transition_merge(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived(waiver(pointer=None))
    reviewed(fake, "mlead")

    code, result = run_gate(tree, results, fake)

    assert code == 0, result["result"]["migrations"][0]["findings"]
    assert all(f["waiver"]["status"] == "applied" for f in tolerance_findings(result).values())
    summary_file = tree.workspace.parent / "summary.md"
    done = gate(
        tree, fake, "--results", str(results), "--no-apply", "--format", "github",
        env={"GITHUB_STEP_SUMMARY": str(summary_file)},
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = summary_file.read_text()
    assert "| Waiver | Status |" in summary and "✅ applied" in summary
    assert "waived by W-1" in done.output or "waived by W-1" in summary


# --- the same waiver, one fact changed: it blocks ---------------------------------------------


def assert_not_approved(result: dict[str, Any], code: int, why: str) -> None:
    assert code == 1
    found = tolerance_findings(result)
    assert found["0"]["blocker"] == "POLICY_VIOLATION"
    assert found["0"]["waiver"]["status"] == "pending"
    (message,) = [m for m in waiver_messages(result) if "is not approved" in m]
    assert message.startswith('waiver "W-1" is not approved: ')
    assert why in message or any(why in m for m in waiver_messages(result)), waiver_messages(result)


def test_without_an_approval_record_the_waiver_blocks(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived(records=())
    reviewed(fake, "mlead")
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, 'no approval record names it ("waiver": "W-1")')


def test_a_record_without_a_review_on_github_does_not_approve(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived()
    reviewed(fake)  # mlead never reviewed
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, '"mlead" has not approved this pull request on GitHub')


def test_the_requester_cannot_approve_their_waiver(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived(waiver(requested_by="mlead"))
    reviewed(fake, "mlead")
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, 'requested waiver "W-1" and cannot approve it')


def test_the_pull_request_s_author_cannot_approve_a_waiver(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    # author1 is a waiver approver by the policy, and wrote the record naming themselves.
    tree, results = waived(
        waiver(requested_by="mlead"), records=(waiver_record(approver="author1"),)
    )
    reviewed(fake, "author1")
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, "opened this pull request and cannot approve it")


def test_a_role_not_in_waivers_approvers_cannot_approve(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    # jsmith is a data_owner, who approves the transition, not waivers.
    record = waiver_record(approver="jsmith")
    record["approver"]["role"] = "data_owner"
    tree, results = waived(records=(record,))
    reviewed(fake)
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, "no approval record names it")


def test_an_approval_on_an_older_commit_does_not_count(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived()
    pull = reviewed(fake)
    pull.review("mlead", commit_id=commit_sha(1))
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, "approve again after the last push")


def test_a_waiver_widened_after_its_approval_is_stale(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived()
    reviewed(fake, "mlead")
    # The author drops the pointer after the approval (the record's digest is not recomputed).
    (tree.migration / WAIVERS).write_text(
        json.dumps({"waivers": [waiver(pointer=None)]}, indent=2) + "\n"
    )
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, "stale approval")
    assert all(f["blocker"] for f in tolerance_findings(result).values())


def test_a_record_that_does_not_cover_the_waivers_file_does_not_approve(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived(records=(waiver_record(artifacts_reviewed=[PLAN]),))
    reviewed(fake, "mlead")
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, 'artifacts_reviewed does not include "evidence/waivers.json"')


def test_without_waiver_approvers_in_the_policy_nothing_is_approved(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    tree, results = waived(policy={"/waivers": {"approvers": []}})
    reviewed(fake, "mlead")
    code, result = run_gate(tree, results, fake)
    assert_not_approved(result, code, "the policy names no role that may approve a waiver")


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        (waiver(expires_at="2026-11-09T00:00:00Z"), "expired at 2026-11-09T00:00:00Z"),
        (waiver(expires_at="2027-06-01T00:00:00Z"), "more than 90 days from now"),
        (waiver(path=None, pointer=None), "is over-broad: it names no path"),
    ],
    ids=["expired", "too-long", "over-broad"],
)
def test_an_approved_waiver_that_cannot_apply_blocks(
    waived: Callable[..., tuple[Tree, Path]],
    fake: FakeGithub,
    entry: dict[str, Any],
    why: str,
) -> None:
    tree, results = waived(entry)
    reviewed(fake, "mlead")
    code, result = run_gate(tree, results, fake)
    assert code == 1
    assert any(why in m for m in waiver_messages(result)), waiver_messages(result)
    assert all(
        f["blocker"] == "POLICY_VIOLATION" and "waiver" not in f
        for f in tolerance_findings(result).values()
    )


def test_an_approved_waiver_for_a_never_blocker_blocks(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    entry = waiver(id="W-2", check="credential_validation", blocker="SECRETS_EXPOSED")
    second = waiver_record("W-2", approval_id="appr_waiver02")
    tree, results = waived(waiver(), entry, records=(waiver_record(), second))
    reviewed(fake, "mlead")
    code, result = run_gate(tree, results, fake)
    assert code == 1
    assert any(
        'waiver "W-2" is for SECRETS_EXPOSED, which the policy never lets be waived' in m
        for m in waiver_messages(result)
    )
    # W-1 is unaffected: approved, it still applies to its own finding.
    assert tolerance_findings(result)["0"]["waiver"]["status"] == "applied"


def test_a_waiver_approval_is_not_a_transition_approval(
    waived: Callable[..., tuple[Tree, Path]], fake: FakeGithub
) -> None:
    # jsmith's transition record is replaced by a waiver record: data_owner is then missing.
    tree, results = waived(waiver(pointer=None))
    records = [r for r in load_records(tree.migration) if r["approver"]["id"] != "jsmith"]
    jsmith = waiver_record(approver="jsmith", approval_id="appr_waiver02")
    jsmith["approver"]["role"] = "data_owner"
    save_records(tree.migration, [*records, jsmith])
    reviewed(fake, "mlead")
    code, result = run_gate(tree, results, fake)
    assert code == 1
    roles = {r["role"]: r["status"] for r in result["migrations"][0]["approvals"]["roles"]}
    assert roles["data_owner"] == "missing"


def test_offline_an_approval_record_alone_does_not_apply_a_waiver(
    waived: Callable[..., tuple[Tree, Path]],
) -> None:
    from tests.gate.test_cli_gate import gate_json as offline_gate_json
    from tests.gate.trees import BRANCH

    tree, results = waived(waiver(pointer=None))
    code, result = offline_gate_json(tree, "--branch", BRANCH, "--results", str(results))
    assert code == 1
    assert all(f["waiver"]["status"] == "pending" for f in tolerance_findings(result).values())
    assert any("not verified against GitHub" in m for m in waiver_messages(result))


def test_an_approved_waiver_of_a_rejection_still_blocks_what_it_kept_from_running(
    make_tree: Callable[..., Tree], tmp_path: Path, fake: FakeGithub
) -> None:
    """Waiving the plan's schema finding would skip plan_signature for good: the plan, edited
    after signing and without its signature, must still block as unsigned."""
    plan_waiver = waiver(
        check="schema_validation", blocker="SCHEMA_VALIDATION_FAILED", path=PLAN, pointer=None
    )
    tree = gate_tree(
        make_tree,
        [
            {"set": {"file": PLAN, "pointer": "/plan/note", "value": "edited"}},
            {"delete": {"file": PLAN, "pointer": "/signature"}},
            write_waivers(plan_waiver),
        ],
        policy=POLICY,
        resign_plan=False,
    )
    add_records(tree, waiver_record())
    target = tmp_path / "results" / "stage-1.json"
    target.parent.mkdir(parents=True)
    tree.run("--result-file", str(target), stages=(1,))
    reviewed(fake, "mlead")

    code, result = run_gate(tree, target.parent, fake)

    findings = [f for m in result["result"]["migrations"] for f in m["findings"]]
    schema = [f for f in findings if f["check"] == "schema_validation"]
    assert schema and all(f.get("waiver", {}).get("status") == "applied" for f in schema)
    unsigned = [f for f in findings if f["blocker"] == "UNSIGNED_PLAN"]
    assert code == 1 and [f["check"] for f in unsigned] == ["plan_signature"]
