"""The wheel carries what the package loads at run time: schemas, default policy, templates; the
wheel and the sdist carry the license pyproject.toml declares."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

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
    dist_info = entry_points.rsplit("/", 1)[0]
    assert f"{dist_info}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()


# sha256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the text pyproject's license names.
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def test_the_license_is_the_apache_2_0_text() -> None:
    assert hashlib.sha256((REPO / "LICENSE").read_bytes()).hexdigest() == APACHE_2_0_SHA256


def test_the_sdist_carries_the_package_the_schemas_and_the_license(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hatchling.build import build_sdist

    monkeypatch.chdir(REPO)
    archive = tmp_path / build_sdist(str(tmp_path))
    with tarfile.open(archive) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for required in ("LICENSE", "README.md", "pyproject.toml", "PKG-INFO"):
        assert required in names
    assert "scripts/migration_checks/__init__.py" in names
    for schema in schema_names():
        assert f"schemas/{schema}.schema.json" in names
    # The include patterns are anchored: no tests/schemas/ or nested README.md rides along.
    assert not any(
        name.startswith(("tests/", "examples/", "benchmarks/", "requirements/")) for name in names
    )
