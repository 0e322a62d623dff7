"""Migration trees for the gate's tests: the bundled example, re-signed with the test key, with
its approval records' digests recomputed (as examples/regenerate.py computes them)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Tree

NOW = "2026-11-10T00:00:00Z"  # after both example approvals, before the second one expires
BRANCH = "migration/sqlite-to-s3/proj_shop2026/v3"
RECORDS = "evidence/approval_records.json"
PLAN = "plans/signed_plan_plan_shop2026.json"
METADATA = ".migration_metadata.json"
# A plan signed under a key id the policy does not trust (use with resign_plan=False).
ROGUE_KEY = {"set": {"file": PLAN, "pointer": "/signature/key_id", "value": "rogue"}}


def manifest_digest(root: Path, paths: list[str]) -> str:
    lines = "".join(
        f"{hashlib.sha256((root / p).read_bytes()).hexdigest()}  {p}\n" for p in sorted(paths)
    )
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def load_records(root: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((root / RECORDS).read_text())["approvals"]
    return records


def save_records(root: Path, records: list[dict[str, Any]], *, rehash: bool = True) -> None:
    if rehash:
        for record in records:
            paths = record.get("artifacts_reviewed")
            if isinstance(paths, list) and all(isinstance(p, str) for p in paths):
                with contextlib.suppress(OSError):
                    record["sha256_reviewed"] = manifest_digest(
                        root, [p.removeprefix("./") for p in paths]
                    )
    (root / RECORDS).write_text(json.dumps({"approvals": records}, indent=2) + "\n")


def gate_tree(
    make_tree: Callable[..., Tree], mutations: list[dict[str, Any]] | None = None, **kw: Any
) -> Tree:
    """The example with valid records for PLANNED_to_EXECUTED (jsmith data_owner, lchen security).

    Neither its policy (gate.required_stages: []) nor its metadata (ci_checks_required: [])
    requires a stage result unless the test says so: these trees test approvals and pull-request
    rules; tests/gate/test_required_stages.py tests the rest.
    """
    policy = {"/gate": {"required_stages": []}, **kw.pop("policy", {})}
    no_checks = {"set": {"file": METADATA, "pointer": "/ci_checks_required", "value": []}}
    tree = make_tree("shop", [no_checks, *(mutations or [])], policy=policy, **kw)
    save_records(tree.migration, load_records(tree.migration))
    return tree


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def git_repo(workspace: Path, messages: list[str], *, branch: str = BRANCH) -> None:
    """Make ``workspace`` a repository: a base commit on main without the migration, then one
    commit per message on ``branch`` (the first adds the migration directory, new in the pull
    request, so it starts at an initial state of the policy)."""
    git(workspace, "init", "-q", "-b", "main")
    (workspace / "README.md").write_text("the repository\n")
    git(workspace, "add", "README.md")
    git(workspace, "commit", "-q", "-m", "base")
    git(workspace, "checkout", "-q", "-b", branch)
    for index, message in enumerate(messages):
        (workspace / f"change_{index}.txt").write_text(str(index))
        git(workspace, "add", "-A")
        git(workspace, "commit", "-q", "-m", message)


def base_args(tree: Tree, args: tuple[str, ...]) -> list[str]:
    """``--base main`` for a gate run, unless the test passes its own ``--base``: the workspace
    becomes a repository whose base commit lacks the migration (new in the pull request, at a
    state the example policy lets a migration start at)."""
    if any(a == "--base" or a.startswith("--base=") for a in args):
        return []
    if not (tree.workspace / ".git").exists():
        git_repo(tree.workspace, [])
    return ["--base", "main"]
