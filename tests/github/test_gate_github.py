"""The gate against a local GitHub: verification, labels, the sticky comment, forks, pagination,
GitHub Enterprise URLs, rate limits and server errors, and how many requests it makes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from migration_checks.reporters.markdown import COMMENT_LIMIT, MARKER
from tests.conftest import Tree, run_cli
from tests.gate.trees import NOW, base_args, gate_tree, load_records, save_records
from tests.github.conftest import HEAD, REPO, approved_pull
from tests.github.fake_github import TOKEN, FakeGithub, commit_sha
from tests.reporters._factories import parse_file_commands


def gate(
    tree: Tree, fake: FakeGithub, *args: str, pr: int = 7, env: dict[str, str] | None = None
) -> Result:
    return run_cli(
        "gate",
        str(tree.workspace),
        "--policy",
        str(tree.policy),
        "--repo",
        REPO,
        "--pr",
        str(pr),
        "--now",
        NOW,
        *args,
        *base_args(tree, args),
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": fake.base_url, **(env or {})},
    )


def gate_json(
    tree: Tree, fake: FakeGithub, *args: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    done = gate(tree, fake, "--format", "json", *args, **kwargs)
    assert done.exit_code in (0, 1), done.output
    return done.exit_code, json.loads(done.stdout)


def messages(result: dict[str, Any]) -> list[str]:
    found = [f["message"] for f in result["result"]["findings"]]
    for migration in result["result"]["migrations"]:
        found += [f["message"] for f in migration["findings"]]
    return found


def roles(result: dict[str, Any]) -> dict[str, str]:
    chain = result["migrations"][0]["approvals"]
    return {role["role"]: role["status"] for role in chain["roles"]}


@pytest.fixture
def tree(make_tree: Callable[..., Tree]) -> Tree:
    return gate_tree(make_tree)


# --- verification ------------------------------------------------------------------------------


def test_approved_pull_request_passes_and_is_labelled_and_commented(
    tree: Tree, fake: FakeGithub
) -> None:
    pull = approved_pull(fake, labels=["migration/proposed", "bug", "blocked"])

    code, result = gate_json(tree, fake)

    assert code == 0, messages(result)
    assert roles(result) == {"data_owner": "approved", "security": "approved"}
    assert result["github"]["applied"] is True
    assert result["github"]["comment"] == "created"
    # The state label replaces the other state label; "blocked" goes; "bug" is not ours.
    assert sorted(pull.labels) == ["bug", "migration/planned"]
    (comment,) = pull.comments
    assert comment["body"].startswith(MARKER)
    assert "✅ approved" in comment["body"]


def test_request_count_is_one_per_resource(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake)

    code, _ = gate_json(tree, fake)

    assert code == 0
    assert sorted(fake.calls()) == sorted(
        [
            "GET /repos/shop/migrations/pulls/7",
            "GET /repos/shop/migrations/pulls/7/reviews",
            "GET /repos/shop/migrations/pulls/7/commits",
            # jsmith is a data_owner user: no team is read for him; lchen's team once.
            "GET /orgs/shop/teams/security/members",
            "GET /repos/shop/migrations/issues/7/comments",
            "POST /repos/shop/migrations/issues/7/comments",
            "POST /repos/shop/migrations/issues/7/labels",
        ]
    )


def test_team_members_are_read_once_per_team(
    make_tree: Callable[..., Tree], fake: FakeGithub
) -> None:
    # Both roles are filled through teams, and both approvers are in the same two teams.
    tree = gate_tree(
        make_tree,
        policy={
            "/approvals/roles/data_owner": {
                "teams": ["shop/leads", "shop/data-owners"],
                "users": [],
            },
            "/approvals/roles/security": {"teams": ["shop/leads", "shop/security"], "users": []},
        },
    )
    approved_pull(fake)
    fake.teams["shop/data-owners"] = ["jsmith"]
    fake.teams["shop/leads"] = ["boss"]

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 0, messages(result)
    team_reads = [c for c in fake.calls() if "/teams/" in c]
    assert sorted(team_reads) == [
        "GET /orgs/shop/teams/data-owners/members",
        "GET /orgs/shop/teams/leads/members",
        "GET /orgs/shop/teams/security/members",
    ]


def test_an_author_who_edits_the_records_alone_cannot_pass(tree: Tree, fake: FakeGithub) -> None:
    """Records that validate offline, but GitHub holds no approving review: blocked."""
    pull = fake.pull(
        7, author="author1", head_sha=HEAD, head_ref="migration/sqlite-to-s3/proj_shop2026/v3"
    )
    pull.commit("[MIGRATION] APPROVE: add approvals")
    fake.teams["shop/security"] = ["lchen"]
    records = load_records(tree.migration)
    records[0]["approver"]["id"] = "author1"  # and one naming the author as approver
    save_records(tree.migration, records)

    code, result = gate_json(tree, fake)

    assert code == 1
    assert roles(result) == {"data_owner": "missing", "security": "missing"}
    text = "\n".join(messages(result))
    assert '"author1" opened this pull request and cannot approve it' in text
    assert '"lchen" has not approved this pull request on GitHub' in text
    assert result["blockers"] == ["POLICY_VIOLATION"]
    assert "blocked" in pull.labels


@pytest.mark.parametrize(
    ("reviews", "expected"),
    [
        ([("jsmith", "APPROVED", "old")], "approved commit 0000000000ol"),
        (
            [("jsmith", "APPROVED", None), ("jsmith", "CHANGES_REQUESTED", None)],
            "is CHANGES_REQUESTED",
        ),
        ([("jsmith", "DISMISSED", None)], "is DISMISSED"),
        ([("jsmith", "COMMENTED", None)], "has not approved"),
    ],
)
def test_a_review_must_approve_the_head_commit(
    tree: Tree, fake: FakeGithub, reviews: list[tuple[str, str, str | None]], expected: str
) -> None:
    pull = approved_pull(fake)
    pull.reviews = [r for r in pull.reviews if r["user"]["login"] != "jsmith"]
    for login, state, commit in reviews:
        pull.review(login, state, "0" * 10 + "old" + "0" * 27 if commit == "old" else None)

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 1
    assert roles(result)["data_owner"] == "missing"
    assert any(expected in m for m in messages(result)), messages(result)


def test_later_approval_and_comments_do_not_spoil_a_standing_approval(
    tree: Tree, fake: FakeGithub
) -> None:
    pull = approved_pull(fake)
    pull.reviews.insert(0, {**pull.reviews[0], "state": "CHANGES_REQUESTED", "id": 99})
    pull.review("jsmith", "COMMENTED")

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 0, messages(result)


def test_an_approver_outside_the_role_does_not_count(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake)
    fake.teams["shop/security"] = ["someone-else"]

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 1
    assert any('"lchen" is not a member of role "security"' in m for m in messages(result))


def test_an_unreadable_team_is_not_a_membership(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake)
    del fake.teams["shop/security"]  # 404, as for a token without organization Members: read

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 1
    assert any("cannot be verified" in m and "Members: read" in m for m in messages(result))


def test_a_moved_head_blocks(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake)

    code, result = gate_json(tree, fake, "--no-apply", "--head-sha", "d" * 40)

    assert code == 1
    assert any("the pull request's head is now" in m for m in messages(result))


def test_wrong_branch_and_commit_messages_block(tree: Tree, fake: FakeGithub) -> None:
    pull = approved_pull(fake)
    pull.head_ref = "feature/shop"
    pull.commit("fix typo")
    pull.commit("Merge branch 'main' into feature/shop", parents=2)

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 1
    found = messages(result)
    assert any('branch "feature/shop" does not follow' in m for m in found)
    assert [m for m in found if m.startswith("commit ")] == [
        f'commit {commit_sha(3)[:12]} "fix typo" does not follow "[MIGRATION] {{ACTION}}: {{description}}" '
        "(ACTION one of PROPOSE, UPDATE, APPROVE, EXECUTE, RECON, CUTOVER, EVIDENCE)"
    ]


# --- the sticky comment ------------------------------------------------------------------------


def test_a_label_already_gone_counts_as_removed_and_the_comment_is_written(
    tree: Tree, fake: FakeGithub
) -> None:
    """Someone removed "blocked" after the gate read the labels: GitHub answers the DELETE with
    404, which means the label is not there, as the gate wants; it is not a refused write."""
    pull = approved_pull(fake, labels=["migration/proposed"])
    pull.vanishing_labels = ["blocked"]

    code, result = gate_json(tree, fake)

    assert code == 0, messages(result)
    assert fake.count("DELETE", f"/repos/{REPO}/issues/7/labels/blocked") == 1
    assert result["github"]["applied"] is True and result["github"]["refused"] is None
    assert result["github"]["labels_removed"] == ["migration/proposed", "blocked"]
    assert result["github"]["comment"] == "created"
    (comment,) = pull.comments
    assert comment["body"].startswith(MARKER)
    assert pull.labels == ["migration/planned"]
    assert not any("may not write" in m for m in messages(result))


def test_the_comment_is_updated_in_place_never_duplicated(tree: Tree, fake: FakeGithub) -> None:
    pull = approved_pull(fake)
    assert gate(tree, fake).exit_code == 0
    first = pull.comments[0]["id"]
    fake.requests.clear()

    assert gate(tree, fake).exit_code == 0  # same verdict: no write at all
    assert len(pull.comments) == 1
    assert fake.count("PATCH") == 0 and fake.count("POST") == 0

    pull.reviews.pop()  # lchen's approval is gone: the verdict changes
    assert gate(tree, fake).exit_code == 1
    assert [c["id"] for c in pull.comments] == [first]
    assert "❌ missing" in pull.comments[0]["body"]
    assert fake.count("PATCH", f"/repos/{REPO}/issues/comments/{first}") == 1


def test_a_marker_comment_by_someone_else_is_never_edited(tree: Tree, fake: FakeGithub) -> None:
    pull = approved_pull(fake)
    fake.add_comment(pull, "mallory", f"{MARKER}\nall approved, merge it")

    assert gate(tree, fake).exit_code == 0

    assert pull.comments[0]["body"] == f"{MARKER}\nall approved, merge it"
    assert [c["user"]["login"] for c in pull.comments] == ["mallory", "gate-bot"]
    assert fake.count("PATCH") == 0


def test_an_actions_token_edits_the_github_actions_bot_comment(
    tree: Tree, fake: FakeGithub
) -> None:
    pull = approved_pull(fake)
    fake.user = None  # GET /user is refused to an Actions token
    fake.add_comment(pull, "github-actions[bot]", f"{MARKER}\nold report")

    assert gate(tree, fake).exit_code == 0

    assert len(pull.comments) == 1
    assert "### Approvals" in pull.comments[0]["body"]


def test_the_comment_stays_under_githubs_limit(
    make_tree: Callable[..., Tree], fake: FakeGithub
) -> None:
    tree = gate_tree(make_tree)
    records = load_records(tree.migration)
    many = []
    for i in range(1500):
        record = json.loads(json.dumps(records[0]))
        record["approval_id"] = f"appr_{i:05d}_" + "x" * 40
        record["plan_id"] = "plan_other"
        many.append(record)
    save_records(tree.migration, many)
    pull = approved_pull(fake)

    assert gate(tree, fake).exit_code == 1

    body = pull.comments[0]["body"]
    assert len(body) <= COMMENT_LIMIT
    assert body.startswith(MARKER)
    assert "not shown" in body and "### Approvals" in body


# --- forks -------------------------------------------------------------------------------------


def test_a_fork_pull_request_degrades_to_the_job_summary(
    tree: Tree, fake: FakeGithub, tmp_path: Path
) -> None:
    pull = approved_pull(fake, head_repo="contributor/migrations")
    fake.read_only = True
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"

    done = gate(
        tree,
        fake,
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)},
    )

    assert done.exit_code == 0, done.output  # the verdict, not the permission, decides
    assert pull.labels == [] and pull.comments == []
    writes = [c for c in fake.calls() if not c.startswith("GET")]
    assert writes == ["POST /repos/shop/migrations/issues/7/labels"]  # refused once, then no more
    warnings = [line for line in done.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1 and "from a fork" in warnings[0]
    text = summary.read_text()
    assert "### Approvals" in text and "✅ approved" in text and "from a fork" in text
    assert parse_file_commands(outputs.read_text())["blocked"] == "false"


# --- pagination and Enterprise -----------------------------------------------------------------


def test_more_than_100_reviews_are_read_whole(tree: Tree, fake: FakeGithub) -> None:
    pull = approved_pull(fake)
    approvals = pull.reviews
    pull.reviews = []
    for i in range(100):
        pull.review(f"reader{i}", "COMMENTED")
    pull.reviews += approvals  # the approvals are on page 2

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 0, messages(result)
    assert fake.count("GET", f"/repos/{REPO}/pulls/7/reviews") == 2


def test_more_than_250_commits_are_read_whole(tree: Tree, fake: FakeGithub) -> None:
    pull = approved_pull(fake)
    for i in range(248):
        pull.commit(f"[MIGRATION] EVIDENCE: add evidence {i}")
    pull.commit("wip")  # the 251st commit, beyond what the pull request endpoint lists

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 1
    assert [m for m in messages(result) if m.startswith("commit ")] == [
        f'commit {commit_sha(251)[:12]} "wip" does not follow "[MIGRATION] {{ACTION}}: {{description}}" '
        "(ACTION one of PROPOSE, UPDATE, APPROVE, EXECUTE, RECON, CUTOVER, EVIDENCE)"
    ]
    compare = f"/repos/{REPO}/compare/{'b' * 40}...{HEAD}"
    assert fake.count("GET", compare) == 3  # 100 + 100 + 51
    assert fake.count("GET", f"/repos/{REPO}/pulls/7/commits") == 0


def test_250_commits_come_from_the_pull_request(tree: Tree, fake: FakeGithub) -> None:
    pull = approved_pull(fake)
    for i in range(248):
        pull.commit(f"[MIGRATION] EVIDENCE: add evidence {i}")

    code, result = gate_json(tree, fake, "--no-apply")

    assert code == 0, messages(result)
    assert fake.count("GET", f"/repos/{REPO}/pulls/7/commits") == 3


def test_github_enterprise_base_url(tree: Tree, fake_ghe: FakeGithub) -> None:
    approved_pull(fake_ghe)
    assert fake_ghe.base_url.endswith("/api/v3")

    code, result = gate_json(tree, fake_ghe)

    assert code == 0, messages(result)
    assert fake_ghe.count() == 7
    assert fake_ghe.pulls[7].comments


def test_api_url_option_overrides_the_environment(tree: Tree, fake_ghe: FakeGithub) -> None:
    approved_pull(fake_ghe)

    done = gate(
        tree,
        fake_ghe,
        "--no-apply",
        "--api-url",
        fake_ghe.base_url + "/",
        env={"GITHUB_API_URL": "http://127.0.0.1:9/nowhere"},
    )

    assert done.exit_code == 0, done.output


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("rate_limit", "rate limit exceeded while reading pull request #7"),
        ("rate_limit_429", "rate limit exceeded"),
        ("error_500", "GitHub answered 500 Server Error while reading pull request #7"),
    ],
)
def test_rate_limits_and_server_errors_fail_clearly_and_fast(
    tree: Tree, fake: FakeGithub, mode: str, expected: str
) -> None:
    approved_pull(fake)
    fake.mode = mode
    started = time.monotonic()

    done = gate(tree, fake)

    assert time.monotonic() - started < 10
    assert done.exit_code == 2
    assert expected in done.output
    assert "Traceback" not in done.output
    if mode == "error_500":
        assert fake.count() == 3  # one GET and two retries
    else:
        assert fake.count() == 1  # no retry, no wait for the reset


def test_rate_limit_in_github_format_is_one_error_annotation(
    tree: Tree, fake: FakeGithub, tmp_path: Path
) -> None:
    approved_pull(fake)
    fake.mode = "rate_limit"
    summary = tmp_path / "summary.md"

    done = gate(tree, fake, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})

    assert done.exit_code == 2
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "rate limit" in errors[0]
    assert "no verdict" in summary.read_text() and "rate limit" in summary.read_text()


def test_a_server_that_does_not_answer_times_out(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake)
    fake.mode = "slow"
    fake.slow_seconds = 5
    started = time.monotonic()

    done = gate(tree, fake, "--github-timeout", "1")

    assert time.monotonic() - started < 4
    assert done.exit_code == 2
    assert "did not answer within 1 s" in done.output


def test_a_refused_token_is_a_clear_error(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake)

    done = gate(tree, fake, env={"GITHUB_TOKEN": "wrong"})

    assert done.exit_code == 2
    assert "GitHub refused the token (401 Bad credentials)" in done.output


def test_an_unknown_pull_request(tree: Tree, fake: FakeGithub) -> None:
    done = gate(tree, fake, pr=404)

    assert done.exit_code == 2
    assert "reading pull request #404 of shop/migrations: GitHub answered 404" in done.output


def test_an_unreachable_server(tree: Tree) -> None:
    done = run_cli(
        "gate", str(tree.workspace), "--policy", str(tree.policy), "--repo", REPO, "--pr", "7",
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": "http://127.0.0.1:9"},
    )  # fmt: skip

    assert done.exit_code == 2
    assert "cannot reach GitHub at http://127.0.0.1:9" in done.output


def test_the_token_never_appears_in_any_output(
    tree: Tree, fake: FakeGithub, tmp_path: Path
) -> None:
    approved_pull(fake)
    for mode in (None, "rate_limit", "error_500"):
        fake.mode = mode
        for fmt in ("text", "json", "github", "markdown"):
            done = gate(
                tree, fake, "--format", fmt, env={"GITHUB_STEP_SUMMARY": str(tmp_path / "s")}
            )
            assert TOKEN not in done.output
    assert TOKEN not in (tmp_path / "s").read_text()
    assert all(TOKEN not in json.dumps(c) for p in fake.pulls.values() for c in p.comments)


# --- labels from the migration and the stage results ------------------------------------------


def test_an_unresolved_decision_adds_needs_decision(
    make_tree: Callable[..., Tree], fake: FakeGithub
) -> None:
    tree = gate_tree(
        make_tree,
        [
            {
                "set": {
                    "file": "contracts/manual_decisions.json",
                    "pointer": "/decisions/1/status",
                    "value": "unresolved",
                }
            }
        ],
    )
    pull = approved_pull(fake, labels=["needs-decision"])
    code, _ = gate_json(tree, fake)
    assert code == 0  # stage 2 judges the decision; the gate only labels it
    assert "needs-decision" in pull.labels

    resolved = gate_tree(make_tree)
    code, _ = gate_json(resolved, fake)
    assert "needs-decision" not in pull.labels


def test_stage_4_findings_add_security_review(tree: Tree, fake: FakeGithub, tmp_path: Path) -> None:
    stage1 = tmp_path / "stage-1.json"
    tree.run("--result-file", str(stage1), stages=(1,))
    result = json.loads(stage1.read_text())
    result["stages"] = [4]
    migration = result["migrations"][0]
    migration["checks"] = [
        {
            "id": "secrets_scan",
            "stage": 4,
            "blocking": True,
            "status": "failed",
            "duration_ms": 1,
            "reason": None,
        }
    ]
    migration["findings"] = [
        {
            "check": "secrets_scan", "stage": 4, "blocker": "SECRETS_EXPOSED", "severity": "error",
            "message": "AWS access key", "path": "configs/migration_config.yml", "line": 3,
            "column": 5, "resolution": "Remove secrets",
        }
    ]  # fmt: skip
    migration["blockers"], migration["blocked"] = ["SECRETS_EXPOSED"], True
    result["blockers"], result["blocked"] = ["SECRETS_EXPOSED"], True
    stage4 = tmp_path / "stage-4.json"
    stage4.write_text(json.dumps(result))
    pull = approved_pull(fake)

    code, gate_result = gate_json(tree, fake, "--results", str(stage1), "--results", str(stage4))

    assert code == 1
    assert gate_result["blockers"] == ["SECRETS_EXPOSED"]
    assert sorted(pull.labels) == ["blocked", "migration/planned", "security-review"]
    assert "SECRETS_EXPOSED" in pull.comments[0]["body"]


def test_merge_message_after_a_passing_gate(tree: Tree, fake: FakeGithub) -> None:
    approved_pull(fake)
    assert gate(tree, fake).exit_code == 0
    done = run_cli(
        "merge-message", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW,
        *base_args(tree, ()),
    )  # fmt: skip
    assert done.exit_code == 0
    assert "Approval-Id: appr_shop01\nApproval-Id: appr_shop02\n" in done.stdout


def test_comment_author_names_an_app_token_s_login(tree: Tree, fake: FakeGithub) -> None:
    pull = approved_pull(fake)
    fake.user = None
    fake.add_comment(pull, "github-actions[bot]", f"{MARKER}\nnot ours: another workflow's")
    fake.add_comment(pull, "release-app[bot]", f"{MARKER}\nour report from the last run")

    assert gate(tree, fake, "--comment-author", "release-app[bot]").exit_code == 0

    assert pull.comments[0]["body"] == f"{MARKER}\nnot ours: another workflow's"
    assert "### Approvals" in pull.comments[1]["body"]
    assert len(pull.comments) == 2
    assert fake.count("GET", "/user") == 0


def test_request_counts_of_a_rerun(tree: Tree, fake: FakeGithub) -> None:
    """The figures the README gives: 7 the first time, 6 on a rerun with the same verdict,
    8 when the verdict changed and labels move."""
    pull = approved_pull(fake)
    assert gate(tree, fake).exit_code == 0
    assert fake.count() == 7

    fake.requests.clear()
    assert gate(tree, fake).exit_code == 0
    assert fake.count() == 6 and fake.count("GET", "/user") == 1
    assert fake.count("POST") == fake.count("PATCH") == fake.count("DELETE") == 0

    fake.requests.clear()
    pull.reviews.pop()
    assert gate(tree, fake).exit_code == 1
    assert sorted(c.split(" ")[0] for c in fake.calls()) == ["GET"] * 5 + ["PATCH", "POST"]
    # lchen has no review now, so her team is not read: 5 reads, the edit and the label.
