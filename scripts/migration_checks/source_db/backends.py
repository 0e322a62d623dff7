"""What differs between PostgreSQL, MySQL/MariaDB and SQLite: how a session is made read-only
and given timeouts, how the catalog is read, how sizes are measured and how errors are told.

Read-only by construction:

- PostgreSQL (psycopg 3): the session starts with ``default_transaction_read_only=on``, every
  step runs in a ``READ ONLY`` transaction (SQLAlchemy's ``postgresql_readonly``) and is rolled
  back; ``statement_timeout`` and ``lock_timeout`` are the config's ``timeout_seconds``,
  ``connect_timeout`` too (libpq's minimum is 2 s). ``TimeZone=UTC`` and ISO interval output
  make values arrive as instants in UTC and intervals with their months.
- MySQL / MariaDB (PyMySQL): ``SET SESSION TRANSACTION READ ONLY`` when connecting, then
  ``START TRANSACTION READ ONLY`` for every step, rolled back; ``max_statement_time``
  (MariaDB) or ``max_execution_time`` (MySQL) and the driver's connect and read timeouts;
  ``time_zone='+00:00'``.
- SQLite: the file is opened as a URI with ``mode=ro&immutable=1`` (no journal, no lock, no
  write), ``PRAGMA query_only=1`` and ``trusted_schema=0``; a progress handler interrupts a
  statement that outlives the timeout.

The proof ``connection_test`` reports reads the server's own flag inside the step's
transaction (``transaction_read_only``, ``tx_read_only``, ``PRAGMA query_only``); a write
through the session fails (tests/dry_run).
"""

from __future__ import annotations

import math
import re
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from migration_checks.source_db.catalog import Relation, SourceColumn, Wanted
from migration_checks.source_db.connection import Endpoint

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, RootTransaction


@dataclass(frozen=True, slots=True)
class Size:
    bytes: int | None  # None: the catalog has no size (a view) or cannot tell
    rows: int | None = None  # the catalog's estimate, when it has one


class Backend(ABC):
    name: str
    title: str
    sqlglot: str  # the sqlglot dialect the catalog's type spellings are read in
    families: frozenset[str]  # the mapping's source.dialect families that describe this backend
    proof: str  # what ``read_only`` reads from the server

    @abstractmethod
    def engine(self, endpoint: Endpoint, timeout: float) -> Engine: ...

    def connect(self, engine: Engine) -> Connection:
        return engine.connect()

    def begin(self, connection: Connection, timeout: float) -> RootTransaction:
        return connection.begin()

    version_sql: str  # the server's version
    schema_sql: str  # the schema a dataset name without one is looked up in

    def version(self, connection: Connection) -> str:
        return str(connection.exec_driver_sql(self.version_sql).scalar())

    def default_schema(self, connection: Connection) -> str | None:
        value = connection.exec_driver_sql(self.schema_sql).scalar()
        return str(value) if value is not None else None

    @abstractmethod
    def read_only(self, connection: Connection) -> bool: ...

    @abstractmethod
    def relations(
        self, connection: Connection, wanted: Sequence[Wanted], default_schema: str | None
    ) -> list[Relation]:
        """Every relation whose schema and name equal a wanted one ignoring case."""

    @abstractmethod
    def sizes(self, connection: Connection, relations: Sequence[Relation]) -> list[Size]: ...

    @abstractmethod
    def describe(self, exc: BaseException, timeout: float) -> str:
        """What went wrong, from the exception's class and codes; never its text."""


def for_endpoint(endpoint: Endpoint) -> Backend:
    backends: dict[str, type[Backend]] = {
        "postgresql": Postgres,
        "mysql": MySQL,
        "sqlite": SQLite,
    }
    return backends[endpoint.backend]()


def _lowered(wanted: Sequence[Wanted], default_schema: str | None) -> tuple[list[str], list[str]]:
    schemas = sorted({(w.schema or default_schema or "").lower() for w in wanted})
    names = sorted({w.name.lower() for w in wanted})
    return schemas, names


