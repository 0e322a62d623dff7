"""The approval chain: which records count, and which roles they fill (SPEC section 6)."""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from migration_checks.fs import list_tree, sha256_contained
from migration_checks.gate import approvals
from migration_checks.gate.approvals import (
    GithubFacts,
    RecordStatus,
    RoleStatus,
    latest_reviews,
    parse_time,
    validate_approval_chain,
)
from migration_checks.pull_request import Review
from tests.conftest import BASE_POLICY, Tree
from tests.gate.trees import PLAN, gate_tree, load_records, manifest_digest

HEAD = "a" * 40
POLICY = json.loads(BASE_POLICY.read_text())
NOW_DT = datetime(2026, 11, 10, tzinfo=UTC)


def facts(
    *,
    approvers: tuple[str, ...] = ("jsmith", "lchen"),
    author: str = "author1",
    teams: dict[str, frozenset[str] | str] | None = None,
    reviews: list[Review] | None = None,
) -> GithubFacts:
    members = {"shop/security": frozenset({"lchen"}), **(teams or {})}
    listed = reviews if reviews is not None else [Review(a, "APPROVED", HEAD) for a in approvers]
    asked: list[str] = []

    def team_members(team: str) -> frozenset[str] | str:
        asked.append(team)
        return members.get(team, "GitHub answered 404")

    return GithubFacts(
        head_sha=HEAD, pr_author=author, reviews=latest_reviews(listed), team_members=team_members
    )


def judge(
    tree: Tree,
    records: list[dict[str, Any]] | None = None,
    *,
    github: GithubFacts | None = None,
    now: datetime = NOW_DT,
    policy: dict[str, Any] | None = None,
    transition: tuple[str, str] = ("PLANNED", "EXECUTED"),
) -> approvals.ChainReport:
    data = policy or POLICY
    inputs = approvals.inputs_from_policy(
        data,
        f"{transition[0]}_to_{transition[1]}",
        project_id="proj_shop2026",
        plan_id="plan_shop2026",
        now=now,
        digest_of=lambda rel: sha256_contained(tree.migration, rel),
        files=list_tree(tree.migration, approvals.MAX_FILES_LISTED).files,
    )
    return approvals.evaluate(
        records if records is not None else load_records(tree.migration), inputs, github
    )


def statuses(report: approvals.ChainReport) -> dict[str, str]:
    return {role.role: role.status.value for role in report.roles}


def reasons(report: approvals.ChainReport) -> list[str]:
    return [reason.message for record in report.records for reason in record.reasons]


def rehash(tree: Tree, record: dict[str, Any]) -> dict[str, Any]:
    record["sha256_reviewed"] = manifest_digest(tree.migration, record["artifacts_reviewed"])
    return record


@pytest.fixture
def tree(make_tree: Callable[..., Tree]) -> Tree:
    return gate_tree(make_tree)


# --- the seed's function -----------------------------------------------------------------------


def test_seed_signature_passes_with_github_verification(tree: Tree) -> None:
    ok, issues = validate_approval_chain(
        "PLANNED",
        "EXECUTED",
        load_records(tree.migration),
        POLICY,
        migration_dir=tree.migration,
        project_id="proj_shop2026",
        plan_id="plan_shop2026",
        now=NOW_DT,
        github=facts(),
    )
    assert (ok, issues) == (True, [])


def test_seed_signature_alone_fails_closed(tree: Tree) -> None:
    """The four seed arguments cannot bind records to files, a plan or GitHub: nothing counts."""
    ok, issues = validate_approval_chain(
        "PLANNED", "EXECUTED", load_records(tree.migration), POLICY
    )
    assert ok is False
    assert len(issues) == 2
    assert all(issue.startswith('missing approval from "') for issue in issues)


