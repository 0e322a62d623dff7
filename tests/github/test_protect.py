"""``migration-checks protect`` against a local GitHub: audit, drift, --apply, rulesets, errors."""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import pytest
from click.testing import Result

from migration_checks.github.checks import required_check_names
from tests.conftest import run_cli
from tests.github.conftest import REPO
from tests.github.fake_github import TOKEN, FakeGithub

BRANCH_SETTINGS = {
    "required_approving_review_count",
    "require_code_owner_reviews",
    "dismiss_stale_reviews",
    "required_status_check",
    "strict_required_status_checks",
    "enforce_admins",
    "allow_force_pushes",
    "allow_deletions",
}
COMPLIANT_SETTINGS = {
    "allow_squash_merge": True,
    "allow_merge_commit": False,
    "allow_rebase_merge": False,
    "delete_branch_on_merge": True,
}


def protection_body(caller_job: str = "migration", **changes: Any) -> dict[str, Any]:
    """A PUT body that satisfies seed 6.8; ``changes`` replace top-level fields or, with a
    ``reviews__`` prefix, fields of required_pull_request_reviews."""
    body: dict[str, Any] = {
        "required_status_checks": {
            "strict": True,
            "checks": [{"context": name} for name in required_check_names(caller_job)],
        },
        "enforce_admins": True,
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": True,
            "require_code_owner_reviews": True,
            "required_approving_review_count": 2,
        },
        "restrictions": None,
        "allow_force_pushes": False,
        "allow_deletions": False,
    }
    for key, value in changes.items():
        if key.startswith("reviews__"):
            body["required_pull_request_reviews"][key.removeprefix("reviews__")] = value
        else:
            body[key] = value
    return body


def compliant(fake: FakeGithub, **changes: Any) -> None:
    fake.protect("main", protection_body(**changes))
    fake.settings.update(COMPLIANT_SETTINGS)


def ruleset_rules(caller_job: str = "migration") -> list[dict[str, Any]]:
    """Rules equivalent to seed 6.8's branch protection, in GitHub's ruleset shape."""
    return [
        {"type": "deletion"},
        {"type": "non_fast_forward"},
        {
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": 2,
                "require_code_owner_review": True,
                "dismiss_stale_reviews_on_push": True,
                "require_last_push_approval": False,
                "required_review_thread_resolution": False,
            },
        },
        {
            "type": "required_status_checks",
            "parameters": {
                "strict_required_status_checks_policy": True,
                "required_status_checks": [
                    {"context": name, "integration_id": 15368}
                    for name in required_check_names(caller_job)
                ],
            },
        },
    ]


def protect(fake: FakeGithub, *args: str, token: str = TOKEN, api_url: str | None = None) -> Result:
    done = run_cli(
        "protect",
        "--repo",
        REPO,
        *args,
        env={"GITHUB_TOKEN": token, "GITHUB_API_URL": api_url or fake.base_url},
    )
    assert TOKEN not in done.output
    assert token not in done.output
    assert "Traceback" not in done.output
    return done


def protect_json(fake: FakeGithub, *args: str) -> tuple[int, dict[str, Any]]:
    done = protect(fake, "--format", "json", *args)
    assert done.exit_code in (0, 1), done.output
    return done.exit_code, json.loads(done.stdout)


def drifts(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in result["settings"] if not row["ok"]]


def text_row(output: str, label: str) -> list[str]:
    """The cells of the text table's row ``label``: status, setting, expected, actual, from."""
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 5 and cells[1] == label:
            return cells
    raise AssertionError(f"no row {label!r} in:\n{output}")


# --- audit -------------------------------------------------------------------------------------


def test_compliant_classic_protection_passes_and_writes_nothing(fake: FakeGithub) -> None:
    compliant(fake)

    done = protect(fake)

    assert done.exit_code == 0, done.output
    assert "All 19 settings match." in done.output
    assert text_row(done.output, "required approving reviews") == [
        "ok",
        "required approving reviews",
        "at least 2",
        "2",
        "branch protection",
    ]
    assert text_row(done.output, "merge commits allowed")[2:] == ["no", "no", "repository"]
    assert fake.count("PUT") == fake.count("PATCH") == 0