_NETWORK = (
    (("password authentication failed", "authentication failed"),
     "the server refused the credentials (authentication failed); check the user and password of the secret"),
    (("role", "does not exist"), "the server refused the connection for this user (no such role)"),
    (("no pg_hba.conf entry",), "the server refused the connection for this user and host (pg_hba.conf)"),
    (("database", "does not exist"), "the database does not exist"),
    (("timeout expired", "timed out", "timeout"), "no answer within the {timeout:g} s timeout"),
    (("connection refused",), "connection refused: nothing accepts connections at that host and port"),
    (("could not translate host name", "name or service not known", "nodename nor servname",
      "temporary failure in name resolution", "getaddrinfo failed", "no address associated"),
     "the host name does not resolve"),
    (("no route to host", "network is unreachable", "host is unreachable"), "the host is unreachable"),
    (("ssl", "tls", "certificate"), "the TLS handshake failed"),
    (("server closed the connection", "connection reset", "broken pipe", "lost connection"),
     "the server closed the connection"),
)  # fmt: skip


def _network(exc: BaseException, timeout: float) -> str | None:
    # The text is only searched for the kind of failure; it is never shown.
    text = str(exc).lower()
    for needles, meaning in _NETWORK:
        if _says(text, needles):
            return meaning.format(timeout=timeout)
    return None


def _says(text: str, needles: tuple[str, ...]) -> bool:
    """Every needle for the two-word pairs (role ... does not exist), any of the others."""
    if len(needles) == 2 and needles[1] == "does not exist":
        return all(needle in text for needle in needles)
    return any(needle in text for needle in needles)


def _fallback(exc: BaseException) -> str:
    return f"the driver reported {type(exc).__name__}"


# PostgreSQL ----------------------------------------------------------------------------------

_PG_STATES = {
    "28P01": "the server refused the credentials (authentication failed); check the user and password of the secret",
    "28000": "the server refused the connection for this user (authorization failed; see pg_hba.conf)",
    "3D000": "the database does not exist",
    "57014": "a statement ran longer than the {timeout:g} s timeout (dry_run.timeout_seconds) and was cancelled",
    "55P03": "a lock was not granted within the {timeout:g} s timeout",
    "25006": "the statement tried to write, and the read-only session refused it",
    "42501": "permission denied: the role lacks a privilege the dry run needs (SELECT on the mapped tables)",
    "53300": "the server has too many connections",
    "57P03": "the server is starting up or shutting down",
    "22008": "a date or time value is out of range",
    "55000": "the object cannot be read in its present state (a materialized view never refreshed?)",
}  # fmt: skip

_PG_KINDS = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}

_PG_COLUMNS = """
SELECT c.oid::bigint, n.nspname::text, c.relname::text, c.relkind::text, a.attname::text,
       format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attgenerated::text,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
       (SELECT k.ord FROM pg_index i
          CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         WHERE i.indrelid = c.oid AND i.indisprimary AND k.attnum = a.attnum)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND lower(n.nspname::text) = ANY(:schemas) AND lower(c.relname::text) = ANY(:names)
ORDER BY c.oid, a.attnum
"""

_PG_SIZES = """
SELECT c.oid::bigint,
       CASE WHEN c.relkind = 'p' THEN
              (SELECT coalesce(sum(pg_total_relation_size(p.relid)), 0) FROM pg_partition_tree(c.oid) p)
            WHEN c.relkind IN ('r', 'm') THEN pg_total_relation_size(c.oid) END::bigint,
       CASE WHEN c.relkind = 'p' THEN
              (SELECT sum(greatest(l.reltuples, 0)) FROM pg_partition_tree(c.oid) p
                 JOIN pg_class l ON l.oid = p.relid WHERE p.isleaf)
            WHEN c.relkind IN ('r', 'm') AND c.reltuples >= 0 THEN c.reltuples END::bigint
FROM pg_class c
WHERE c.oid::bigint = ANY(:oids)
"""