def test_offline_records_are_unverified_and_do_not_pass(tree: Tree) -> None:
    ok, issues = validate_approval_chain(
        "PLANNED",
        "EXECUTED",
        load_records(tree.migration),
        POLICY,
        migration_dir=tree.migration,
        project_id="proj_shop2026",
        plan_id="plan_shop2026",
        now=NOW_DT,
    )
    assert ok is False
    assert [i.split(":")[0] for i in issues] == [
        'the approval of role "data_owner" by "jsmith" ("appr_shop01") is not verified against GitHub',
        'the approval of role "security" by "lchen" ("appr_shop02") is not verified against GitHub',
    ]


def test_an_illegal_transition_never_passes() -> None:
    assert validate_approval_chain("PLANNED", "CUTOVER_DONE", [], POLICY) == (
        False,
        ["PLANNED_to_CUTOVER_DONE is not a legal transition"],
    )


def test_a_transition_without_required_roles_passes(tree: Tree) -> None:
    assert validate_approval_chain("PLANNED", "PLANNED", [], POLICY) == (True, [])
    report = judge(tree, transition=("PLANNED", "PLANNED"))
    assert report.valid and report.roles == ()
    assert {r.status for r in report.records} == {RecordStatus.IGNORED}


def test_the_policy_object_is_accepted(tree: Tree) -> None:
    from migration_checks.policy import load_policy

    ok, _ = validate_approval_chain(
        "PLANNED",
        "EXECUTED",
        load_records(tree.migration),
        load_policy(tree.policy),
        migration_dir=tree.migration,
        project_id="proj_shop2026",
        plan_id="plan_shop2026",
        now=NOW_DT,
        github=facts(),
    )
    assert ok


# --- what binds a record -------------------------------------------------------------------------


def test_a_stale_approval_does_not_count(tree: Tree) -> None:
    mapping = tree.migration / "contracts/schema_mapping.yml"
    mapping.write_text(mapping.read_text() + "# edited after the approvals\n")

    report = judge(tree, github=facts())

    assert statuses(report) == {"data_owner": "missing", "security": "missing"}
    stale = [r for r in reasons(report) if r.startswith("stale approval")]
    assert len(stale) == 2
    assert "contracts/schema_mapping.yml" in stale[0]


@pytest.mark.parametrize(
    ("pointer", "value", "expected"),
    [
        ("plan_id", "plan_other", 'is for plan "plan_other", the metadata names "plan_shop2026"'),
        ("project_id", "proj_other", 'is for project "proj_other"'),
        ("sha256_reviewed", "abc", "sha256_reviewed is not a SHA-256 hex digest"),
    ],
)
def test_replay_on_another_plan_or_project_does_not_count(
    tree: Tree, pointer: str, value: str, expected: str
) -> None:
    records = load_records(tree.migration)
    records[0][pointer] = value

    report = judge(tree, records, github=facts())

    assert statuses(report)["data_owner"] == "missing"
    assert any(expected in r for r in reasons(report))


def test_a_record_for_another_transition_is_ignored(tree: Tree) -> None:
    records = load_records(tree.migration)
    records[0]["transition"] = "PROPOSED_to_PLANNED"

    report = judge(tree, records, github=facts())

    assert report.records[0].status is RecordStatus.IGNORED
    assert statuses(report) == {"data_owner": "missing", "security": "approved"}
    assert report.roles[0].note == "no approval record names this role"


def test_an_approval_must_cover_the_signed_plan(tree: Tree) -> None:
    records = load_records(tree.migration)
    records[0]["artifacts_reviewed"].remove(PLAN)
    rehash(tree, records[0])

    report = judge(tree, records, github=facts())

    assert statuses(report)["data_owner"] == "missing"
    assert any("does not include the signed plan" in r for r in reasons(report))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"./{PLAN}", f'is not written canonically; write "{PLAN}"'),
        ("plans//signed_plan_plan_shop2026.json", "is not written canonically"),
        ("plans/../plans/signed_plan_plan_shop2026.json", 'is refused: ".." is refused'),
        ("/etc/passwd", "is refused: absolute paths are refused"),
        ("file:///etc/passwd", "URLs and drive letters are refused"),
        (PLAN.upper(), "names the same file as"),
        (PLAN, "is listed twice"),
        ("contracts/missing.yml", "does not exist"),
    ],
)
def test_path_aliasing_is_refused(tree: Tree, path: str, expected: str) -> None:
    records = load_records(tree.migration)
    records[0]["artifacts_reviewed"].append(path)

    report = judge(tree, records, github=facts())

    assert statuses(report)["data_owner"] == "missing"
    assert any(expected in r for r in reasons(report)), reasons(report)