def test_json_names_every_setting_and_its_source(fake: FakeGithub) -> None:
    compliant(fake)

    code, result = protect_json(fake)

    assert code == 0
    assert result["compliant"] is True
    assert result["applied"] is None
    assert [row["check"] for row in result["settings"] if "check" in row] == (
        required_check_names("migration")
    )
    assert {row["setting"] for row in result["settings"]} == BRANCH_SETTINGS | {
        "merge_queue_grouping"
    } | set(COMPLIANT_SETTINGS)
    sources = {row["setting"]: row["from"] for row in result["settings"]}
    assert sources["enforce_admins"] == ["branch protection"]
    assert sources["allow_squash_merge"] == ["repository"]


def test_github_enterprise_url_prefix(fake_ghe: FakeGithub) -> None:
    compliant(fake_ghe)

    assert protect(fake_ghe).exit_code == 0
    assert fake_ghe.count("GET", "/repos/shop/migrations/branches/main/protection") == 1


DRIFTS = [
    # (setting change, setting, check, expected, actual, text row: label, expected, actual)
    (
        {"protection": {"reviews__required_approving_review_count": 1}},
        "required_approving_review_count",
        2,
        1,
        ("required approving reviews", "at least 2", "1"),
    ),
    (
        {"protection": {"reviews__require_code_owner_reviews": False}},
        "require_code_owner_reviews",
        True,
        False,
        ("code owner review required", "yes", "no"),
    ),
    (
        {"protection": {"reviews__dismiss_stale_reviews": False}},
        "dismiss_stale_reviews",
        True,
        False,
        ("stale approvals dismissed on push", "yes", "no"),
    ),
    (
        {
            "protection": {
                "required_status_checks": {
                    "strict": False,
                    "checks": [{"context": n} for n in required_check_names()],
                }
            }
        },
        "strict_required_status_checks",
        True,
        False,
        ("branch up to date before merging", "yes", "no"),
    ),
    (
        {"protection": {"enforce_admins": False}},
        "enforce_admins",
        True,
        False,
        ("admins included, nobody bypasses", "yes", "no"),
    ),
    (
        {"protection": {"allow_force_pushes": True}},
        "allow_force_pushes",
        False,
        True,
        ("force pushes allowed", "no", "yes"),
    ),
    (
        {"protection": {"allow_deletions": True}},
        "allow_deletions",
        False,
        True,
        ("branch deletion allowed", "no", "yes"),
    ),
    (
        {"settings": {"allow_merge_commit": True}},
        "allow_merge_commit",
        False,
        True,
        ("merge commits allowed", "no", "yes"),
    ),
    (
        {"settings": {"allow_rebase_merge": True}},
        "allow_rebase_merge",
        False,
        True,
        ("rebase merging allowed", "no", "yes"),
    ),
    (
        {"settings": {"allow_squash_merge": False}},
        "allow_squash_merge",
        True,
        False,
        ("squash merging allowed", "yes", "no"),
    ),
    (
        {"settings": {"delete_branch_on_merge": False}},
        "delete_branch_on_merge",
        True,
        False,
        ("head branch deleted on merge", "yes", "no"),
    ),
]


@pytest.mark.parametrize(
    ("change", "setting", "expected", "actual", "shown"),
    DRIFTS,
    ids=[d[1] for d in DRIFTS],
)
def test_each_drift_is_named_with_expected_and_actual(
    fake: FakeGithub,
    change: dict[str, dict[str, Any]],
    setting: str,
    expected: Any,
    actual: Any,
    shown: tuple[str, str, str],
) -> None:
    compliant(fake, **change.get("protection", {}))
    fake.settings.update(change.get("settings", {}))

    code, result = protect_json(fake)
    text = protect(fake)

    assert code == 1
    assert result["compliant"] is False
    assert [(d["setting"], d["expected"], d["actual"]) for d in drifts(result)] == [
        (setting, expected, actual)
    ]
    assert text.exit_code == 1
    label, shown_expected, shown_actual = shown
    assert text_row(text.output, label)[:4] == ["DRIFT", label, shown_expected, shown_actual]
    assert "1 of 19 settings drift" in text.output


