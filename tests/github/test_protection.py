"""The pure side of ``protect``: sources from GitHub's JSON, the audit, what --apply writes."""

from __future__ import annotations

from typing import Any

import pytest

from migration_checks.github.checks import required_check_names
from migration_checks.github.protection import (
    REPOSITORY_SETTINGS,
    Observed,
    Row,
    Ruleset,
    audit,
    classic_source,
    protection_update,
    repository_update,
    ruleset_source,
)


def classic(*, enforce_admins: bool = True, count: int = 2, **extra: Any) -> dict[str, Any]:
    """Classic protection in GitHub's GET shape, satisfying seed 6.8 unless changed."""
    url = "https://api.github.com/repos/shop/migrations/branches/main/protection"
    return {
        "url": url,
        "required_status_checks": {
            "url": f"{url}/required_status_checks",
            "strict": True,
            "contexts": required_check_names(),
            "contexts_url": f"{url}/required_status_checks/contexts",
            "checks": [{"context": n, "app_id": None} for n in required_check_names()],
        },
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": enforce_admins},
        "required_pull_request_reviews": {
            "url": f"{url}/required_pull_request_reviews",
            "dismiss_stale_reviews": True,
            "require_code_owner_reviews": True,
            "required_approving_review_count": count,
            "require_last_push_approval": False,
        },
        "required_signatures": {"url": f"{url}/required_signatures", "enabled": False},
        "required_linear_history": {"enabled": False},
        "allow_force_pushes": {"enabled": False},
        "allow_deletions": {"enabled": False},
        "block_creations": {"enabled": False},
        "required_conversation_resolution": {"enabled": False},
        "lock_branch": {"enabled": False},
        "allow_fork_syncing": {"enabled": False},
        **extra,
    }


def ruleset(
    rules: list[dict[str, Any]],
    *,
    enforcement: str = "active",
    bypass_actors: list[dict[str, Any]] | None = None,
) -> Ruleset:
    detail = {"id": 7, "name": "main", "target": "branch", "enforcement": enforcement}
    if bypass_actors is not None:
        detail["bypass_actors"] = bypass_actors
    return Ruleset(detail=detail, rules=tuple(rules))


def observed(classic: dict[str, Any] | None, *rulesets: Ruleset) -> Observed:
    return Observed(classic=classic, rulesets=rulesets, repository=dict(REPOSITORY_SETTINGS))


def row(rows: tuple[Row, ...], setting: str) -> Row:
    return next(r for r in rows if r.setting == setting)


PULL_REQUEST = {
    "type": "pull_request",
    "parameters": {
        "required_approving_review_count": 2,
        "require_code_owner_review": True,
        "dismiss_stale_reviews_on_push": True,
    },
}


def test_classic_protection_satisfying_seed_6_8_passes() -> None:
    rows = audit(observed(classic()), "migration")

    assert all(r.ok for r in rows), [r for r in rows if not r.ok]
    assert len(rows) == 19


def test_classic_source_reads_github_json() -> None:
    source = classic_source(classic(enforce_admins=False, count=3))

    assert source.bypass == "admins not included"
    assert source.review_count == 3
    assert source.status_checks == frozenset(required_check_names())
    assert source.blocks_force_pushes and source.blocks_deletions


@pytest.mark.parametrize("enforcement", ["evaluate", "disabled"])
def test_ruleset_not_active_is_no_source(enforcement: str) -> None:
    assert (
        ruleset_source(ruleset([PULL_REQUEST], enforcement=enforcement, bypass_actors=[])) is None
    )


def test_ruleset_bypass_actors_unknown_are_not_trusted() -> None:
    source = ruleset_source(ruleset([PULL_REQUEST]))

    assert source is not None
    assert source.bypass == "bypass actors unknown (the token cannot read them)"


def test_ruleset_rules_of_one_type_add_up() -> None:
    lenient = {
        "type": "pull_request",
        "parameters": {"required_approving_review_count": 1, "dismiss_stale_reviews_on_push": True},
    }
    source = ruleset_source(ruleset([lenient, PULL_REQUEST], bypass_actors=[]))

    assert source is not None
    assert source.review_count == 2
    assert source.dismiss_stale_reviews and source.code_owner_reviews


def test_review_count_takes_the_strictest_source() -> None:
    rows = audit(observed(classic(count=1), ruleset([PULL_REQUEST], bypass_actors=[])), "m")

    reviews = row(rows, "required_approving_review_count")
    assert reviews.ok and reviews.actual == 2
    assert reviews.sources == ('ruleset "main" (id 7)',)


def test_admins_row_names_the_bypassable_source_a_setting_relies_on() -> None:
    """Classic protection (admins not included) provides everything but the status checks,
    which a ruleset nobody bypasses provides: the reviews still rely on the bypassable one."""
    checks = {
        "type": "required_status_checks",
        "parameters": {
            "strict_required_status_checks_policy": True,
            "required_status_checks": [{"context": n} for n in required_check_names()],
        },
    }
    rows = audit(
        observed(classic(enforce_admins=False), ruleset([checks], bypass_actors=[])), "migration"
    )

    admins = row(rows, "enforce_admins")
    assert not admins.ok
    assert admins.sources == ("branch protection (admins not included)",)
    assert [r.setting for r in rows if not r.ok] == ["enforce_admins"]


def test_unprotected_branch_has_no_source_for_admins() -> None:
    rows = audit(observed(None), "migration")

    admins = row(rows, "enforce_admins")
    assert (admins.ok, admins.actual, admins.sources) == (False, False, ())
    assert row(rows, "required_approving_review_count").actual is None
    assert row(rows, "allow_force_pushes").actual is True


def test_protection_update_is_empty_when_only_repository_settings_drift() -> None:
    state = Observed(
        classic=classic(),
        rulesets=(),
        repository={**REPOSITORY_SETTINGS, "allow_rebase_merge": True},
    )
    rows = audit(state, "migration")

    assert protection_update(rows, state.classic) == {}
    assert repository_update(rows) == {"allow_rebase_merge": False}


def test_protection_update_creates_full_protection_for_an_unprotected_branch() -> None:
    rows = audit(observed(None), "deploy")

    update = protection_update(rows, None)

    assert update == {
        "strict": True,
        "checks": required_check_names("deploy"),
        "enforce_admins": True,
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": True,
        "required_approving_review_count": 2,
        "allow_force_pushes": False,
        "allow_deletions": False,
    }


@pytest.mark.parametrize(
    ("grouping", "ok"), [("ALLGREEN", True), ("HEADGREEN", False), (None, True)]
)
def test_a_merge_queue_must_merge_only_entries_that_passed(grouping: str | None, ok: bool) -> None:
    rules = []
    if grouping is not None:
        rules.append({"type": "merge_queue", "parameters": {"grouping_strategy": grouping}})
    rows = audit(observed(classic(), ruleset(rules, bypass_actors=[])), "migration")
    queue = row(rows, "merge_queue_grouping")
    assert queue.ok is ok
    if not ok:
        assert queue.sources == ('ruleset "main" (id 7)',)
    # --apply writes classic protection, which holds no merge queue: nothing to PUT for it.
    assert protection_update(rows, classic()) == {}