def test_non_nfc_paths_are_refused(tree: Tree) -> None:
    name = unicodedata.normalize("NFD", "evidence/café.md")
    (tree.migration / name).write_text("x")
    records = load_records(tree.migration)
    records[0]["artifacts_reviewed"].append(name)

    report = judge(tree, records, github=facts())

    assert any("is not in Unicode NFC form" in r for r in reasons(report))


def test_a_symlinked_artifact_is_refused(tree: Tree) -> None:
    (tree.migration / "evidence/linked.json").symlink_to("/etc/hostname")
    records = load_records(tree.migration)
    records[0]["artifacts_reviewed"].append("evidence/linked.json")

    report = judge(tree, records, github=facts())

    assert any("cannot be read: is a symbolic link" in r for r in reasons(report))


def test_the_manifest_is_sha256sum_of_the_sorted_paths(tree: Tree) -> None:
    paths = ["plans/plan_summary.md", PLAN]
    digest, problems = approvals.manifest(paths, lambda rel: sha256_contained(tree.migration, rel))
    assert problems == []
    assert digest == manifest_digest(tree.migration, paths)


# --- time --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "now", "expected"),
    [
        ("expiry", "2026-11-09T00:00:00Z", NOW_DT, "expired at 2026-11-09T00:00:00+00:00"),
        (
            "approved_at",
            "2026-11-04T10:12:00Z",
            NOW_DT + timedelta(days=40),
            "approved 45 days ago",
        ),
        ("approved_at", "2026-11-11T00:00:00Z", NOW_DT, "is in the future"),
        ("approved_at", "2026-11-04T10:12:00", NOW_DT, "approved_at has no UTC offset"),
        ("expiry", "2026-12-31T23:59:59", NOW_DT, "expiry has no UTC offset"),
        ("approved_at", "2026-11-04", NOW_DT, "is not an RFC 3339 date-time"),
        ("expiry", "2026-11-01T00:00:00+01:00", NOW_DT, "expired at"),
    ],
)
def test_times(tree: Tree, field: str, value: str, now: datetime, expected: str) -> None:
    records = load_records(tree.migration)
    records[0][field] = value

    report = judge(tree, records, github=facts(), now=now)

    assert statuses(report)["data_owner"] == "missing"
    assert any(expected in r for r in reasons(report)), reasons(report)


def test_max_age_comes_from_the_policy(tree: Tree) -> None:
    policy = copy.deepcopy(POLICY)
    policy["approvals"]["max_age_days"] = 3

    report = judge(tree, github=facts(), policy=policy)

    assert statuses(report) == {"data_owner": "missing", "security": "missing"}
    assert any("approvals.max_age_days accepts 3" in r for r in reasons(report))


def test_parse_time() -> None:
    assert parse_time("2026-01-05T14:30:00Z") == datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
    assert parse_time("2026-01-05t14:30:00.123+02:00") == datetime(
        2026, 1, 5, 12, 30, 0, 123000, tzinfo=UTC
    )
    assert isinstance(parse_time("2026-01-05T14:30:00"), str)
    assert isinstance(parse_time("20260105T143000Z"), str)
    assert isinstance(parse_time(20260105), str)
    assert isinstance(parse_time("2026-02-30T00:00:00Z"), str)


# --- distinct approvers --------------------------------------------------------------------------


def test_one_person_cannot_fill_two_roles(tree: Tree) -> None:
    records = load_records(tree.migration)
    records[1]["approver"]["id"] = "jsmith"

    report = judge(tree, records, github=facts(teams={"shop/security": frozenset({"jsmith"})}))

    assert statuses(report) == {"data_owner": "approved", "security": "missing"}
    assert report.records[1].status is RecordStatus.SURPLUS
    assert "one person cannot fill two roles" in report.records[1].reasons[-1].message
    assert "already fill other roles" in report.roles[1].note


