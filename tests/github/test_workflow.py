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
    assert set(call["inputs"]) == {"path", "policy", "fail-on"}
    assert set(call["secrets"]) == {"GATE_TOKEN", "MIGRATION_SECRETS"}
    assert all(secret["required"] is False for secret in call["secrets"].values())
    assert "inherit" not in WORKFLOW.read_text()


def test_jobs_chain_into_the_gate(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    # The gate reads each stage job's result by its id (toJSON(needs)): stage_1 ... stage_6.
    stages = [f"stage_{n}" for n in range(1, 7)]
    assert list(jobs) == [*stages, "gate"]
    for later in ("stage_2", "stage_3", "stage_4", "stage_6"):
        assert jobs[later]["needs"] == "stage_1", later
        assert jobs[later]["if"].startswith("${{ !cancelled()"), later
    # The dry run touches the source database: only after structure, policy and security passed.
    assert jobs["stage_5"]["needs"] == ["stage_1", "stage_2", "stage_4"]
    assert "if" not in jobs["stage_5"]
    # Stage 6 decides itself whether it applies; no label decides what runs (SPEC section 2).
    assert jobs["stage_6"]["if"] == "${{ !cancelled() }}"
    assert not [name for name, job in jobs.items() if "labels" in str(job.get("if", ""))]
    assert jobs["gate"]["needs"] == stages
    assert jobs["gate"]["if"] == "${{ always() }}"
    assert {job["name"] for job in jobs.values()} == {
        "structural-validation",
        "policy-compliance",
        "code-quality",
        "security-scan",
        "dry-run",
        "post-execution",
        "migration-gate",
    }
    for number, name in zip((1, 2, 3, 4, 5, 6), stages, strict=True):
        stage_steps = [s for s in jobs[name]["steps"] if s.get("id") == "stage"]
        assert len(stage_steps) == 1 and f"/actions/stage-{number}@" in stage_steps[0]["uses"]


def test_only_the_dry_run_step_sees_the_database_secrets(workflow: dict[str, Any]) -> None:
    seen = [
        (name, step.get("name"))
        for name, job in workflow["jobs"].items()
        for step in job["steps"]
        if "MIGRATION_SECRETS" in json.dumps(step)
        or "MIGRATION_SECRETS" in json.dumps(job.get("env", {}))
    ]
    assert seen == [("stage_5", "Stage 5")]
    uploads = [
        s
        for s in workflow["jobs"]["stage_5"]["steps"]
        if s.get("name") == "Keep the dry-run report"
    ]
    assert uploads[0]["with"]["path"].endswith("/**/dry_run_result.json")  # never the samples


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


def test_every_job_checks_out_the_callers_repository_with_history(
    workflow: dict[str, Any],
) -> None:
    for name, job in workflow["jobs"].items():
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@"), name
        assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 0}, name
        assert "repository" not in checkout["with"] and "ref" not in checkout["with"]


def test_the_policy_comes_from_the_base_commit(workflow: dict[str, Any]) -> None:
    ours = [
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("org/migration-checks/")
    ]
    assert len(ours) == 7
    for step in ours:
        assert step["with"]["policy"] == "${{ inputs.policy }}"
        # The actions' `base` input defaults to the event's base commit; nothing overrides it.
        assert "base" not in step["with"]
    gate = ours[-1]
    assert gate["with"]["token"] == "${{ secrets.GATE_TOKEN || github.token }}"
    assert gate["with"]["results"] == "${{ runner.temp }}/migration-checks-results"
    assert gate["with"]["jobs"] == "${{ toJSON(needs) }}"


def test_own_actions_are_pinned_to_one_commit_of_this_release() -> None:
    pins = SELF_USES.findall(WORKFLOW.read_text())
    assert [p[0] for p in pins] == [
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


def test_every_stage_uploads_its_result_for_the_gate(workflow: dict[str, Any]) -> None:
    for name in ("stage_1", "stage_2"):
        (upload,) = [
            s for s in workflow["jobs"][name]["steps"] if "upload-artifact" in s.get("uses", "")
        ]
        assert upload["with"]["name"].startswith("migration-checks-result-stage-")
        assert upload["with"]["path"] == "${{ steps.stage.outputs.result-file }}"
        assert "!cancelled()" in upload["if"]
    (download,) = [
        s for s in workflow["jobs"]["gate"]["steps"] if "download-artifact" in s.get("uses", "")
    ]
    assert download["with"]["pattern"] == "migration-checks-result-*"