def test_missing_status_check_is_named(fake: FakeGithub) -> None:
    names = [n for n in required_check_names() if n != "migration / dry-run"]
    compliant(
        fake,
        required_status_checks={"strict": True, "checks": [{"context": n} for n in names]},
    )

    code, result = protect_json(fake)
    text = protect(fake)

    assert code == 1
    assert [(d["setting"], d.get("check"), d["actual"]) for d in drifts(result)] == [
        ("required_status_check", "migration / dry-run", False)
    ]
    assert text_row(text.output, 'status check "migration / dry-run" required')[:4] == [
        "DRIFT",
        'status check "migration / dry-run" required',
        "yes",
        "no",
    ]


def test_status_checks_listed_only_as_contexts_count(fake: FakeGithub) -> None:
    """Older protection lists required checks as "contexts"; they count the same."""
    compliant(
        fake,
        required_status_checks={"strict": True, "contexts": required_check_names()},
    )

    assert protect(fake).exit_code == 0


def test_pull_request_bypass_allowance_is_a_bypass(fake: FakeGithub) -> None:
    compliant(fake, reviews__bypass_pull_request_allowances={"users": ["release-bot"], "teams": []})

    code, result = protect_json(fake)

    assert code == 1
    [drift] = drifts(result)
    assert drift["setting"] == "enforce_admins"
    assert drift["from"] == ["branch protection (pull requests bypassed by user release-bot)"]


def test_unprotected_branch_lists_every_setting(fake: FakeGithub) -> None:
    code, result = protect_json(fake)
    text = protect(fake)

    assert code == 1
    settings = {d["setting"] for d in drifts(result)}
    # A new repository allows squash merging: the one setting that already matches.
    assert settings == BRANCH_SETTINGS | set(COMPLIANT_SETTINGS) - {"allow_squash_merge"}
    assert len([d for d in drifts(result) if d["setting"] == "required_status_check"]) == 7
    assert text_row(text.output, "required approving reviews")[:4] == [
        "DRIFT",
        "required approving reviews",
        "at least 2",
        "not required",
    ]
    assert text_row(text.output, "force pushes allowed")[3:] == ["yes", "none"]
    assert "17 of 19 settings drift" in text.output
    assert "--apply" in text.output


# --- --caller-job ------------------------------------------------------------------------------


def test_caller_job_changes_the_expected_check_names(fake: FakeGithub) -> None:
    compliant(fake)  # checks named for the caller job "migration"

    code, result = protect_json(fake, "--caller-job", "checks")

    assert code == 1
    assert [d.get("check") for d in drifts(result)] == required_check_names("checks")
    assert required_check_names("checks")[0] == "checks / structural-validation"
    assert result["caller_job"] == "checks"


def test_caller_job_matching_the_protection_passes(fake: FakeGithub) -> None:
    fake.protect("main", protection_body("checks"))
    fake.settings.update(COMPLIANT_SETTINGS)

    assert protect(fake, "--caller-job", "checks").exit_code == 0
    assert protect(fake).exit_code == 1  # the default caller job "migration" is not required


# --- rulesets ----------------------------------------------------------------------------------