def test_roles_are_assigned_so_that_both_are_filled(tree: Tree) -> None:
    """jsmith approves as data_owner and as security; lchen only as data_owner."""
    records = load_records(tree.migration)
    as_security = copy.deepcopy(records[1])
    as_security["approver"] = {**as_security["approver"], "id": "jsmith"}
    as_security["approval_id"] = "appr_shop03"
    lchen_owner = copy.deepcopy(records[0])
    lchen_owner["approver"] = {**lchen_owner["approver"], "id": "lchen"}
    lchen_owner["approval_id"] = "appr_shop04"
    policy = copy.deepcopy(POLICY)
    policy["approvals"]["roles"]["data_owner"]["users"] = ["jsmith", "lchen"]
    teams = {"shop/security": frozenset({"jsmith", "lchen"})}

    report = judge(
        tree, [records[0], as_security, lchen_owner], github=facts(teams=teams), policy=policy
    )

    assert report.valid
    filled = {role.role: role.approver and role.approver.value for role in report.roles}
    assert filled == {"data_owner": "lchen", "security": "jsmith"}


def test_a_copied_record_counts_once(tree: Tree) -> None:
    records = load_records(tree.migration)
    records.append(copy.deepcopy(records[0]))

    report = judge(tree, records, github=facts())

    assert report.valid
    assert report.records[2].status is RecordStatus.REJECTED
    assert 'approval_id "appr_shop01" is already used by record 1' in reasons(report)[0]


def test_the_same_approver_twice_counts_once(tree: Tree) -> None:
    records = load_records(tree.migration)
    again = copy.deepcopy(records[0])
    again["approval_id"] = "appr_shop09"
    records.append(again)

    report = judge(tree, records, github=facts())

    assert report.valid
    assert report.records[2].status is RecordStatus.SURPLUS
    assert "the same approver counts once" in report.records[2].reasons[-1].message


def test_the_pr_author_cannot_approve(tree: Tree) -> None:
    report = judge(tree, github=facts(author="JSmith"))  # logins are case-insensitive

    assert statuses(report)["data_owner"] == "missing"
    assert 'approver "jsmith" opened this pull request and cannot approve it' in reasons(report)


# --- GitHub facts ------------------------------------------------------------------------------


def test_latest_reviews_keep_each_reviewers_standing() -> None:
    reviews = [
        Review("JSmith", "APPROVED", "1"),
        Review("jsmith", "COMMENTED", "2"),
        Review("lchen", "APPROVED", "1"),
        Review("lchen", "CHANGES_REQUESTED", "2"),
        Review("kim", "PENDING", "2"),
    ]
    assert latest_reviews(reviews) == {
        "jsmith": Review("JSmith", "APPROVED", "1"),
        "lchen": Review("lchen", "CHANGES_REQUESTED", "2"),
    }


def test_membership_by_user_needs_no_team_lookup(tree: Tree) -> None:
    asked: list[str] = []
    github = facts()
    original = github.team_members

    def counting(team: str) -> frozenset[str] | str:
        asked.append(team)
        return original(team)

    report = judge(
        tree,
        github=GithubFacts(
            head_sha=HEAD, pr_author="author1", reviews=github.reviews, team_members=counting
        ),
    )

    assert report.valid
    assert asked == ["shop/security"]  # jsmith is a data_owner user: no team lookup


def test_a_role_without_members_in_the_policy_cannot_be_verified(tree: Tree) -> None:
    policy = copy.deepcopy(POLICY)
    del policy["approvals"]["roles"]["security"]

    report = judge(tree, github=facts(), policy=policy)

    assert statuses(report)["security"] == "missing"
    assert any("the policy names no members for role" in r for r in reasons(report))


