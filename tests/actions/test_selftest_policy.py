"""The self-test's broken case: the example judged by a policy that trusts another key.

.github/workflows/selftest.yml calls the reusable workflow with tests/selftest/policy-another-key.json
and expects UNSIGNED_PLAN; this keeps that policy equal to the example's but for the key.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_POLICY = ROOT / "examples/policy/policy.json"
ANOTHER_KEY = ROOT / "tests/selftest/policy-another-key.json"


def test_it_differs_from_the_example_policy_only_in_the_public_key() -> None:
    example = json.loads(EXAMPLE_POLICY.read_text())
    other = json.loads(ANOTHER_KEY.read_text())
    theirs, ours = example["signing"]["trusted_keys"], other["signing"]["trusted_keys"]
    assert [k["public_key"] for k in theirs] != [k["public_key"] for k in ours]
    for key in (*theirs, *ours):
        key.pop("public_key")
    assert other == example


def test_the_example_under_it_is_unsigned() -> None:
    done = run_cli(
        "check", str(ROOT / "examples/migrations"), "--policy", str(ANOTHER_KEY),
        "--stage", "1", "--format", "json",
    )  # fmt: skip
    assert done.exit_code == 1
    assert json.loads(done.stdout)["blockers"] == ["UNSIGNED_PLAN"]
