""".github/workflows/release.yml: who may do what, and that it drives scripts/release.py as built.

The hygiene every workflow shares (pins, no expression in run:, persist-credentials: false,
timeouts, concurrency) is checked by tests/actions/test_action_yml.py; this file checks what is
particular to the release.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml_rs

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / ".github/workflows/release.yml"
# The key=value lines scripts/release.py prints (tests/release/test_release.py checks them).
RELEASE_OUTPUTS = {
    "actions-commit",
    "released-commit",
    "tag",
    "major-tag",
    "major-tag-moved",
    "version",
    "pushed",
    "dry-run",
}


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml_rs.loads(RELEASE.read_text())
    return data


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith(f"{action}@")]
    return step


def test_it_runs_only_by_hand_from_main(workflow: dict[str, Any]) -> None:
    assert set(workflow["on"]) == {"workflow_dispatch"}
    assert workflow["on"]["workflow_dispatch"]["inputs"]["version"]["required"] is True
    assert workflow["jobs"]["release"]["if"] == "${{ github.ref == 'refs/heads/main' }}"
    assert list(workflow["jobs"]) == ["release", "build", "publish"]
    assert workflow["jobs"]["build"]["needs"] == "release"
    assert workflow["jobs"]["publish"]["needs"] == ["release", "build"]


def test_least_privilege(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["release"]["permissions"] == {"contents": "read"}
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    # The push credential is an environment secret, seen by one step; PyPI needs none at all.
    assert jobs["release"]["environment"] == "release"
    assert jobs["publish"]["environment"]["name"] == "pypi"
    text = RELEASE.read_text()
    assert text.count("secrets.") == 1
    (step,) = [s for s in jobs["release"]["steps"] if "RELEASE_TOKEN" in str(s.get("env", {}))]
    assert step["env"]["RELEASE_TOKEN"] == "${{ secrets.RELEASE_TOKEN }}"
    assert "git config" not in step["run"] and "extraheader" in step["run"]


def test_the_release_step_runs_the_script_and_exports_its_outputs(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["release"]
    checkout = step_using(job, "actions/checkout")
    assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 0}
    (step,) = [s for s in job["steps"] if s.get("id") == "release"]
    assert (
        'python scripts/release.py --version "$VERSION" --push origin >>"$GITHUB_OUTPUT"'
        in step["run"]
    )
    assert step["env"]["VERSION"] == "${{ inputs.version }}"
    used = set(re.findall(r"steps\.release\.outputs\.([\w-]+)", RELEASE.read_text()))
    assert used and used <= RELEASE_OUTPUTS
    used = set(re.findall(r"needs\.release\.outputs\.([\w-]+)", RELEASE.read_text()))
    assert used and used <= set(job["outputs"])


def test_the_build_uses_the_release_commit_and_the_build_lock(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["build"]
    checkout = step_using(job, "actions/checkout")
    assert checkout["with"]["ref"] == "${{ needs.release.outputs.released-commit }}"
    run = "\n".join(s.get("run", "") for s in job["steps"])
    assert "--require-hashes --no-deps --only-binary :all: -r requirements/build.txt" in run
    assert "-m build --no-isolation" in run
    assert (ROOT / "requirements/build.txt").is_file()
    upload = step_using(job, "actions/upload-artifact")
    assert upload["with"]["name"] == "dist"


def test_publishing_is_trusted_publishing(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["publish"]
    assert step_using(job, "actions/download-artifact")["with"]["name"] == "dist"
    publish = step_using(job, "pypa/gh-action-pypi-publish")
    # No password, no token: PyPI's trusted publisher for this workflow and environment.
    assert "with" not in publish
    assert not any("checkout" in str(s.get("uses", "")) for s in job["steps"])


def test_the_release_doc_lists_the_scripts_outputs() -> None:
    doc = (ROOT / "docs/releasing.md").read_text()
    listed = set(re.findall(r"^([a-z-]+)=", doc, re.M))
    assert listed == RELEASE_OUTPUTS
