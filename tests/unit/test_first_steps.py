"""What a new user meets first: init's starter policy and its words, keygen --add-to, what sign
refuses, placeholders, and the smaller defects a first run showed (a tab's position, the offline
gate's words, explain, a dropped job summary, the dry run's temporary folder, messages that
cited documents a user does not have)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migration_checks.documents import DocumentError, Limits, parse_document
from tests.conftest import BASE_POLICY, REPO, Tree, run_cli

PACKAGE = REPO / "scripts" / "migration_checks"


def _init(tmp_path: Path, *args: str) -> Path:
    outcome = run_cli("init", "proj_first001", "--dir", str(tmp_path), *args)
    assert outcome.exit_code == 0, outcome.output
    return tmp_path / "migration-pr-proj_first001"


def test_init_says_the_project_id_form_in_words() -> None:
    outcome = run_cli("init", "myproj")
    assert outcome.exit_code == 2
    assert (
        'PROJECT_ID "myproj" must be proj_ followed by 4 to 32 lowercase letters or digits, '
        "e.g. proj_orders2026"
    ) in outcome.output
    assert "^proj_" not in outcome.output
    assert (
        "proj_ followed by 4 to 32 lowercase letters or digits" in run_cli("init", "--help").output
    )


def test_init_writes_a_starter_policy_and_never_overwrites_one(tmp_path: Path) -> None:
    _init(tmp_path)
    starter = tmp_path / "migration-policy.json"
    assert json.loads(starter.read_text()) == {
        "policy_version": "v2.1.0",
        "signing": {"trusted_keys": []},
    }
    starter.write_text(json.dumps({"policy_version": "v3.0.0"}))
    again = run_cli("init", "proj_second01", "--dir", str(tmp_path))
    assert again.exit_code == 0, again.output
    assert json.loads(starter.read_text()) == {"policy_version": "v3.0.0"}  # kept, and used:
    metadata = tmp_path / "migration-pr-proj_second01" / ".migration_metadata.json"
    assert json.loads(metadata.read_text())["policy_version"] == "v3.0.0"
    assert f"policy: {starter} (policy_version v3.0.0)" in again.output
    with_policy = run_cli(
        "init", "proj_third001", "--dir", str(tmp_path / "other"), "--policy", str(BASE_POLICY)
    )
    assert with_policy.exit_code == 0
    assert not (tmp_path / "other" / "migration-policy.json").exists()


def test_keygen_add_to_refuses_another_key_under_the_same_id(tmp_path: Path) -> None:
    _init(tmp_path)
    policy = tmp_path / "migration-policy.json"
    keys = tmp_path / "keys"
    assert run_cli("keygen", "alice", "--out", str(keys), "--add-to", str(policy)).exit_code == 0
    (entry,) = json.loads(policy.read_text())["signing"]["trusted_keys"]
    assert entry["key_id"] == "alice"
    assert entry["public_key"] == (keys / "alice.pub").read_text().strip()
    other = tmp_path / "other-keys"
    refused = run_cli("keygen", "alice", "--out", str(other), "--add-to", str(policy))
    assert refused.exit_code == 2
    assert 'already trusts a key with the id "alice"' in refused.output
    assert not other.exists()  # refused before any key was made
    assert len(json.loads(policy.read_text())["signing"]["trusted_keys"]) == 1
    yaml_policy = tmp_path / "policy.yml"
    yaml_policy.write_text("policy_version: v2.1.0\n")
    refused = run_cli("keygen", "bob", "--out", str(other), "--add-to", str(yaml_policy))
    assert refused.exit_code == 2 and "keygen edits JSON policies only" in refused.output


def test_sign_refuses_what_is_not_a_plan_and_placeholders(tmp_path: Path) -> None:
    migration = _init(tmp_path)
    assert run_cli("keygen", "k", "--out", str(tmp_path)).exit_code == 0
    key = str(tmp_path / "k.pem")
    metadata = migration / ".migration_metadata.json"
    outcome = run_cli("sign", str(metadata), "--key", key)
    assert outcome.exit_code == 2
    assert outcome.output.count("\n") <= 2  # one message, not a schema error per field
    plan = migration / "plans" / "signed_plan_plan_first001.json"
    assert (
        f"{metadata}: this is not a plan: it is the migration's metadata, which is not signed; "
        f"sign {plan}"
    ) in outcome.output
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    outcome = run_cli("sign", str(listing), "--key", key)
    assert outcome.exit_code == 2 and f"{listing}: this is not a plan:" in outcome.output
    outcome = run_cli("sign", str(plan), "--key", key)
    assert outcome.exit_code == 2
    assert "the plan still holds placeholders from the template" in outcome.output
    assert f'{plan}:10:50: "CHANGE_ME" is a placeholder from the template' in outcome.output
    assert "signature" not in json.loads(plan.read_text())


def test_every_placeholder_is_one_finding_and_later_checks_skip(tmp_path: Path) -> None:
    migration = _init(tmp_path)
    outcome = run_cli("check", str(migration), "--stage", "1", "--stage", "2", "--format", "json")
    (result,) = json.loads(outcome.stdout)["migrations"]
    placeholders = [f for f in result["findings"] if "CHANGE_ME" in f["message"]]
    assert sorted((f["check"], f["path"], f["line"]) for f in placeholders) == [
        ("schema_validation", "configs/migration_config.yml", 7),
        ("schema_validation", "plans/signed_plan_plan_first001.json", 10),
        ("schema_validation", "plans/signed_plan_plan_first001.json", 13),
    ]
    assert result["blockers"] == ["SCHEMA_VALIDATION_FAILED"]
    skipped = {c["id"]: c["reason"] for c in result["checks"] if c["status"] == "skipped"}
    assert skipped["plan_signature"] == (
        'plans/signed_plan_plan_first001.json still holds the template placeholder "CHANGE_ME"'
    )


def test_the_bundled_default_policy_says_so(make_tree: Callable[..., Tree]) -> None:
    tree = make_tree()
    outcome = run_cli("check", str(tree.workspace), "--stage", "1")
    assert outcome.exit_code == 1
    assert (
        "the bundled default policy is in use (no --policy) and it trusts no signing key: pass "
        "--policy with your own policy (`migration-checks init` writes a starter one)"
    ) in outcome.output


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: 1\n\tb: 2\n", 2, 1),  # the parser stops at the end of the line before
        ("a: 1\nb:\n\t- x\n", 3, 1),  # ... or just past the tab
        ('a: "x\ty"\n\tb: 1\n', 2, 1),  # a tab in a string before it is no error
        ("a:\n  b: 1\n  c: 2\n  \t d: 3\n", 4, 3),
    ],
)
def test_a_yaml_tab_error_points_at_the_tab(text: str, line: int, column: int) -> None:
    with pytest.raises(DocumentError) as raised:
        parse_document("f.yml", text.encode(), "yaml", Limits())
    (problem,) = raised.value.problems
    assert "tab" in problem.message
    assert (problem.line, problem.column) == (line, column)


def test_the_offline_gate_says_what_ran(make_tree: Callable[..., Tree]) -> None:
    tree = make_tree()
    outcome = run_cli("gate", str(tree.workspace), "--policy", str(tree.policy))
    lines = outcome.stdout.splitlines()
    assert lines[0].endswith("· no stage run")
    assert "Examined 1 migration directory, 1 file parsed; no check ran" in lines
    assert any(line.startswith("The gate runs no check itself") for line in lines)
    assert "checks: 0 run" not in outcome.stdout
    assert "is not in a git repository" in outcome.stdout  # tmp_path is in none
    assert "HEAD is detached" not in outcome.stdout


def test_explain_takes_check_ids_and_prints_plain_text() -> None:
    check = run_cli("explain", "plan_signature")
    assert check.exit_code == 0, check.output
    assert check.output.startswith("plan_signature\n\nStage 1 (structural validation) · blocking")
    assert "- UNSIGNED_PLAN: Re-generate signed plan" in check.output
    assert "policy sets signing.require_verification to false" in check.output
    for identifier in ("plan_signature", "UNSIGNED_PLAN", "lint_yaml", "secrets_exposed"):
        text = run_cli("explain", identifier).output
        assert "`" not in text, text
        assert "**" not in text


def test_github_format_without_a_summary_file_says_so_once(
    make_tree: Callable[..., Tree], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    tree = make_tree()
    outcome = tree.run("--format", "github")
    assert outcome.stderr.count("the job summary was not written") == 1
    assert "GITHUB_STEP_SUMMARY is not set" in outcome.stderr
    summary = tree.workspace.parent / "summary.md"
    quiet = tree.run("--format", "github", "--output", str(summary))
    assert "job summary" not in quiet.stderr and summary.read_text().strip()


def _without_dry_run_dir(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MIGRATION_CHECKS_DRY_RUN_DIR"}
    env["TMPDIR"] = str(tmp)
    return env


@pytest.mark.parametrize("broken", [False, True])
def test_the_dry_run_leaves_no_temporary_folder(
    make_tree: Callable[..., Tree], tmp_path: Path, broken: bool
) -> None:
    mutations: list[dict[str, Any]] = []
    if broken:  # the source cannot be opened: the dry run fails with findings
        mutations = [{"remove": "data/shop.sqlite"}]
    tree = make_tree("shop", mutations)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "migration_checks", "check", str(tree.workspace), "--stage", "5",
         "--policy", str(tree.policy)],
        env=_without_dry_run_dir(tmp), capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == (1 if broken else 0), done.stdout + done.stderr
    if not broken:
        assert "temporary directory, removed when the run ends" in done.stdout
    assert list(tmp.iterdir()) == []


def test_the_temporary_folder_goes_also_when_the_run_fails(tmp_path: Path) -> None:
    script = (
        "from migration_checks import source_db\n"
        "root = source_db.output_root()\n"
        "(root / 'migration').mkdir()\n"
        "raise RuntimeError('a crash after the dry run made its folder')\n"
    )
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", script], env=_without_dry_run_dir(tmp),
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "RuntimeError" in done.stderr
    assert list(tmp.iterdir()) == []


def _user_visible_texts() -> list[tuple[str, str]]:
    """Messages and help (string constants, click command docstrings), check docstrings (what
    explain prints) and schema descriptions (what schemas prints and the README shows)."""
    from migration_checks.registry import ALL_CHECKS

    texts = [(f"check {check.id}", check.doc) for check in ALL_CHECKS]
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        commands = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef)
            and any("command" in ast.unparse(d) for d in node.decorator_list)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and (id(node) not in docstrings or id(node) in commands)
            ):
                texts.append((f"{path.relative_to(REPO)}:{node.lineno}", node.value))
    for path in sorted((REPO / "schemas").glob("*.json")):

        def walk(node: Any, where: str) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "description" and isinstance(value, str):
                        texts.append((where, value))
                    walk(value, where)
            elif isinstance(node, list):
                for item in node:
                    walk(item, where)

        walk(json.loads(path.read_text(encoding="utf-8")), path.name)
    return texts


def test_no_message_cites_documents_a_user_does_not_have() -> None:
    internal = {"GIT_LITERAL_PATHSPECS"}  # not prose
    cited = [
        f"{where}: {text[:80]!r}"
        for where, text in _user_visible_texts()
        if text not in internal
        and ("SPEC" in text.replace("SPEC_CHECKS", "") or "seed" in text.lower().split())
        and "registry" not in where  # the registry's own invariants, for the suite's developers
    ]
    assert cited == []
