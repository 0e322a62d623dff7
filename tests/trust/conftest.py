"""Repositories for the trust-boundary tests: a base commit, then a pull request's head.

The PR author controls every byte of the head; the tests check that nothing written there turns
a blocked verdict into a passing one (SPEC section 6.1).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import Tree, apply_mutation, build_tree, refresh_hashes, resign, run_cli

IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *IDENTITY, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@dataclass
class Repo:
    """A repository holding a migration: ``base`` is the commit the pull request merges into."""

    tree: Tree
    base: str

    @property
    def root(self) -> Path:
        return self.tree.workspace

    @property
    def migration(self) -> Path:
        return self.tree.migration

    def head(self, mutations: list[dict[str, Any]], message: str = "[MIGRATION] UPDATE: x") -> str:
        """Apply ``mutations`` to the migration (re-hashed and re-signed, as an author would) and
        commit them on the pull request's branch."""
        for mutation in mutations:
            apply_mutation(self.migration, mutation)
        refresh_hashes(self.migration)
        resign(self.migration)
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.root, "rev-parse", "HEAD")

    def check(self, *args: str, stages: tuple[int, ...] = (1,), base: bool = True) -> Result:
        stage_args = [a for s in stages for a in ("--stage", str(s))]
        base_args = ["--base", self.base] if base else []
        return run_cli(
            "check", str(self.root), "--policy", str(self.tree.policy), *stage_args, *base_args,
            *args,
        )  # fmt: skip

    def result(
        self, *args: str, stages: tuple[int, ...] = (1,), base: bool = True
    ) -> dict[str, Any]:
        done = self.check("--format", "json", *args, stages=stages, base=base)
        assert done.exit_code in (0, 1), done.output
        data: dict[str, Any] = json.loads(done.stdout)
        return data


def make_repo(
    tmp: Path,
    base_mutations: list[dict[str, Any]] | None = None,
    *,
    with_migration: bool = True,
    policy: dict[str, Any] | None = None,
) -> Repo:
    """A repository whose base commit holds the example migration after ``base_mutations`` (or
    nothing but a README when ``with_migration`` is false), checked out on a pull request branch."""
    tree = build_tree(tmp, "shop", base_mutations or [], policy=policy)
    git(tree.workspace, "init", "-q", "-b", "main")
    (tree.workspace / "README.md").write_text("migrations\n")
    git(tree.workspace, "add", "README.md" if not with_migration else "-A")
    git(tree.workspace, "commit", "-q", "-m", "base")
    base = git(tree.workspace, "rev-parse", "HEAD")
    git(tree.workspace, "checkout", "-q", "-b", "migration/sqlite-to-s3/proj_shop2026/v3")
    return Repo(tree, base)


@pytest.fixture
def repo_factory(tmp_path: Path) -> Callable[..., Repo]:
    counter = iter(range(100))

    def factory(*args: Any, **kwargs: Any) -> Repo:
        return make_repo(tmp_path / f"r{next(counter)}", *args, **kwargs)

    return factory


METADATA = ".migration_metadata.json"


def at(state: str, target: str) -> list[dict[str, Any]]:
    """Mutations that set the metadata's state and target_state."""
    return [
        {"set": {"file": METADATA, "pointer": "/state", "value": state}},
        {"set": {"file": METADATA, "pointer": "/target_state", "value": target}},
    ]


# The example migration as the base commit holds it after its PROPOSED -> PLANNED pull request
# merged; the example itself is the next pull request, PLANNED -> EXECUTED.
MERGED_AT_PLANNED = at("PROPOSED", "PLANNED")


def findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(result["findings"])
    for migration in result["migrations"]:
        found += migration["findings"]
    return found