def test_records_failing_offline_are_not_asked_about_on_github(tree: Tree) -> None:
    records = load_records(tree.migration)
    records[1]["plan_id"] = "plan_other"
    asked: list[str] = []

    def team_members(team: str) -> frozenset[str] | str:
        asked.append(team)
        return frozenset({"lchen"})

    github = facts()
    judge(
        tree,
        records,
        github=GithubFacts(
            head_sha=HEAD, pr_author="author1", reviews=github.reviews, team_members=team_members
        ),
    )

    assert asked == []


def test_role_statuses_offline(tree: Tree) -> None:
    report = judge(tree)
    assert {r.status for r in report.roles} == {RoleStatus.UNVERIFIED}
    assert {r.status for r in report.records} == {RecordStatus.UNVERIFIED}
    assert not report.valid


def test_a_record_that_is_not_an_object(tree: Tree) -> None:
    report = judge(tree, ["nope", *load_records(tree.migration)], github=facts())  # type: ignore[list-item]
    assert report.records[0].status is RecordStatus.REJECTED
    assert report.valid


def test_validate_reads_nothing_outside_the_directory(tree: Tree, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    records = load_records(tree.migration)
    records[0]["artifacts_reviewed"].append("../../../secret.txt")

    report = judge(tree, records, github=facts())

    assert any('".." is refused' in r for r in reasons(report))


# --- what reasons may print (SPEC section 6.1) -----------------------------------------------


@pytest.mark.parametrize(
    ("form", "value", "shown"),
    [
        ("approver", "jsmith", True),
        ("approver", "j-smith-2", True),
        ("approver", "a" * 39, True),
        ("approver", "a" * 40, False),
        ("approver", "-jsmith", False),
        ("approver", "j--smith", False),
        ("approver", "jsmith-", False),
        ("approver", "user_jsmith", False),
        ("approver", "dependabot[bot]", True),  # a reviewer of the pull request
        ("approval_id", "appr_shop01", True),
        ("approval_id", "appr_abc123", True),
        ("approval_id", "appr_AB123", False),
        ("approval_id", "appr_ab", False),
        ("approval_id", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", False),
        ("role", "data_owner", True),
        ("role", "tech_lead", True),  # named by another transition of the policy
        ("role", "root", False),
        ("artifact", PLAN, True),
        ("artifact", "contracts/missing.yml", False),
        ("digest", "0" * 64, True),
        ("digest", "A" * 64, False),
        ("digest", "0" * 63, False),
        ("transition", "PLANNED_to_EXECUTED", True),
        ("transition", "SECRET_to_EXECUTED", False),
    ],
)
def test_a_record_value_is_shown_only_in_its_expected_form(
    tree: Tree, form: str, value: str, shown: bool
) -> None:
    from migration_checks.fs import list_tree
    from migration_checks.gate.shown import Forms

    forms = Forms(
        roles=approvals.policy_roles(POLICY),
        files=list_tree(tree.migration, approvals.MAX_FILES_LISTED).files,
        reviewers=frozenset({"dependabot[bot]"}),
    )
    result = getattr(forms, form)(value, "/approvals/0/x")

    assert (result.value is not None) is shown
    if shown:
        assert f'"{value[:12]}' in result.quoted
    else:
        assert value not in str(result) and value not in result.quoted and value not in result.bare
        assert str(result).endswith(" at /approvals/0/x")


def test_merge_message_refuses_an_approval_id_it_cannot_print(
    make_tree: Callable[..., Tree],
) -> None:
    from tests.conftest import run_cli
    from tests.gate.trees import NOW, base_args, save_records

    tree = gate_tree(make_tree)
    records = load_records(tree.migration)
    records[1]["approval_id"] = "Approval 2!"
    save_records(tree.migration, records)

    done = run_cli(
        "merge-message", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW,
        *base_args(tree, ()),
    )  # fmt: skip

    assert done.exit_code == 1
    assert done.stdout == ""
    assert "the approval_id at /approvals/1/approval_id is not of the form" in done.stderr
    assert "Approval 2!" not in done.output
