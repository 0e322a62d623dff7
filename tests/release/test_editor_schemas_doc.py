"""docs/editor-schemas.md says true things: every schema it names exists, the table maps every
artifact to its schema, a YAML modeline leaves the checks passing and a "$schema" key in a JSON
artifact does not (except in the policy)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from migration_checks.artifacts import ARTIFACTS, PARALLEL_RUN_SCHEMA
from tests.conftest import REPO, run_cli

DOC = REPO / "docs/editor-schemas.md"
SCHEMAS = REPO / "schemas"
EXAMPLE = REPO / "examples/migrations/migration-pr-proj_shop2026"
POLICY = REPO / "examples/policy/policy.json"
RAW = "https://raw.githubusercontent.com/org/migration-checks/v1/schemas/"


def test_every_schema_the_doc_names_exists_and_the_table_is_complete() -> None:
    text = DOC.read_text()
    named = set(re.findall(r"schemas/(\w+)\.schema\.json", text))
    assert named
    assert {f"{n}.schema.json" for n in named} <= {p.name for p in SCHEMAS.iterdir()}
    table = dict(re.findall(r"^\| `([^`]+)`[^|]*\| `(\w+)` \|$", text, re.M))
    for artifact in ARTIFACTS:
        assert table.get(artifact.path) == artifact.schema, artifact.path
    assert table["reconciliation/parallel_runs/run_NNN.json"] == PARALLEL_RUN_SCHEMA
    assert set(table.values()) | {"policy", "check_result", "defs"} >= {
        p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")
    }


def test_only_the_policy_schema_accepts_a_dollar_schema_key() -> None:
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        if path.name == "defs.schema.json":
            continue
        declares = "$schema" in schema.get("properties", {})
        assert declares == (path.name == "policy.schema.json"), path.name
        assert schema["additionalProperties"] is False, path.name


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    shutil.copytree(EXAMPLE, root / EXAMPLE.name)
    return root


def check(root: Path, policy: Path = POLICY) -> tuple[int, dict[str, object]]:
    result = run_cli(
        "check", "--stage", "1", "--stage", "2", "--format", "json", "--policy", str(policy),
        str(root),
    )  # fmt: skip
    return result.exit_code, json.loads(result.output)


def test_a_yaml_modeline_changes_nothing(example: Path) -> None:
    migration = example / EXAMPLE.name
    for name in ("contracts/schema_mapping", "configs/migration_config", "configs/recon_config"):
        path = migration / f"{name}.yml"
        schema = Path(name).name
        path.write_text(
            f"# yaml-language-server: $schema={RAW}{schema}.schema.json\n" + path.read_text()
        )
    assert check(example)[0] == 0


def test_a_dollar_schema_key_blocks_a_json_artifact_but_not_the_policy(
    example: Path, tmp_path: Path
) -> None:
    policy = json.loads(POLICY.read_text())
    with_key = tmp_path / "policy.json"
    with_key.write_text(json.dumps({"$schema": f"{RAW}policy.schema.json", **policy}))
    assert check(example, with_key)[0] == 0

    metadata = example / EXAMPLE.name / ".migration_metadata.json"
    data = json.loads(metadata.read_text())
    metadata.write_text(json.dumps({"$schema": f"{RAW}migration_metadata.schema.json", **data}))
    code, result = check(example)
    assert code == 1
    assert "MISSING_METADATA" in result["blockers"]  # type: ignore[operator]
