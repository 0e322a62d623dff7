"""The reusable workflow (SPEC section 7): its jobs, permissions and the pins of its own actions.

tests/actions/test_action_yml.py checks the hygiene every workflow shares (pins, no expression
in run:, persist-credentials: false, timeouts, concurrency); this file checks what is particular
to migration-pr-checks.yml.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml_rs

from migration_checks import __version__
from migration_checks.github.checks import REQUIRED_JOBS, WORKFLOW_JOBS
from tests.scripts_loader import load_script

generate_workflow = load_script("generate_workflow")

WORKFLOW = Path(__file__).resolve().parents[2] / ".github/workflows/migration-pr-checks.yml"
SELF_USES = re.compile(
    r"uses: org/migration-checks/(?P<path>actions/[\w-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v\S+)"
)


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml_rs.loads(WORKFLOW.read_text())
    return data


def test_it_is_only_a_reusable_workflow(workflow: dict[str, Any]) -> None:
    assert set(workflow["on"]) == {"workflow_call"}
    call = workflow["on"]["workflow_call"]
    assert set(call["inputs"]) == {
        "path", "policy", "fail-on", "runs-on", "dry-run-runs-on", "environment",
        "timeout-minutes", "python-version",
    }  # fmt: skip
    assert json.loads(call["inputs"]["runs-on"]["default"]) == "ubuntu-latest"
    assert set(call["secrets"]) == {"GATE_TOKEN", "MIGRATION_SECRETS"}
    assert all(secret["required"] is False for secret in call["secrets"].values())
    assert "inherit" not in WORKFLOW.read_text()


def test_it_is_generated() -> None:
    assert generate_workflow.render() == WORKFLOW.read_text(encoding="utf-8"), (
        "run: python scripts/generate_workflow.py"
    )


def test_job_names_are_the_status_checks_protect_requires(workflow: dict[str, Any]) -> None:
    assert {job: spec["name"] for job, spec in workflow["jobs"].items()} == WORKFLOW_JOBS
    assert set(REQUIRED_JOBS) == set(workflow["jobs"]) - {"discover"}


def test_jobs_chain_into_the_gate(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    # The gate reads each stage job's result by its id (toJSON(needs)): stage_1 ... stage_6.
    stages = [f"stage_{n}" for n in range(1, 7)]
    assert list(jobs) == ["discover", *stages, "gate"]
    assert jobs["stage_1"]["needs"] == "discover"
    for later in ("stage_2", "stage_3", "stage_4", "stage_6"):
        assert jobs[later]["needs"] == ["discover", "stage_1"], later
        # Run even when stage 1 failed; skipped when the pull request changes no migration.
        assert jobs[later]["if"] == "${{ !cancelled() && needs.discover.outputs.path != '' }}"
    # The dry run touches the source database: only after structure, policy and security passed.
    assert jobs["stage_5"]["needs"] == ["discover", "stage_1", "stage_2", "stage_4"]
    assert jobs["stage_5"]["if"] == "${{ needs.discover.outputs.path != '' }}"
    assert not [name for name, job in jobs.items() if "labels" in str(job.get("if", ""))]
    assert jobs["gate"]["needs"] == ["discover", *stages]
    assert jobs["gate"]["if"] == "${{ always() }}"
    for number, name in zip((1, 2, 3, 4, 5, 6), stages, strict=True):
        (stage,) = [s for s in jobs[name]["steps"] if s.get("id") == "stage"]
        assert f"/actions/stage-{number}@" in stage["uses"]
        # The stage checks the directory discover found, and passes its verdict to the gate.
        assert stage["with"]["path"] == "${{ needs.discover.outputs.path }}"
        assert jobs[name]["outputs"] == {"verdict": "${{ steps.stage.outputs.verdict }}"}


def test_only_the_dry_run_step_sees_the_database_secrets(workflow: dict[str, Any]) -> None:
    seen = [
        (name, step.get("name"))
        for name, job in workflow["jobs"].items()
        for step in job["steps"]
        if "MIGRATION_SECRETS" in json.dumps(step)
        or "MIGRATION_SECRETS" in json.dumps(job.get("env", {}))
    ]
    assert seen == [("stage_5", "Stage 5")]
    (upload,) = [
        s
        for s in workflow["jobs"]["stage_5"]["steps"]
        if s.get("name") == "Keep the dry-run report"
    ]
    assert upload["with"]["path"].endswith("/**/dry_run_result.json")  # never the samples
    # One artifact per call: two calls in one run, or a re-run, never mix their reports.
    assert upload["with"]["name"] == (
        "migration-checks-dry-run-${{ needs.discover.outputs.call-id }}"
    )
    assert upload["with"]["overwrite"] is True
    # Only the dry run may run elsewhere (a runner that reaches the database) and in an
    # environment whose secrets can require a reviewer.
    assert workflow["jobs"]["stage_5"]["environment"] == "${{ inputs.environment }}"
    assert workflow["jobs"]["stage_5"]["runs-on"] == (
        "${{ fromJSON(inputs.dry-run-runs-on || inputs.runs-on) }}"
    )
    others = {n: j["runs-on"] for n, j in workflow["jobs"].items() if n != "stage_5"}
    assert set(others.values()) == {"${{ fromJSON(inputs.runs-on) }}"}
    assert [n for n, j in workflow["jobs"].items() if "environment" in j] == ["stage_5"]


def test_only_the_gate_may_write(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        if name == "gate":
            assert job["permissions"] == {
                "contents": "read",
                "pull-requests": "write",
                "issues": "write",
            }
        else:
            assert job["permissions"] == {"contents": "read"}


def test_every_job_checks_out_the_merge_commit_and_its_parents(workflow: dict[str, Any]) -> None:
    # Two commits deep: the merge (or queue) commit and its parents, the base among them. No job
    # clones the whole history.
    for name, job in workflow["jobs"].items():
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@"), name
        assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 2}, name
    assert "fetch-depth: 0" not in WORKFLOW.read_text()


def test_every_job_caches_only_wheels_keyed_by_the_locks(workflow: dict[str, Any]) -> None:
    for name, job in workflow["jobs"].items():
        (cache,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/cache@")]
        assert cache["with"]["path"] == "${{ runner.tool_cache }}/migration-checks/wheels", name
        key = cache["with"]["key"]
        lock = (
            "gate"
            if name == "gate"
            else "stage-1"
            if name == "discover"
            else name.replace("_", "-")
        )
        assert key.startswith(
            f"migration-checks-wheels-{lock}-{generate_workflow.locks_digest(lock)}-"
        )
        assert "${{ runner.os }}" in key and "${{ runner.arch }}" in key, name


def test_concurrency_groups_are_unique_per_caller_and_job(workflow: dict[str, Any]) -> None:
    groups = [job["concurrency"]["group"] for job in workflow["jobs"].values()]
    assert len(set(groups)) == len(groups)
    for group in groups:
        for part in ("github.workflow", "inputs.path", "inputs.policy", "pull_request.number"):
            assert part in group, group


def test_the_policy_comes_from_the_base_commit(workflow: dict[str, Any]) -> None:
    ours = [
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("org/migration-checks/")
    ]
    assert len(ours) == 8
    for step in ours[1:]:
        assert step["with"]["policy"] == "${{ inputs.policy }}"
    for step in ours:
        # The actions' `base` input defaults to the event's base commit; nothing overrides it.
        assert "base" not in step["with"]
    gate = ours[-1]
    assert gate["with"]["token"] == "${{ secrets.GATE_TOKEN || github.token }}"
    assert gate["with"]["jobs"] == "${{ toJSON(needs) }}"
    assert gate["with"]["path"] == "${{ inputs.path }}"  # the gate discovers for itself


def test_own_actions_are_pinned_to_one_commit_of_this_release() -> None:
    pins = SELF_USES.findall(WORKFLOW.read_text())
    assert [p[0] for p in pins] == [
        "actions/discover",
        "actions/stage-1",
        "actions/stage-2",
        "actions/stage-3",
        "actions/stage-4",
        "actions/stage-5",
        "actions/stage-6",
        "actions/gate",
    ]
    assert len({p[1] for p in pins}) == 1, "every action of the suite comes from one commit"
    assert {p[2] for p in pins} == {f"v{__version__}"}
    for path, _, _ in pins:
        assert (WORKFLOW.parents[2] / path / "action.yml").is_file()
    assert "uses: ./" not in WORKFLOW.read_text()