class Postgres(Backend):
    name = "postgresql"
    title = "PostgreSQL"
    sqlglot = "postgres"
    families = frozenset({"postgres"})
    proof = "transaction_read_only and default_transaction_read_only are on"
    version_sql = "SHOW server_version"
    schema_sql = "SELECT current_schema()"

    def engine(self, endpoint: Endpoint, timeout: float) -> Engine:
        from sqlalchemy import create_engine, event
        from sqlalchemy.pool import NullPool

        assert endpoint.url is not None
        url = endpoint.url
        ms = max(1, round(timeout * 1000))
        options = (
            f"-c default_transaction_read_only=on -c statement_timeout={ms} "
            f"-c lock_timeout={ms} -c idle_in_transaction_session_timeout={max(ms, 60_000)} "
            "-c intervalstyle=iso_8601 -c TimeZone=UTC -c DateStyle=ISO"
        )
        given = url.query.get("options")
        if given:
            given_text = given if isinstance(given, str) else " ".join(given)
            options = f"{given_text} {options}"  # ours last: they win
            url = url.difference_update_query(["options"])
        engine = create_engine(
            url,
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={
                "connect_timeout": max(2, math.ceil(timeout)),
                "options": options,
                "application_name": "migration-checks dry run",
            },
        )
        event.listen(engine, "connect", _register_pg_loaders)
        return engine

    def connect(self, engine: Engine) -> Connection:
        return engine.connect().execution_options(postgresql_readonly=True)

    def read_only(self, connection: Connection) -> bool:
        now = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
        default = connection.exec_driver_sql("SHOW default_transaction_read_only").scalar()
        return now == "on" and default == "on"

    def relations(
        self, connection: Connection, wanted: Sequence[Wanted], default_schema: str | None
    ) -> list[Relation]:
        from sqlalchemy import text

        schemas, names = _lowered(wanted, default_schema)
        rows = connection.execute(text(_PG_COLUMNS), {"schemas": schemas, "names": names})
        return _grouped(
            (
                oid,
                schema,
                name,
                _PG_KINDS[kind],
                SourceColumn(
                    column,
                    spelled,
                    (base,) if base else (),
                    # PostgreSQL never marks a view's column NOT NULL: it cannot tell.
                    None if kind in ("v", "m") else not notnull,
                    bool(generated),
                ),
                pk,
            )
            for oid, schema, name, kind, column, spelled, notnull, generated, base, pk in rows
        )

    def sizes(self, connection: Connection, relations: Sequence[Relation]) -> list[Size]:
        from sqlalchemy import text

        rows = connection.execute(text(_PG_SIZES), {"oids": [r.key for r in relations]})
        by_oid = {oid: Size(size, rows_) for oid, size, rows_ in rows}
        return [by_oid.get(r.key, Size(None)) for r in relations]

    def describe(self, exc: BaseException, timeout: float) -> str:
        original = getattr(exc, "orig", None) or exc
        state = getattr(original, "sqlstate", None)
        if state in _PG_STATES:
            return _PG_STATES[state].format(timeout=timeout)
        if isinstance(original, NotImplementedError | ValueError | OverflowError):
            return f"a value could not be read ({type(original).__name__})"
        return _network(original, timeout) or _fallback(original)


# One row per column: (relation key, schema, name, kind, column, position in the primary key).
_Row = tuple[Any, str, str, str, SourceColumn, "int | None"]


def _grouped(rows: Iterable[_Row]) -> list[Relation]:
    """Relations from their columns' rows, in the order the rows come."""
    found: dict[Any, Relation] = {}
    keys: dict[Any, dict[int, str]] = {}
    for key, schema, name, kind, column, pk in rows:
        if key not in found:
            found[key] = Relation(schema, name, kind, {}, (), key)
            keys[key] = {}
        found[key].columns[column.name] = column
        if pk is not None:
            keys[key][int(pk)] = column.name
    return [
        replace(relation, primary_key=tuple(keys[key][p] for p in sorted(keys[key])))
        for key, relation in found.items()
    ]


