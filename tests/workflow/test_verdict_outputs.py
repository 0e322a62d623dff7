"""Stage results reach the reusable workflow's gate as job outputs (reporters/verdict.py).

Each stage job's ``verdict`` output travels in the gate job's ``toJSON(needs)``; it speaks only for
its own stage, and it is small enough for one environment variable whatever the stage found.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migration_checks.reporters import verdict
from tests.conftest import Tree
from tests.gate.test_cli_gate import gate_json
from tests.gate.test_required_stages import stage_failures
from tests.gate.trees import BRANCH, ROGUE_KEY, gate_tree
from tests.reporters._factories import check_result_errors


def stage_verdict(tree: Tree, stage: int) -> str:
    done = tree.run("--format", "json", stages=(stage,))
    assert done.exit_code in (0, 1), done.output
    return verdict.encode(json.loads(done.stdout))


def needs_file(tmp_path: Path, jobs: dict[str, tuple[str, str | None]]) -> Path:
    """toJSON(needs) as GitHub writes it: each job's result and outputs."""
    data = {
        name: {"result": result, "outputs": {"verdict": value} if value else {}}
        for name, (result, value) in jobs.items()
    }
    path = tmp_path / "needs.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def test_the_gate_judges_the_stage_jobs_verdicts(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = gate_tree(
        make_tree, [ROGUE_KEY], resign_plan=False, policy={"/gate": {"required_stages": [1, 2]}}
    )
    needs = needs_file(
        tmp_path,
        {
            "discover": ("success", None),
            "stage_1": ("failure", stage_verdict(tree, 1)),
            "stage_2": ("success", stage_verdict(tree, 2)),
        },
    )

    code, result = gate_json(tree, "--branch", BRANCH, "--jobs", str(needs))

    assert code == 1
    assert "UNSIGNED_PLAN" in result["result"]["blockers"]
    assert stage_failures(result) == {}  # both stages reported, the failure is explained


def test_a_verdict_speaks_only_for_its_own_stage(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    # The job that ran the pull request's code (stage 3) passes on a verdict that also claims
    # stage 1 passed; stage 1's own job was skipped. The claim counts for nothing.
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1, 3]}})
    claimed = json.loads(json.dumps(verdict.decode(stage_verdict(tree, 1))))
    third = verdict.decode(stage_verdict(tree, 3))
    for migration, extra in zip(third["migrations"], claimed["migrations"], strict=True):
        migration["checks"] += extra["checks"]
    third["stages"] = [1, 3]
    needs = needs_file(
        tmp_path,
        {"stage_1": ("skipped", None), "stage_3": ("success", verdict.encode(third))},
    )

    code, result = gate_json(tree, "--branch", BRANCH, "--jobs", str(needs))

    assert code == 1
    failures = stage_failures(result)
    assert list(failures) == [1]
    assert "its job ended skipped" in failures[1]


def test_a_verdict_that_is_not_one_is_a_configuration_error(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1]}})
    for value in ("v1:not base64!", "v2:abc", verdict.encode({"schema_version": "v1"})):
        needs = needs_file(tmp_path, {"stage_1": ("success", value)})
        done = tree_gate(tree, needs)
        assert done[0] == 2, value
        assert "the verdict of job stage_1" in done[1]


def tree_gate(tree: Tree, needs: Path) -> tuple[int, str]:
    from tests.conftest import run_cli

    done = run_cli(
        "gate", str(tree.workspace), "--policy", str(tree.policy), "--branch", BRANCH,
        "--jobs", str(needs), "--format", "json", env={"GITHUB_TOKEN": ""},
    )  # fmt: skip
    return done.exit_code, done.output


def test_a_failed_discover_job_blocks_the_gate(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1]}})
    needs = needs_file(
        tmp_path, {"discover": ("failure", None), "stage_1": ("success", stage_verdict(tree, 1))}
    )
    code, result = gate_json(tree, "--branch", BRANCH, "--jobs", str(needs))
    assert code == 1
    messages = [f["message"] for f in result["result"]["findings"]]
    assert any("the discover job ended failure" in m for m in messages), messages


