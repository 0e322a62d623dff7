"""The servers and databases of the dry-run tests: the local PostgreSQL and MariaDB, the shared
fixture databases (pagila, chinook, sakila) loaded under names of this test session, and the
migration trees that point a dry run at them.

When a server, a client program or ``../shared/fixtures`` is missing, the tests that need it
are skipped, or fail when ``MIGRATION_CHECKS_REQUIRE_SERVICES=1`` (as ``.ci/run`` sets it).
Every database created here is dropped at the end of the session.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

from tests.conftest import SHARED, Tree, build_tree

REQUIRE = os.environ.get("MIGRATION_CHECKS_REQUIRE_SERVICES") == "1"
FIXTURES = Path(os.environ.get("MIGRATION_CHECKS_FIXTURES") or SHARED / "fixtures")
PG_HOST, PG_PORT = "127.0.0.1", 5432
MY_HOST, MY_PORT = "127.0.0.1", 3306
SESSION = f"{os.getpid()}"
SECRET = "SOURCE_DB"


def unavailable(what: str) -> NoReturn:
    if REQUIRE:
        pytest.fail(f"{what}; MIGRATION_CHECKS_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(what)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.services)


@dataclass(frozen=True)
class Server:
    kind: str  # "postgresql" or "mysql"

    def url(self, database: str = "", *, user: str | None = None, password: str = "") -> str:
        secret = f":{password}" if password else ""
        if self.kind == "postgresql":
            return f"postgresql://{user or 'postgres'}{secret}@{PG_HOST}:{PG_PORT}/{database or 'postgres'}"
        return f"mysql://{user or 'root'}{secret}@{MY_HOST}:{MY_PORT}/{database}"

    def execute(self, statements: list[str], database: str = "") -> None:
        """Run statements as the administrator, autocommitted, with the test's own driver."""
        if self.kind == "postgresql":
            import psycopg

            with psycopg.connect(
                host=PG_HOST, port=PG_PORT, user="postgres", dbname=database or "postgres",
                autocommit=True, connect_timeout=5,
            ) as connection:  # fmt: skip
                for statement in statements:
                    connection.execute(statement.encode())
        else:
            import pymysql

            connection = pymysql.connect(
                host=MY_HOST, port=MY_PORT, user="root", database=database or None,
                autocommit=True, connect_timeout=5,
            )  # fmt: skip
            try:
                with connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
            finally:
                connection.close()

    def script(self, text: str, database: str = "") -> None:
        """Run a SQL script with the server's command-line client, as the fixtures' README does."""
        if self.kind == "postgresql":
            command = ["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres", "-X", "-q",
                       "-v", "ON_ERROR_STOP=1", "-d", database or "postgres"]  # fmt: skip
        else:
            command = ["mariadb", "-h", MY_HOST, "-P", str(MY_PORT), "-u", "root"]
            if database:
                command.append(database)
        if shutil.which(command[0]) is None:
            unavailable(f"the {command[0]} client is not installed")
        done = subprocess.run(command, input=text.encode(), capture_output=True, check=False, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]


def _reachable(server: Server) -> str | None:
    try:
        server.execute(["SELECT 1"])
    except Exception as exc:  # any failure means: not usable here
        return f"{type(exc).__name__}"
    return None


@pytest.fixture(scope="session")
def postgres() -> Server:
    server = Server("postgresql")
    problem = _reachable(server)
    if problem:
        unavailable(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} ({problem})")
    return server


@pytest.fixture(scope="session")
def mariadb() -> Server:
    server = Server("mysql")
    problem = _reachable(server)
    if problem:
        unavailable(f"MariaDB/MySQL is not reachable at {MY_HOST}:{MY_PORT} ({problem})")
    return server


@pytest.fixture(scope="session")
def fixtures() -> Path:
    if not (FIXTURES / "README.md").is_file():
        unavailable(
            f"the shared fixture databases are not at {FIXTURES} (MIGRATION_CHECKS_FIXTURES)"
        )
    return FIXTURES


def _database(server: Server, name: str, load: Callable[[], None]) -> Iterator[str]:
    drop = f'DROP DATABASE IF EXISTS "{name}"' if server.kind == "postgresql" else f"DROP DATABASE IF EXISTS `{name}`"  # fmt: skip
    server.execute([drop])
    try:
        load()
        yield name
    finally:
        server.execute([drop])


@pytest.fixture(scope="session")
def pagila(postgres: Server, fixtures: Path) -> Iterator[str]:
    name = f"mc_pagila_{SESSION}"

    def load() -> None:
        postgres.execute([f'CREATE DATABASE "{name}"'])
        parts = ("pagila-schema.sql", "pagila-data.sql", "pagila-schema-jsonb.sql")
        postgres.script(
            "\n".join((fixtures / "pagila" / p).read_text("utf-8") for p in parts), name
        )

    yield from _database(postgres, name, load)


