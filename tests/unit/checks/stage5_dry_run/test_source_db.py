"""Resolving the source, the read-only SQLite session, timeouts, and the dry-run result file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migration_checks import source_db
from migration_checks.context import MigrationContext, Skip
from migration_checks.model import CheckOutcome, Status
from migration_checks.policy import load_policy
from migration_checks.source_db.connection import SourceError, connect, from_fork, resolve
from tests.conftest import Tree


def _context(tree: Tree) -> MigrationContext:
    return MigrationContext(tree.migration.resolve(), "m", load_policy(tree.policy))


def _url_ref(name: str = "SHOP_DB") -> list[dict[str, Any]]:
    return [
        {"replace": {"file": "configs/migration_config.yml", "old": 'url: "sqlite:///data/shop.sqlite"', "new": f"url_ref: {name}"}},
        {"replace": {"file": "configs/secrets_refs.yml", "old": "secrets:", "new": f'secrets:\n  {name}: "vault://kv/shop#url"'}},
    ]  # fmt: skip


def _reason(tree: Tree) -> str:
    ctx = _context(tree)
    with pytest.raises(SourceError) as caught:
        resolve(ctx, ctx.require("migration_config"))
    return caught.value.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("not a url", "is not a database URL"),
        ("sqlite:///data/shop.sqlite", "names a local file"),
        ("oracle://u:p@h/db", 'names "oracle"'),
        ("mssql+pyodbc://u:p@h/db", 'names "mssql"'),
    ],
)
def test_secret_values_that_name_no_server(
    value: str, expected: str, make_tree: Callable[..., Tree], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGRATION_SECRET_SHOP_DB", value)
    reason = _reason(make_tree(mutations=_url_ref()))
    assert expected in reason and "u:p" not in reason and value not in reason


def test_a_secret_url_keeps_only_host_port_and_database(
    make_tree: Callable[..., Tree], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "MIGRATION_SECRET_SHOP_DB", "postgres://reader:s3cret@db.internal:6432/shop?sslmode=require"
    )
    ctx = _context(make_tree(mutations=_url_ref()))
    endpoint = resolve(ctx, ctx.require("migration_config"))
    assert endpoint.label == "postgresql at db.internal:6432/shop"
    assert endpoint.url is not None and endpoint.url.drivername == "postgresql+psycopg"
    assert endpoint.url.query == {"sslmode": "require"}


def test_the_reusable_workflows_bundle_supplies_a_secret(
    make_tree: Callable[..., Tree], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MIGRATION_SECRET_SHOP_DB", raising=False)
    monkeypatch.setenv(
        "MIGRATION_SECRETS",
        "# one NAME=value line per secret\nOTHER_DB=mysql://x:y@elsewhere/db\n"
        "SHOP_DB = postgresql://reader:s3cret@db.internal:5432/shop\n",
    )
    ctx = _context(make_tree(mutations=_url_ref()))
    endpoint = resolve(ctx, ctx.require("migration_config"))
    assert endpoint.label == "postgresql at db.internal:5432/shop"
    monkeypatch.setenv("MIGRATION_SECRET_SHOP_DB", "mysql://r:p@direct:3306/shop")
    endpoint = resolve(ctx, ctx.require("migration_config"))
    assert endpoint.label == "mysql at direct:3306/shop"  # the direct variable wins
    monkeypatch.setenv("MIGRATION_SECRETS", "SHOP_DBX=postgresql://a:b@h/d\n")
    monkeypatch.delenv("MIGRATION_SECRET_SHOP_DB")
    assert "nor a SHOP_DB= line of MIGRATION_SECRETS" in _reason(make_tree(mutations=_url_ref()))


def test_on_a_fork_the_missing_secret_says_why(
    make_tree: Callable[..., Tree], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {
        "head": {"repo": {"full_name": "someone/shop", "fork": True}},
        "base": {"repo": {"full_name": "org/shop", "fork": False}},
    }}))  # fmt: skip
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.delenv("MIGRATION_SECRET_SHOP_DB", raising=False)
    assert from_fork()
    reason = _reason(make_tree(mutations=_url_ref()))
    assert "MIGRATION_SECRET_SHOP_DB" in reason
    assert "comes from a fork, and GitHub does not pass secrets" in reason
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    assert not from_fork()


def test_the_sqlite_session_cannot_write_and_is_interrupted_by_the_timeout(
    make_tree: Callable[..., Tree],
) -> None:
    tree = make_tree()
    ctx = _context(tree)
    session = connect(resolve(ctx, ctx.require("migration_config")), 0.3)
    before = (tree.migration / "data" / "shop.sqlite").read_bytes()
    try:
        assert session.read_only()
        for statement in (
            "DELETE FROM orders",
            "CREATE TABLE intruder (id int)",
            "PRAGMA query_only = 0",
        ):
            with (
                pytest.raises(SourceError, match=r"tried to write|refused"),
                session.read("write") as connection,
            ):
                connection.exec_driver_sql(statement)
                connection.exec_driver_sql("DELETE FROM orders")
        endless = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
        )
        with (
            pytest.raises(SourceError, match=r"ran longer than the 0\.3 s timeout"),
            session.read("count forever") as connection,
        ):
            connection.exec_driver_sql(endless).scalar()
    finally:
        session.close()
    assert (tree.migration / "data" / "shop.sqlite").read_bytes() == before
    assert sorted(p.name for p in (tree.migration / "data").iterdir()) == [
        "shop.sqlite"
    ]  # no journal


def test_the_result_file_and_the_closed_session(make_tree: Callable[..., Tree]) -> None:
    tree = make_tree()
    ctx = _context(tree)
    run = source_db.dry_run(ctx)
    assert source_db.dry_run(ctx) is run  # one per directory
    session = run.session()
    outcomes = [
        CheckOutcome(
            check_id="connection_test", stage=5, blocking=True, status=Status.PASSED, duration_ms=1
        ),
        CheckOutcome(
            check_id="extract_sample",
            stage=5,
            blocking=True,
            status=Status.SKIPPED,
            duration_ms=1,
            reason="the source could not be used",
        ),
    ]
    run.write_evidence(run.evidence(outcomes))
    data = json.loads(run.result_path.read_text("utf-8"))
    assert data["success"] is False  # a blocking check did not pass
    assert data["checks"]["connection_test"]["status"] == "passed"
    assert data["checks"]["extract_sample"]["reason"] == "the source could not be used"
    assert data["source"]["backend"] == "sqlite" and data["project_id"] == "proj_shop2026"
    ctx.close()
    with pytest.raises(SourceError, match="not connected"), session.read("read after close"):
        pass


def test_an_unusable_config_skips(make_tree: Callable[..., Tree]) -> None:
    tree = make_tree(
        mutations=[{"delete": {"file": "configs/migration_config.yml", "pointer": "/dry_run"}}]
    )
    run = source_db.dry_run(_context(tree))
    with pytest.raises(Skip):
        run.connect()


def test_a_literal_url_is_never_echoed(make_tree: Callable[..., Tree]) -> None:
    for value, kind in (("pg.internal:5432/shop?password=hunter2", "unrecognised"), ("mysql://u:hunter2@db/shop", "mysql")):  # fmt: skip
        tree = make_tree(mutations=[{"replace": {"file": "configs/migration_config.yml", "old": "sqlite:///data/shop.sqlite", "new": value}}])  # fmt: skip
        reason = _reason(tree)
        assert f'source.url is a "{kind}" URL' in reason and "hunter2" not in reason


def test_an_unwritable_evidence_directory_is_a_finding(
    make_tree: Callable[..., Tree], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("MIGRATION_CHECKS_DRY_RUN_DIR", str(blocked))
    (migration,) = make_tree().result(stages=(5,))["migrations"]
    found = {(f["check"], f["severity"]): f["message"] for f in migration["findings"]}
    assert found[("connection_test", "warning")].startswith(
        f"the dry-run evidence cannot be written under {blocked}"
    )
    assert found[("extract_sample", "error")].startswith(
        f"the samples cannot be written under {blocked}"
    )
