"""End to end: a workflow uses ./actions/gate, and act runs it on this host (see
tests/actions/test_act.py for how act is run offline and where the venv is cached).

Without a pull request (workflow_dispatch) the gate runs offline: the example's approvals are
not verified, so it reports POLICY_VIOLATION, and fail-on: never lets the job succeed. In a merge
queue (a merge_group event file) the gate verifies the queued pull request against the test's
fake GitHub, which act's steps reach on this host (GITHUB_API_URL through --env).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.actions.test_act import copy_suite, offline_act, tool_cache
from tests.gate.trees import git
from tests.github.conftest import REPO, approved_pull
from tests.github.fake_github import TOKEN, FakeGithub

pytestmark = pytest.mark.act
ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = Path(__file__).parent / "workflows" / "gate.yml"
__all__ = ["tool_cache"]  # the session fixture, shared with tests/actions/test_act.py


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    copy_suite(repo)
    (repo / ".github/workflows").mkdir(parents=True)
    shutil.copy2(WORKFLOW, repo / ".github/workflows/gate.yml")
    git = ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "scratch"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    return repo


def test_the_gate_action_runs_offline_and_blocks_unverified_approvals(
    workspace: Path, tool_cache: Path
) -> None:
    run = offline_act(
        "workflow_dispatch", workspace, workspace / ".github/workflows/gate.yml", tool_cache,
        "--input", "path=examples/migrations",
        "--input", "policy=examples/policy/policy.json",
    )  # fmt: skip

    assert run.returncode == 0, run.log
    assert run.output("blocked") == "true", run.log
    assert "POLICY_VIOLATION" in (run.output("blockers") or "").split(","), run.log
    result_file = run.output("result-file") or ""
    assert result_file.endswith("/migration-checks-gate.json"), run.log
    assert run.output("result-file-written") == "yes", run.log
    errors = run.annotations("error")
    titles = {e.get("title") for e in errors}
    assert "approval_chain" in titles, run.log
    assert titles <= {"approval_chain", "branch_name", "required_stages"}, run.log
    assert "Approvals" in run.summary(), run.log


MERGE_QUEUE_WORKFLOW = Path(__file__).parent / "workflows" / "gate-merge-queue.yml"


def test_the_gate_action_verifies_a_merge_queue_entry_and_writes_nothing(
    tmp_path: Path, tool_cache: Path, fake: FakeGithub
) -> None:
    """A merge_group event (no pull_request in it): the action passes the queue entry's ref, the
    gate reads pull request #7 from the fake GitHub, reads only, and says so in the summary.

    The example's approvals are judged against the real clock here, so whether they still count
    is not asserted: this test is about the wiring (tests/github/test_gate_merge_queue.py judges).
    """
    repo = tmp_path / "repo"
    copy_suite(repo)
    (repo / ".github/workflows").mkdir(parents=True)
    shutil.copy2(MERGE_QUEUE_WORKFLOW, repo / ".github/workflows/gate.yml")
    # The base commit without the migration, the queue commit adding it (as a squash merge).
    aside = tmp_path / "migrations"
    shutil.move(repo / "examples/migrations", aside)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "remote", "add", "origin", f"https://github.com/{REPO}.git")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    shutil.move(aside, repo / "examples/migrations")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "[MIGRATION] PROPOSE: the shop migration (#7)")
    queue_head = git(repo, "rev-parse", "HEAD").strip()
    pull = approved_pull(fake, labels=["migration/proposed"])
    event = {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": queue_head,
            "head_ref": f"refs/heads/gh-readonly-queue/main/pr-7-{base}",
            "base_sha": base,
            "base_ref": "refs/heads/main",
        },
        "repository": {"full_name": REPO, "name": REPO.split("/")[1]},
    }
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    run = offline_act(
        "merge_group", repo, repo / ".github/workflows/gate.yml", tool_cache,
        "-e", str(event_file),
        "-s", f"GITHUB_TOKEN={TOKEN}",
        "--env", f"GITHUB_API_URL={fake.base_url}",
    )  # fmt: skip

    assert run.returncode == 0, run.log
    assert run.output("blocked") in ("true", "false"), run.log
    assert run.output("result-file-written") == "yes", run.log
    calls = fake.calls()
    assert f"GET /repos/{REPO}/pulls/7" in calls, run.log
    assert f"GET /repos/{REPO}/pulls/7/reviews" in calls, run.log
    assert [c for c in calls if not c.startswith("GET ")] == [], calls
    assert pull.labels == ["migration/proposed"] and pull.comments == []
    summary = run.summary()
    assert "Verified against GitHub: pull request #7" in summary, run.log
    assert f"Merge queue: the entry built on <code>{base[:12]}</code>" in summary, run.log
    assert "writes no labels and no comment" in summary, run.log