def test_active_ruleset_alone_satisfies_the_branch_settings(fake: FakeGithub) -> None:
    fake.settings.update(COMPLIANT_SETTINGS)
    ruleset = fake.add_ruleset("migrations main", ruleset_rules())

    code, result = protect_json(fake)
    text = protect(fake)

    assert code == 0, drifts(result)
    name = f'ruleset "migrations main" (id {ruleset["id"]})'
    assert {tuple(r["from"]) for r in result["settings"] if r["setting"] in BRANCH_SETTINGS} == {
        (name,)
    }
    assert text_row(text.output, "stale approvals dismissed on push")[4] == name
    assert fake.count("GET", f"/repos/{REPO}/rulesets/{ruleset['id']}") == 2


@pytest.mark.parametrize("enforcement", ["evaluate", "disabled"])
def test_ruleset_not_enforced_counts_for_nothing(fake: FakeGithub, enforcement: str) -> None:
    fake.settings.update(COMPLIANT_SETTINGS)
    fake.add_ruleset("trial", ruleset_rules(), enforcement=enforcement)

    code, result = protect_json(fake)

    assert code == 1
    assert {d["setting"] for d in drifts(result)} == BRANCH_SETTINGS


def test_ruleset_for_other_branches_counts_for_nothing(fake: FakeGithub) -> None:
    fake.settings.update(COMPLIANT_SETTINGS)
    fake.add_ruleset("releases", ruleset_rules(), include=("refs/heads/release/*",))

    code, result = protect_json(fake)

    assert code == 1
    assert {d["setting"] for d in drifts(result)} == BRANCH_SETTINGS


