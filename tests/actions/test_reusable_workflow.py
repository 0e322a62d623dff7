"""The reusable workflow as a user meets it: called by tag from another repository (SPEC section 7).

tests/actions/reusable.py builds the suite's release and the caller's repository, whose workflow
is the README's snippet verbatim, and runs it with act. Covered: the example (every job green,
the gate passes), a failing stage beside a stage job that never reports (the gate blocks, naming
both), and a pull request that changes two migration directories (blocked, both named).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.actions.reusable import (
    Release,
    approve,
    git,
    make_caller,
    release_suite,
    run_workflow,
)
from tests.actions.test_act import tool_cache
from tests.github.fake_github import FakeGithub

pytestmark = pytest.mark.act
__all__ = ["tool_cache"]  # the session fixture, shared with tests/actions/test_act.py

STAGE_JOBS = (
    "structural-validation",
    "policy-compliance",
    "code-quality",
    "security-scan",
    "dry-run",
    "post-execution",
)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return release_suite(tmp_path_factory.mktemp("suite"))


@pytest.fixture
def fake() -> Iterator[FakeGithub]:
    server = FakeGithub(repo="shop/migrations")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_release_pins_its_actions_to_the_commit_it_was_cut_from(release: Release) -> None:
    assert git(release.repo, "rev-parse", f"{release.major_tag}^{{commit}}") == (
        release.released_commit
    )
    assert git(release.repo, "rev-parse", f"{release.released_commit}^") == release.actions_commit
    changed = git(
        release.repo, "diff", "--name-only", release.actions_commit, release.released_commit
    )
    assert changed.splitlines() == [".github/workflows/migration-pr-checks.yml"]
    workflow = git(release.repo, "show", f"{release.tag}:.github/workflows/migration-pr-checks.yml")
    pins = set(re.findall(r"org/migration-checks/actions/[\w-]+@([0-9a-f]{40})", workflow))
    assert pins == {release.actions_commit}


def test_the_example_passes_every_job_and_the_gate(
    tmp_path: Path, release: Release, fake: FakeGithub, tool_cache: Path
) -> None:
    caller = make_caller(tmp_path)
    approve(fake, caller)

    run = run_workflow(tmp_path, release, caller, fake, tool_cache)

    assert run.run.returncode == 0, run.log
    for job in ("discover", *STAGE_JOBS, "migration-gate"):
        assert run.job_result(job) == "succeeded", f"{job}\n{run.log}"
    gate = run.outputs("migration-gate")
    assert gate["blocked"] == "false" and gate["blockers"] == "", run.log
    # The workflow came from the tag, every action of the suite from the commit it pins; nothing
    # was fetched from anywhere else.
    refs = set(re.findall(r"(?<!not )matched \S*org/migration-checks with [Rr]ef (\w+)", run.log))
    assert refs == {release.major_tag, release.actions_commit}, refs
    assert "not matched" not in run.log and "git clone" not in run.log
    # The dry run's report was kept under a name of this call.
    (report_dir,) = run.artifacts.iterdir()
    assert re.fullmatch(r"migration-checks-dry-run-[0-9a-f]{12}", report_dir.name)
    assert (report_dir / "dry_run_result.json").is_file()
    # The gate read the pull request, its reviews and commits on GitHub, and commented.
    assert "GET /repos/shop/migrations/pulls/7/reviews" in fake.calls()


def never_reports(release: Release, where: Path, stage: int) -> Path:
    """P's work tree with one stage action replaced by one that dies before it reports, as a job
    whose runner is lost would."""
    shutil.copytree(release.worktree(release.actions_commit, where.parent / "p"), where)
    (where / f"actions/stage-{stage}/action.yml").write_text(
        "name: dies\ndescription: dies\nruns:\n  using: composite\n  steps:\n"
        "    - shell: bash\n      run: exit 1\n"
    )
    return where


def test_a_failing_stage_and_a_silent_one_block_the_gate(
    tmp_path: Path, release: Release, fake: FakeGithub, tool_cache: Path
) -> None:
    def tamper(migration: Path) -> None:
        # A value changed after signing (and after the approvals): the signature fails.
        (plan,) = migration.glob("plans/signed_plan_*.json")
        text = plan.read_text()
        plan.write_text(re.sub(r'("plan_version":\s*)(\d+)', r"\g<1>99", text, count=1))

    caller = make_caller(tmp_path, after_approval=tamper)
    approve(fake, caller)
    actions = never_reports(release, tmp_path / "suite-broken", 4)

    run = run_workflow(tmp_path, release, caller, fake, tool_cache, actions_dir=actions)

    assert run.run.returncode != 0
    assert run.job_result("structural-validation") == "failed", run.log
    assert run.job_result("security-scan") == "failed", run.log
    assert run.job_result("migration-gate") == "failed", run.log
    gate = run.outputs("migration-gate")
    assert gate["blocked"] == "true", run.log
    assert "UNSIGNED_PLAN" in gate["blockers"].split(","), run.log
    assert re.search(
        r"title=required_stages.*stage 4 \(security\).*its job failed without a finding", run.log
    ), run.log


def test_two_migration_directories_are_blocked_naming_both(
    tmp_path: Path, release: Release, fake: FakeGithub, tool_cache: Path
) -> None:
    caller = make_caller(tmp_path, migrations=2)
    approve(fake, caller)

    run = run_workflow(tmp_path, release, caller, fake, tool_cache)

    assert run.job_result("discover") == "failed", run.log
    assert not any(run.ran(job) for job in STAGE_JOBS), run.log
    assert run.job_result("migration-gate") == "failed", run.log
    gate = run.outputs("migration-gate")
    assert "POLICY_VIOLATION" in gate["blockers"].split(","), run.log
    assert "title=required_stages" not in run.log  # the reason is the two directories
    (error,) = [
        line
        for line in run.log.splitlines()
        if "migration-gate" in line
        and "changes 2 migration directories" in line
        and "::error" in line
    ]
    assert "migration-pr-proj_shop2026" in error and "migration-pr-proj_other0001" in error
