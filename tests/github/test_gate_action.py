"""End to end: a workflow uses ./actions/gate, and act runs it on this host (see
tests/actions/test_act.py for how act is run offline and where the venv is cached).

Without a pull request (workflow_dispatch) the gate runs offline: the example's approvals are
not verified, so it reports POLICY_VIOLATION, and fail-on: never lets the job succeed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.actions.test_act import COPIED, ActRun, find_act, tool_cache

pytestmark = pytest.mark.act
ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = Path(__file__).parent / "workflows" / "gate.yml"
__all__ = ["tool_cache"]  # the session fixture, shared with tests/actions/test_act.py


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(source, repo / name)
    (repo / ".github/workflows").mkdir(parents=True)
    shutil.copy2(WORKFLOW, repo / ".github/workflows/gate.yml")
    git = ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "scratch"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    return repo


def test_the_gate_action_runs_offline_and_blocks_unverified_approvals(
    workspace: Path, tool_cache: Path
) -> None:
    cache = workspace.parent / "act-cache"
    cache.mkdir()
    (cache / "tool_cache").symlink_to(tool_cache, target_is_directory=True)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "ACTIONS_"))
    }
    command = [
        find_act(), "workflow_dispatch",
        "-C", str(workspace),
        "-W", str(workspace / ".github/workflows/gate.yml"),
        "-P", "ubuntu-latest=-self-hosted",
        "--action-offline-mode",
        "--action-cache-path", str(cache),
        "--no-cache-server",
        "--input", "path=examples/migrations",
        "--input", "policy=examples/policy/policy.json",
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
        timeout=900, check=False,
    )  # fmt: skip
    run = ActRun(done.returncode, done.stdout + done.stderr)

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
