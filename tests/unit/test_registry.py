"""Meta-tests: the registry is complete, matches SPEC section 5, and every check has cases."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest

from migration_checks import checks
from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.catalogue import SPEC_CHECKS, expand_required
from migration_checks.model import Stage
from migration_checks.registry import ALL_CHECKS, BY_ID
from tests.cases.test_cases import ALL_CASES
from tests.conftest import SHARED

SPEC = SHARED / "SPEC.md"


def test_fifteen_blockers_with_the_seeds_texts() -> None:
    assert len(BlockerId) == 15
    assert set(BLOCKERS) == set(BlockerId)
    assert BLOCKERS[BlockerId.UNSIGNED_PLAN].resolution == "Re-generate signed plan"
    assert (
        BLOCKERS[BlockerId.RECON_MAJOR_UNACK].condition == "Reconciliation has unacknowledged MAJOR"
    )


def test_every_check_module_is_registered() -> None:
    modules = {
        name.rsplit(".", 1)[-1]
        for _, name, is_package in pkgutil.walk_packages(checks.__path__, f"{checks.__name__}.")
        if not is_package and not name.rsplit(".", 1)[-1].startswith("_")
    }
    assert modules == set(BY_ID)


def test_stage_one_matches_spec() -> None:
    stage_one = [check.id for check in ALL_CHECKS if check.stage is Stage.STRUCTURAL]
    expected = [cid for cid, (stage, _) in SPEC_CHECKS.items() if stage is Stage.STRUCTURAL]
    assert stage_one == expected
    assert all(check.blocking for check in ALL_CHECKS if check.stage is Stage.STRUCTURAL)


@pytest.mark.skipif(not SPEC.exists(), reason="the shared SPEC.md is not next to this checkout")
def test_catalogue_matches_the_spec_table() -> None:
    table = (
        SPEC.read_text(encoding="utf-8").split("## 5. Checks", 1)[1].split("**One problem", 1)[0]
    )
    found: dict[str, tuple[int, bool]] = {}
    stage = 0
    for row in re.findall(r"^\| (\d[^|]*|) *\| ([^|]+)\| (yes|no) \|", table, re.MULTILINE):
        if row[0].strip():
            stage = int(row[0].split()[0])
        for check_id in row[1].split(","):
            found[check_id.strip()] = (stage, row[2] == "yes")
    assert found == {cid: (int(stage), blocking) for cid, (stage, blocking) in SPEC_CHECKS.items()}


def test_blocking_checks_declare_blockers_and_docs() -> None:
    for check in ALL_CHECKS:
        assert bool(check.raises) == check.blocking
        assert check.summary and not check.summary.endswith(".")
        assert check.section("Passes"), f"{check.id} docstring lacks Passes:"
        assert check.section("Fails"), f"{check.id} docstring lacks Fails:"


def test_every_raised_blocker_and_every_check_has_a_failing_case() -> None:
    blockers_with_cases = {blocker for blocker, _, _ in ALL_CASES}
    checks_with_cases: set[str] = set()
    pairs_with_cases: set[tuple[str, str]] = set()
    for blocker, _, case in ALL_CASES:
        for expected in case.get("expect", []):
            checks_with_cases.add(expected["check"])
            pairs_with_cases.add((expected["check"], expected.get("blocker", blocker)))
    for check in ALL_CHECKS:
        assert check.id in checks_with_cases, f"no failing case for {check.id}"
        for blocker in check.raises:
            assert blocker.value in blockers_with_cases, f"no case file raises {blocker}"
            assert (check.id, blocker.value) in pairs_with_cases, (
                f"no case where {check.id} raises {blocker}"
            )


def test_case_files_are_named_after_blockers() -> None:
    # BLOCKER.yml, or BLOCKER.PART.yml where one blocker's cases are split by stage.
    for path in (Path(__file__).parents[1] / "cases").glob("*.yml"):
        blocker = path.name.split(".", 1)[0]
        assert blocker in BlockerId.__members__, path.name
        assert f"blocker: {blocker}\n" in path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("schema_validation", ["schema_validation"]),
        ("validate_schema_mapping", ["schema_validation"]),
        ("dry_run_extract", ["extract_sample"]),
        ("stage_1_structural", [c for c, (s, _) in SPEC_CHECKS.items() if s is Stage.STRUCTURAL]),
        ("security_scan", ["secrets_scan", "credential_validation", "dependency_scan"]),
        ("policy_compliance", [c for c, (s, _) in SPEC_CHECKS.items() if s is Stage.POLICY]),
        ("post_execution", ["recon_severity", "parallel_run_progress", "trend_analysis"]),
        ("stage_3_code", ["lint_python", "lint_sql", "lint_yaml", "unit_tests", "type_check"]),
        ("lint_cobol", None),
    ],
)
def test_expand_required(name: str, expected: list[str] | None) -> None:
    assert expand_required(name) == expected


def test_readme_tables_are_generated_from_the_registry() -> None:
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / "generate_docs.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
