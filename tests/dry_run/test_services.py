"""Without its servers or fixtures, a dry-run test is skipped; with
MIGRATION_CHECKS_REQUIRE_SERVICES=1 (as .ci/run sets it) it fails instead."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize(("require", "outcome"), [("1", "1 error"), ("", "1 skipped")])
def test_missing_fixtures_fail_when_services_are_required(require: str, outcome: str) -> None:
    env = {
        **os.environ,
        "MIGRATION_CHECKS_FIXTURES": str(REPO / "no-such-fixtures"),
        "MIGRATION_CHECKS_REQUIRE_SERVICES": require,
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header",
         "tests/dry_run/test_fixture_databases.py::test_sakila"],
        cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert outcome in done.stdout, done.stdout[-2000:]
    assert (done.returncode != 0) == bool(require)
    if require:
        assert "MIGRATION_CHECKS_REQUIRE_SERVICES=1 requires it" in done.stdout
