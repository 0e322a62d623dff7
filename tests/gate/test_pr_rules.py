"""Branch names and commit messages (seed 6.6, 6.7), from the rules and from a local git repo."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from migration_checks.gate.pr_rules import (
    GitError,
    branch_problem,
    expected_branch,
    git_branch,
    git_commits,
    judge_commits,
    subject_is_valid,
)
from migration_checks.pull_request import Commit
from tests.conftest import Tree, run_cli
from tests.gate.trees import BRANCH, NOW, gate_tree, git, git_repo


def test_expected_branch() -> None:
    assert (
        expected_branch("postgres_to_s3", "proj_abc123", 1)
        == "migration/postgres-to-s3/proj_abc123/v1"
    )
    assert (
        branch_problem(
            "migration/postgres-to-s3/proj_abc123/v1", "migration/postgres-to-s3/proj_abc123/v1"
        )
        is None
    )
    problem = branch_problem(
        "migration/postgres_to_s3/proj_abc123/v1", "migration/postgres-to-s3/proj_abc123/v1"
    )
    assert problem is not None and 'expected "migration/postgres-to-s3/proj_abc123/v1"' in problem


@pytest.mark.parametrize(
    "subject",
    [
        "[MIGRATION] PROPOSE: Initial postgres-to-s3 migration for orders table",
        "[MIGRATION] UPDATE: Resolve manual decision for timestamp mapping",
        "[MIGRATION] APPROVE: Tech lead approval for plan v3",
        "[MIGRATION] RECON: Add parallel run 7 results",
        "[MIGRATION] EVIDENCE: Complete evidence pack for audit",
        "[MIGRATION] EXECUTE: x",
        "[MIGRATION] CUTOVER: cut over",
    ],
)
def test_seed_examples_are_valid(subject: str) -> None:
    assert subject_is_valid(subject)


@pytest.mark.parametrize(
    "subject",
    [
        "fix typo",
        "[MIGRATION] DEPLOY: not an action",
        "[migration] UPDATE: lower case",
        "[MIGRATION] UPDATE:missing space",
        "[MIGRATION] UPDATE: ",
        "[MIGRATION]  UPDATE: two spaces",
        " [MIGRATION] UPDATE: leading space",
    ],
)
def test_bad_subjects(subject: str) -> None:
    assert not subject_is_valid(subject)


def test_merge_commits_are_not_judged() -> None:
    verdict = judge_commits(
        [
            Commit("1" * 40, "[MIGRATION] PROPOSE: start\n\nbody", 1),
            Commit("2" * 40, "Merge branch 'main' into migration/x", 2),
            Commit("3" * 40, "oops", 1),
        ]
    )
    assert [c.sha[0] for c in verdict.bad] == ["3"]
    assert (verdict.checked, verdict.merges_skipped) == (2, 1)


def test_git_commits_and_branch(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)
    git_repo(
        tree.workspace, ["[MIGRATION] PROPOSE: start", "second\n\nwith a body\x1e and odd bytes"]
    )

    commits = git_commits(tree.workspace, "main")

    assert [c.subject for c in commits] == ["[MIGRATION] PROPOSE: start", "second"]
    assert commits[1].message == "second\n\nwith a body\x1e and odd bytes"
    assert all(c.parents == 1 and len(c.sha) == 40 for c in commits)
    assert git_branch(tree.migration) == BRANCH
    git(tree.workspace, "checkout", "-q", "--detach")
    assert git_branch(tree.workspace) is None


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "", "a b"])
def test_refs_that_look_like_options_are_refused(ref: str, make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)
    git_repo(tree.workspace, [])
    with pytest.raises(GitError, match="is not a git revision"):
        git_commits(tree.workspace, ref)


def gate_offline(tree: Tree, *args: str) -> tuple[int, dict[str, Any]]:
    done = run_cli(
        "gate", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW,
        "--format", "json", *args, env={"GITHUB_TOKEN": ""},
    )  # fmt: skip
    assert done.exit_code in (0, 1), done.output
    return done.exit_code, json.loads(done.stdout)


def findings_of(result: dict[str, Any], check: str) -> list[dict[str, Any]]:
    found = [f for f in result["result"]["findings"] if f["check"] == check]
    for migration in result["result"]["migrations"]:
        found += [f for f in migration["findings"] if f["check"] == check]
    return found


def test_local_commit_messages_are_checked_with_git_log(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)
    git_repo(tree.workspace, ["[MIGRATION] PROPOSE: start", "wip"])

    _, result = gate_offline(tree, "--base", "main")

    bad = findings_of(result, "commit_messages")
    assert len(bad) == 1
    assert bad[0]["blocker"] == "POLICY_VIOLATION"
    assert '"wip" does not follow "[MIGRATION] {ACTION}: {description}"' in bad[0]["message"]
    # The branch was read from git: it is the right one, so no branch finding.
    assert findings_of(result, "branch_name") == []


def test_local_branch_name_is_checked(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)
    git_repo(tree.workspace, ["[MIGRATION] PROPOSE: start"], branch="feature/x")

    _, result = gate_offline(tree, "--base", "main")

    (branch,) = findings_of(result, "branch_name")
    assert branch["blocker"] == "POLICY_VIOLATION"
    assert branch["path"] == ".migration_metadata.json" and branch["line"]
    assert findings_of(result, "commit_messages") == []


def test_without_base_or_branch_nothing_is_guessed(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)  # not a git repository

    _, result = gate_offline(tree)

    (commits,) = findings_of(result, "commit_messages")
    assert commits["severity"] == "notice" and commits["blocker"] is None
    (branch,) = findings_of(result, "branch_name")
    assert branch["severity"] == "warning" and "pass --branch" in branch["message"]
    assert "is not in a git repository" in branch["message"]
    assert "detached" not in branch["message"]


def test_an_unknown_base_ref_is_a_configuration_error(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)
    git_repo(tree.workspace, [])

    done = run_cli(
        "gate", str(tree.workspace), "--policy", str(tree.policy), "--base", "no-such-ref",
        env={"GITHUB_TOKEN": ""},
    )  # fmt: skip

    assert done.exit_code == 2
    assert 'no commit named "no-such-ref" in this clone' in done.output


def test_many_bad_commits_are_summarised(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)
    git_repo(tree.workspace, [f"change {i}" for i in range(25)])

    _, result = gate_offline(tree, "--base", "main")

    bad = findings_of(result, "commit_messages")
    assert len(bad) == 21
    assert sum(f["message"].startswith("5 more commits do not follow") for f in bad) == 1
