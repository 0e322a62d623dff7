"""A secret pasted into approval_records.json is never printed by the gate (SPEC section 6.1).

Each case puts a random canary into fields of the approval records, runs ``gate`` offline in every
format and ``merge-message``, and looks for the canary in everything they print or write; the
finding at the canary's place must be reported all the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from migration_checks.fs import list_tree, sha256_contained
from migration_checks.gate import approvals
from migration_checks.gate.approvals import GithubFacts, Review, latest_reviews
from tests.conftest import BASE_POLICY, Tree, run_cli
from tests.gate.canary import CANARIES, CASES, assert_not_echoed
from tests.gate.trees import NOW, base_args, gate_tree, load_records, save_records

OFFLINE = {"GITHUB_TOKEN": ""}
FORMATS = ("text", "json", "github", "markdown")


def canary_tree(make_tree: Callable[..., Tree], case: str, canary: str) -> Tree:
    tree = gate_tree(make_tree)
    records = load_records(tree.migration)
    CASES[case].mutate(records, canary)
    save_records(tree.migration, records, rehash=False)  # keep a canary in sha256_reviewed
    return tree


def finding_places(result: dict[str, Any]) -> set[str | None]:
    """The pointers of the gate's findings on the approval records (None: the file itself)."""
    places: set[str | None] = set()
    for migration in result["result"]["migrations"]:
        for found in migration["findings"]:
            if found["path"] == "evidence/approval_records.json":
                places.add(found.get("pointer"))
    return places


@pytest.mark.parametrize("canary", CANARIES, ids=("token", "slashed"))
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_offline_gate_and_merge_message_never_echo_a_canary(
    make_tree: Callable[..., Tree], tmp_path: Path, case: str, canary: str
) -> None:
    tree = canary_tree(make_tree, case, canary)
    assert canary in (tree.migration / "evidence/approval_records.json").read_text()
    printed: dict[str, str] = {}
    for fmt in FORMATS:
        out = tmp_path / fmt
        out.mkdir()
        env = {
            **OFFLINE,
            "GITHUB_STEP_SUMMARY": str(out / "summary.md"),
            "GITHUB_OUTPUT": str(out / "output"),
        }
        done = run_cli(
            "gate", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW,
            "--format", fmt, "--result-file", str(out / "result.json"),
            *base_args(tree, ()), env=env,
        )  # fmt: skip
        assert done.exit_code == 1, done.output
        printed[f"{fmt} stdout"] = done.stdout
        printed[f"{fmt} stderr"] = done.stderr
        for written in out.iterdir():
            printed[f"{fmt} {written.name}"] = written.read_text(encoding="utf-8")
    merge = run_cli(
        "merge-message", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW,
        *base_args(tree, ()),
    )  # fmt: skip
    printed["merge-message stdout"] = merge.stdout
    printed["merge-message stderr"] = merge.stderr

    assert_not_echoed(canary, printed)
    # ... and each place is reported all the same.
    result = json.loads(printed["json stdout"])
    assert set(CASES[case].offline) <= finding_places(result), finding_places(result)


# --- the approval chain itself, fed what no schema would accept --------------------------------


def test_no_reason_of_the_chain_echoes_a_canary_in_any_field(
    make_tree: Callable[..., Tree],
) -> None:
    """``evaluate`` is also the seed's entry point, whose records no schema has checked."""
    tree = gate_tree(make_tree)
    for canary in CANARIES:
        valid = load_records(tree.migration)
        everything = json.loads(json.dumps(valid[0]))
        for field in ("project_id", "plan_id", "approved_at", "expiry", "sha256_reviewed"):
            everything[field] = canary
        everything["approval_id"] = canary
        everything["artifacts_reviewed"] = [canary, f"plans/{canary}.json"]
        everything["approver"] = {"id": canary, "role": "data_owner", "name": canary}
        other_transition = {**valid[1], "transition": canary}
        other_role = {**valid[1], "approver": {"id": "lchen", "role": canary}}
        copied_id = {**valid[1], "approval_id": canary}
        not_reviewed = {**valid[1], "approver": {"id": canary, "role": "security"}}
        records = [everything, other_transition, other_role, copied_id, not_reviewed]
        inputs = approvals.inputs_from_policy(
            json.loads(BASE_POLICY.read_text()),
            "PLANNED_to_EXECUTED",
            project_id="proj_shop2026",
            plan_id="plan_shop2026",
            now=datetime(2026, 11, 10, tzinfo=UTC),
            digest_of=lambda rel: sha256_contained(tree.migration, rel),
            files=list_tree(tree.migration, 20_000).files,
        )
        github = GithubFacts(
            head_sha="a" * 40,
            pr_author="author1",
            reviews=latest_reviews([Review("jsmith", "APPROVED", "a" * 40)]),
            team_members=lambda team: frozenset(),
        )
        for facts in (None, github):
            report = approvals.evaluate(records, inputs, facts)
            printed = {
                f"{r.pointer} {reason.pointer}": reason.message
                for r in report.records
                for reason in r.reasons
            }
            printed["issues"] = "\n".join(report.issues)
            printed["roles"] = repr(report.roles)
            assert_not_echoed(canary, printed)
            places = {reason.pointer for r in report.records for reason in r.reasons}
            assert {
                "/approvals/0/project_id",
                "/approvals/0/plan_id",
                "/approvals/0/approved_at",
                "/approvals/0/expiry",
                "/approvals/0/artifacts_reviewed/0",
                "/approvals/0/artifacts_reviewed/1",
                "/approvals/1/transition",
                "/approvals/2/approver/role",
                "/approvals/3/approval_id",
            } <= places, places
            if facts is not None:
                assert "/approvals/4/approver/id" in places
