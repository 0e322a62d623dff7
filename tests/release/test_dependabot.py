""".github/dependabot.yml: valid for Dependabot, watching what is pinned, never the suite's own
placeholder pins."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml_rs

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".github/dependabot.yml"


SKIP = {".git", ".ci", ".venv", "node_modules", "examples", "__pycache__"}


def yaml_files() -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in SKIP]
        found += [Path(directory, f) for f in files if f.endswith((".yml", ".yaml"))]
    return found


def updates() -> dict[str, dict[str, Any]]:
    data = yaml_rs.loads(CONFIG.read_text())
    return {entry["package-ecosystem"]: entry for entry in data["updates"]}


def test_valid_against_the_dependabot_schema() -> None:
    # check-jsonschema's vendored copy of SchemaStore's dependabot-2.0 schema: no network.
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.dependabot", str(CONFIG)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_directory_with_a_pin_is_watched() -> None:
    actions = updates()["github-actions"]
    watched = {
        path.relative_to(ROOT)
        for pattern in actions["directories"]
        for path in (ROOT.glob(pattern.lstrip("/")) if pattern != "/" else [ROOT])
    }
    # Every workflow or action file with a `uses: owner/repo@sha` line sits in a watched
    # directory ("/" stands for action.yml and .github/workflows/).
    uses = re.compile(r"^\s*(?:-\s+)?uses:\s*['\"]?[\w.-]+/[\w.-]+[^@\s]*@", re.M)
    pinned = {
        path.parent.relative_to(ROOT) for path in yaml_files() if uses.search(path.read_text())
    }
    pinned = {Path() if d == Path(".github/workflows") else d for d in pinned}
    assert pinned <= watched, pinned - watched
    assert {Path("actions/stage-1"), Path("actions/gate")} <= watched


def test_the_suites_own_pins_are_left_to_the_release() -> None:
    ignored = [rule["dependency-name"] for rule in updates()["github-actions"]["ignore"]]
    assert "org/migration-checks" in ignored


def test_only_the_locks_move() -> None:
    pip = updates()["pip"]
    assert pip["directory"] == "/requirements"
    assert pip["versioning-strategy"] == "lockfile-only"
    assert sorted((ROOT / "requirements").glob("*.in"))
    for entry in updates().values():
        assert entry["schedule"]["interval"] == "weekly"
        assert entry["groups"], "one grouped pull request per ecosystem"
