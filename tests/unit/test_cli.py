"""The command line: exit codes 0/1/2, no traceback on any input, every subcommand end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migration_checks.blockers import BlockerId
from migration_checks.resources import schema_names
from tests.conftest import BASE_POLICY, BASES, REPO, run_cli

EXAMPLE = REPO / "examples"


def cli_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_checks", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_the_example_passes_every_stage_with_its_own_policy() -> None:
    done = cli_process("check", str(EXAMPLE), "--policy", str(BASE_POLICY), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["blocked"] is False
    assert result["examined"]["migrations"] == 1
    assert result["examined"]["files_parsed"] >= 13
    statuses = {c["id"]: c["status"] for c in result["migrations"][0]["checks"]}
    assert len(statuses) == 30
    # A PLANNED migration with no parallel run: stage 6 does not apply; everything else passes.
    stage_6 = {"recon_severity", "parallel_run_progress", "trend_analysis"}
    assert {c for c, status in statuses.items() if status != "passed"} == stage_6
    assert {statuses[c] for c in stage_6} == {"not_applicable"}


def test_blocking_findings_exit_1_and_fail_on_never_exits_0(make_tree: Callable[..., Any]) -> None:
    tree = make_tree("shop", [{"remove": "evidence/approval_records.json"}])
    assert tree.run().exit_code == 1
    assert tree.run("--fail-on", "never").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "/no/such/dir"], "does not exist"),
        (["check", ".", "--stage", "7"], "7 is not in the range 1<=x<=6"),
        (["check", ".", "--format", "xml"], "'xml' is not one of"),
        (["explain", "NOT_A_BLOCKER"], 'unknown blocker or check "NOT_A_BLOCKER"'),
        (["schemas", "nope"], 'no schema named "nope"'),
        (["check", ".", "--policy", "/no/such/policy.json"], "cannot read policy"),
    ],
)
def test_usage_and_configuration_errors_exit_2(args: list[str], message: str) -> None:
    outcome = run_cli(*args)
    assert outcome.exit_code == 2
    assert message in outcome.output


@pytest.mark.parametrize(
    ("policy_text", "expected"),
    [
        ('{"policy_version": "v2.1.0",\n "signing": {"trusted_keys": [}\n}', ":2:"),
        (
            '{"policy_version": "v2.1.0",\n  "parallel_runs": {"min_required": "three"}\n}',
            ":2:37: /parallel_runs/min_required: expected integer, found string",
        ),
        ('{"policy_version": "v2.1.0", "tolerance": {}}', 'unknown field "/tolerance"'),
        (
            '{"policy_version": "v2.1.0",\n "signing": {"trusted_keys": [{"key_id": "a", "algorithm": "ed25519", "public_key": "bm9wZQ=="}]}}',
            ":2:",
        ),
        (
            "policy_version: v2.1.0\nrunbooks: {per_dataset: maybe}\n",
            "/runbooks/per_dataset: expected boolean, found string",
        ),
    ],
)
def test_an_invalid_policy_exits_2_naming_field_and_line(
    tmp_path: Path, policy_text: str, expected: str
) -> None:
    policy = tmp_path / (
        "policy.yml" if policy_text.startswith("policy_version:") else "policy.json"
    )
    policy.write_text(policy_text)
    outcome = run_cli("check", str(EXAMPLE), "--policy", str(policy))
    assert outcome.exit_code == 2, outcome.output
    assert expected in outcome.output
    assert "Traceback" not in outcome.output


def test_nothing_to_examine_is_a_failure(tmp_path: Path) -> None:
    outcome = run_cli("check", str(tmp_path), "--format", "json")
    assert outcome.exit_code == 1
    result = json.loads(outcome.stdout)
    assert result["blocked"] and result["examined"]["migrations"] == 0
    assert "no migration-pr-* directory found" in result["findings"][0]["message"]
    allowed = run_cli("check", str(tmp_path), "--allow-empty", "--format", "json")
    assert allowed.exit_code == 0
    assert json.loads(allowed.stdout)["findings"][0]["severity"] == "notice"


def test_discovery_finds_nested_migrations_and_ignores_links(tmp_path: Path) -> None:
    for name in ("team-a", "team-b/sub"):
        shutil.copytree(BASES["shop"], tmp_path / name / BASES["shop"].name)
    (tmp_path / "linked").symlink_to(tmp_path / "team-a")
    result = json.loads(
        run_cli("check", str(tmp_path), "--policy", str(BASE_POLICY), "--format", "json").stdout
    )
    assert [m["path"].split("/")[-2] for m in result["migrations"]] == ["team-a", "sub"]
    assert not result["blocked"]


def _examined(*args: str) -> list[str]:
    outcome = run_cli(
        "check", *args, "--stage", "1", "--policy", str(BASE_POLICY), "--format", "json"
    )
    return [m["path"] for m in json.loads(outcome.stdout)["migrations"]]


def test_check_examines_the_migration_directory_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration = tmp_path / "repo" / "team" / BASES["shop"].name
    shutil.copytree(BASES["shop"], migration)
    monkeypatch.chdir(migration)
    assert _examined(".") == ["."]
    monkeypatch.chdir(migration / "code")
    assert _examined("..") == [migration.as_posix()]  # above the working directory: absolute
    monkeypatch.chdir(tmp_path)
    assert _examined(f"repo/team/{migration.name}") == [f"repo/team/{migration.name}"]
    assert _examined(f"repo/team/{migration.name}/code/..") == [f"repo/team/{migration.name}"]
    assert _examined("repo") == [f"repo/team/{migration.name}"]


def test_a_dotdot_out_of_a_link_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "elsewhere/link/.." reads as "elsewhere" but is the directory above the link's target.
    migration = tmp_path / "outside" / BASES["shop"].name
    shutil.copytree(BASES["shop"], migration)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "link").symlink_to(migration / "code")
    monkeypatch.chdir(tmp_path)
    outcome = run_cli("check", "elsewhere/link/..", "--stage", "1", "--format", "json")
    result = json.loads(outcome.stdout)
    assert outcome.exit_code == 1
    assert result["migrations"] == []
    messages = [f["message"] for f in result["findings"]]
    expected = '"elsewhere/link/.." climbs with ".." out of a directory that is a link'
    assert any(expected in m for m in messages)


def test_output_and_result_files(tmp_path: Path) -> None:
    out, result_file = tmp_path / "report.sarif", tmp_path / "result.json"
    outcome = run_cli(
        "check", str(EXAMPLE), "--policy", str(BASE_POLICY), "--format", "sarif",
        "--output", str(out), "--result-file", str(result_file),
    )  # fmt: skip
    assert outcome.exit_code == 0
    assert outcome.stdout == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert json.loads(result_file.read_text())["schema_version"] == "v1"


def test_policy_from_the_base_commit_ignores_the_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "policy"], check=True)
    subprocess.run([*git, "commit", "-qm", "base: the policy"], check=True)
    base = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    policy = json.loads((repo / "policy" / "policy.json").read_text())
    policy["signing"]["trusted_keys"] = []  # a PR head that drops the trust anchors
    (repo / "policy" / "policy.json").write_text(json.dumps(policy))
    args = ["check", str(repo / "migrations"), "--stage", "1", "--policy", "policy/policy.json"]
    done = subprocess.run(
        [sys.executable, "-m", "migration_checks", *args, "--base", base.stdout.strip()],
        cwd=repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    head = subprocess.run(
        [sys.executable, "-m", "migration_checks", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert head.returncode == 1
    missing = subprocess.run(
        [sys.executable, "-m", "migration_checks", *args, "--base", "no-such-ref"],
        cwd=repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert missing.returncode == 2
    assert 'no commit named "no-such-ref" in this clone' in missing.stderr


@pytest.mark.parametrize("blocker", list(BlockerId))
def test_explain_every_blocker(blocker: BlockerId) -> None:
    outcome = run_cli("explain", blocker.value.lower())
    assert outcome.exit_code == 0
    assert "Condition:" in outcome.output and "Resolution:" in outcome.output
    if blocker is BlockerId.UNSIGNED_PLAN:
        assert "Re-generate signed plan" in outcome.output
        assert "plan_signature (stage 1" in outcome.output and "file_structure" in outcome.output


def test_schemas_list_and_print() -> None:
    listed = run_cli("schemas").output.split()
    assert listed == schema_names() and "migration_metadata" in listed
    printed = json.loads(run_cli("schemas", "migration_metadata.schema.json").output)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_init_keygen_sign_check_round_trip(tmp_path: Path) -> None:
    assert run_cli("init", "proj_round001", "--dir", str(tmp_path / "ws")).exit_code == 0
    keygen = run_cli("keygen", "planner-x", "--out", str(tmp_path / "keys"))
    assert keygen.exit_code == 0
    entry = json.loads(keygen.stdout)
    assert (tmp_path / "keys" / "planner-x.pem").stat().st_mode & 0o777 == 0o600
    policy = json.loads(BASE_POLICY.read_text())
    policy["signing"]["trusted_keys"] = [entry]
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    check = [
        "check",
        str(tmp_path / "ws"),
        "--stage",
        "1",
        "--policy",
        str(tmp_path / "policy.json"),
    ]
    unfilled = run_cli(*check, "--format", "json")
    assert json.loads(unfilled.stdout)["blockers"] == ["SCHEMA_VALIDATION_FAILED"]
    migration = tmp_path / "ws" / "migration-pr-proj_round001"
    for path in (migration / "plans").glob("*.json"), [migration / "configs/migration_config.yml"]:
        for each in path:
            each.write_text(each.read_text().replace("CHANGE_ME", "s3://bucket/round"))
    unsigned = run_cli(*check, "--format", "json")
    assert json.loads(unsigned.stdout)["blockers"] == ["UNSIGNED_PLAN"]
    plan = migration / "plans" / "signed_plan_plan_round001.json"
    assert (
        run_cli(
            "sign",
            str(plan),
            "--key",
            str(tmp_path / "keys" / "planner-x.pem"),
            "--key-id",
            "planner-x",
        ).exit_code
        == 0
    )
    signed = run_cli(*check)
    assert signed.exit_code == 0, signed.output
    assert (
        run_cli("keygen", "planner-x", "--out", str(tmp_path / "keys")).exit_code == 2
    )  # never overwrites
    assert run_cli("init", "proj_round001", "--dir", str(tmp_path / "ws")).exit_code == 2
    assert run_cli("init", "Project-1").exit_code == 2


def test_sign_refuses_a_plan_that_does_not_parse_or_validate(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    run_cli("keygen", "k", "--out", str(tmp_path))
    plan = tmp_path / "plan.json"
    plan.write_text('{"plan": {"plan_id": "a", "plan_id": "b"}}')
    outcome = run_cli("sign", str(plan), "--key", str(key), "--key-id", "k")
    assert outcome.exit_code == 2 and 'duplicate key "plan_id"' in outcome.output
    plan.write_text('{"schema_version": "v1.0.0", "plan": {}}')
    outcome = run_cli("sign", str(plan), "--key", str(key), "--key-id", "k")
    assert outcome.exit_code == 2 and "does not match its schema" in outcome.output


HOSTILE = [
    [{"write_bytes": {"file": ".migration_metadata.json", "hex": "ff" * 64}}],
    [{"write": {"file": "contracts/schema_mapping.yml", "content": "- - - - " * 5000 + "x\n"}}],
    [
        {
            "write": {
                "file": "configs/migration_config.yml",
                "content": "!!python/object/apply:os.system ['touch pwned']\n",
            }
        }
    ],
    [{"write": {"file": "plans/signed_plan_plan_shop2026.json", "content": "null"}}],
    [
        {
            "write": {
                "file": "plans/signed_plan_plan_shop2026.json",
                "content": '{"plan": 1, "signature": []}',
            }
        }
    ],
    [{"write": {"file": "evidence/evidence_links.json", "content": '{"artifacts": [{"id": 1}]}'}}],
    [{"remove": "plans"}, {"remove": "evidence"}, {"remove": "contracts"}],
    [{"write": {"file": ".migration_metadata.json", "content": '{"ci_checks_required": 5}'}}],
    [{"write": {"file": "runbooks/x\n::error file=a::pwned_runbook.md", "content": "x"}}],
]


@pytest.mark.parametrize("mutations", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_trees_give_findings_not_tracebacks(
    make_tree: Callable[..., Any], mutations: list[dict[str, Any]]
) -> None:
    tree = make_tree("shop", mutations, rehash=False, resign_plan=False)
    for output_format in ("text", "json", "github", "sarif", "markdown"):
        done = cli_process(
            "check", str(tree.workspace), "--policy", str(tree.policy), "--format", output_format
        )
        assert done.returncode in (0, 1), done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    assert not Path("pwned").exists()
