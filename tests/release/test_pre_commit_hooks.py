""".pre-commit-hooks.yaml: well-formed hooks that run an entry point the package installs, with
options its CLI accepts, on the files of migration-pr-* directories."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from typing import Any

import pytest
import yaml_rs

from tests.conftest import REPO, run_cli

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
# The keys pre-commit reads from a hook definition (pre-commit's clientlib MANIFEST_HOOK_DICT).
HOOK_KEYS = {
    "id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or",
    "exclude_types", "additional_dependencies", "args", "always_run", "fail_fast",
    "pass_filenames", "description", "language_version", "log_file", "minimum_pre_commit_version",
    "require_serial", "stages", "verbose",
}  # fmt: skip


def hooks() -> list[dict[str, Any]]:
    data = yaml_rs.loads(HOOKS_FILE.read_text())
    assert isinstance(data, list) and data
    return data


def scripts() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return dict(project["scripts"])


def test_hooks_are_well_formed() -> None:
    ids = [hook["id"] for hook in hooks()]
    assert len(ids) == len(set(ids))
    assert "migration-checks" in ids
    for hook in hooks():
        assert set(hook) <= HOOK_KEYS, set(hook) - HOOK_KEYS
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert hook["pass_filenames"] is False  # the CLI finds the directories itself


@pytest.mark.parametrize("hook", hooks(), ids=lambda h: h["id"])
def test_files_are_those_of_migration_directories(hook: dict[str, Any]) -> None:
    files = re.compile(hook["files"])
    for path in (
        "migration-pr-proj_abc123/.migration_metadata.json",
        "migrations/migration-pr-proj_abc123/plans/signed_plan_plan_x.json",
        "examples/migrations/migration-pr-proj_shop2026/code/sql/orders.sql",
    ):
        assert files.search(path), path
    for path in ("scripts/migration_checks/cli/check.py", "migration-pr-notes.md", "README.md"):
        assert not files.search(path), path


@pytest.mark.parametrize("hook", hooks(), ids=lambda h: h["id"])
def test_entry_is_an_installed_command_with_accepted_options(hook: dict[str, Any]) -> None:
    command, *args = shlex.split(hook["entry"])
    assert command in scripts()
    assert args[0] == "check"
    stages = [int(args[i + 1]) for i, arg in enumerate(args) if arg == "--stage"]
    assert stages and set(stages) <= {1, 2, 4}, "hooks run only the static stages"
    # What pre-commit runs for a user's `args: [--policy FILE, DIR]`: the options parse and the
    # stages named run, on the bundled example, which passes them.
    policy = REPO / "examples/policy/policy.json"
    result = run_cli(*args, "--format", "json", "--policy", str(policy), str(REPO / "examples"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["stages"] == sorted(stages)
