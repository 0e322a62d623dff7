"""The wheel carries what the package loads at run time: schemas, default policy, templates."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from migration_checks.resources import schema_names
from tests.conftest import REPO


def test_the_wheel_carries_schemas_policy_and_templates(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("migration_checks-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in schema_names():
        assert f"migration_checks/schemas/{schema}.schema.json" in names
    assert "migration_checks/data/default_policy.json" in names
    assert "migration_checks/templates/init/.migration_metadata.json" in names
    assert "migration_checks/checks/stage1_structural/plan_signature.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "migration-checks = migration_checks.cli:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )
    assert not any(n.startswith(("tests/", "examples/", "benchmarks/")) for n in names)
