"""Attack 1 of the trust-boundary issue: skipping every approval by writing the state.

``state`` is the PR author's to write; where the plan really is comes from the base commit
(SPEC section 2): a directory on the base starts where the base leaves it, a new one at an
initial state of the base policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import run_cli
from tests.gate.trees import NOW, load_records, save_records
from tests.trust.conftest import MERGED_AT_PLANNED, METADATA, Repo, at, findings


def anchoring_findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for f in findings(result)
        if f["check"] == "metadata_consistency" and "illegal transition" in f["message"]
    ]


def test_the_honest_next_transition_passes(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory(MERGED_AT_PLANNED)
    repo.head(at("PLANNED", "EXECUTED"))
    result = repo.result()
    assert result["blocked"] is False, findings(result)


def test_writing_cutover_done_over_planned_is_an_illegal_transition(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory(MERGED_AT_PLANNED)
    repo.head(at("CUTOVER_DONE", "CUTOVER_DONE"))  # an "update" that needs no approval

    result = repo.result()

    (finding,) = anchoring_findings(result)
    assert finding["blocker"] == "SCHEMA_VALIDATION_FAILED"
    assert finding["path"] == METADATA and finding["line"]
    assert '"CUTOVER_DONE"' in finding["message"] and '"PLANNED"' in finding["message"]
    assert "SCHEMA_VALIDATION_FAILED" in result["blockers"]


def test_the_gate_refuses_the_written_state_too(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory(MERGED_AT_PLANNED)
    repo.head(at("CUTOVER_DONE", "CUTOVER_DONE"))
    done = run_cli(
        "gate", str(repo.root), "--policy", str(repo.tree.policy), "--base", repo.base,
        "--now", NOW, "--format", "json", env={"GITHUB_TOKEN": ""},
    )  # fmt: skip
    assert done.exit_code == 1
    assert "SCHEMA_VALIDATION_FAILED" in done.stdout and "illegal transition" in done.stdout


def test_without_a_base_check_says_so_and_the_gate_blocks(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory(MERGED_AT_PLANNED)
    repo.head(at("CUTOVER_DONE", "CUTOVER_DONE"))

    result = repo.result(base=False)
    notices = [f for f in findings(result) if "not verified against the base" in f["message"]]
    assert notices and notices[0]["severity"] == "notice"

    done = run_cli(
        "gate", str(repo.root), "--policy", str(repo.tree.policy), "--now", NOW,
        "--format", "json", env={"GITHUB_TOKEN": ""},
    )  # fmt: skip
    assert done.exit_code == 1
    assert "no base commit (--base)" in done.stdout


# --- variants -------------------------------------------------------------------------------


def test_a_new_directory_cannot_start_at_executed(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory(with_migration=False)
    repo.head(at("EXECUTED", "PARALLEL_VALIDATED"))  # the example policy allows PROPOSED, PLANNED

    (finding,) = anchoring_findings(repo.result())
    assert "a new migration directory starts at" in finding["message"]
    assert "lifecycle.initial_states" in finding["message"]


def test_the_default_policy_lets_a_new_directory_start_only_at_proposed(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory(
        with_migration=False, policy={"/lifecycle": {"initial_states": ["PROPOSED"]}}
    )
    repo.head([])  # the example, new in this pull request, at PLANNED

    (finding,) = anchoring_findings(repo.result())
    assert '"PROPOSED"' in finding["message"] and '"PLANNED"' in finding["message"]


def test_rewinding_the_state_does_not_skip_stage_6(repo_factory: Callable[..., Repo]) -> None:
    # The base leaves the migration EXECUTED; the author writes PLANNED -> PLANNED so that the
    # post-execution checks would not apply, and deletes nothing else.
    repo = repo_factory(at("PLANNED", "EXECUTED"))
    repo.head(at("PLANNED", "PLANNED"))

    result = repo.result(stages=(1, 6))

    assert anchoring_findings(result)
    statuses = {c["id"]: c["status"] for c in result["migrations"][0]["checks"]}
    assert statuses["recon_severity"] != "not_applicable"


def test_an_approval_needs_the_anchored_transition(repo_factory: Callable[..., Repo]) -> None:
    # Records written for PLANNED_to_EXECUTED cannot be reused after the author writes the state
    # one step further: the transition is judged from the base.
    repo = repo_factory(MERGED_AT_PLANNED)
    repo.head(at("EXECUTED", "PARALLEL_VALIDATED"))
    save_records(repo.migration, load_records(repo.migration))
    result = repo.result()
    assert anchoring_findings(result)
