"""The gate in a merge queue: a merge_group event names no pull request, only the queue entry's
ref (refs/heads/gh-readonly-queue/<base branch>/pr-<number>-<the commit the entry is built on>).

The gate verifies that pull request as on its own run (approvals on its head commit, its branch
and commits from GitHub), checks that the entry is built on --base and that the pull request is
for the queue's branch, and writes nothing. A malformed ref exits 2 without being echoed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from migration_checks.gate.merge_queue import QueueRef, QueueRefError, parse_queue_ref
from migration_checks.gate.run import GateOptions
from migration_checks.policy import load_policy
from migration_checks.reporters import markdown
from migration_checks.reporters.markdown import MARKER
from tests.conftest import Tree, run_cli
from tests.gate.canary import CANARIES, assert_not_echoed
from tests.gate.trees import NOW, base_args, gate_tree, git
from tests.github.conftest import HEAD, REPO, approved_pull
from tests.github.fake_github import TOKEN, FakeGithub, commit_sha
from tests.github.test_gate_github import messages
from tests.reporters._factories import parse_file_commands

SHA = "a1b2c3d4e5" * 4


def queue_ref(base_sha: str, number: int = 7, branch: str = "main") -> str:
    return f"refs/heads/gh-readonly-queue/{branch}/pr-{number}-{base_sha}"


def base_sha(tree: Tree) -> str:
    """The workspace as a repository (see base_args) and the full SHA of its base commit."""
    base_args(tree, ())
    return git(tree.workspace, "rev-parse", "main").strip()


def queue_gate(
    tree: Tree,
    fake: FakeGithub,
    *args: str,
    ref: str | None = None,
    env: dict[str, str] | None = None,
) -> Result:
    """The gate as actions/gate runs it on a merge_group event: --base is merge_group.base_sha."""
    base = base_sha(tree)
    return run_cli(
        "gate", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW,
        "--repo", REPO, "--merge-group-ref", queue_ref(base) if ref is None else ref,
        "--base", base, *args,
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": fake.base_url, **(env or {})},
    )  # fmt: skip


def queue_json(tree: Tree, fake: FakeGithub, *args: str, **kwargs: Any) -> tuple[int, Any]:
    done = queue_gate(tree, fake, "--format", "json", *args, **kwargs)
    assert done.exit_code in (0, 1), done.output
    return done.exit_code, json.loads(done.stdout)


def roles(result: dict[str, Any]) -> dict[str, str]:
    return {r["role"]: r["status"] for r in result["migrations"][0]["approvals"]["roles"]}


def writes(fake: FakeGithub) -> list[str]:
    return [call for call in fake.calls() if not call.startswith("GET ")]


@pytest.fixture
def tree(make_tree: Callable[..., Tree]) -> Tree:
    return gate_tree(make_tree)


# --- the ref -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (f"refs/heads/gh-readonly-queue/main/pr-7-{SHA}", QueueRef("main", 7, SHA)),
        (
            f"refs/heads/gh-readonly-queue/release/2026.1/pr-12345-{SHA}",
            QueueRef("release/2026.1", 12345, SHA),
        ),
    ],
)
def test_a_queue_ref_names_the_branch_the_pull_request_and_the_commit_built_on(
    ref: str, expected: QueueRef
) -> None:
    assert parse_queue_ref(ref) == expected
    assert expected.ref == ref


MALFORMED = {
    "a branch, not a queue entry": "refs/heads/main",
    "a pull request's merge ref": "refs/pull/7/merge",
    "no refs/heads/ prefix": f"gh-readonly-queue/main/pr-7-{SHA}",
    "another prefix": f"refs/heads/readonly-queue/main/pr-7-{SHA}",
    "a short SHA": f"refs/heads/gh-readonly-queue/main/pr-7-{SHA[:12]}",
    "a 41-digit SHA": f"refs/heads/gh-readonly-queue/main/pr-7-{SHA}a",
    "an upper-case SHA": f"refs/heads/gh-readonly-queue/main/pr-7-{SHA.upper()}",
    "no base branch": f"refs/heads/gh-readonly-queue/pr-7-{SHA}",
    "an empty path part": f"refs/heads/gh-readonly-queue/main//pr-7-{SHA}",
    "a path after the entry": f"refs/heads/gh-readonly-queue/main/pr-7-{SHA}/extra",
    "no number": f"refs/heads/gh-readonly-queue/main/pr--{SHA}",
    "number zero": f"refs/heads/gh-readonly-queue/main/pr-0-{SHA}",
    "a dot-dot branch": f"refs/heads/gh-readonly-queue/ma..in/pr-7-{SHA}",
    "a newline and a workflow command": f"refs/heads/gh-readonly-queue/main/pr-7-{SHA}\n::error::x",
    "a command substitution": f"refs/heads/gh-readonly-queue/$(id)/pr-7-{SHA}",
    "a backtick, a semicolon, a space": f"refs/heads/gh-readonly-queue/m`a;i n/pr-7-{SHA}",
    "a mention and a link": f"refs/heads/gh-readonly-queue/@admin/[x](http://e)/pr-7-{SHA}",
    "empty": "",
}


@pytest.mark.parametrize("ref", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_ref_is_refused(ref: str) -> None:
    with pytest.raises(QueueRefError, match="expected refs/heads/gh-readonly-queue/"):
        parse_queue_ref(ref)


@pytest.mark.parametrize("canary", CANARIES, ids=("token", "slashed"))
@pytest.mark.parametrize(
    "template",
    [
        "refs/heads/gh-readonly-queue/main/pr-7-{canary}",
        "refs/heads/gh-readonly-queue/{canary}/pr-7-" + SHA[:12],
        "refs/heads/gh-readonly-queue/main/pr-7-" + SHA + "/{canary}",
        "{canary}\nrefs/heads/gh-readonly-queue/main/pr-7-" + SHA,
        "refs/heads/gh-readonly-queue/main/pr-7-" + SHA + ";{canary}",
    ],
    ids=("as-sha", "with-short-sha", "extra-path", "before-newline", "after-semicolon"),
)
def test_a_malformed_ref_exits_2_and_is_never_echoed(
    tree: Tree, fake: FakeGithub, tmp_path: Path, template: str, canary: str
) -> None:
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    ref = template.format(canary=canary)

    done = queue_gate(
        tree,
        fake,
        "--format",
        "github",
        ref=ref,
        env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)},
    )

    assert done.exit_code == 2
    expected = "--merge-group-ref: expected refs/heads/gh-readonly-queue/<base branch>/pr-<number>-"
    assert expected in done.output
    assert "is not shown" in done.output
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "--merge-group-ref" in errors[0]
    assert "no verdict" in summary.read_text()
    assert_not_echoed(
        canary,
        {
            "stdout": done.stdout,
            "stderr": done.stderr,
            "summary": summary.read_text(),
            "outputs": outputs.read_text() if outputs.exists() else "",
        },
    )
    assert fake.requests == []  # refused before any request


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--pr", "7"], {}, "excludes --pr and --head-sha"),
        (["--head-sha", "c" * 40], {}, "excludes --pr and --head-sha"),
        (["--apply"], {}, "in a merge queue the gate writes no labels and no comment"),
        ([], {"GITHUB_TOKEN": ""}, "--merge-group-ref needs a GitHub token"),
    ],
)
def test_usage_errors_in_a_merge_queue_exit_2(
    tree: Tree, fake: FakeGithub, args: list[str], env: dict[str, str], message: str
) -> None:
    done = queue_gate(tree, fake, *args, env=env)

    assert done.exit_code == 2
    assert message in done.output
    assert fake.requests == []


def test_the_ref_needs_the_repository(tree: Tree) -> None:
    done = run_cli(
        "gate", str(tree.workspace), "--merge-group-ref", queue_ref(SHA),
        env={"GITHUB_TOKEN": TOKEN},
    )  # fmt: skip

    assert done.exit_code == 2
    assert "--merge-group-ref needs --repo" in done.output


def test_gate_options_refuse_to_write_in_a_merge_queue(tree: Tree) -> None:
    policy = load_policy(tree.policy)
    queue = QueueRef("main", 7, SHA)
    now = datetime(2026, 11, 10, tzinfo=UTC)
    common: dict[str, Any] = {"paths": (tree.workspace,), "policy": policy, "now": now}

    assert GateOptions(**common, pr=7, merge_group=queue).apply is False
    with pytest.raises(ValueError, match="writes no labels"):
        GateOptions(**common, pr=7, merge_group=queue, apply=True)
    with pytest.raises(ValueError, match="names the pull request"):
        GateOptions(**common, pr=8, merge_group=queue)
    with pytest.raises(ValueError, match="names the pull request"):
        GateOptions(**common, pr=7, merge_group=queue, head_sha=HEAD)


# --- verification ------------------------------------------------------------------------------


def test_a_queued_pull_request_approved_on_its_head_passes_and_nothing_is_written(
    tree: Tree, fake: FakeGithub
) -> None:
    pull = approved_pull(fake, labels=["migration/proposed", "blocked"])

    code, result = queue_json(tree, fake)

    assert code == 0, messages(result)
    assert roles(result) == {"data_owner": "approved", "security": "approved"}
    assert result["migrations"][0]["approvals"]["verified"] is True
    github = result["github"]
    assert github["pr"] == 7 and github["head_sha"] == HEAD
    assert github["merge_queue"] == {"base_sha": base_sha(tree)}
    assert github["applied"] is False and github["comment"] is None
    assert github["labels_added"] == github["labels_removed"] == github["labels_pending"] == []
    # Reads only: the pull request, its reviews, its commits, the security team.
    assert writes(fake) == []
    assert sorted(fake.calls()) == [
        "GET /orgs/shop/teams/security/members",
        f"GET /repos/{REPO}/pulls/7",
        f"GET /repos/{REPO}/pulls/7/commits",
        f"GET /repos/{REPO}/pulls/7/reviews",
    ]
    assert pull.labels == ["migration/proposed", "blocked"] and pull.comments == []
    assert not any("label" in m for m in messages(result))


def test_a_blocked_queue_entry_writes_nothing_either(tree: Tree, fake: FakeGithub) -> None:
    pull = approved_pull(fake, labels=["migration/proposed"])
    pull.reviews.pop()  # lchen's approval is gone

    code, result = queue_json(tree, fake)

    assert code == 1
    assert roles(result)["security"] == "missing"
    assert result["blockers"] == ["POLICY_VIOLATION"]
    assert writes(fake) == []
    assert pull.labels == ["migration/proposed"] and pull.comments == []


def test_the_summary_says_it_is_a_merge_queue_and_that_nothing_was_written(
    tree: Tree, fake: FakeGithub, tmp_path: Path
) -> None:
    approved_pull(fake)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"

    done = queue_gate(
        tree,
        fake,
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)},
    )

    assert done.exit_code == 0, done.output
    text = summary.read_text()
    assert text.startswith(MARKER)
    assert "Verified against GitHub: pull request #7" in text
    assert f"Merge queue: the entry built on {markdown.code(base_sha(tree)[:12])}" in text
    assert "writes no labels and no comment" in text
    assert "✅ approved" in text
    assert parse_file_commands(outputs.read_text())["blocked"] == "false"
    assert not [line for line in done.stdout.splitlines() if line.startswith("::warning")]
    assert writes(fake) == []

    text_report = queue_gate(tree, fake)
    assert "merge queue: pull request #7, entry built on" in text_report.stdout
    assert "no labels or comment written" in text_report.stdout


def test_a_push_after_queueing_needs_approval_on_the_new_head(tree: Tree, fake: FakeGithub) -> None:
    """The ref names the pull request, not its head: the approvals must be on the head GitHub
    reports now. An approval of the commit that was queued does not cover a later push."""
    pull = approved_pull(fake)
    pull.head_sha = "d" * 40  # pushed after it was queued; the reviews are on the old head

    code, result = queue_json(tree, fake)

    assert code == 1
    assert roles(result) == {"data_owner": "missing", "security": "missing"}
    found = messages(result)
    assert any(
        f"approved commit {HEAD[:12]}" in m and f"not the head commit {'d' * 12}" in m
        for m in found
    ), found
    assert writes(fake) == []


def test_an_entry_not_built_on_the_base_commit_blocks(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake)
    other = "e" * 40

    code, result = queue_json(tree, fake, ref=queue_ref(other))

    assert code == 1
    assert "CI_FAILURE" in result["blockers"]
    assert any(
        f"is built on commit {other[:12]}, but --base is {base_sha(tree)[:12]}" in m
        for m in messages(result)
    ), messages(result)


def test_a_pull_request_for_another_branch_blocks(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake, base_ref="release")

    code, result = queue_json(tree, fake)

    assert code == 1
    assert result["blockers"] == ["CI_FAILURE"]
    assert any(
        'pull request #7 is for another branch than the merge queue of "main"' in m
        for m in messages(result)
    ), messages(result)


def test_branch_and_commit_rules_come_from_the_pull_request(tree: Tree, fake: FakeGithub) -> None:
    """The queue commit is GitHub's (a squash or merge message): the rules judge the pull
    request's own branch and commits, as on its own run."""
    pull = approved_pull(fake)
    pull.head_ref = "feature/shop"
    pull.commit("fix typo")

    code, result = queue_json(tree, fake)

    assert code == 1
    found = messages(result)
    assert any('branch "feature/shop" does not follow' in m for m in found), found
    assert any(m.startswith(f'commit {commit_sha(3)[:12]} "fix typo"') for m in found), found
    assert writes(fake) == []


def test_an_unknown_pull_request_in_the_ref_is_a_clear_error(tree: Tree, fake: FakeGithub) -> None:
    done = queue_gate(tree, fake, ref=queue_ref(base_sha(tree), number=404))

    assert done.exit_code == 2
    assert "reading pull request #404 of shop/migrations: GitHub answered 404" in done.output


# --- the pull_request path is unchanged --------------------------------------------------------


def test_a_pull_request_run_still_writes_and_is_not_a_merge_queue(
    tree: Tree, fake: FakeGithub
) -> None:
    pull = approved_pull(fake, labels=["migration/proposed"])

    done = run_cli(
        "gate", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW,
        "--repo", REPO, "--pr", "7", "--head-sha", HEAD, "--format", "json",
        *base_args(tree, ()),
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": fake.base_url},
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["github"]["merge_queue"] is None
    assert result["github"]["applied"] is True and result["github"]["comment"] == "created"
    assert pull.labels == ["migration/planned"]
    assert "Merge queue" not in pull.comments[0]["body"]