class OutOfRange(str):
    """A value the driver cannot represent in Python, such as PostgreSQL's ``'infinity'``."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Interval:
    """A PostgreSQL interval with its months kept apart (psycopg folds them into 30 days)."""

    months: int
    days: int
    nanoseconds: int


_ISO_INTERVAL = re.compile(
    r"P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?"
    r"(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+(?:\.\d+)?)S)?)?"
)


def parse_interval(text: str) -> Interval | OutOfRange:
    match = _ISO_INTERVAL.fullmatch(text)
    if match is None or text in ("P", "PT"):
        return OutOfRange(text)
    years, months, weeks, days, hours, minutes = (int(g) if g else 0 for g in match.groups()[:6])
    seconds = match.group(7) or "0"
    negative = seconds.startswith("-")
    whole, _, fraction = seconds.lstrip("-").partition(".")
    nanos = int(whole) * 10**9 + int((fraction + "000000000")[:9])
    nanos = -nanos if negative else nanos
    return Interval(
        years * 12 + months,
        weeks * 7 + days,
        (hours * 3600 + minutes * 60) * 10**9 + nanos,
    )


def _register_pg_loaders(dbapi_connection: Any, _record: Any) -> None:
    """Keep what psycopg's default loaders lose or refuse: interval months, and the
    ``infinity`` of dates and timestamps (which would fail the whole sample)."""
    from psycopg.adapt import Loader
    from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader

    class IntervalLoader(Loader):
        def load(self, data: Any) -> Any:
            return parse_interval(bytes(data).decode("ascii", "replace"))

    def infinite(base: type[Loader]) -> type[Loader]:
        class Finite(base):  # type: ignore[valid-type,misc]
            def load(self, data: Any) -> Any:
                raw = bytes(data)
                if raw.lstrip(b"-") == b"infinity":
                    return OutOfRange(raw.decode("ascii"))
                return super().load(data)

        return Finite

    adapters = dbapi_connection.adapters
    adapters.register_loader("interval", IntervalLoader)
    adapters.register_loader("date", infinite(DateLoader))
    adapters.register_loader("timestamp", infinite(TimestampLoader))
    adapters.register_loader("timestamptz", infinite(TimestamptzLoader))


# MySQL and MariaDB ---------------------------------------------------------------------------

_MYSQL_CODES = {
    1045: "the server refused the credentials (access denied); check the user and password of the secret",
    1044: "the user may not access this database",
    1049: "the database does not exist",
    2005: "the host name does not resolve",
    2013: "the server closed the connection or did not answer in time",
    1792: "the statement tried to write, and the read-only transaction refused it",
    1969: "a statement ran longer than the {timeout:g} s timeout (dry_run.timeout_seconds) and was interrupted",
    3024: "a statement ran longer than the {timeout:g} s timeout (dry_run.timeout_seconds) and was interrupted",
    1142: "permission denied: the user lacks SELECT on a table the dry run reads",
    1143: "permission denied: the user lacks SELECT on a column the dry run reads",
    1146: "a table vanished while the dry run read it",
    1040: "the server has too many connections",
}  # fmt: skip

_MYSQL_COLUMNS = """
SELECT c.TABLE_SCHEMA, c.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE,
       c.EXTRA,
       (SELECT s.SEQ_IN_INDEX FROM information_schema.STATISTICS s
         WHERE s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME
           AND s.INDEX_NAME = 'PRIMARY' AND s.COLUMN_NAME = c.COLUMN_NAME LIMIT 1)
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE LOWER(c.TABLE_SCHEMA) IN :schemas AND LOWER(c.TABLE_NAME) IN :names
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION
"""

_MYSQL_SIZES = """
SELECT TABLE_SCHEMA, TABLE_NAME, DATA_LENGTH + INDEX_LENGTH, TABLE_ROWS
FROM information_schema.TABLES
WHERE LOWER(TABLE_SCHEMA) IN :schemas AND LOWER(TABLE_NAME) IN :names AND TABLE_TYPE <> 'VIEW'
"""


class MySQL(Backend):
    name = "mysql"
    title = "MySQL/MariaDB"
    sqlglot = "mysql"
    families = frozenset({"mysql", "singlestore", "starrocks", "doris"})
    proof = "the session's transaction_read_only is on, in a READ ONLY transaction"
    version_sql = "SELECT VERSION()"
    schema_sql = "SELECT DATABASE()"

    def engine(self, endpoint: Endpoint, timeout: float) -> Engine:
        from sqlalchemy import create_engine, event
        from sqlalchemy.pool import NullPool

        assert endpoint.url is not None
        seconds = max(1, math.ceil(timeout))
        engine = create_engine(
            endpoint.url,
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={
                "connect_timeout": seconds,
                # The server's own limit fires first; the socket's, a second later, is the
                # backstop (and what stops a server that never answers the handshake).
                "read_timeout": seconds + 1,
                "write_timeout": seconds + 1,
            },
        )

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT VERSION()")
                mariadb = "mariadb" in str(cursor.fetchone()[0]).lower()
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                cursor.execute("SET SESSION time_zone = '+00:00'")
                if mariadb:
                    cursor.execute("SET SESSION max_statement_time = %s", (float(timeout),))
                else:
                    cursor.execute("SET SESSION max_execution_time = %s", (round(timeout * 1000),))
            finally:
                cursor.close()

        event.listen(engine, "connect", on_connect)
        return engine

    def begin(self, connection: Connection, timeout: float) -> RootTransaction:
        transaction = connection.begin()
        try:
            connection.exec_driver_sql("START TRANSACTION READ ONLY")
        except BaseException:
            transaction.rollback()
            raise
        return transaction

    def read_only(self, connection: Connection) -> bool:
        rows = connection.exec_driver_sql(
            "SHOW SESSION VARIABLES WHERE Variable_name IN ('tx_read_only', 'transaction_read_only')"
        ).all()
        return bool(rows) and all(str(value).upper() in ("ON", "1") for _, value in rows)

    def relations(
        self, connection: Connection, wanted: Sequence[Wanted], default_schema: str | None
    ) -> list[Relation]:
        from sqlalchemy import bindparam, text

        schemas, names = _lowered(wanted, default_schema)
        query = text(_MYSQL_COLUMNS).bindparams(
            bindparam("schemas", expanding=True), bindparam("names", expanding=True)
        )
        rows = connection.execute(query, {"schemas": schemas, "names": names})
        return _grouped(
            (
                (schema, name),
                schema,
                name,
                "view" if table_type == "VIEW" else "table",
                SourceColumn(
                    column,
                    spelled,
                    _mysql_alternatives(spelled),
                    nullable == "YES",
                    "GENERATED" in (extra or "").upper(),
                ),
                pk,
            )
            for schema, name, table_type, column, spelled, nullable, extra, pk in rows
        )

    def sizes(self, connection: Connection, relations: Sequence[Relation]) -> list[Size]:
        from sqlalchemy import bindparam, text

        query = text(_MYSQL_SIZES).bindparams(
            bindparam("schemas", expanding=True), bindparam("names", expanding=True)
        )
        params = {
            "schemas": sorted({r.schema.lower() for r in relations}),
            "names": sorted({r.name.lower() for r in relations}),
        }
        by_key = {
            (schema, name): Size(
                int(size) if size is not None else None, int(rows) if rows is not None else None
            )
            for schema, name, size, rows in connection.execute(query, params)
        }
        return [by_key.get(r.key, Size(None)) for r in relations]

    def describe(self, exc: BaseException, timeout: float) -> str:
        original = getattr(exc, "orig", None) or exc
        args = getattr(original, "args", ())
        code = args[0] if args and isinstance(args[0], int) else None
        if code in (2003, 2013):  # cannot connect, lost the connection: the text says why
            return _network(original, timeout) or _MYSQL_CODES[2013]
        if code in _MYSQL_CODES:
            return _MYSQL_CODES[code].format(timeout=timeout)
        return _network(original, timeout) or _fallback(original)


def _mysql_alternatives(spelled: str) -> tuple[str, ...]:
    """MySQL's catalog spells BOOLEAN as tinyint(1) and YEAR as year(4); MariaDB's spells JSON
    as longtext."""
    lowered = spelled.lower()
    return {"tinyint(1)": ("boolean",), "longtext": ("json",), "year(4)": ("year",)}.get(
        lowered, ()
    )


# SQLite --------------------------------------------------------------------------------------

_SQLITE_ERRORS = (
    ("unable to open", "the file cannot be opened"),
    ("not a database", "the file is not a SQLite database"),
    ("malformed", "the database file is damaged"),
    ("interrupted", "a statement ran longer than the {timeout:g} s timeout (dry_run.timeout_seconds) and was interrupted"),
    ("readonly", "the statement tried to write, and the read-only file refused it"),
    ("query_only", "the statement tried to write, and the read-only session refused it"),
    ("attempt to write", "the statement tried to write, and the read-only session refused it"),
)  # fmt: skip


class SQLite(Backend):
    name = "sqlite"
    title = "SQLite"
    sqlglot = "sqlite"
    families = frozenset({"sqlite"})
    proof = "opened with mode=ro and immutable=1, PRAGMA query_only is on"
    version_sql = "SELECT sqlite_version()"
    schema_sql = "SELECT 'main'"

    def __init__(self) -> None:
        self._deadline = math.inf

    def engine(self, endpoint: Endpoint, timeout: float) -> Engine:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        assert endpoint.path is not None
        uri = f"file:{quote(str(endpoint.path))}?mode=ro&immutable=1"

        def interrupt() -> int:
            return 1 if time.monotonic() > self._deadline else 0

        def creator() -> sqlite3.Connection:
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            connection.execute("PRAGMA query_only = 1")
            connection.execute("PRAGMA trusted_schema = 0")
            connection.set_progress_handler(interrupt, 10_000)
            return connection

        return create_engine("sqlite://", creator=creator, poolclass=NullPool, hide_parameters=True)

    def begin(self, connection: Connection, timeout: float) -> RootTransaction:
        self._deadline = time.monotonic() + timeout
        return connection.begin()

    def default_schema(self, connection: Connection) -> str | None:
        # Opening an immutable file reads nothing: this read proves it is a SQLite database.
        connection.exec_driver_sql("SELECT count(*) FROM main.sqlite_master").scalar()
        return "main"

    def read_only(self, connection: Connection) -> bool:
        return connection.exec_driver_sql("PRAGMA query_only").scalar() == 1

    def relations(
        self, connection: Connection, wanted: Sequence[Wanted], default_schema: str | None
    ) -> list[Relation]:

        _, names = _lowered(wanted, default_schema)
        objects = connection.exec_driver_sql(
            "SELECT type, name FROM main.sqlite_master WHERE type IN ('table', 'view')"
        ).all()
        rows: list[_Row] = []
        for kind, name in objects:
            if name.lower() in names and not name.startswith("sqlite_"):
                rows.extend(self._columns(connection, kind, name))
        return _grouped(rows)

    @staticmethod
    def _columns(connection: Connection, kind: str, name: str) -> Iterator[_Row]:
        from sqlalchemy import text

        columns = connection.execute(
            text("SELECT name, type, \"notnull\", pk, hidden FROM pragma_table_xinfo(:t, 'main')"),
            {"t": name},
        ).all()
        rowid_alias = sum(1 for row in columns if row[3]) == 1
        for column, spelled, notnull, pk, hidden in columns:
            if hidden == 1:  # a virtual table's hidden column
                continue
            # INTEGER PRIMARY KEY is the rowid, which is never NULL.
            never_null = bool(notnull) or (
                bool(pk) and rowid_alias and spelled.upper() == "INTEGER"
            )
            nullable = None if kind == "view" else not never_null
            source = SourceColumn(column, spelled, (), nullable, hidden in (2, 3))
            yield (name, "main", name, kind, source, pk or None)

    def sizes(self, connection: Connection, relations: Sequence[Relation]) -> list[Size]:
        from sqlalchemy.exc import DBAPIError

        owners: dict[str, str] = dict(
            connection.exec_driver_sql(
                "SELECT name, tbl_name FROM main.sqlite_master WHERE type IN ('table', 'index')"
            ).all()
        )
        try:
            pages = connection.exec_driver_sql(
                "SELECT name, pgsize FROM dbstat('main', 1)"
            ).all()  # aggregated per object
        except DBAPIError:  # SQLite built without the dbstat table
            return [Size(None) for _ in relations]
        totals: dict[str, int] = {}
        for name, size in pages:
            owner = owners.get(name, name)
            totals[owner] = totals.get(owner, 0) + int(size)
        return [Size(totals.get(r.name, 0) if r.stores_rows else None) for r in relations]

    def describe(self, exc: BaseException, timeout: float) -> str:
        original = getattr(exc, "orig", None) or exc
        text = str(original).lower()
        for needle, meaning in _SQLITE_ERRORS:
            if needle in text:
                return meaning.format(timeout=timeout)
        return _fallback(original)