def noisy_result(tree: Tree, copies: int) -> dict[str, Any]:
    """A real stage-1 result whose blocking finding is repeated ``copies`` times, beside as many
    warnings."""
    document: dict[str, Any] = json.loads(tree.run("--format", "json", stages=(1,)).stdout)
    migration = document["migrations"][0]
    (blocking,) = [f for f in migration["findings"] if f["blocker"] == "UNSIGNED_PLAN"][:1]
    for n in range(copies):
        extra = {**blocking, "message": f"copy {n}: " + "x" * 200, "line": n + 1}
        migration["findings"] += [extra, {**extra, "blocker": None, "severity": "warning"}]
    return document


@pytest.mark.parametrize("copies", [0, 40, 5000])
def test_a_verdict_keeps_every_status_and_blocker_within_its_budget(
    make_tree: Callable[..., Tree], copies: int
) -> None:
    tree = gate_tree(make_tree, [ROGUE_KEY], resign_plan=False)
    document = noisy_result(tree, copies)
    assert check_result_errors(document) == []
    passed_on = _render_like(document)
    reduced = verdict.decode(passed_on)

    assert len(passed_on) <= verdict.BUDGET
    assert check_result_errors(reduced) == []
    migration = reduced["migrations"][0]
    assert migration["checks"] == document["migrations"][0]["checks"]
    assert migration["blockers"] == document["migrations"][0]["blockers"]
    assert {f["blocker"] for f in migration["findings"]} == set(migration["blockers"])
    if copies >= 5000:
        assert len(verdict.encode(document)) > verdict.BUDGET
        assert any(
            "more blocking findings of plan_signature" in f["message"]
            for f in migration["findings"]
        )


def _render_like(document: dict[str, Any]) -> str:
    return verdict.reduce_and_encode(json.loads(json.dumps(document)))


def test_decode_refuses_a_bomb() -> None:
    with pytest.raises(ValueError, match="unpacks to more than"):
        verdict.decode(verdict.encode({"x": "0" * 100_000}), limit=1000)


@pytest.mark.parametrize("stage_1_job", ["success", "failure"])  # success: fail-on never
def test_a_verdict_cannot_shadow_another_stages_check_by_its_id(
    make_tree: Callable[..., Tree], tmp_path: Path, stage_1_job: str
) -> None:
    # The job that ran the pull request's code (stage 3) reports, as a check of its own stage,
    # one named like stage 1's failing plan_signature, with a worse status and no finding. It
    # speaks for stage 3 only: stage 1's report of its own check and its blocker still stand.
    tree = gate_tree(
        make_tree, [ROGUE_KEY], resign_plan=False, policy={"/gate": {"required_stages": [1, 3]}}
    )
    third = verdict.decode(stage_verdict(tree, 3))
    for migration in third["migrations"]:
        migration["checks"].append(
            {"id": "plan_signature", "stage": 3, "blocking": True, "status": "error",
             "duration_ms": 0, "reason": None}
        )  # fmt: skip
    assert check_result_errors(third) == []
    needs = needs_file(
        tmp_path,
        {
            "discover": ("success", None),
            "stage_1": (stage_1_job, stage_verdict(tree, 1)),
            "stage_3": ("success", verdict.encode(third)),
        },
    )

    code, result = gate_json(tree, "--branch", BRANCH, "--jobs", str(needs))

    assert code == 1
    assert "UNSIGNED_PLAN" in result["result"]["blockers"]
    assert stage_failures(result) == {}


def test_a_verdict_nested_too_deep_is_a_configuration_error(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1]}})
    deep = verdict.PREFIX + base64.b64encode(gzip.compress(b"[" * 1_000_000)).decode()
    needs = needs_file(tmp_path, {"stage_1": ("success", deep)})
    code, output = tree_gate(tree, needs)
    assert code == 2
    assert "the verdict of job stage_1" in output
