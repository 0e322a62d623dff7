"""Waivers and evaluate mode as ``check`` applies them (the runner, offline).

``check`` verifies no approval: a matched finding is marked pending and still blocks; a waiver
that cannot apply is a POLICY_VIOLATION of its own. Evaluate mode (the policy's ``enforcement``)
turns a check's blockers into warnings until its date, compared in UTC. The gate's side, with
approvals verified on GitHub, is in tests/github/test_gate_waivers.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from migration_checks.blockers import BlockerId
from migration_checks.model import Finding, Location, RunResult
from migration_checks.policy import load_policy
from migration_checks.reporters import REPORTERS, github, json_v1, markdown
from migration_checks.runner import run
from migration_checks.validation import validate
from migration_checks.waivers import Waiver
from tests.conftest import Tree, run_cli
from tests.gate.trees import ROGUE_KEY
from tests.trust.conftest import MERGED_AT_PLANNED, at, make_repo
from tests.trust.test_base_commit import policy_in_repo

NOW = datetime(2026, 11, 10, tzinfo=UTC)
RECON = "configs/recon_config.yml"
WAIVERS = "evidence/waivers.json"
# Two tolerance_validation findings: /checks/0/tolerance/relative and /checks/1/tolerance/relative.
LOOSE = [
    {"set": {"file": RECON, "pointer": "/checks/0/tolerance/relative", "value": 0.01}},
    {"set": {"file": RECON, "pointer": "/checks/1/tolerance/relative", "value": 0.02}},
]


def waiver(**fields: Any) -> dict[str, Any]:
    entry = {
        "id": "W-1",
        "check": "tolerance_validation",
        "blocker": "POLICY_VIOLATION",
        "path": RECON,
        "pointer": "/checks/0",
        "reason": "row counts differ by soft-deleted customers until DATA-812",
        "requested_by": "author1",
        "expires_at": "2026-12-31T00:00:00Z",
    }
    entry.update(fields)
    return {k: v for k, v in entry.items() if v is not None}


def write_waivers(*entries: dict[str, Any]) -> dict[str, Any]:
    content = json.dumps({"waivers": list(entries)}, indent=2) + "\n"
    return {"write": {"file": WAIVERS, "content": content}}


def run_at(tree: Tree, now: datetime = NOW, stages: tuple[int, ...] = (1, 2)) -> RunResult:
    return run([tree.workspace], load_policy(tree.policy), stages=stages, now=now)


def findings_of(result: RunResult, check: str) -> list[Finding]:
    return [f for f in result.migrations[0].findings if f.check == check]


def tolerance(result: RunResult) -> dict[str, Finding]:
    """The tolerance findings by the check of recon_config.yml they are about."""
    found = findings_of(result, "tolerance_validation")
    return {f.location.pointer.split("/")[2]: f for f in found if f.location and f.location.pointer}


def waiver_findings(result: RunResult) -> list[Finding]:
    return findings_of(result, "waivers")


@pytest.fixture
def loose(make_tree: Callable[..., Tree]) -> Callable[..., Tree]:
    def factory(*entries: dict[str, Any], policy: dict[str, Any] | None = None) -> Tree:
        mutations = [*LOOSE, write_waivers(*entries)] if entries else LOOSE
        return make_tree("shop", mutations, policy=policy or {})

    return factory


# --- check marks, but never applies ---------------------------------------------------------


def test_without_waivers_both_findings_block(loose: Callable[..., Tree]) -> None:
    result = run_at(loose())
    found = tolerance(result)
    assert sorted(found) == ["0", "1"]
    assert all(f.blocker is BlockerId.POLICY_VIOLATION and f.waiver is None for f in found.values())


def test_check_marks_the_matched_finding_pending_and_it_still_blocks(
    loose: Callable[..., Tree],
) -> None:
    result = run_at(loose(waiver()))

    found = tolerance(result)
    mark = found["0"].waiver
    assert mark is not None and mark.id == "W-1" and not mark.applied
    assert found["0"].blocker is BlockerId.POLICY_VIOLATION  # pending: still blocks
    assert found["1"].waiver is None  # not under /checks/0
    assert result.blocked and waiver_findings(result) == []
    record = json_v1.to_dict(result)["migrations"][0]
    waived = [f for f in record["findings"] if "waiver" in f]
    assert [f["waiver"]["status"] for f in waived] == ["pending"]
    assert waived[0]["waiver"]["expires_at"] == "2026-12-31T00:00:00Z"
    assert validate("check_result", json_v1.to_dict(result)) == []


def test_a_pending_waiver_shows_in_every_report(loose: Callable[..., Tree]) -> None:
    result = run_at(loose(waiver()))
    for name in ("text", "markdown", "sarif", "json"):
        assert "W-1" in REPORTERS[name](result), name
    annotations = [a.message for a in github.annotations_for(result)]
    assert any("waivable by W-1, pending approval" in m for m in annotations)
    summary = markdown.summary(result)
    assert "| Waiver | Status |" in summary and "⏳ pending approval" in summary
    assert "soft-deleted customers until DATA-812" in summary


def test_a_path_without_pointer_covers_the_whole_file(loose: Callable[..., Tree]) -> None:
    result = run_at(loose(waiver(pointer=None)))
    assert all(f.waiver is not None for f in tolerance(result).values())


def test_a_waiver_for_another_check_changes_nothing(loose: Callable[..., Tree]) -> None:
    result = run_at(loose(waiver(check="pii_handling", blocker="PII_NOT_ADDRESSED")))
    assert all(f.waiver is None for f in tolerance(result).values())
    (unused,) = waiver_findings(result)
    assert unused.blocker is None and "matches no PII_NOT_ADDRESSED finding" in unused.message


# --- waivers that are blockers themselves ----------------------------------------------------


def only_waiver_problem(result: RunResult) -> Finding:
    (problem,) = waiver_findings(result)
    assert problem.blocker is BlockerId.POLICY_VIOLATION
    assert problem.location is not None and problem.location.path == WAIVERS
    assert problem.location.line is not None and problem.location.column is not None
    assert all(f.waiver is None for f in tolerance(result).values())  # it applies to nothing
    return problem


def test_an_expired_waiver_is_a_blocker(loose: Callable[..., Tree]) -> None:
    problem = only_waiver_problem(run_at(loose(waiver(expires_at="2026-11-09T23:59:59Z"))))
    assert 'waiver "W-1" expired at 2026-11-09T23:59:59Z' in problem.message
    assert problem.stage == 2  # reported with the stage of the check it waives


def test_an_offset_cannot_move_the_expiry_past_now(loose: Callable[..., Tree]) -> None:
    # 00:30 at +01:00 is 23:30 UTC the day before NOW.
    problem = only_waiver_problem(run_at(loose(waiver(expires_at="2026-11-10T00:30:00+01:00"))))
    assert "expired at 2026-11-09T23:30:00Z" in problem.message


def test_a_waiver_longer_than_max_days_is_a_blocker(loose: Callable[..., Tree]) -> None:
    tree = loose(waiver(expires_at="2026-12-21T00:00:00Z"), policy={"/waivers": {"max_days": 40}})
    problem = only_waiver_problem(run_at(tree))
    assert "more than 40 days from now (waivers.max_days)" in problem.message
    # The default (90 days) accepts it.
    assert waiver_findings(run_at(loose(waiver(expires_at="2026-12-21T00:00:00Z")))) == []


def test_a_waiver_without_a_path_for_findings_with_files_is_over_broad(
    loose: Callable[..., Tree],
) -> None:
    problem = only_waiver_problem(run_at(loose(waiver(path=None, pointer=None))))
    assert "is over-broad: it names no path" in problem.message


def test_a_waiver_matching_more_than_max_findings_is_over_broad(
    loose: Callable[..., Tree],
) -> None:
    tree = loose(waiver(pointer=None), policy={"/waivers": {"max_findings": 1}})
    problem = only_waiver_problem(run_at(tree))
    assert "matches 2 findings, more than the 1 of waivers.max_findings" in problem.message


def test_duplicate_ids_make_both_waivers_blockers(loose: Callable[..., Tree]) -> None:
    result = run_at(loose(waiver(), waiver(pointer="/checks/1")))
    problems = waiver_findings(result)
    assert len(problems) == 2
    assert all("used by more than one waiver" in p.message for p in problems)
    assert all(f.waiver is None for f in tolerance(result).values())


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../migration-pr-proj_shop2026/configs/recon_config.yml", '".." is refused'),
        ("./configs/recon_config.yml", "not written canonically"),
        ("configs//recon_config.yml", "not written canonically"),
        ("/etc/passwd", "absolute paths are refused"),
    ],
)
def test_a_path_that_is_not_canonical_is_a_blocker(
    loose: Callable[..., Tree], path: str, why: str
) -> None:
    problem = only_waiver_problem(run_at(loose(waiver(path=path))))
    assert why in problem.message


def test_the_gate_s_own_checks_cannot_be_waived(loose: Callable[..., Tree]) -> None:
    problem = only_waiver_problem(
        run_at(loose(waiver(check="approval_chain", path=None, pointer=None)))
    )
    assert "names no check of stages 1-6" in problem.message


def test_a_waiver_for_a_never_blocker_is_a_blocker(make_tree: Callable[..., Tree]) -> None:
    plan = "plans/signed_plan_plan_shop2026.json"
    entry = waiver(check="plan_signature", blocker="UNSIGNED_PLAN", path=plan, pointer=None)
    tree = make_tree("shop", [ROGUE_KEY, write_waivers(entry)], resign_plan=False)
    result = run_at(tree, stages=(1,))
    (problem,) = waiver_findings(result)
    assert "UNSIGNED_PLAN, which the policy never lets be waived" in problem.message
    signature = findings_of(result, "plan_signature")
    assert signature and all(f.waiver is None for f in signature)
    # The base policy decides what "never" holds: with an empty list the waiver is only pending.
    tree = make_tree(
        "shop",
        [ROGUE_KEY, write_waivers(entry)],
        resign_plan=False,
        policy={"/waivers": {"never": []}},
    )
    result = run_at(tree, stages=(1,))
    assert all(f.waiver is not None for f in findings_of(result, "plan_signature") if f.blocker)


def test_a_broken_waivers_file_is_a_stage_1_finding_never_a_traceback(
    make_tree: Callable[..., Tree],
) -> None:
    bad = '{"waivers": [{"id": "W-1", "id": "W-2"}]}\n'
    tree = make_tree("shop", [{"write": {"file": WAIVERS, "content": bad}}])
    done = tree.run("--format", "json")
    assert done.exit_code == 1, done.output
    found = [
        f
        for m in json.loads(done.stdout)["migrations"]
        for f in m["findings"]
        if f["path"] == WAIVERS
    ]
    assert found and all(f["line"] and f["column"] for f in found)
    assert {f["blocker"] for f in found} == {"SCHEMA_VALIDATION_FAILED"}


def test_a_pointer_matches_itself_and_what_lies_under_it_only() -> None:
    w = Waiver(
        index=0, id="W-1", check="c", stage=2, blocker=BlockerId.POLICY_VIOLATION,
        path="f.yml", pointer="/checks/1", reason="r", requested_by="a",
        expires_at=NOW + timedelta(days=1), location=Location(path=WAIVERS),
    )  # fmt: skip

    def finding(path: str, pointer: str | None, check: str = "c") -> Finding:
        return Finding(
            check=check, stage=2, blocker=BlockerId.POLICY_VIOLATION,
            severity=finding_severity, message="m",
            location=Location(path=path, pointer=pointer), resolution=None,
        )  # fmt: skip

    from migration_checks.model import Severity

    finding_severity = Severity.ERROR
    assert w.matches(finding("f.yml", "/checks/1"))
    assert w.matches(finding("f.yml", "/checks/1/tolerance"))
    assert not w.matches(finding("f.yml", "/checks/10"))  # a prefix is not a parent
    assert not w.matches(finding("f.yml", "/checks"))
    assert not w.matches(finding("f.yml", None))
    assert not w.matches(finding("g.yml", "/checks/1"))
    assert not w.matches(finding("f.yml", "/checks/1", check="other"))


# --- evaluate mode ---------------------------------------------------------------------------

EVALUATE = {"/enforcement": {"tolerance_validation": {"mode": "evaluate", "until": "2026-12-01"}}}


def test_evaluate_mode_warns_before_its_date(loose: Callable[..., Tree]) -> None:
    result = run_at(loose(policy=EVALUATE))
    found = tolerance(result)
    assert not result.blocked
    for f in found.values():
        assert f.blocker is None and f.severity == "warning"
        assert f.evaluate is not None and f.evaluate.blocks_from == "2026-12-01"
        assert f.evaluate.blocker is BlockerId.POLICY_VIOLATION
    (outcome,) = [o for o in result.migrations[0].outcomes if o.check_id == "tolerance_validation"]
    assert outcome.status == "passed"
    text = REPORTERS["text"](result)
    assert "[evaluate mode: POLICY_VIOLATION blocks from 2026-12-01]" in text
    data = json_v1.to_dict(result)
    assert validate("check_result", data) == []
    assert data["migrations"][0]["blockers"] == []


def test_evaluate_mode_blocks_from_its_date(loose: Callable[..., Tree]) -> None:
    result = run_at(loose(policy=EVALUATE), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert result.blocked
    assert all(
        f.blocker is BlockerId.POLICY_VIOLATION and f.evaluate is None
        for f in tolerance(result).values()
    )


def test_evaluate_mode_compares_dates_in_utc(loose: Callable[..., Tree]) -> None:
    # 00:30 on Dec 1 at +01:00 is still Nov 30 in UTC; 23:30 on Nov 30 at -01:00 is Dec 1.
    tree = loose(policy=EVALUATE)
    assert not run_at(
        tree, now=datetime(2026, 12, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    ).blocked
    assert run_at(
        tree, now=datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-1)))
    ).blocked


def test_evaluate_mode_never_softens_a_never_blocker(make_tree: Callable[..., Tree]) -> None:
    policy = {"/enforcement": {"plan_signature": {"mode": "evaluate", "until": "2099-01-01"}}}
    tree = make_tree("shop", [ROGUE_KEY], resign_plan=False, policy=policy)
    result = run_at(tree, stages=(1,))
    assert "UNSIGNED_PLAN" in result.blockers


def test_evaluate_mode_in_the_pull_request_s_policy_copy_is_ignored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", MERGED_AT_PLANNED)
    policy = policy_in_repo(repo)
    # The pull request loosens a tolerance and puts the check into evaluate mode in its copy.
    data = json.loads(policy.read_text())
    data["enforcement"] = {"tolerance_validation": {"mode": "evaluate", "until": "2999-01-01"}}
    policy.write_text(json.dumps(data))
    repo.head([*at("PLANNED", "EXECUTED"), *LOOSE])

    def check(*base: str) -> Any:
        return run_cli(
            "check", str(repo.root), "--policy", str(policy), "--stage", "1", "--stage", "2",
            "--format", "json", *base,
        )  # fmt: skip

    with_base = check("--base", repo.base)
    assert with_base.exit_code == 1, with_base.output
    assert json.loads(with_base.stdout)["blockers"] == ["POLICY_VIOLATION"]
    # Without --base the policy the caller names is trusted as given (documented).
    assert check().exit_code == 0


def test_an_unknown_check_in_enforcement_is_a_policy_error(make_tree: Callable[..., Tree]) -> None:
    tree = make_tree(
        "shop",
        policy={"/enforcement": {"tolerance_check": {"mode": "evaluate", "until": "2026-01-01"}}},
    )
    done = tree.run()
    assert done.exit_code == 2
    assert '/enforcement/tolerance_check: "tolerance_check" is not a check id' in done.output


def test_a_secret_in_a_reason_is_never_shown(loose: Callable[..., Tree]) -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    result = run_at(loose(waiver(reason=f"the token {token} is fine")))
    for name in ("text", "markdown", "sarif", "json"):
        report = REPORTERS[name](result)
        assert token not in report and "the token " in report and "redacted" in report, name


def test_more_than_100_waivers_is_a_schema_finding(make_tree: Callable[..., Tree]) -> None:
    many = [waiver(id=f"W-{n}") for n in range(1, 102)]
    tree = make_tree("shop", [write_waivers(*many)])
    result = run_at(tree, stages=(1,))
    (problem,) = [f for f in findings_of(result, "schema_validation") if f.location]
    assert problem.location is not None and problem.location.path == WAIVERS
    assert problem.location.line == 2 and problem.blocker is BlockerId.SCHEMA_VALIDATION_FAILED
    assert waiver_findings(result) == []


# --- --fail-on unwaived: a stage job waits for the gate on what a waiver matches --------------


@pytest.mark.parametrize(
    ("entries", "codes"),
    [
        ((), {"blocking": 1, "unwaived": 1, "never": 0}),
        ((waiver(pointer=None),), {"blocking": 1, "unwaived": 0, "never": 0}),  # both matched
        ((waiver(),), {"blocking": 1, "unwaived": 1, "never": 0}),  # /checks/1 stands
        ((waiver(expires_at="2026-01-01T00:00:00Z"),), {"blocking": 1, "unwaived": 1, "never": 0}),
    ],
)
def test_fail_on_unwaived_exits_1_only_for_a_blocker_no_waiver_matches(
    loose: Callable[..., Tree], entries: tuple[dict[str, Any], ...], codes: dict[str, int]
) -> None:
    tree = loose(*entries)
    for fail_on, code in codes.items():
        outcome = tree.run("--fail-on", fail_on, "--format", "json", stages=(1, 2))
        assert outcome.exit_code == code, (fail_on, outcome.output[-2000:])


# --- what a softened or waived finding kept from running still blocks -----------------------

SIGNED_PLAN = "plans/signed_plan_plan_shop2026.json"
DECISIONS = "contracts/manual_decisions.json"


@pytest.mark.parametrize(
    ("mutations", "check", "blocker"),
    [
        (  # an unsigned plan, edited after signing: plan_signature is skipped
            [
                {"set": {"file": SIGNED_PLAN, "pointer": "/plan/note", "value": "edited"}},
                {"delete": {"file": SIGNED_PLAN, "pointer": "/signature"}},
            ],
            "plan_signature",
            "UNSIGNED_PLAN",
        ),
        (  # an unresolved decision beside an unknown field: manual_decisions is skipped
            [
                {
                    "set": {
                        "file": DECISIONS,
                        "pointer": "/decisions/1/status",
                        "value": "unresolved",
                    }
                },
                {"set": {"file": DECISIONS, "pointer": "/decisions/1/x_extra", "value": 1}},
            ],
            "manual_decisions",
            "UNRESOLVED_MANUAL_DECISIONS",
        ),
    ],
)
def test_evaluate_mode_never_lets_what_a_skipped_check_would_judge_pass(
    make_tree: Callable[..., Tree], mutations: list[dict[str, Any]], check: str, blocker: str
) -> None:
    evaluate = {"/enforcement": {"schema_validation": {"mode": "evaluate", "until": "2027-06-01"}}}
    tree = make_tree("shop", mutations, policy=evaluate, resign_plan=False)
    result = run_at(tree, stages=(1, 2))
    statuses = {o.check_id: o.status for o in result.migrations[0].outcomes}
    assert statuses["schema_validation"] == "passed" and statuses[check] == "skipped"
    assert blocker in result.blockers
    (closed,) = [f for f in result.migrations[0].findings if f.check == check]
    assert "never judged" in closed.message
