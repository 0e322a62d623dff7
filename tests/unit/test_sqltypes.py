"""The type lattice of migration_checks.sqltypes: table-driven pairs across dialects, sqlglot
agreement of the fast path, caching, and unknown or garbage types (never an exception)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migration_checks import sqltypes
from migration_checks.sqltypes import Kind, SqlType, Zone

SAME, LOSSLESS, LOSSY, UNKNOWN = "same", "lossless", "lossy", "unknown"
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

# (source type, source dialect, target type, target dialect, verdict)
PAIRS = [
    # bundled example, sqlite -> spark
    ("INTEGER", "sqlite", "bigint", "spark", SAME),
    ("INTEGER", "sqlite", "int", "spark", LOSSY),
    ("REAL", "sqlite", "decimal(5,4)", "spark", LOSSY),
    ("NUMERIC(10,2)", "sqlite", "decimal(10,2)", "spark", SAME),
    ("TEXT", "sqlite", "string", "spark", SAME),
    ("TIMESTAMP", "sqlite", "timestamp", "spark", LOSSLESS),
    ("BOOLEAN", "sqlite", "boolean", "spark", SAME),
    ("TINYINT", "sqlite", "bigint", "spark", SAME),
    ("REAL", "sqlite", "double", "spark", SAME),
    # benchmark, postgres -> spark
    ("bigint", "postgres", "bigint", "spark", SAME),
    ("integer", "postgres", "int", "spark", SAME),
    ("varchar(255)", "postgres", "string", "spark", LOSSLESS),
    ("char(3)", "postgres", "string", "spark", LOSSLESS),
    ("numeric(12,2)", "postgres", "decimal(12,2)", "spark", SAME),
    ("numeric(38,12)", "postgres", "decimal(38,6)", "spark", LOSSY),
    ("timestamptz", "postgres", "timestamp", "spark", SAME),
    ("boolean", "postgres", "boolean", "spark", SAME),
    ("text", "postgres", "string", "spark", SAME),
    ("double precision", "postgres", "double", "spark", SAME),
    ("double precision", "postgres", "decimal(18,6)", "spark", LOSSY),
    ("date", "postgres", "date", "spark", SAME),
    ("date", "postgres", "string", "spark", LOSSLESS),
    # integers
    ("smallint", "postgres", "integer", "postgres", LOSSLESS),
    ("bigint", "postgres", "integer", "postgres", LOSSY),
    ("tinyint unsigned", "mysql", "smallint", "postgres", LOSSLESS),
    ("tinyint unsigned", "mysql", "tinyint", "spark", LOSSY),
    ("int unsigned", "mysql", "bigint", "spark", LOSSLESS),
    ("int unsigned", "mysql", "int", "spark", LOSSY),
    ("bigint unsigned", "mysql", "bigint", "spark", LOSSY),
    ("bigint unsigned", "mysql", "decimal(20,0)", "spark", LOSSLESS),
    ("bigint", "postgres", "decimal(19,0)", "spark", LOSSLESS),
    ("bigint", "postgres", "decimal(18,0)", "spark", LOSSY),
    ("integer", "postgres", "numeric", "postgres", LOSSLESS),
    ("integer", "postgres", "double", "spark", LOSSLESS),
    ("integer", "postgres", "float", "spark", LOSSY),
    ("bigint", "postgres", "double", "spark", LOSSY),
    ("smallint", "postgres", "real", "postgres", LOSSLESS),
    ("mediumint", "mysql", "float", "spark", LOSSLESS),
    ("int", "snowflake", "bigint", "spark", LOSSY),
    ("number(18,0)", "snowflake", "bigint", "spark", LOSSLESS),
    ("number(19,0)", "snowflake", "bigint", "spark", LOSSY),
    ("int64", "bigquery", "bigint", "spark", SAME),
    ("int", "bigquery", "bigint", "spark", SAME),
    ("integer", "redshift", "int", "spark", SAME),
    ("bigint", "spark", "boolean", "spark", LOSSY),
    ("boolean", "postgres", "smallint", "postgres", LOSSLESS),
    ("boolean", "postgres", "decimal(1,0)", "spark", LOSSLESS),
    # decimals
    ("numeric(10,2)", "postgres", "decimal(12,4)", "spark", LOSSLESS),
    ("numeric(10,2)", "postgres", "decimal(10,4)", "spark", LOSSY),
    ("numeric(10,4)", "postgres", "decimal(10,2)", "spark", LOSSY),
    ("numeric", "postgres", "decimal(38,10)", "spark", LOSSY),
    ("numeric(10,2)", "postgres", "numeric", "postgres", LOSSLESS),
    ("decimal", "spark", "decimal(10,0)", "spark", SAME),
    ("decimal", "mysql", "decimal(10,0)", "spark", SAME),
    ("numeric", "bigquery", "decimal(38,9)", "spark", SAME),
    ("number", "snowflake", "decimal(38,0)", "spark", SAME),
    ("decimal", "redshift", "bigint", "spark", LOSSLESS),
    ("numeric(10,2)", "postgres", "double", "spark", LOSSY),
    ("numeric(15,0)", "postgres", "double", "spark", LOSSLESS),
    ("numeric(16,0)", "postgres", "double", "spark", LOSSY),
    ("numeric(9,0)", "postgres", "int", "spark", LOSSLESS),
    ("numeric(10,0)", "postgres", "int", "spark", LOSSY),
    ("numeric(10,2)", "postgres", "bigint", "spark", LOSSY),
    ("money", "postgres", "decimal(19,2)", "spark", SAME),
    ("decimal(10,2) unsigned", "mysql", "decimal(10,2)", "spark", LOSSLESS),
    ("decimal(10,2)", "spark", "decimal(10,2) unsigned", "mysql", LOSSY),
    # floats
    ("real", "postgres", "double precision", "postgres", LOSSLESS),
    ("double precision", "postgres", "real", "postgres", LOSSY),
    ("float", "postgres", "double", "spark", SAME),
    ("float(10)", "postgres", "float", "spark", SAME),
    ("float(30)", "postgres", "double", "spark", SAME),
    ("float", "mysql", "float", "spark", SAME),
    ("double", "mysql", "double", "spark", SAME),
    ("float", "snowflake", "double", "spark", SAME),
    ("float64", "bigquery", "double", "spark", SAME),
    ("real", "redshift", "float", "spark", SAME),
    ("float", "tsql", "double", "spark", SAME),
    ("real", "tsql", "float", "spark", SAME),
    ("double", "spark", "int", "spark", LOSSY),
    # strings
    ("varchar(10)", "postgres", "varchar(20)", "spark", LOSSLESS),
    ("varchar(20)", "postgres", "varchar(10)", "spark", LOSSY),
    ("text", "postgres", "varchar(255)", "spark", LOSSY),
    ("varchar", "postgres", "string", "spark", SAME),
    ("varchar(10)", "postgres", "char(10)", "spark", LOSSY),
    ("char(10)", "postgres", "char(12)", "postgres", LOSSLESS),
    ("character varying(10)", "postgres", "varchar(10)", "spark", SAME),
    ("text", "redshift", "varchar(256)", "postgres", SAME),
    ("varchar", "redshift", "varchar(256)", "postgres", SAME),
    ("varchar(max)", "redshift", "varchar(65535)", "postgres", SAME),
    ("text", "mysql", "varchar(65535)", "postgres", SAME),
    ("longtext", "mysql", "string", "spark", SAME),
    ("tinytext", "mysql", "varchar(100)", "postgres", LOSSY),
    ("varchar", "snowflake", "string", "spark", SAME),
    ("string", "bigquery", "string", "spark", SAME),
    ("nvarchar(max)", "tsql", "string", "spark", SAME),
    ("varchar(10)", "sqlite", "string", "spark", LOSSLESS),
    ("string", "spark", "int", "spark", LOSSY),
    ("string", "spark", "date", "spark", LOSSY),
    ("text", "postgres", "uuid", "postgres", LOSSY),
    ("text", "postgres", "jsonb", "postgres", LOSSY),
    ("text", "postgres", "bytea", "postgres", LOSSLESS),
    # anything to string
    ("integer", "postgres", "string", "spark", LOSSLESS),
    ("integer", "postgres", "varchar(11)", "postgres", LOSSLESS),
    ("integer", "postgres", "varchar(5)", "postgres", LOSSY),
    ("boolean", "postgres", "varchar(5)", "postgres", LOSSLESS),
    ("uuid", "postgres", "string", "spark", LOSSLESS),
    ("uuid", "postgres", "char(36)", "spark", LOSSLESS),
    ("uuid", "postgres", "varchar(32)", "spark", LOSSY),
    ("bytea", "postgres", "string", "spark", LOSSY),
    ("bytea", "postgres", "binary", "spark", SAME),
    ("timestamptz", "postgres", "string", "spark", LOSSLESS),
    ("jsonb", "postgres", "string", "spark", LOSSLESS),
    ("interval", "postgres", "string", "spark", LOSSLESS),
    ("interval", "postgres", "interval", "spark", SAME),
    ("interval day to second", "postgres", "interval", "postgres", SAME),
    # time
    ("timestamp", "postgres", "timestamp_ntz", "spark", SAME),
    ("timestamp", "postgres", "timestamp", "spark", LOSSLESS),
    ("timestamptz", "postgres", "timestamp_ntz", "spark", LOSSY),
    ("timestamp with time zone", "postgres", "timestamp", "spark", SAME),
    ("timestamp(3)", "postgres", "timestamp_ntz", "spark", LOSSLESS),
    ("timestamp_ntz(9)", "snowflake", "timestamp_ntz", "spark", LOSSY),
    ("timestamp_ntz", "snowflake", "timestamp_ntz", "spark", LOSSY),
    ("timestamp_tz", "snowflake", "timestamp", "spark", LOSSY),
    ("timestamptz", "postgres", "timestamp_tz(9)", "snowflake", LOSSLESS),
    ("timestamp", "bigquery", "timestamp", "spark", SAME),
    ("datetime", "bigquery", "timestamp_ntz", "spark", SAME),
    ("datetime(6)", "mysql", "timestamp_ntz", "spark", SAME),
    ("datetime", "mysql", "timestamp_ntz", "spark", LOSSLESS),
    ("timestamp", "mysql", "timestamp", "spark", LOSSLESS),
    ("timestamp", "spark", "timestamp", "mysql", LOSSY),
    ("date", "postgres", "timestamp", "postgres", LOSSLESS),
    ("date", "postgres", "timestamp", "mysql", LOSSY),
    ("timestamp", "postgres", "date", "spark", LOSSY),
    ("datetimeoffset", "tsql", "timestamp", "spark", LOSSY),
    ("datetime2", "tsql", "timestamp_ntz", "spark", LOSSY),
    ("datetime2(6)", "tsql", "timestamp_ntz", "spark", SAME),
    ("date", "oracle", "date", "spark", LOSSY),
    ("time(3)", "postgres", "time", "postgres", LOSSLESS),
    ("time", "postgres", "time(3)", "postgres", LOSSY),
    ("timetz", "postgres", "time", "postgres", LOSSY),
    ("time", "postgres", "timestamp", "postgres", LOSSY),
    # json, arrays, maps, structs, enums, uuid
    ("json", "postgres", "jsonb", "postgres", LOSSY),
    ("jsonb", "postgres", "json", "postgres", LOSSLESS),
    ("jsonb", "postgres", "variant", "snowflake", SAME),
    ("json", "mysql", "super", "redshift", SAME),
    ("json", "postgres", "string", "spark", LOSSLESS),
    ("json", "postgres", "varchar(100)", "postgres", LOSSY),
    ("integer[]", "postgres", "array<bigint>", "spark", LOSSLESS),
    ("bigint[]", "postgres", "array<int>", "spark", LOSSY),
    ("text[]", "postgres", "array<string>", "spark", SAME),
    ("integer[]", "postgres", "string", "spark", LOSSLESS),
    ("integer[]", "postgres", "jsonb", "postgres", LOSSLESS),
    ("integer[]", "postgres", "variant", "snowflake", LOSSLESS),
    ("integer[]", "postgres", "int", "spark", LOSSY),
    ("array<int>", "spark", "array", "snowflake", LOSSLESS),
    ("array<int64>", "bigquery", "array<bigint>", "spark", SAME),
    ("map<string,int>", "spark", "map<string,bigint>", "spark", LOSSLESS),
    ("map<string,bigint>", "spark", "map<string,int>", "spark", LOSSY),
    ("struct<a:int,b:string>", "spark", "struct<a:bigint,b:string>", "spark", LOSSLESS),
    ("struct<a:int,b:string>", "spark", "struct<a:int>", "spark", LOSSY),
    ("struct<a int64, b string>", "bigquery", "struct<a:bigint,b:string>", "spark", SAME),
    ("struct<a:int>", "spark", "string", "spark", LOSSLESS),
    ("enum('a','bb')", "mysql", "string", "spark", LOSSLESS),
    ("enum('a','bb')", "mysql", "varchar(2)", "postgres", LOSSLESS),
    ("enum('a','bbb')", "mysql", "varchar(2)", "postgres", LOSSY),
    ("enum('a','bb')", "mysql", "enum('a','bb','c')", "mysql", LOSSLESS),
    ("enum('a','bb','c')", "mysql", "enum('a','bb')", "mysql", LOSSY),
    ("enum('a')", "mysql", "int", "spark", LOSSY),
    ("uuid", "postgres", "binary(16)", "mysql", LOSSLESS),
    ("uuid", "postgres", "uniqueidentifier", "tsql", SAME),
    ("uuid", "postgres", "int", "spark", LOSSY),
    ("geometry", "postgres", "string", "spark", LOSSLESS),
    ("geometry", "postgres", "geography", "bigquery", LOSSY),
    ("xml", "postgres", "xml", "tsql", SAME),
    # unknown
    ("order_status", "postgres", "string", "spark", UNKNOWN),
    ("order_status", "postgres", "order_status", "postgres", SAME),
    ("public.order_status", "postgres", "string", "spark", UNKNOWN),
    ("tsvector", "postgres", "string", "spark", UNKNOWN),
    ("citext", "postgres", "string", "spark", UNKNOWN),
    ("varchar(10", "postgres", "string", "spark", UNKNOWN),
    ("bigint", "postgres", "not a type!!", "spark", UNKNOWN),
    ("decimal(x)", "spark", "decimal(10,2)", "spark", UNKNOWN),
    ("numeric(10,2,3)", "postgres", "decimal(10,2)", "spark", UNKNOWN),
    ("varchar(0)", "postgres", "string", "spark", UNKNOWN),
    ("", "postgres", "string", "spark", UNKNOWN),
    ("array<", "spark", "string", "spark", UNKNOWN),
    ("int; drop table x", "postgres", "int", "spark", UNKNOWN),
]


def verdict(analysis: sqltypes.Analysis) -> str:
    if analysis.same:
        return SAME
    if analysis.lossy is None:
        return UNKNOWN
    return LOSSY if analysis.lossy else LOSSLESS


@pytest.mark.parametrize(
    ("source", "source_dialect", "target", "target_dialect", "expected"),
    PAIRS,
    ids=[f"{p[1]}:{p[0]}->{p[3]}:{p[2]}" for p in PAIRS],
)
def test_lattice(
    source: str, source_dialect: str, target: str, target_dialect: str, expected: str
) -> None:
    analysis = sqltypes.analyse(source, source_dialect, target, target_dialect)
    assert verdict(analysis) == expected, analysis.why
    assert analysis.why


def test_pairs_cover_the_main_dialects() -> None:
    dialects = {p[1] for p in PAIRS} | {p[3] for p in PAIRS}
    assert {"postgres", "mysql", "sqlite", "spark", "snowflake", "bigquery", "redshift"} <= dialects
    assert len(PAIRS) > 150


def test_normalised_types() -> None:
    assert sqltypes.parse("INTEGER", "sqlite") == SqlType(Kind.INTEGER, bits=64)
    assert sqltypes.parse("integer", "postgres") == SqlType(Kind.INTEGER, bits=32)
    assert sqltypes.parse("int", "snowflake") == SqlType(Kind.DECIMAL, precision=38, scale=0)
    assert sqltypes.parse("NUMERIC(10,2)", "sqlite") == sqltypes.parse("decimal(10, 2)", "spark")
    assert sqltypes.parse("varchar(255)", "postgres") == SqlType(Kind.STRING, length=255)
    assert sqltypes.parse("char(3)", "postgres") == SqlType(Kind.STRING, length=3, fixed=True)
    assert sqltypes.parse("text", "redshift") == SqlType(Kind.STRING, length=256)
    assert sqltypes.parse("timestamp", "spark") == SqlType(
        Kind.TIMESTAMP, zone=Zone.INSTANT, precision=6
    )
    assert sqltypes.parse("timestamp", "mysql") == SqlType(
        Kind.TIMESTAMP, zone=Zone.INSTANT, precision=0, narrow=True
    )
    assert sqltypes.parse("timestamp_tz", "snowflake").zone is Zone.OFFSET
    assert sqltypes.parse("json", "postgres") == SqlType(Kind.JSON)
    assert sqltypes.parse("jsonb", "postgres") == SqlType(Kind.JSON, normalised=True)
    assert sqltypes.parse("integer[]", "postgres") == SqlType(
        Kind.ARRAY, items=(SqlType(Kind.INTEGER, bits=32),)
    )
    # The spelling is kept for messages but is no part of the type.
    assert sqltypes.parse("TEXT", "sqlite").spelling == "TEXT"


def test_descriptions() -> None:
    describe = sqltypes.describe
    assert describe(sqltypes.parse("int unsigned", "mysql")) == "unsigned 32-bit integer"
    assert describe(sqltypes.parse("numeric", "postgres")) == "unbounded decimal"
    assert describe(sqltypes.parse("char(3)", "postgres")) == "fixed-width string of 3 characters"
    assert describe(sqltypes.parse("varchar(9)", "postgres")) == "string of up to 9 characters"
    assert describe(sqltypes.parse("timestamptz", "postgres")) == (
        "timestamp(6) with time zone (an instant)"
    )
    assert describe(sqltypes.parse("map<string,int>", "spark")) == (
        "map of unbounded string to 32-bit integer"
    )
    assert describe(sqltypes.parse("order_status", "postgres")) == 'unknown type "order_status"'


def test_reasons_name_the_loss() -> None:
    assert sqltypes.analyse("INTEGER", "sqlite", "int", "spark").why == (
        "64-bit integer narrows to 32-bit integer"
    )
    assert sqltypes.analyse("numeric(38,12)", "postgres", "decimal(38,6)", "spark").why == (
        "decimal places narrow from 12 to 6"
    )
    assert sqltypes.analyse("numeric(12,2)", "postgres", "decimal(10,2)", "spark").why == (
        "integer digits narrow from 10 to 8"
    )
    assert (
        "drops the time zone"
        in sqltypes.analyse("timestamptz", "postgres", "timestamp", "postgres").why
    )
    assert (
        "fixed zone such as UTC"
        in sqltypes.analyse("timestamp", "postgres", "timestamp", "spark").why
    )


# unknown and garbage types ---------------------------------------------------------------------


def test_user_defined_types_are_unknown_not_errors() -> None:
    enum = sqltypes.parse("order_status", "postgres")
    assert enum.kind is Kind.UNKNOWN
    assert "user-defined type" in enum.problem
    assert sqltypes.parse("Order_Status", "postgres") == enum  # identifiers fold case
    assert sqltypes.parse("order_status", "mysql") != enum  # another dialect, another type
    analysis = sqltypes.analyse("order_status", "postgres", "string", "spark")
    assert analysis.lossy is None
    assert analysis.why.startswith('"order_status" is a user-defined type')


@pytest.mark.parametrize(
    ("spelling", "problem"),
    [
        ("", "an empty type"),
        ("   ", "an empty type"),
        ("varchar(10", "not a type sqlglot can parse"),
        ("int; drop table x", "not a type sqlglot can parse"),
        ("decimal(x)", "are not numbers"),
        ("numeric(10,2,3)", "a decimal takes a precision"),
        ("numeric(0)", "a decimal takes a precision"),
        ("varchar(0)", "a string length must be 1 or more"),
        ("timestamp(13)", "more than 12 digits"),
        ("x" * 20_000, "too long to be a type"),
    ],
)
def test_malformed_types_are_unknown(spelling: str, problem: str) -> None:
    parsed = sqltypes.parse(spelling, "postgres")
    assert parsed.kind is Kind.UNKNOWN
    assert problem in parsed.problem


@settings(max_examples=300, deadline=None)
@given(
    spelling=st.text(max_size=40)
    | st.from_regex(r"[a-z_ ]{1,12}(\([0-9, a-z]{0,8}\))?(\[\])?", fullmatch=True)
    | st.from_regex(r"(array|map|struct)<[a-z0-9_,:<> ]{0,20}>?", fullmatch=True),
    dialect=st.sampled_from(["postgres", "mysql", "sqlite", "spark", "snowflake", "bigquery",
                             "redshift", "duckdb", "tsql", "oracle", "clickhouse", "trino"]),
)  # fmt: skip
def test_any_text_parses_without_an_exception(spelling: str, dialect: str) -> None:
    parsed = sqltypes.parse(spelling, dialect)
    assert isinstance(parsed, SqlType)
    assert (parsed.kind is Kind.UNKNOWN) == bool(parsed.problem)
    analysis = sqltypes.analyse(spelling, dialect, "string", "spark")
    assert analysis.lossy in (True, False, None)
    assert sqltypes.describe(parsed)


def test_deep_nesting_is_unknown_not_a_recursion_error() -> None:
    deep = "array<" * 3000 + "int" + ">" * 3000
    assert sqltypes.parse(deep, "spark").kind in (Kind.UNKNOWN, Kind.ARRAY)


# dialects --------------------------------------------------------------------------------------


def test_dialect_names() -> None:
    assert sqltypes.dialect_problem("postgres") is None
    assert sqltypes.dialect_problem("tsql") is None
    assert sqltypes.dialect_problem("Postgres") == (
        'unknown SQL dialect "Postgres": expected a sqlglot dialect name such as "postgres"'
    )
    assert "expected a sqlglot dialect name" in (sqltypes.dialect_problem("nope") or "")
    assert "empty" in (sqltypes.dialect_problem(" ") or "")
    assert sqltypes.family("databricks") == "spark"


# the fast path is a copy of sqlglot's answers --------------------------------------------------


def fast_spellings() -> list[tuple[str, str]]:
    cases = []
    for dialect in sorted(sqltypes._FAST_DIALECTS):
        exceptions = sqltypes._FAST_EXCEPTIONS.get(dialect, {})
        for name in sorted({*sqltypes._FAST_TYPES, *exceptions}):
            dtype = exceptions.get(name, sqltypes._FAST_TYPES.get(name))
            if dtype is None:
                continue
            cases += [(dialect, name), (dialect, name.upper())]
            for arity in range(1, sqltypes._FAST_ARITY.get(name, 0) + 1):
                cases.append((dialect, f"{name}({', '.join(('7', '3')[:arity])})"))
    return cases


@pytest.mark.parametrize("dialect", sorted(sqltypes._FAST_DIALECTS))
def test_fast_path_agrees_with_sqlglot(dialect: str) -> None:
    family = sqltypes.family(dialect)
    spellings = [spelling for d, spelling in fast_spellings() if d == dialect]
    assert len(spellings) > 40
    disagree = [
        spelling
        for spelling in spellings
        if sqltypes._fast(spelling, dialect, family)
        != sqltypes._parse_with_sqlglot(spelling, dialect, family)
    ]
    assert not disagree, f"the fast path reads these unlike sqlglot: {disagree}"
    assert all(sqltypes._fast(spelling, dialect, family) for spelling in spellings)


def test_fast_path_dialects_are_sqlglot_dialects() -> None:
    from sqlglot.dialects.dialect import Dialect

    for dialect in sqltypes._FAST_DIALECTS:
        Dialect.get_or_raise(dialect)


def test_fast_path_leaves_other_spellings_to_sqlglot() -> None:
    assert sqltypes._fast("decimal(10,2)", "snowflake", "snowflake") is None  # not in the table
    assert sqltypes._fast("varchar(10)", "tsql", "tsql") is None  # not a fast dialect
    assert sqltypes._fast("int(11)", "mysql", "mysql") is None  # int takes no parameter here
    assert sqltypes._fast("timestamp(3) with time zone", "postgres", "postgres") is None


def test_registry_and_fast_analysis_do_not_import_sqlglot() -> None:
    # actions/stage-1 installs no sqlglot, yet the registry imports every check.
    code = (
        "import sys\n"
        "import migration_checks.registry\n"
        "from migration_checks import sqltypes\n"
        "assert sqltypes.analyse('numeric(12,2)', 'postgres', 'decimal(12,2)', 'spark').same\n"
        "assert 'sqlglot' not in sys.modules, 'sqlglot was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(SCRIPTS)})


# caching ---------------------------------------------------------------------------------------


def test_a_pair_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sqltypes.clear_caches()
    calls: list[tuple[str, str]] = []
    original = sqltypes._parse_with_sqlglot

    def counting(text: str, dialect: str, family: str) -> SqlType:
        calls.append((text, dialect))
        return original(text, dialect, family)

    monkeypatch.setattr(sqltypes, "_parse_with_sqlglot", counting)
    first = sqltypes.analyse("timestamp with time zone", "postgres", "array<int>", "spark")
    second = sqltypes.analyse("timestamp with time zone", "postgres", "array<int>", "spark")
    assert first is second
    assert calls == [("timestamp with time zone", "postgres"), ("array<int>", "spark")]
    # Another pair that shares a spelling re-parses nothing already seen.
    sqltypes.analyse("timestamp with time zone", "postgres", "array<bigint>", "spark")
    assert calls[2:] == [("array<bigint>", "spark")]
    # Plain spellings take the fast path and never reach sqlglot.
    sqltypes.analyse("bigint", "postgres", "int", "spark")
    assert len(calls) == 3
    sqltypes.clear_caches()


def test_conversions_are_cached_per_type_pair() -> None:
    sqltypes.clear_caches()
    source, target = sqltypes.parse("bigint", "postgres"), sqltypes.parse("int", "spark")
    sqltypes.convert(source, target)
    hits = sqltypes.convert.cache_info().hits
    # A different spelling of the same pair of types is the same cache entry.
    sqltypes.convert(sqltypes.parse("int8", "postgres"), sqltypes.parse("integer", "spark"))
    assert sqltypes.convert.cache_info().hits == hits + 1
