"""policy_rules: the document the rules query, JMESPath truth, and rules refused at load time."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migration_checks.checks.stage2_policy.policy_rules import _truthy, rule_documents
from migration_checks.context import MigrationContext
from migration_checks.policy import PolicyError, load_policy
from tests.conftest import BASE_POLICY, Tree, run_cli


def _context(tree: Tree) -> MigrationContext:
    return MigrationContext(tree.migration, "m", load_policy(tree.policy))


def test_the_document_set(make_tree: Callable[..., Tree]) -> None:
    data = rule_documents(_context(make_tree("shop")))
    assert list(data) == [
        "metadata", "plan", "mapping", "coercions", "decisions", "migration_config",
        "recon_config", "secrets_refs", "approvals",
    ]  # fmt: skip
    assert data["plan"]["plan_id"] == "plan_shop2026"  # the plan object, not the signed file
    assert data["metadata"]["state"] == "PLANNED"
    assert data["mapping"]["datasets"][0]["source"] == "customers"
    assert data["decisions"]["decisions"][0]["id"] == "dec_001"
    assert data["secrets_refs"]["secrets"]["TARGET_KMS_KEY"].startswith("vault://")
    assert len(data["approvals"]["approvals"]) >= 1


def test_unusable_artifacts_are_null_and_no_decisions_file_is_no_decision(
    make_tree: Callable[..., Tree],
) -> None:
    tree = make_tree(
        "proposed",
        [{"write": {"file": "configs/recon_config.yml", "content": "checks: [\n"}}],
    )
    data = rule_documents(_context(tree))
    assert data["recon_config"] is None
    assert data["decisions"] == {"decisions": []}
    broken = make_tree(
        "proposed",
        [{"write": {"file": "contracts/manual_decisions.json", "content": "{"}}],
    )
    assert rule_documents(_context(broken))["decisions"] is None


@pytest.mark.parametrize(
    ("value", "truth"),
    [(None, False), (False, False), ("", False), ([], False), ({}, False), (0, True),
     (0.0, True), (True, True), ("x", True), ([0], True), ({"a": None}, True)],
)  # fmt: skip
def test_jmespath_truth(value: Any, truth: bool) -> None:
    assert _truthy(value) is truth


def _policy_with_rules(tmp_path: Path, rules: list[dict[str, Any]]) -> Path:
    policy = json.loads(BASE_POLICY.read_text())
    policy["rules"] = rules
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy, indent=2) + "\n")
    return path


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("plan.[", "incomplete expression"),
        ("a b", "Unexpected token: b"),
        ("lenght(plan.datasets) > `0`", 'unknown function "lenght"'),
        ("plan.datasets[?sizeof(pii) > `0`]", 'unknown function "sizeof"'),
    ],
)
def test_a_rule_that_does_not_compile_is_a_configuration_error(
    tmp_path: Path, query: str, reason: str
) -> None:
    path = _policy_with_rules(
        tmp_path, [{"id": "ok", "query": "`true`"}, {"id": "bad", "query": query}]
    )
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    message = str(error.value)
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if json.dumps(query) in text
    )
    assert f"{path}:{line}:" in message
    assert 'rule "bad" is not a valid JMESPath expression' in message
    assert reason.lower() in message.lower()
    outcome = run_cli("check", str(tmp_path), "--policy", str(path))
    assert outcome.exit_code == 2
    assert 'rule "bad"' in outcome.output


def test_a_rule_id_used_twice_is_a_configuration_error(tmp_path: Path) -> None:
    path = _policy_with_rules(
        tmp_path, [{"id": "same", "query": "`true`"}, {"id": "same", "query": "`false`"}]
    )
    with pytest.raises(PolicyError, match='rule id "same" is used twice'):
        load_policy(path)


def test_an_unparsable_min_tls_is_a_configuration_error(tmp_path: Path) -> None:
    policy = json.loads(BASE_POLICY.read_text())
    policy["encryption"]["in_transit"]["min_tls"] = "SSLv3"
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy, indent=2))
    with pytest.raises(PolicyError, match='"SSLv3" is not a TLS version'):
        load_policy(path)


def test_the_default_policy_fills_what_a_policy_leaves_out(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"policy_version": "v1.0.0", "pii": {"categories": ["email"]}}))
    policy = load_policy(path)
    assert policy.setting("pii", "categories") == ["email"]
    assert "hash" in policy.setting("pii", "allowed_handling")
    assert policy.setting("encryption", "in_transit", "min_tls") == "1.2"
    assert policy.setting("no", "such", "setting") is None
