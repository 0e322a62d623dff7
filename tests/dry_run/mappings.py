"""Complete mappings of real databases, written the way a planner would write them: every table
(partitions once, through their parent) and view, every column with the type SQLAlchemy's
inspector reports (compiled in the source dialect) and a Spark target type.

The inspector is independent of the code under test (which reads the catalog with its own
queries), so a dry run over these mappings checks that two readings of one catalog agree.
"""

from __future__ import annotations

import re
import sqlite3
import warnings
from pathlib import Path
from typing import Any

from tests.dry_run.conftest import quiet_inspector

SPARK = {"system": "s3", "format": "parquet", "dialect": "spark"}


def target_type(sa_type: Any) -> str:
    """A Spark type that holds every value of a reflected SQLAlchemy type."""
    from sqlalchemy import types
    from sqlalchemy.dialects import mysql, postgresql

    if isinstance(sa_type, postgresql.DOMAIN):
        return target_type(sa_type.data_type)
    if isinstance(sa_type, types.Boolean):
        return "boolean"
    if isinstance(sa_type, types.Enum | mysql.SET):
        return "string"
    if isinstance(sa_type, mysql.YEAR):
        return "int"
    if isinstance(sa_type, types.Integer):
        unsigned = getattr(sa_type, "unsigned", False)
        if isinstance(sa_type, types.BigInteger):
            return "decimal(20,0)" if unsigned else "bigint"
        return "bigint" if unsigned or not isinstance(sa_type, types.SmallInteger) else "int"
    if isinstance(sa_type, types.Float):
        return "double"
    if isinstance(sa_type, types.Numeric):
        if sa_type.precision is None:
            return "decimal(38,10)"
        return f"decimal({sa_type.precision},{sa_type.scale or 0})"
    if isinstance(sa_type, types.DateTime):
        return "timestamp"
    if isinstance(sa_type, types.Date):
        return "date"
    if isinstance(sa_type, types.ARRAY):
        return f"array<{target_type(sa_type.item_type)}>"
    if isinstance(sa_type, types.LargeBinary | types._Binary):
        return "binary"
    return "string"


def source_type(sa_type: Any, dialect: Any, fallback: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            spelled = str(sa_type.compile(dialect=dialect))
        except Exception:
            return fallback
    if spelled == "NULL":  # a type SQLAlchemy does not know
        return fallback
    return re.sub(r"\s+(CHARACTER SET|COLLATE)\s+\w+", "", spelled)


def complete_mapping(
    url: str,
    dialect: str,
    *,
    schema: str | None,
    qualify: str | None = None,
    pii: dict[tuple[str, str], str] | None = None,
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    engine, inspector = quiet_inspector(url)
    pii = pii or {}
    partitions = _partitions(engine) if dialect == "postgres" else set()
    fallbacks = _data_types(engine, schema) if dialect == "mysql" else {}
    datasets = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = [*inspector.get_table_names(schema), *inspector.get_view_names(schema)]
        if dialect == "postgres":
            names += inspector.get_materialized_view_names(schema)
        for table in sorted(set(names) - partitions - set(skip)):
            columns = []
            for column in inspector.get_columns(table, schema):
                name = column["name"]
                entry: dict[str, Any] = {
                    "source": {
                        "name": name,
                        "type": source_type(
                            column["type"], engine.dialect, fallbacks.get((table, name), "text")
                        ),
                    },
                    "target": {"name": name.lower(), "type": target_type(column["type"])},
                    "nullable": bool(column["nullable"]),
                }
                if (table, name) in pii:
                    entry["pii"] = pii[(table, name)]
                columns.append(entry)
            source = f"{qualify}.{table}" if qualify else table
            datasets.append({"source": source, "target": table.lower(), "columns": columns})
    engine.dispose()
    return {
        "version": 1,
        "source": {"system": dialect, "dialect": dialect},
        "target": SPARK,
        "datasets": datasets,
    }


def _partitions(engine: Any) -> set[str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT relname FROM pg_class WHERE relispartition")
        return {name for (name,) in rows}


def _data_types(engine: Any, schema: str | None) -> dict[tuple[str, str], str]:
    """MySQL's own type names, for the columns SQLAlchemy cannot type (spatial ones)."""
    from sqlalchemy import text

    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = :schema"
            ),
            {"schema": schema},
        )
        return {(table, column): data_type for table, column, data_type in rows}


def sqlite_mapping(path: Path, pii: dict[tuple[str, str], str]) -> dict[str, Any]:
    """The complete mapping of a SQLite file, from its declared column types."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        datasets = []
        for table in tables:
            columns = []
            for _, name, declared, notnull, _, pk in connection.execute(
                f'PRAGMA table_info("{table}")'
            ):
                upper = declared.upper()
                target = (
                    "bigint" if "INT" in upper
                    else re.sub(r"NUMERIC", "decimal", declared.lower()) if "NUMERIC" in upper
                    else "timestamp" if "DATE" in upper
                    else "string"
                )  # fmt: skip
                entry: dict[str, Any] = {
                    "source": {"name": name, "type": declared},
                    "target": {"name": name.lower(), "type": target},
                    "nullable": not notnull and not (pk and upper == "INTEGER"),
                }
                if (table, name) in pii:
                    entry["pii"] = pii[(table, name)]
                columns.append(entry)
            datasets.append({"source": table, "target": table.lower(), "columns": columns})
    finally:
        connection.close()
    return {
        "version": 1,
        "source": {"system": "sqlite", "dialect": "sqlite"},
        "target": SPARK,
        "datasets": datasets,
    }
