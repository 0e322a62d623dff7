"""Shared test fixtures: migration trees built from a base plus mutations, signed with a
session key, and a policy that trusts that key."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from migration_checks import signing
from migration_checks.cli import main

REPO = Path(__file__).resolve().parents[1]

BASES = {
    "shop": REPO / "examples" / "migrations" / "migration-pr-proj_shop2026",
    "proposed": REPO / "tests" / "fixtures" / "trees" / "migration-pr-proj_tiny0001",
}
BASE_POLICY = REPO / "examples" / "policy" / "policy.json"
# The read-only folder beside the project's checkout (SPEC.md, fixtures/, corpora/), or where
# MIGRATION_CHECKS_SHARED says (.ci/run sets it for a clone made elsewhere).
SHARED = Path(os.environ.get("MIGRATION_CHECKS_SHARED") or REPO.parent / "shared")
# dependency_scan reads this local OSV directory in every test (in-process and in the CLI
# subprocesses, which inherit it): no test depends on reaching api.osv.dev.
OSV_DIRECTORY = REPO / "tests" / "fixtures" / "osv"
os.environ["MIGRATION_CHECKS_OSV_DIR"] = str(OSV_DIRECTORY)
KEY_ID = "test-planner"
_KEY = signing.generate_private_key()


def sign_plan_file(path: Path, key_id: str = KEY_ID) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(
        json.dumps(signing.sign_plan(data, _KEY, key_id), indent=2) + "\n", encoding="utf-8"
    )


def public_key() -> str:
    return signing.public_key_base64(_KEY)


def set_pointer(data: Any, pointer: str, value: Any, *, delete: bool = False) -> Any:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        if delete:
            del node[int(last)]
        elif last == "-":
            node.append(value)
        else:
            node[int(last)] = value
    elif delete:
        del node[last]
    else:
        node[last] = value
    return data


def _load_structured(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump_structured(path: Path, data: Any) -> None:
    if path.suffix == ".json":
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        import yaml

        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def apply_mutation(root: Path, mutation: dict[str, Any]) -> None:
    ((kind, spec),) = mutation.items()
    if kind == "sign":
        sign_plan_file(root / spec)
        return
    if kind == "remove":
        target = root / spec
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        return
    path = root / spec["file"]
    if kind in ("set", "delete"):
        data = _load_structured(path)
        set_pointer(
            data, spec["pointer"], copy.deepcopy(spec.get("value")), delete=kind == "delete"
        )
        _dump_structured(path, data)
    elif kind == "replace":
        text = path.read_text(encoding="utf-8")
        assert spec["old"] in text, f"{spec['old']!r} not in {spec['file']}"
        path.write_text(
            text.replace(spec["old"], spec["new"], spec.get("count", -1)), encoding="utf-8"
        )
    elif kind == "write":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec["content"], encoding="utf-8")
    elif kind == "write_bytes":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes.fromhex(spec["hex"]) * spec.get("repeat", 1))
    elif kind == "symlink":
        if path.exists() or path.is_symlink():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(spec["target"])
    elif kind == "fifo":
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
    elif kind == "rename":
        path.rename(root / spec["to"])
    elif kind == "sqlite":  # SQL run on a SQLite file of the tree (the dry run's source)
        import sqlite3

        connection = sqlite3.connect(path)
        try:
            connection.executescript(spec["sql"])
            connection.commit()
        finally:
            connection.close()
    else:
        raise ValueError(f"unknown mutation {kind}")


def refresh_hashes(root: Path) -> None:
    """Recompute the evidence links' sha256 and the plan's profiling sha256 after a mutation."""
    links = root / "evidence" / "evidence_links.json"
    plans = sorted((root / "plans").glob("signed_plan_*.json")) if (root / "plans").is_dir() else []
    for plan_path in plans:
        try:
            plan = json.loads(plan_path.read_text(encoding="utf-8"))
            report = root / plan["plan"]["profiling"]["report"]
            plan["plan"]["profiling"]["sha256"] = hashlib.sha256(report.read_bytes()).hexdigest()
            plan_path.write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")
        except (ValueError, KeyError, TypeError, OSError):
            pass
    try:
        data = json.loads(links.read_text(encoding="utf-8"))
        for artifact in data["artifacts"]:
            target = root / artifact.get("path", "\0")
            if "path" in artifact and target.is_file() and not target.is_symlink():
                artifact["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
        links.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except (ValueError, KeyError, TypeError, OSError):
        pass


def resign(root: Path) -> None:
    for plan_path in (
        sorted((root / "plans").glob("signed_plan_*.json")) if (root / "plans").is_dir() else []
    ):
        if plan_path.is_symlink():
            continue
        # A plan a case broke on purpose stays as it is.
        with contextlib.suppress(ValueError, KeyError, TypeError):
            sign_plan_file(plan_path)


@dataclass
class Tree:
    """A migration tree in a temporary directory, with the policy that trusts the test key."""

    workspace: Path
    migration: Path
    policy: Path

    def run(self, *args: str, stages: tuple[int, ...] = (1,)) -> Result:
        stage_args = [a for s in stages for a in ("--stage", str(s))]
        return run_cli(
            "check", str(self.workspace), "--policy", str(self.policy), *stage_args, *args
        )

    def result(self, stages: tuple[int, ...] = (1,)) -> dict[str, Any]:
        outcome = self.run("--format", "json", stages=stages)
        assert outcome.exit_code in (0, 1), outcome.output
        return json.loads(outcome.stdout)


def build_tree(
    tmp: Path,
    base: str = "shop",
    mutations: list[dict[str, Any]] | None = None,
    *,
    policy: dict[str, Any] | None = None,
    resign_plan: bool = True,
    rehash: bool = True,
    dir_name: str | None = None,
) -> Tree:
    workspace = tmp / "workspace"
    source = BASES[base]
    migration = workspace / (dir_name or source.name)
    shutil.copytree(source, migration, symlinks=True)
    for mutation in mutations or []:
        apply_mutation(migration, mutation)
    if rehash:
        refresh_hashes(migration)
    if resign_plan:
        resign(migration)
    policy_data = json.loads(BASE_POLICY.read_text(encoding="utf-8"))
    policy_data["signing"]["trusted_keys"] = [
        {"key_id": KEY_ID, "algorithm": "ed25519", "public_key": public_key()}
    ]
    for pointer, value in (policy or {}).items():
        set_pointer(policy_data, pointer, value)
    policy_path = tmp / "policy.json"
    policy_path.write_text(json.dumps(policy_data, indent=2) + "\n", encoding="utf-8")
    return Tree(workspace, migration, policy_path)


def run_cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[..., Tree]:
    counter = iter(range(1000))

    def factory(
        base: str = "shop", mutations: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> Tree:
        return build_tree(tmp_path / f"t{next(counter)}", base, mutations, **kwargs)

    return factory


@pytest.fixture(autouse=True)
def _dry_run_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stage 5 writes dry_run_result.json and its Parquet samples in a directory of the test's own."""
    monkeypatch.setenv("MIGRATION_CHECKS_DRY_RUN_DIR", str(tmp_path_factory.mktemp("dry-run")))


@pytest.fixture
def chdir_tmp(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)