@pytest.fixture(scope="session")
def chinook_pg(postgres: Server, fixtures: Path) -> Iterator[str]:
    name = f"mc_chinook_{SESSION}"

    def load() -> None:
        text = (fixtures / "chinook" / "Chinook_PostgreSql.sql").read_text("utf-8")
        head, tail = text[:3000], text[3000:]  # the script names its database at the top only
        head = re.sub(
            r"(DATABASE IF EXISTS |CREATE DATABASE |\\c )chinook;", rf"\g<1>{name};", head
        )
        postgres.script(head + tail)

    yield from _database(postgres, name, load)


@pytest.fixture(scope="session")
def chinook_my(mariadb: Server, fixtures: Path) -> Iterator[str]:
    name = f"mc_chinook_{SESSION}"

    def load() -> None:
        text = (fixtures / "chinook" / "Chinook_MySql.sql").read_text("utf-8")
        head, tail = text[:3000], text[3000:]
        mariadb.script(head.replace("`Chinook`", f"`{name}`") + tail)

    yield from _database(mariadb, name, load)


@pytest.fixture(scope="session")
def sakila(mariadb: Server, fixtures: Path) -> Iterator[str]:
    name = f"mc_sakila_{SESSION}"

    def load() -> None:
        # The schema names its database in DROP/CREATE/USE and in its views (sakila.film ...).
        schema = (fixtures / "sakila-mysql" / "sakila-mv-schema.sql").read_text("utf-8")
        mariadb.script(re.sub(r"\bsakila\b", name, schema))
        data = (fixtures / "sakila-mysql" / "sakila-mv-data.sql").read_text("utf-8")
        mariadb.script(data.replace("USE sakila;", f"USE `{name}`;", 1))

    yield from _database(mariadb, name, load)


# migration trees -----------------------------------------------------------------------------


@dataclass
class DryTree:
    tree: Tree

    @property
    def migration(self) -> Path:
        return self.tree.migration

    def result(self) -> dict[str, Any]:
        return self.tree.result(stages=(5,))

    def migration_result(self) -> dict[str, Any]:
        (migration,) = self.result()["migrations"]
        return dict(migration)

    def dry_run_file(self) -> dict[str, Any]:
        import json

        root = Path(os.environ["MIGRATION_CHECKS_DRY_RUN_DIR"])
        return dict(
            json.loads((root / self.migration.name / "dry_run_result.json").read_text("utf-8"))
        )

    def samples(self) -> Path:
        return Path(os.environ["MIGRATION_CHECKS_DRY_RUN_DIR"]) / self.migration.name / "samples"


@pytest.fixture
def dry_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., DryTree]:
    """A copy of the example whose dry run reads ``url`` (a server, through the secret
    SOURCE_DB) or ``sqlite`` (a file copied into the tree), with ``mapping`` as its mapping."""
    counter = iter(range(100))

    def build(
        mapping: dict[str, Any],
        *,
        url: str | None = None,
        sqlite: Path | None = None,
        dry_run: dict[str, Any] | None = None,
    ) -> DryTree:
        tree = build_tree(tmp_path / f"d{next(counter)}", "shop", resign_plan=False, rehash=False)
        root = tree.migration
        (root / "contracts" / "schema_mapping.yml").write_text(
            yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        config_path = root / "configs" / "migration_config.yml"
        config = yaml.safe_load(config_path.read_text("utf-8"))
        if sqlite is not None:
            shutil.copyfile(sqlite, root / "data" / "source.sqlite")
            config["source"] = {"url": "sqlite:///data/source.sqlite"}
        else:
            assert url is not None
            config["source"] = {"url_ref": SECRET}
            refs_path = root / "configs" / "secrets_refs.yml"
            refs = yaml.safe_load(refs_path.read_text("utf-8"))
            refs["secrets"][SECRET] = "vault://kv/data/test#url"
            refs_path.write_text(yaml.safe_dump(refs), encoding="utf-8")
            monkeypatch.setenv(f"MIGRATION_SECRET_{SECRET}", url)
        config["dry_run"].update(dry_run or {})
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return DryTree(tree)

    return build


def blockers(migration: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in migration["findings"] if f["blocker"]]


def quiet_inspector(url: str) -> Any:
    """SQLAlchemy's inspector (the tests' own reflection, apart from the code under test)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    parsed = make_url(url)
    driver = "postgresql+psycopg" if parsed.get_backend_name() == "postgresql" else "mysql+pymysql"
    engine = create_engine(parsed.set(drivername=driver), poolclass=NullPool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return engine, inspect(engine)