def test_ruleset_with_bypass_actors_does_not_include_admins(fake: FakeGithub) -> None:
    fake.settings.update(COMPLIANT_SETTINGS)
    ruleset = fake.add_ruleset(
        "main",
        ruleset_rules(),
        bypass_actors=[{"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}],
    )

    code, result = protect_json(fake)

    assert code == 1
    [drift] = drifts(result)
    assert drift["setting"] == "enforce_admins"
    assert drift["from"] == [
        f'ruleset "main" (id {ruleset["id"]}) (1 bypass actor(s): RepositoryRole)'
    ]


def test_settings_split_between_classic_and_ruleset_add_up(fake: FakeGithub) -> None:
    """Classic protection without status checks plus a ruleset that requires them."""
    compliant(fake, required_status_checks=None)
    checks_only = [rule for rule in ruleset_rules() if rule["type"] == "required_status_checks"]
    ruleset = fake.add_ruleset("checks", checks_only)

    code, result = protect_json(fake)

    assert code == 0, drifts(result)
    sources = {r.get("check") or r["setting"]: r["from"] for r in result["settings"]}
    assert sources["migration / migration-gate"] == [f'ruleset "checks" (id {ruleset["id"]})']
    assert sources["dismiss_stale_reviews"] == ["branch protection"]


def test_admins_included_when_a_binding_source_covers_what_a_bypassable_one_does(
    fake: FakeGithub,
) -> None:
    compliant(fake, enforce_admins=False)
    fake.add_ruleset("no bypass", ruleset_rules())

    code, result = protect_json(fake)

    assert code == 0, drifts(result)


# --- --apply -----------------------------------------------------------------------------------


def test_apply_fixes_a_drifted_repository_and_a_second_audit_passes(fake: FakeGithub) -> None:
    fake.protect(
        "main",
        protection_body(
            enforce_admins=False,
            allow_force_pushes=True,
            reviews__dismiss_stale_reviews=False,
            reviews__required_approving_review_count=1,
            required_status_checks={"strict": False, "checks": [{"context": "lint"}]},
        ),
    )

    applied = protect(fake, "--apply")

    assert applied.exit_code == 0, applied.output
    assert 'Applied: branch protection of "main" (PUT) and repository settings' in (applied.output)
    assert "All 19 settings match." in applied.output
    [put] = [r for r in fake.requests if r.method == "PUT"]
    assert put.path == f"/repos/{REPO}/branches/main/protection"
    assert put.body["enforce_admins"] is True
    assert put.body["allow_force_pushes"] is False
    assert put.body["allow_deletions"] is False
    assert put.body["required_pull_request_reviews"] == {
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": True,
        "required_approving_review_count": 2,
        "require_last_push_approval": False,
    }
    assert put.body["required_status_checks"] == {
        "strict": True,
        "checks": [{"context": "lint"}] + [{"context": n} for n in required_check_names()],
    }
    [patch] = [r for r in fake.requests if r.method == "PATCH"]
    assert patch.path == f"/repos/{REPO}"
    assert patch.body == {
        "name": "migrations",
        "allow_merge_commit": False,
        "allow_rebase_merge": False,
        "delete_branch_on_merge": True,
    }

    writes = fake.count("PUT") + fake.count("PATCH")
    again = protect(fake)
    assert again.exit_code == 0, again.output
    assert fake.count("PUT") + fake.count("PATCH") == writes


def test_apply_json_reports_what_it_fixed(fake: FakeGithub) -> None:
    compliant(fake, allow_deletions=True)

    code, result = protect_json(fake, "--apply")

    assert code == 0
    assert result["compliant"] is True
    assert result["applied"] == {
        "fixed": ["branch deletion allowed"],
        "branch_protection": True,
        "repository": {},
    }
    assert fake.count("PATCH") == 0


def test_apply_keeps_what_seed_6_8_does_not_govern(fake: FakeGithub) -> None:
    fake.protect(
        "main",
        protection_body(
            reviews__required_approving_review_count=3,
            reviews__dismiss_stale_reviews=False,
            reviews__require_last_push_approval=True,
            reviews__dismissal_restrictions={"users": ["lead"], "teams": ["owners"]},
            reviews__bypass_pull_request_allowances={"users": ["release-bot"]},
            restrictions={"users": ["deployer"], "teams": ["platform"], "apps": []},
            required_linear_history=True,
            required_conversation_resolution=True,
            required_status_checks={
                "strict": True,
                "checks": [
                    {"context": "ci / build", "app_id": 15368},
                    *({"context": n} for n in required_check_names()),
                ],
            },
        ),
    )
    fake.settings.update(COMPLIANT_SETTINGS)

    assert protect(fake, "--apply").exit_code == 0
    [put] = [r for r in fake.requests if r.method == "PUT"]
    reviews = put.body["required_pull_request_reviews"]
    assert reviews["required_approving_review_count"] == 3  # more than 2 stays
    assert reviews["dismiss_stale_reviews"] is True
    assert reviews["require_last_push_approval"] is True
    assert reviews["dismissal_restrictions"] == {"users": ["lead"], "teams": ["owners"], "apps": []}
    # The bypass is what seed 6.8 forbids: removed.
    assert reviews["bypass_pull_request_allowances"] == {"users": [], "teams": [], "apps": []}
    assert put.body["restrictions"] == {"users": ["deployer"], "teams": ["platform"], "apps": []}
    assert put.body["required_linear_history"] is True
    assert put.body["required_conversation_resolution"] is True
    assert put.body["required_status_checks"]["checks"][0] == {
        "context": "ci / build",
        "app_id": 15368,
    }
    assert len(put.body["required_status_checks"]["checks"]) == 8
    assert fake.count("PATCH") == 0


def test_apply_with_nothing_to_fix_writes_nothing(fake: FakeGithub) -> None:
    compliant(fake)

    done = protect(fake, "--apply")

    assert done.exit_code == 0
    assert "Nothing to apply" in done.output
    assert fake.count("PUT") == fake.count("PATCH") == 0


def test_apply_over_a_bypassable_ruleset_adds_classic_protection(fake: FakeGithub) -> None:
    fake.settings.update(COMPLIANT_SETTINGS)
    fake.add_ruleset(
        "main",
        ruleset_rules(),
        bypass_actors=[{"actor_id": 1, "actor_type": "OrganizationAdmin", "bypass_mode": "always"}],
    )

    code, result = protect_json(fake, "--apply")

    assert code == 0, drifts(result)
    assert result["applied"]["fixed"] == ["admins included, nobody bypasses"]
    admins = next(r for r in result["settings"] if r["setting"] == "enforce_admins")
    assert admins["from"] == ["branch protection"]


def test_apply_sends_the_name_github_reports(fake: FakeGithub) -> None:
    """PATCH carries a name: the repository's own, never --repo's spelling (a rename)."""
    compliant(fake)
    fake.settings["allow_rebase_merge"] = True
    fake.repo_name = "Migrations"

    assert protect(fake, "--apply").exit_code == 0
    [patch] = [r for r in fake.requests if r.method == "PATCH"]
    assert patch.body == {"name": "Migrations", "allow_rebase_merge": False}


def test_apply_refused_for_a_token_without_admin_rights(fake: FakeGithub) -> None:
    compliant(fake, enforce_admins=False)
    fake.read_only = True

    done = protect(fake, "--apply")

    assert done.exit_code == 2
    assert 'writing the protection of branch "main": GitHub answered 403' in done.output
    assert "admin rights" in done.output


# --- errors ------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_github_exits_2_with_a_clear_message(fake: FakeGithub) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"

    done = protect(fake, api_url=url)

    assert done.exit_code == 2
    assert f"cannot reach GitHub at {url}" in done.output


def test_refused_token_exits_2_without_printing_it(fake: FakeGithub) -> None:
    wrong = "ghp_wrong-token-that-must-not-be-printed-42"
    compliant(fake)

    done = protect(fake, token=wrong)

    assert done.exit_code == 2
    assert "GitHub refused the token (401 Bad credentials)" in done.output


def test_server_error_exits_2(fake: FakeGithub) -> None:
    fake.mode = "error_500"

    done = protect(fake)

    assert done.exit_code == 2
    assert "GitHub answered 500" in done.output


def test_no_token_exits_2(fake: FakeGithub) -> None:
    done = run_cli(
        "protect", "--repo", REPO, env={"GITHUB_TOKEN": "", "GITHUB_API_URL": fake.base_url}
    )

    assert done.exit_code == 2
    assert "GITHUB_TOKEN" in done.output
    assert fake.requests == []


def test_token_on_the_command_line_is_not_an_option(fake: FakeGithub) -> None:
    done = protect(fake, "--token", TOKEN)

    assert done.exit_code == 2
    assert "No such option" in done.output


def test_token_without_admin_rights_cannot_read_protection(fake: FakeGithub) -> None:
    compliant(fake)
    fake.admin = False

    done = protect(fake)

    assert done.exit_code == 2
    assert 'reading the protection of branch "main": GitHub answered 404' in done.output
    assert "admin rights" in done.output


def test_settings_github_does_not_show_are_unknown_not_compliant(fake: FakeGithub) -> None:
    """An admin-only field missing from GET /repos (e.g. a token that can read the protection
    through another grant but not the settings) is reported unknown, exit 2."""
    compliant(fake)
    del fake.settings["delete_branch_on_merge"]

    done = protect(fake)

    assert done.exit_code == 2
    assert text_row(done.output, "head branch deleted on merge")[:4] == [
        "UNKNOWN",
        "head branch deleted on merge",
        "yes",
        "unknown",
    ]
    assert "GitHub did not report 1 setting(s)" in done.output


def test_missing_branch_exits_2(fake: FakeGithub) -> None:
    done = protect(fake, "--branch", "trunk")

    assert done.exit_code == 2
    assert 'branch "trunk" of shop/migrations: GitHub answered 404 Branch not found' in done.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--repo", "not-a-repo"), "is not OWNER/NAME"),
        (("--branch", "release/*"), "is not a branch name"),
        (("--caller-job", " "), "expected the caller's job id or name"),
    ],
)
def test_bad_arguments_exit_2(fake: FakeGithub, args: tuple[str, ...], message: str) -> None:
    done = protect(fake, *args)

    assert done.exit_code == 2
    assert message in done.output
    assert fake.requests == []
