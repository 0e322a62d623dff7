"""Attack 2 of the trust-boundary issue: merging with stages that never ran.

Which stages the gate requires comes from the base policy (gate.required_stages) and the suite's
applicability rule for stage 6, never from ci_checks_required alone (which the author writes) nor
from a label; every required stage needs a result for the directory, and the stage job's own
result (toJSON(needs)) outranks any file a job uploaded (SPEC section 6.1).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Tree, run_cli
from tests.gate.test_cli_gate import all_findings, gate_json
from tests.gate.trees import BRANCH, NOW, ROGUE_KEY, gate_tree
from tests.trust.conftest import at, make_repo

CRITICAL_RUN = {
    "run_id": "run_001",
    "plan_id": "plan_shop2026",
    "started_at": "2026-11-01T00:00:00Z",
    "finished_at": "2026-11-01T01:00:00Z",
    "overall_severity": "PASS",
    "acknowledged": False,
    "results": [
        {
            "check_id": "orders_rows",
            "dataset": "orders",
            "source_value": 1000,
            "target_value": 900,
            "difference": -100,
            "relative_difference": 0.1,
            "severity": "PASS",
        }
    ],
}
ALL_REQUIRED = {"/gate": {"required_stages": [1, 2, 3, 4, 5, 6]}}
RUN = "reconciliation/parallel_runs/run_001.json"


@pytest.fixture
def critical(make_tree: Callable[..., Tree]) -> Tree:
    """An example whose parallel run is CRITICAL by its values (stage 6 applies: it holds runs),
    and whose author requires only stages 1, 2 and 4 in ci_checks_required."""
    return gate_tree(
        make_tree,
        [
            {"write": {"file": RUN, "content": json.dumps(CRITICAL_RUN, indent=2)}},
            {
                "set": {
                    "file": ".migration_metadata.json",
                    "pointer": "/ci_checks_required",
                    "value": ["stage_1_structural", "policy_compliance", "security_scan"],
                }
            },
        ],
        policy=ALL_REQUIRED,
    )


def results_of(tree: Tree, tmp_path: Path, *stages: int) -> Path:
    directory = tmp_path / "results"
    for stage in stages:
        target = directory / f"stage-{stage}" / "result.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        done = tree.run("--result-file", str(target), stages=(stage,))
        assert done.exit_code in (0, 1), done.output
    return directory


def stage_failures(result: dict[str, Any]) -> dict[int, str]:
    return {
        f["stage"]: f["message"] for f in all_findings(result) if f["check"] == "required_stages"
    }


def test_results_of_stages_1_2_4_do_not_pass_a_critical_reconciliation(
    critical: Tree, tmp_path: Path
) -> None:
    results = results_of(critical, tmp_path, 1, 2, 4)

    code, result = gate_json(critical, "--branch", BRANCH, "--results", str(results))

    assert code == 1
    missing = stage_failures(result)
    assert sorted(missing) == [3, 5, 6]
    assert "the policy requires it" in missing[6] and "no result of it" in missing[6]
    assert critical.migration.name in missing[6]


def test_with_the_stage_6_result_the_critical_run_blocks_by_itself(
    critical: Tree, tmp_path: Path
) -> None:
    results = results_of(critical, tmp_path, 1, 2, 4, 6)
    code, result = gate_json(critical, "--branch", BRANCH, "--results", str(results))
    assert code == 1
    assert "RECON_CRITICAL" in result["result"]["blockers"]


def jobs_file(tmp_path: Path, **results: str) -> Path:
    path = tmp_path / "needs.json"
    path.write_text(
        json.dumps({name: {"result": value, "outputs": {}} for name, value in results.items()})
    )
    return path


def test_a_skipped_stage_job_blocks_even_with_a_passing_result_file(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    # A result file claims stage 2 passed; the job itself was skipped (the file could come from
    # any job that uploads, such as one running the PR's code).
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [2]}})
    results = results_of(tree, tmp_path, 2)
    needs = jobs_file(tmp_path, stage_2="skipped")

    code, result = gate_json(
        tree, "--branch", BRANCH, "--results", str(results), "--jobs", str(needs)
    )

    assert code == 1
    assert "its job ended skipped" in stage_failures(result)[2]


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        ("cancelled", "its job ended cancelled"),
        ("failure", "its job failed without a finding that says why"),
    ],
)
def test_a_cancelled_or_unexplained_failed_job_blocks(
    make_tree: Callable[..., Tree], tmp_path: Path, job: str, expected: str
) -> None:
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1]}})
    results = results_of(tree, tmp_path, 1)
    code, result = gate_json(
        tree, "--branch", BRANCH, "--results", str(results),
        "--jobs", str(jobs_file(tmp_path, stage_1=job)),
    )  # fmt: skip
    assert code == 1
    assert expected in stage_failures(result)[1]


def test_a_missing_stage_job_blocks(make_tree: Callable[..., Tree], tmp_path: Path) -> None:
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1, 3]}})
    results = results_of(tree, tmp_path, 1)
    _, result = gate_json(
        tree, "--branch", BRANCH, "--results", str(results),
        "--jobs", str(jobs_file(tmp_path, stage_1="success")),
    )  # fmt: skip
    assert "no stage 3 job (stage_3)" in stage_failures(result)[3]


def test_all_required_stages_present_and_successful_pass(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1, 2, 6]}})
    results = results_of(tree, tmp_path, 1, 2)  # stage 6 does not apply: PLANNED, no runs
    needs = jobs_file(tmp_path, stage_1="success", stage_2="success", stage_6="success")
    _, result = gate_json(tree, "--branch", BRANCH, "--results", str(results), "--jobs", str(needs))
    assert stage_failures(result) == {}


# --- variants ---------------------------------------------------------------------------------


def test_ci_checks_required_cannot_remove_a_stage(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    # The author empties ci_checks_required: the policy's stages stand.
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1, 4]}})
    results = results_of(tree, tmp_path, 1)
    _, result = gate_json(tree, "--branch", BRANCH, "--results", str(results))
    assert sorted(stage_failures(result)) == [4]


def test_a_forged_second_result_cannot_hide_a_failure(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    # Two files report stage 1 for the same directory: the real one (a bad signature), and one
    # a job running the PR's code uploaded, claiming every check passed. The worse report stands.
    tree = gate_tree(
        make_tree,
        [ROGUE_KEY],
        resign_plan=False,
        policy={"/gate": {"required_stages": [1]}},
    )
    results = results_of(tree, tmp_path, 1)
    real = json.loads((results / "stage-1" / "result.json").read_text())
    forged = json.loads(json.dumps(real))
    for migration in forged["migrations"]:
        for check in migration["checks"]:
            check["status"] = "passed"
        migration["findings"], migration["blockers"], migration["blocked"] = [], [], False
    forged["blockers"], forged["blocked"] = [], False
    (results / "aaa-forged").mkdir()
    (results / "aaa-forged" / "result.json").write_text(json.dumps(forged))  # read first

    code, result = gate_json(tree, "--branch", BRANCH, "--results", str(results))

    assert code == 1
    assert "UNSIGNED_PLAN" in result["result"]["blockers"]
    statuses = {c["id"]: c["status"] for c in result["result"]["migrations"][0]["checks"]}
    assert statuses["plan_signature"] == "failed"


def test_stage_6_is_required_when_the_base_leaves_the_migration_executed(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    # Anchored, not written: the author's state PLANNED -> PLANNED on a migration the base leaves
    # at EXECUTED still needs stage 6 (tests/trust covers the anchoring itself).
    repo = make_repo(tmp_path / "repo", at("PLANNED", "EXECUTED"), policy=ALL_REQUIRED)
    repo.head(at("PLANNED", "PLANNED"))

    done = run_cli(
        "gate", str(repo.root), "--policy", str(repo.tree.policy), "--base", repo.base,
        "--now", NOW, "--format", "json", "--results", str(results_of(repo.tree, tmp_path, 1)),
        env={"GITHUB_TOKEN": ""},
    )  # fmt: skip
    assert 6 in stage_failures(json.loads(done.stdout))
