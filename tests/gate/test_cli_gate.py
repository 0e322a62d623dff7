"""``migration-checks gate`` without GitHub, the stage results it reads, and ``merge-message``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from migration_checks.reporters.markdown import MARKER
from tests.conftest import Tree, run_cli
from tests.gate.trees import BRANCH, NOW, ROGUE_KEY, base_args, gate_tree, git_repo
from tests.reporters._factories import parse_file_commands

OFFLINE = {"GITHUB_TOKEN": ""}


def gate(tree: Tree, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_cli(
        "gate", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW, *args,
        *base_args(tree, args), env={**OFFLINE, **(env or {})},
    )  # fmt: skip


def gate_json(tree: Tree, *args: str) -> tuple[int, dict[str, Any]]:
    done = gate(tree, "--format", "json", *args)
    assert done.exit_code in (0, 1), done.output
    return done.exit_code, json.loads(done.stdout)


def all_findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(result["result"]["findings"])
    for migration in result["result"]["migrations"]:
        found += migration["findings"]
    return found


@pytest.fixture
def tree(make_tree: Callable[..., Tree]) -> Tree:
    return gate_tree(make_tree)


def test_offline_the_approvals_are_unverified_and_the_gate_blocks(tree: Tree) -> None:
    code, result = gate_json(tree, "--branch", BRANCH)

    assert code == 1
    assert result["github"] is None
    chain = result["migrations"][0]["approvals"]
    assert chain["transition"] == "PLANNED_to_EXECUTED"
    assert chain["verified"] is False and chain["approved"] is False
    assert [r["status"] for r in chain["roles"]] == ["unverified", "unverified"]
    errors = [f for f in all_findings(result) if f["blocker"]]
    assert {f["blocker"] for f in errors} == {"POLICY_VIOLATION"}
    assert all("not verified against GitHub" in f["message"] for f in errors)
    assert errors[0]["path"] == "evidence/approval_records.json" and errors[0]["line"]
    # The findings inside are the JSON v1 result that `check` writes.
    from migration_checks.validation import validate

    assert validate("check_result", result["result"]) == []


def test_offline_a_transition_that_needs_no_approval_may_merge(
    make_tree: Callable[..., Tree],
) -> None:
    tree = gate_tree(
        make_tree,
        [
            {
                "set": {
                    "file": ".migration_metadata.json",
                    "pointer": "/target_state",
                    "value": "PLANNED",
                }
            }
        ],
    )
    git_repo(tree.workspace, ["[MIGRATION] UPDATE: tighten the mapping"])

    code, result = gate_json(tree, "--base", "main")

    assert code == 0, all_findings(result)
    assert result["migrations"][0]["approvals"]["required_roles"] == []


def test_text_and_markdown_reports(tree: Tree) -> None:
    text = gate(tree, "--branch", BRANCH)
    assert text.exit_code == 1
    assert "NOT verified against GitHub" in text.stdout
    assert text.stdout.rstrip().endswith("Gate: BLOCKED")

    markdown = gate(tree, "--branch", BRANCH, "--format", "markdown")
    assert markdown.stdout.startswith(MARKER)
    assert "### Approvals" in markdown.stdout
    assert "| <code>data\\_owner</code> | ⚠️ unverified | jsmith |" in markdown.stdout


def test_github_format_annotates_only_the_gates_findings(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = gate_tree(make_tree)
    stage1 = tmp_path / "stage1.json"
    tree.run("--result-file", str(stage1), stages=(1,))
    summary, outputs, result_file = tmp_path / "s.md", tmp_path / "o", tmp_path / "gate.json"

    done = gate(
        tree, "--branch", BRANCH, "--results", str(stage1), "--format", "github",
        "--result-file", str(result_file),
        env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)},
    )  # fmt: skip

    assert done.exit_code == 1
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    titles = [a.split("title=", 1)[1].split(",")[0].split(":")[0] for a in annotations]
    assert titles == ["approval_chain", "approval_chain"]  # BASE..HEAD holds no commit
    values = parse_file_commands(outputs.read_text())
    assert values == {
        "blocked": "true",
        "blockers": "POLICY_VIOLATION",
        "result-file": str(result_file),
    }
    text = summary.read_text()
    assert text.startswith(MARKER)
    assert "`file_structure`" in text  # the stage results' checks are in the summary
    assert json.loads(result_file.read_text())["kind"] == "gate"


def test_stage_results_are_judged_with_the_gate(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = gate_tree(
        make_tree,
        [
            {
                "set": {
                    "file": ".migration_metadata.json",
                    "pointer": "/ci_checks_required",
                    "value": ["stage_1_structural", "policy_compliance"],
                }
            }
        ],
    )
    stage1 = tmp_path / "results" / "stage-1" / "r.json"
    stage1.parent.mkdir(parents=True)
    tree.run("--result-file", str(stage1), stages=(1,))

    _, result = gate_json(tree, "--branch", BRANCH, "--results", str(tmp_path / "results"))

    assert result["result"]["stages"] == [1]
    checks = result["result"]["migrations"][0]["checks"]
    assert {c["id"] for c in checks} >= {"file_structure", "plan_signature"}
    (missing,) = [f for f in all_findings(result) if f["blocker"] == "CI_FAILURE"]
    assert missing["check"] == "required_stages" and missing["stage"] == 2
    assert "stage 2 (policy compliance) is required for" in missing["message"]
    assert "(ci_checks_required names it) but no result of it" in missing["message"]


def test_a_failed_stage_blocks_the_gate(make_tree: Callable[..., Tree], tmp_path: Path) -> None:
    tree = gate_tree(
        make_tree,
        [ROGUE_KEY],
        resign_plan=False,
    )
    stage1 = tmp_path / "r.json"
    tree.run("--result-file", str(stage1), stages=(1,))

    _, result = gate_json(tree, "--branch", BRANCH, "--results", str(stage1))

    assert "UNSIGNED_PLAN" in result["blockers"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "is not JSON"),
        ('{"schema_version": "v1"}', "is not a migration-checks JSON result"),
    ],
)
def test_an_unusable_result_file_is_a_configuration_error(
    tree: Tree, tmp_path: Path, content: str, expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    done = gate(tree, "--results", str(bad))
    assert done.exit_code == 2
    assert expected in done.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--pr", "3"], {}, "--repo and --pr go together"),
        (["--repo", "o/r", "--pr", "3"], {}, "--pr needs a GitHub token"),
        (["--repo", "not a repo", "--pr", "3"], {"GITHUB_TOKEN": "t"}, "is not OWNER/NAME"),
        (["--apply"], {}, "--apply needs --repo, --pr and GITHUB_TOKEN"),
        (["--now", "2026-11-10T00:00:00"], {}, "has no UTC offset"),
        (["--head-sha", "abc"], {}, "expected a full commit SHA"),
        (["--base", "HEAD"], {}, "is not inside a git checkout"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    done = run_cli("gate", str(tmp_path), *args, env={**OFFLINE, **env})
    assert done.exit_code == 2
    assert message in done.output


def test_fail_on_never(tree: Tree) -> None:
    assert gate(tree, "--fail-on", "never").exit_code == 0


def test_missing_metadata_and_nothing_to_examine(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = gate_tree(make_tree, [{"remove": ".migration_metadata.json"}])
    _, result = gate_json(tree)
    (finding,) = [f for f in all_findings(result) if f["check"] == "approval_chain"]
    assert finding["blocker"] == "CI_FAILURE"
    assert "missing or invalid" in finding["message"]

    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_cli("gate", str(empty), "--format", "json", env=OFFLINE)
    assert done.exit_code == 1
    assert json.loads(done.stdout)["result"]["findings"][0]["check"] == "discovery"


def test_an_illegal_transition_cannot_skip_the_approvals(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(
        make_tree,
        [
            {
                "set": {
                    "file": ".migration_metadata.json",
                    "pointer": "/target_state",
                    "value": "CUTOVER_DONE",
                }
            }
        ],
    )

    _, result = gate_json(tree, "--branch", BRANCH)

    (finding,) = [f for f in all_findings(result) if f["check"] == "approval_chain"]
    assert finding["blocker"] == "CI_FAILURE"
    assert "PLANNED_to_CUTOVER_DONE is not a legal transition" in finding["message"]


def test_missing_records_leave_every_role_empty(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)
    (tree.migration / "evidence/approval_records.json").unlink()

    _, result = gate_json(tree, "--branch", BRANCH)

    assert [r["status"] for r in result["migrations"][0]["approvals"]["roles"]] == [
        "missing",
        "missing",
    ]


# --- merge-message -----------------------------------------------------------------------------


def merge_message(tree: Tree, *args: str) -> Result:
    return run_cli(
        "merge-message",
        str(tree.workspace),
        "--policy",
        str(tree.policy),
        "--now",
        NOW,
        *args,
        *base_args(tree, args),
    )


def test_merge_message_carries_the_approval_ids(tree: Tree) -> None:
    done = merge_message(tree, "--pr", "12")
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "[MIGRATION] EXECUTE: proj_shop2026 plan_shop2026 v3, PLANNED_to_EXECUTED (#12)\n"
        "\n"
        "Approved by data_owner jsmith (appr_shop01), security lchen (appr_shop02).\n"
        "\n"
        "Migration-Project: proj_shop2026\n"
        "Migration-Plan: plan_shop2026 v3\n"
        "Migration-Transition: PLANNED_to_EXECUTED\n"
        "Approval-Id: appr_shop01\n"
        "Approval-Id: appr_shop02\n"
    )
    # The squashed commit passes the commit-message rule itself.
    from migration_checks.gate.pr_rules import subject_is_valid

    assert subject_is_valid(done.stdout.splitlines()[0])


def test_merge_message_refuses_an_incomplete_chain(make_tree: Callable[..., Tree]) -> None:
    tree = gate_tree(make_tree)
    records = tree.migration / "evidence/approval_records.json"
    data = json.loads(records.read_text())
    data["approvals"][1]["plan_id"] = "plan_other"
    records.write_text(json.dumps(data))

    done = merge_message(tree)

    assert done.exit_code == 1
    assert done.stdout == ""
    assert 'no approval counts for "security" (PLANNED_to_EXECUTED)' in done.stderr


def test_merge_message_needs_exactly_one_migration(tree: Tree) -> None:
    import shutil

    shutil.copytree(tree.migration, tree.workspace / "migration-pr-proj_other01")
    done = merge_message(tree)
    assert done.exit_code == 2
    assert "found 2" in done.output


@pytest.mark.parametrize(
    ("state", "target", "action"),
    [
        ("PROPOSED", "PROPOSED", "PROPOSE"),
        ("PROPOSED", "PLANNED", "APPROVE"),
        ("PLANNED", "PLANNED", "UPDATE"),
        ("EXECUTED", "PARALLEL_VALIDATED", "RECON"),
        ("PARALLEL_VALIDATED", "CUTOVER_READY", "CUTOVER"),
        ("CUTOVER_READY", "CUTOVER_DONE", "CUTOVER"),
    ],
)
def test_commit_action_of_each_transition(state: str, target: str, action: str) -> None:
    from migration_checks.gate.merge import commit_action

    assert commit_action(state, target) == action


def test_an_empty_results_directory_fails_every_required_stage(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    """A stage job that died before uploading its result cannot pass for a passed stage."""
    tree = gate_tree(make_tree, policy={"/gate": {"required_stages": [1, 2, 3, 4, 5, 6]}})
    empty = tmp_path / "results"
    empty.mkdir()

    _, result = gate_json(tree, "--branch", BRANCH, "--results", str(empty))

    failures = [f for f in all_findings(result) if f["blocker"] == "CI_FAILURE"]
    # Stage 6 does not apply: the plan is PLANNED and has no parallel runs.
    assert sorted(f["stage"] for f in failures) == [1, 2, 3, 4, 5]
    assert {f["check"] for f in failures} == {"required_stages"}


def test_a_transition_the_policy_does_not_list_is_refused(make_tree: Callable[..., Tree]) -> None:
    # As approval_requirements does in stage 2: an unlisted transition is a hole, not "no roles".
    tree = gate_tree(
        make_tree, policy={"/approvals/transitions": {"PROPOSED_to_PLANNED": ["tech_lead"]}}
    )

    code, result = gate_json(tree, "--branch", BRANCH)

    assert code == 1
    (finding,) = [f for f in all_findings(result) if f["check"] == "approval_chain"]
    assert finding["blocker"] == "POLICY_VIOLATION"
    assert "the policy lists no approvals for PLANNED_to_EXECUTED" in finding["message"]
