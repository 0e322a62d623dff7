"""Casting sampled values to the target's Arrow type, and counting what does not fit."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from migration_checks import sqltypes
from migration_checks.source_db.backends import Interval, OutOfRange, parse_interval
from migration_checks.source_db.sampling import cast, parse_array_literal, target_arrow_type

UTC = dt.UTC


def _cast(
    values: list[Any], spelled: str, dialect: str = "spark"
) -> tuple[list[Any], dict[str, int]]:
    result = cast(values, sqltypes.parse(spelled, dialect))
    return result.array.to_pylist(), dict(result.issues)


@pytest.mark.parametrize(
    ("spelled", "dialect", "arrow"),
    [
        ("int", "spark", pa.int32()),
        ("tinyint", "spark", pa.int8()),
        ("bigint unsigned", "mysql", pa.uint64()),
        ("decimal(12,2)", "spark", pa.decimal128(12, 2)),
        ("numeric", "postgres", pa.decimal256(76, 38)),
        ("float", "spark", pa.float32()),
        ("timestamp", "spark", pa.timestamp("us", tz="UTC")),
        ("timestamp_ntz", "spark", pa.timestamp("us")),
        ("timestamp(3)", "postgres", pa.timestamp("ms")),
        ("datetime", "mysql", pa.timestamp("s")),
        ("array<string>", "spark", pa.list_(pa.string())),
        ("map<string,int>", "spark", pa.map_(pa.string(), pa.int32())),
        ("interval", "spark", pa.month_day_nano_interval()),
        ("uuid", "postgres", pa.uuid()),
        ("tsvector", "postgres", None),
    ],
)
def test_target_arrow_types(spelled: str, dialect: str, arrow: Any) -> None:
    assert target_arrow_type(sqltypes.parse(spelled, dialect)) == arrow


def test_integers() -> None:
    values, issues = _cast([1, 2**31, -(2**31) - 1, None, 7.0, 7.5, "12", "x", True], "int")
    assert values == [1, None, None, None, 7, None, 12, None, 1]
    assert issues == {"overflow": 2, "truncation": 1, "invalid": 1}
    assert _cast([2**70], "bigint")[1] == {"overflow": 1}


def test_decimals() -> None:
    values, issues = _cast(
        [Decimal("19.99"), 0.1, 3, "2.50", Decimal("123456.7"), Decimal("1.005")], "decimal(6,2)"
    )
    assert values[:4] == [Decimal("19.99"), Decimal("0.10"), Decimal("3.00"), Decimal("2.50")]
    assert issues == {"overflow": 1, "truncation": 1}
    assert _cast([Decimal("NaN"), float("inf")], "decimal(6,2)")[1] == {"overflow": 2}


def test_timestamps() -> None:
    aware = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    naive = dt.datetime(2024, 1, 1, 12)
    values, issues = _cast([aware, naive, "2024-01-01 12:00:00", dt.date(2024, 1, 2)], "timestamp")
    assert (
        values
        == [
            dt.datetime(2024, 1, 1, 10, tzinfo=UTC),
            dt.datetime(2024, 1, 1, 12, tzinfo=UTC),  # a wall-clock time is read as UTC
            dt.datetime(2024, 1, 1, 12, tzinfo=UTC),
            dt.datetime(2024, 1, 2, tzinfo=UTC),
        ]
        and issues == {}
    )
    assert _cast([aware, naive], "timestamp_ntz")[1] == {"time zone": 1}
    assert _cast([dt.datetime(2024, 1, 1, 0, 0, 0, 500)], "timestamp(0)", "postgres")[1] == {
        "truncation": 1
    }
    assert _cast([OutOfRange("infinity"), naive], "timestamp")[1] == {"overflow": 1}
    assert _cast([dt.datetime(1960, 1, 1), naive], "timestamp", "mysql")[1] == {"overflow": 1}


def test_dates_and_times() -> None:
    assert _cast([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, 5)], "date")[1] == {
        "truncation": 1
    }
    values, issues = _cast(
        [dt.timedelta(hours=1), dt.timedelta(hours=30), dt.time(1, tzinfo=UTC)], "time", "postgres"
    )
    assert values[0] == dt.time(1) and issues == {"overflow": 1, "time zone": 1}


def test_strings_binary_and_others() -> None:
    assert _cast(["abcd", "abcde", b"ab", b"\xff", 12], "varchar(4)", "postgres") == (
        ["abcd", None, "ab", None, "12"],
        {"truncation": 1, "invalid": 1},
    )
    assert _cast([{"a": 1}, [1, "x"], "{}"], "string")[0] == ['{"a": 1}', '[1, "x"]', "{}"]
    assert _cast([b"\x01\x02", "text", uuid.UUID(int=1)], "binary")[0][1] == b"text"
    assert _cast(["00000000-0000-0000-0000-000000000001", "nope"], "uuid", "postgres")[1] == {
        "invalid": 1
    }
    assert _cast(["a", "z"], "enum('a','b')", "mysql")[1] == {"invalid": 1}
    assert _cast([1, 0, "t", 5], "boolean") == ([True, False, True, None], {"invalid": 1})
    untyped = cast([{"x": 1}], sqltypes.parse("tsvector", "postgres"))
    assert not untyped.cast and untyped.array.to_pylist() == ['{"x": 1}']


def test_nested() -> None:
    assert _cast([["a", None], '{ok,"b c"}', None], "array<string>")[0] == [
        ["a", None],
        ["ok", "b c"],
        None,
    ]
    assert _cast([[1, 2**40]], "array<int>")[1] == {"invalid": 1}
    assert _cast([{"k": 1}], "map<string,int>")[0] == [[("k", 1)]]
    assert _cast([{"a": 1, "b": "x"}], "struct<a:int,b:string>")[0] == [{"a": 1, "b": "x"}]


def test_intervals_keep_their_months() -> None:
    assert parse_interval("P1Y2M3DT4H5M6.5S") == Interval(
        14, 3, (4 * 3600 + 5 * 60 + 6) * 10**9 + 500_000_000
    )
    assert parse_interval("P-1M-2DT-3.25S") == Interval(-1, -2, -3_250_000_000)
    assert parse_interval("PT0S") == Interval(0, 0, 0)
    assert isinstance(parse_interval("P"), OutOfRange)
    values, _ = _cast([Interval(13, 1, 5), dt.timedelta(days=2, seconds=1)], "interval")
    assert values == [pa.MonthDayNano([13, 1, 5]), pa.MonthDayNano([0, 2, 1_000_000_000])]


def test_array_literals() -> None:
    assert parse_array_literal('{a,"b,c",NULL,"d\\"e"}') == ["a", "b,c", None, 'd"e']
    assert parse_array_literal("{{1,2},{3}}") == [["1", "2"], ["3"]]
    for bad in ("{a", "a}", "{a}{b}", '{"a'):
        with pytest.raises(Exception, match="invalid"):
            parse_array_literal(bad)
