"""Every case of every blocker file: a base tree, mutations, and the findings they must produce.

A case file ``<BLOCKER_ID>.yml`` (or ``<BLOCKER_ID>.<part>.yml``, where one blocker's cases are
split by stage, such as ``CI_FAILURE.stage3.yml``) holds named cases:

    blocker: UNSIGNED_PLAN
    cases:
      unknown_key:
        base: shop                       # a tree of tests/conftest.py BASES (default shop)
        mutations:                       # set/delete (pointer), replace, write, write_bytes,
          - set: {file: ..., pointer: /signature/key_id, value: rogue}   # symlink, rename, remove
        resign: false                    # default true: re-sign the plan after the mutations
        rehash: true                     # default true: refresh evidence and profiling sha256
        policy: {/signing/trusted_keys: []}   # JSON pointers set in the policy
        stages: [1]                      # default [1]
        blockers: [UNSIGNED_PLAN]        # exactly the blockers the migration must show
        expect:                          # findings that must be there (fields compared as given;
          - {check: plan_signature, path: ..., line: 42, message: 'unknown signing key'}
                                         #  message is a substring)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import build_tree

CASES_DIR = Path(__file__).parent


def load_cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, case in content["cases"].items():
            cases.append((content["blocker"], name, case))
    return cases


ALL_CASES = load_cases()


def _matches(finding: dict[str, Any], expected: dict[str, Any]) -> bool:
    for key, value in expected.items():
        if key == "message":
            if value not in finding["message"]:
                return False
        elif finding.get(key) != value:
            return False
    return True


@pytest.mark.parametrize(
    ("blocker", "name", "case"), ALL_CASES, ids=[f"{b}-{n}" for b, n, _ in ALL_CASES]
)
def test_case(tmp_path: Path, blocker: str, name: str, case: dict[str, Any]) -> None:
    tree = build_tree(
        tmp_path,
        case.get("base", "shop"),
        case.get("mutations", []),
        policy=case.get("policy"),
        resign_plan=case.get("resign", True),
        rehash=case.get("rehash", True),
        dir_name=case.get("dir_name"),
    )
    result = tree.result(stages=tuple(case.get("stages", [1])))
    (migration,) = result["migrations"]
    findings = migration["findings"]
    for expected in case.get("expect", []):
        assert any(_matches(f, expected) for f in findings), (
            f"expected {expected}\nfound:\n" + "\n".join(str(f) for f in findings)
        )
    expected_blockers = case.get("blockers", [blocker])
    assert migration["blockers"] == sorted(expected_blockers), "\n".join(str(f) for f in findings)
    for check in migration["checks"]:
        assert check["status"] != "error", f"{check['id']} crashed: {findings}"
