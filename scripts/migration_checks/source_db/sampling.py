"""The sample: at most ``sample_rows`` rows of a dataset, each column cast to its target type.

The rows are read with ``LIMIT`` in the database (ordered by the primary key when there is one,
so two runs see the same rows), never more; a table of a million rows costs what a table of a
hundred does. Each column's values are then cast to the Arrow type of the mapping's target type
(``target_arrow_type``: integers by width and sign, ``decimal(p,s)``, floats, strings, binary,
dates, timestamps in the target's unit and zone, intervals, UUIDs, lists, maps and structs).

A value is first given the form pyarrow reads for the target kind, without changing what it
means: text from SQLite is parsed as the number or time it spells, a float bound for a decimal
becomes the decimal of its shortest spelling, a wall-clock time bound for an instant is read as
UTC, a JSON document becomes its text. pyarrow then casts the column with ``safe=True``, which
refuses integer overflow, decimal overflow and rounding, and lost fractional seconds; where it
refuses, each value is cast alone to count the ones that do not fit. What pyarrow would let pass
silently is checked here: a time zone a naive target drops, a string or binary longer than the
target's length, the time of day a date target drops, a timestamp outside MySQL TIMESTAMP's
1970-2038, a label the target enum lacks. Every problem is counted per column, by kind; no
value is ever kept in a message.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from migration_checks import redaction
from migration_checks.source_db.backends import Interval, OutOfRange
from migration_checks.source_db.catalog import Relation
from migration_checks.source_db.connection import Session, SourceError
from migration_checks.sqltypes import Kind, SqlType, Zone

OVERFLOW = "overflow"
TRUNCATION = "truncation"
TIME_ZONE = "time zone"
INVALID = "invalid"
ISSUE_KINDS = (OVERFLOW, TRUNCATION, TIME_ZONE, INVALID)
_UTC = dt.UTC
_NARROW = (dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=_UTC), dt.datetime(2038, 1, 19, 3, 14, 7, tzinfo=_UTC))  # fmt: skip


class _Issue(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(slots=True)
class Cast:
    """A column cast to its target: the Arrow array (values that did not fit are null) and the
    number of values of each kind of problem."""

    array: Any
    issues: Counter[str] = field(default_factory=Counter)
    cast: bool = True  # False: the target type has no Arrow type; the values were kept as text


def _pyarrow() -> Any:
    """pyarrow, imported when a sample is cast (stage 1's action does not install it)."""
    import pyarrow  # type: ignore[import-untyped]

    return pyarrow


def nulls_like(array: Any) -> Any:
    """An array of as many nulls, of the same type: a column whose values must not be kept."""
    return _pyarrow().nulls(len(array), type=array.type)


def without_credentials(array: Any) -> tuple[Any, int]:
    """A text column with every credential-shaped part of a value replaced by ``[redacted]``
    (``redaction.redact_credentials``), and how many values changed. A token pasted into a
    source row is a secret there too, and the sample is a file the job keeps. Other types hold
    no text to redact (a list or struct of text is left as it is)."""
    pa = _pyarrow()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array, 0
    values = array.to_pylist()
    kept = [v if v is None else redaction.redact_credentials(v) for v in values]
    changed = sum(a != b for a, b in zip(values, kept, strict=True))
    return (pa.array(kept, type=array.type) if changed else array), changed


# reading -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Fetched:
    """A dataset's sample by column; or why no column could be read, or which could not."""

    values: dict[str, list[Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # column -> why
    error: str | None = None  # the dataset could not be read at all

    @property
    def rows(self) -> int:
        return len(next(iter(self.values.values()), []))


def fetch(session: Session, relation: Relation, columns: Sequence[str], limit: int) -> Fetched:
    """The first ``limit`` rows of ``columns``. A value the driver cannot read fails the whole
    query, so then the columns are read one by one to name the culprit."""
    try:
        rows = _select(session, relation, columns, limit)
        return Fetched({c: [row[i] for row in rows] for i, c in enumerate(columns)})
    except SourceError as error:
        if not error.value_error:
            return Fetched(error=error.reason)
    fetched = Fetched()
    for name in columns:
        try:
            fetched.values[name] = [row[0] for row in _select(session, relation, [name], limit)]
        except SourceError as error:
            fetched.failed[name] = error.reason
    return fetched


def _select(session: Session, relation: Relation, columns: Sequence[str], limit: int) -> list[Any]:
    from sqlalchemy import column, select, table
    from sqlalchemy.sql import quoted_name

    # Every name here is the catalog's own, quoted as an identifier, never text of the PR.
    needed = list(dict.fromkeys([*columns, *relation.primary_key]))
    source = table(
        quoted_name(relation.name, True),
        *(column(quoted_name(name, True)) for name in needed),
        schema=quoted_name(relation.schema, True),
    )
    statement = select(*(source.c[name] for name in columns)).limit(limit)
    if relation.primary_key:
        statement = statement.order_by(*(source.c[name] for name in relation.primary_key))
    with session.read(f"sample {relation.qualified}") as connection:
        return list(connection.execute(statement).fetchmany(limit))


# Arrow types ---------------------------------------------------------------------------------

_UNITS = ((0, "s"), (3, "ms"), (6, "us"))


def _unit(precision: int | None) -> str:
    for digits, unit in _UNITS:
        if (precision if precision is not None else 6) <= digits:
            return unit
    return "ns"


def target_arrow_type(t: SqlType) -> Any:
    """The Arrow type a column of target type ``t`` is written as; None when there is none."""
    pa = _pyarrow()

    kind = t.kind
    if kind is Kind.INTEGER:
        bits = t.bits or 64
        width = next((w for w in (8, 16, 32, 64) if bits <= w), None)
        if width is None:
            return pa.decimal128(38, 0)
        return getattr(pa, f"{'' if t.signed else 'u'}int{width}")()
    if kind is Kind.DECIMAL:
        if t.precision is None:
            return pa.decimal256(76, 38)
        maker = pa.decimal128 if t.precision <= 38 else pa.decimal256
        return maker(t.precision, t.scale or 0)
    simple = {
        Kind.FLOAT: pa.float32() if t.bits == 32 else pa.float64(),
        Kind.BOOLEAN: pa.bool_(),
        Kind.STRING: pa.string(),
        Kind.ENUM: pa.string(),
        Kind.JSON: pa.string(),
        Kind.BINARY: pa.binary(),
        Kind.DATE: pa.date32(),
        Kind.INTERVAL: pa.month_day_nano_interval(),
        Kind.UUID: pa.uuid(),
    }
    if kind in simple:
        return simple[kind]
    if kind is Kind.TIMESTAMP:
        zone = None if t.zone is Zone.NAIVE else "UTC"
        return pa.timestamp(_unit(t.precision), tz=zone)
    if kind is Kind.TIME:
        unit = _unit(t.precision)
        return pa.time64(unit) if unit in ("us", "ns") else pa.time32(unit)
    return _nested_arrow_type(t)


def _nested_arrow_type(t: SqlType) -> Any:
    pa = _pyarrow()

    items = [target_arrow_type(item) for item in t.items]
    if any(item is None for item in items):
        return None
    if t.kind is Kind.ARRAY:
        return pa.list_(items[0])
    if t.kind is Kind.MAP:
        return pa.map_(items[0], items[1])
    if t.kind is Kind.STRUCT:
        return pa.struct([pa.field(name, item) for name, item in zip(t.names, items, strict=True)])
    return None


# casting -------------------------------------------------------------------------------------


def cast(values: Sequence[Any], target: SqlType) -> Cast:
    """``values`` cast to ``target``'s Arrow type, counting what does not fit by kind."""
    pa = _pyarrow()

    arrow = target_arrow_type(target)
    if arrow is None:
        text = [None if v is None else _text(v) for v in values]
        return Cast(pa.array(text, type=pa.string()), cast=False)
    issues: Counter[str] = Counter()
    ready: list[Any] = []
    for value in values:
        try:
            ready.append(None if value is None else _prepare(value, target))
        except _Issue as issue:
            issues[issue.kind] += 1
            ready.append(None)
    array = _arrow(ready, arrow, target, issues)
    return Cast(array, issues)


def _arrow(values: list[Any], arrow: Any, target: SqlType, issues: Counter[str]) -> Any:
    """The column as ``arrow``: the whole column at once, else value by value."""
    pa = _pyarrow()

    nested = target.kind in (Kind.ARRAY, Kind.MAP, Kind.STRUCT)
    try:
        if nested:
            return pa.array(values, type=arrow)
        return pa.array(values).cast(arrow, safe=True)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        pass
    kept: list[Any] = []
    for value in values:
        if value is None:
            kept.append(None)
            continue
        try:
            single = (
                pa.array([value], type=arrow)
                if nested
                else pa.array([value]).cast(arrow, safe=True)
            )
            kept.append(single[0].as_py())
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            issues[_why(value, target)] += 1
            kept.append(None)
    return pa.array(kept, type=arrow)


def _why(value: Any, target: SqlType) -> str:
    """Why pyarrow's safe cast refused one value."""
    kind = target.kind
    if kind is Kind.INTEGER and isinstance(value, int | float | Decimal):
        return OVERFLOW if Decimal(value) == Decimal(value).to_integral_value() else TRUNCATION
    if kind is Kind.DECIMAL and isinstance(value, Decimal):
        scale = target.scale or 0
        digits = len(str(abs(int(value)))) if abs(value) >= 1 else 0
        if target.precision is not None and digits > target.precision - scale:
            return OVERFLOW
        return TRUNCATION
    if kind is Kind.FLOAT and isinstance(value, int | float | Decimal):
        return OVERFLOW
    if kind in (Kind.TIMESTAMP, Kind.TIME) and isinstance(value, dt.datetime | dt.time):
        return TRUNCATION
    return INVALID


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Interval):
        return f"{value.months} months {value.days} days {value.nanoseconds} ns"
    return str(value)


def _prepare(value: Any, target: SqlType) -> Any:
    """The value in the form pyarrow reads for ``target``; ``_Issue`` when it cannot be."""
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    if isinstance(value, OutOfRange):  # 'infinity' and the like
        if target.kind in (Kind.STRING, Kind.JSON):
            return str(value)
        raise _Issue(OVERFLOW)
    prepare = _PREPARE.get(target.kind)
    return prepare(value, target) if prepare is not None else value


def _as_string(value: Any, target: SqlType) -> str:
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise _Issue(INVALID) from None
    else:
        text = _text(value)
    if target.length is not None and len(text) > target.length:
        raise _Issue(TRUNCATION)
    return text


def _as_enum(value: Any, target: SqlType) -> str:
    text = _text(value)
    if target.names and text not in target.names:
        raise _Issue(INVALID)
    return text


def _as_json(value: Any, target: SqlType) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def _as_binary(value: Any, target: SqlType) -> bytes:
    if isinstance(value, str):
        value = value.encode("utf-8")
    elif isinstance(value, uuid.UUID):
        value = value.bytes
    if not isinstance(value, bytes):
        raise _Issue(INVALID)
    if target.length is not None and len(value) > target.length:
        raise _Issue(TRUNCATION)
    return value


def _as_uuid(value: Any, target: SqlType) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        if isinstance(value, bytes):
            return uuid.UUID(bytes=value)
        return uuid.UUID(str(value))
    except ValueError:
        raise _Issue(INVALID) from None


def _number(value: Any) -> int | float | Decimal:
    """A number, from a number or the text of one (SQLite keeps what it was given)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise _Issue(INVALID) from None
    raise _Issue(INVALID)


def _as_integer(value: Any, target: SqlType) -> Any:
    number = _number(value)
    if isinstance(number, float | Decimal):
        if not _finite(number):
            raise _Issue(OVERFLOW)
        if number != int(number):
            raise _Issue(TRUNCATION)
        number = int(number)
    return number


def _finite(number: float | Decimal) -> bool:
    return number.is_finite() if isinstance(number, Decimal) else number not in (float("inf"), float("-inf")) and number == number  # fmt: skip


def _as_decimal(value: Any, target: SqlType) -> Decimal:
    number = _number(value)
    # A binary float stands for the decimal of its shortest spelling: 0.1, not 0.1000000000000000055.
    decimal = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if not decimal.is_finite():
        raise _Issue(OVERFLOW)
    return decimal


def _as_float(value: Any, target: SqlType) -> float:
    number = float(_number(value))
    if target.bits == 32 and _finite(number) and abs(number) > 3.4028234663852886e38:
        raise _Issue(OVERFLOW)
    return number


def _as_boolean(value: Any, target: SqlType) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[value.strip().lower()]
    raise _Issue(INVALID)


_BOOLEAN_WORDS = {"true": True, "false": False, "t": True, "f": False, "1": True, "0": False}


def _datetime(value: Any) -> dt.datetime | dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _Issue(INVALID) from None
    raise _Issue(INVALID)


def _as_date(value: Any, target: SqlType) -> dt.date:
    moment = _datetime(value)
    if isinstance(moment, dt.datetime):
        if moment.time() != dt.time(0) or moment.tzinfo is not None:
            raise _Issue(TRUNCATION)
        return moment.date()
    return moment


def _as_timestamp(value: Any, target: SqlType) -> dt.datetime:
    moment = _datetime(value)
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(0))
    if target.zone is Zone.NAIVE:
        if moment.tzinfo is not None:
            raise _Issue(TIME_ZONE)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)  # a wall-clock time is read as UTC
    else:
        moment = moment.astimezone(_UTC)
    if (
        target.narrow
        and not _NARROW[0] <= moment.replace(tzinfo=moment.tzinfo or _UTC) <= _NARROW[1]
    ):
        raise _Issue(OVERFLOW)
    return moment


def _as_time(value: Any, target: SqlType) -> dt.time:
    if isinstance(value, dt.timedelta):  # MySQL TIME: a duration, maybe negative or over a day
        if not dt.timedelta(0) <= value < dt.timedelta(days=1):
            raise _Issue(OVERFLOW)
        return (dt.datetime.min + value).time()
    if isinstance(value, str):
        try:
            value = dt.time.fromisoformat(value.strip())
        except ValueError:
            raise _Issue(INVALID) from None
    if not isinstance(value, dt.time):
        raise _Issue(INVALID)
    if value.tzinfo is not None and target.zone is Zone.NAIVE:
        raise _Issue(TIME_ZONE)
    return value.replace(tzinfo=None)


def _as_interval(value: Any, target: SqlType) -> Any:
    pa = _pyarrow()

    if isinstance(value, Interval):
        return pa.MonthDayNano([value.months, value.days, value.nanoseconds])
    if isinstance(value, dt.timedelta):
        nanos = (value.seconds * 1_000_000 + value.microseconds) * 1000
        return pa.MonthDayNano([0, value.days, nanos])
    raise _Issue(INVALID)


def _as_list(value: Any, target: SqlType) -> list[Any]:
    if isinstance(value, str) and value.startswith("{"):
        value = parse_array_literal(value)  # psycopg leaves arrays of enums and domains as text
    if not isinstance(value, list | tuple):
        raise _Issue(INVALID)
    item = target.items[0]
    return [None if v is None else _prepare(v, item) for v in value]


def _as_map(value: Any, target: SqlType) -> list[tuple[Any, Any]]:
    if not isinstance(value, dict):
        raise _Issue(INVALID)
    key, item = target.items
    return [(_prepare(k, key), None if v is None else _prepare(v, item)) for k, v in value.items()]


def _as_struct(value: Any, target: SqlType) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Issue(INVALID)
    fields = dict(zip(target.names, target.items, strict=True))
    return {
        name: None if value.get(name) is None else _prepare(value[name], item)
        for name, item in fields.items()
    }


def parse_array_literal(text: str) -> list[Any]:
    """A PostgreSQL array in its text form, ``{a,"b c",NULL,{1,2}}``, as nested lists of
    strings (None for NULL); ``_Issue`` when the text is not one."""
    items: list[Any] = []
    stack: list[list[Any]] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "{":
            stack.append([])
            index += 1
        elif char == "}":
            if not stack:
                raise _Issue(INVALID)
            done = stack.pop()
            (stack[-1] if stack else items).append(done)
            index += 1
        elif char == ",":
            index += 1
        elif char == '"':
            end, parts = index + 1, []
            while end < length and text[end] != '"':
                if text[end] == "\\":
                    end += 1
                parts.append(text[end : end + 1])
                end += 1
            if not stack or end >= length:
                raise _Issue(INVALID)
            stack[-1].append("".join(parts))
            index = end + 1
        else:
            end = index
            while end < length and text[end] not in ",}":
                end += 1
            if not stack:
                raise _Issue(INVALID)
            word = text[index:end].strip()
            stack[-1].append(None if word.upper() == "NULL" else word)
            index = end
    if stack or len(items) != 1:
        raise _Issue(INVALID)
    result: list[Any] = items[0]
    return result


_PREPARE = {
    Kind.STRING: _as_string,
    Kind.ENUM: _as_enum,
    Kind.JSON: _as_json,
    Kind.BINARY: _as_binary,
    Kind.UUID: _as_uuid,
    Kind.INTEGER: _as_integer,
    Kind.DECIMAL: _as_decimal,
    Kind.FLOAT: _as_float,
    Kind.BOOLEAN: _as_boolean,
    Kind.DATE: _as_date,
    Kind.TIMESTAMP: _as_timestamp,
    Kind.TIME: _as_time,
    Kind.INTERVAL: _as_interval,
    Kind.ARRAY: _as_list,
    Kind.MAP: _as_map,
    Kind.STRUCT: _as_struct,
}


def _storable(array: Any) -> Any:
    """Parquet has no type for an interval with months, days and nanoseconds: such a column is
    written as the struct of the three (the cast itself was to the interval type)."""
    pa = _pyarrow()
    if array.type != pa.month_day_nano_interval():
        return array
    parts = [(None, None, None) if v is None else (v.months, v.days, v.nanoseconds) for v in array.to_pylist()]  # fmt: skip
    fields = [("months", pa.int32()), ("days", pa.int32()), ("nanoseconds", pa.int64())]
    columns = [pa.array([p[i] for p in parts], type=t) for i, (_, t) in enumerate(fields)]
    mask = pa.array([v is None for v in array.to_pylist()])
    return pa.StructArray.from_arrays(columns, names=[n for n, _ in fields], mask=mask)


def write_parquet(path: Any, names: Sequence[str], arrays: Sequence[Any], redacted: Sequence[str]) -> None:  # fmt: skip
    """One dataset's sample as Parquet; ``redacted`` names the columns written as nulls."""
    pa = _pyarrow()
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    table = pa.Table.from_arrays([_storable(a) for a in arrays], names=list(names))
    table = table.replace_schema_metadata({"migration_checks.redacted": json.dumps(list(redacted))})
    pq.write_table(table, path, compression="zstd")
