"""Attack 8: trusting a ref by name, and reading the trust anchors from the base commit.

git's own lookup finds ``refs/tags/main`` before ``refs/heads/main``, so a tag named like the
base branch would choose the policy. A name is resolved explicitly and refused when two of its
meanings disagree; the actions pass full SHAs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from migration_checks.git_base import BaseError, resolve_base
from tests.conftest import run_cli
from tests.trust.conftest import MERGED_AT_PLANNED, Repo, at, git


def policy_in_repo(repo: Repo) -> Path:
    """The policy, committed in the repository at the base (as a team keeps it)."""
    inside = repo.root / "policy" / "policy.json"
    inside.parent.mkdir()
    inside.write_text(repo.tree.policy.read_text())
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base: the policy")
    repo.base = git(repo.root, "rev-parse", "HEAD")
    return inside


def drop_trust_anchors(policy: Path) -> None:
    data = json.loads(policy.read_text())
    data["signing"]["trusted_keys"] = []
    policy.write_text(json.dumps(data))


def test_a_tag_named_like_the_branch_is_refused(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory()
    git(repo.root, "checkout", "-q", "main")
    git(repo.root, "commit", "-q", "--allow-empty", "-m", "main moves on")
    git(repo.root, "tag", "main", repo.base)  # the tag names the older commit
    with pytest.raises(
        BaseError, match=r'"main" is ambiguous \(refs/tags/main is .*refs/heads/main'
    ):
        resolve_base("main", repo.root)


def test_the_cli_refuses_the_ambiguous_name_and_says_why(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory()
    git(repo.root, "branch", "-f", "trusted", repo.base)
    git(repo.root, "tag", "trusted", "HEAD~0")
    git(repo.root, "commit", "-q", "--allow-empty", "-m", "x")
    git(repo.root, "tag", "-f", "trusted", "HEAD")
    done = run_cli("check", str(repo.root), "--base", "trusted", "--stage", "1")
    assert done.exit_code == 2
    assert "ambiguous" in done.output and "full commit SHA" in done.output


def test_a_name_is_reported_with_the_commit_it_became(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory()
    repo.head([])
    result = repo.result("--base", "main", base=False)
    notices = [f["message"] for f in result["findings"] if f["severity"] == "notice"]
    assert f'base "main" is commit {repo.base[:12]} (refs/heads/main)' in notices


def test_a_tag_spelled_as_a_full_ref_does_not_shadow_it(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory()
    git(repo.root, "commit", "-q", "--allow-empty", "-m", "later")
    git(repo.root, "tag", "refs/heads/main", "HEAD")  # refs/tags/refs/heads/main
    assert resolve_base("refs/heads/main", repo.root).sha == repo.base


def test_a_missing_base_commit_says_to_fetch_it(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory()
    with pytest.raises(BaseError, match=r"not in this clone .*fetch-depth: 0"):
        resolve_base("0" * 40, repo.root)


# --- the policy comes from the base ---------------------------------------------------------


def test_a_head_that_drops_the_trusted_keys_changes_nothing(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory(MERGED_AT_PLANNED)
    policy = policy_in_repo(repo)
    drop_trust_anchors(policy)  # the pull request edits the policy in its head
    repo.head(at("PLANNED", "EXECUTED"))
    done = run_cli(
        "check", str(repo.root), "--policy", str(policy), "--base", repo.base,
        "--stage", "1", "--format", "json",
    )  # fmt: skip
    assert done.exit_code == 0, done.output


def test_a_policy_path_through_a_link_is_refused(
    repo_factory: Callable[..., Repo], tmp_path: Path
) -> None:
    repo = repo_factory()
    policy_in_repo(repo)
    link = tmp_path / "via-link"
    link.symlink_to(repo.root / "policy")
    done = run_cli(
        "check", str(repo.root), "--policy", str(link / "policy.json"), "--base", repo.base
    )
    assert done.exit_code == 2
    assert "through a link" in done.output


def test_a_policy_the_base_does_not_have_is_refused(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory()
    (repo.root / "policy").mkdir()
    (repo.root / "policy" / "policy.json").write_text(repo.tree.policy.read_text())
    repo.head([])  # the pull request brings its own policy
    done = run_cli(
        "check", str(repo.root), "--policy", str(repo.root / "policy" / "policy.json"),
        "--base", repo.base,
    )  # fmt: skip
    assert done.exit_code == 2
    assert "there is no policy file policy/policy.json at the base commit" in done.output
