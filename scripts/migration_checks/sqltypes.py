"""SQL column types as a lattice: parse a type in its dialect, and tell whether a conversion loses data.

A type spelling (``varchar(255)`` in postgres, ``string`` in spark) is parsed with sqlglot in its
dialect and normalised to a ``SqlType``: a kind (integer, decimal, float, string, timestamp, ...)
with the facts that decide lossiness (bits, precision and scale, length, time zone handling,
fractional digits, element types). Two spellings are **the same type** when their ``SqlType``s
are equal: ``text`` (postgres), ``TEXT`` (sqlite) and ``string`` (spark) are one unbounded string;
``integer`` (postgres) and ``int`` (spark) are one 32-bit integer; ``timestamptz`` (postgres) and
``timestamp`` (spark) are one instant with microseconds.

Dialect facts sqlglot does not encode are applied on top of its parse: SQLite stores every
integer type in 64 bits and every floating type in 64 bits; Snowflake (and Oracle) integers are
NUMBER(38,0); BigQuery integers are INT64; Redshift TEXT and bare VARCHAR are VARCHAR(256);
``float(p)`` is 32-bit up to p = 24 in Postgres, Redshift, MySQL and SQL Server; MySQL TIMESTAMP
is an instant limited to 1970-2038 and TEXT types have byte limits; Snowflake, SQL Server, Oracle
and Trino keep each value's UTC offset in TIMESTAMP WITH TIME ZONE; default precisions and lengths
of bare DECIMAL, CHAR, VARCHAR and TIMESTAMP differ by dialect. Declared lengths and precisions
are otherwise taken as declared, even where a dialect does not enforce them (SQLite).

``convert(source, target)`` decides whether every value of the source fits the target exactly:

- integers: the target range holds the source range (tinyint < smallint < mediumint < int <
  bigint, unsigned variants by range); to decimal(p,s) when p - s holds every digit; to a float
  when the float's mantissa (24 or 53 bits) holds every value exactly, so int32 -> double is
  lossless and int64 -> double is not;
- decimal(p,s) -> decimal(p',s') iff p' - s' >= p - s and s' >= s (unbounded holds all); to an
  integer only at scale 0 within range; to a float only at scale 0 with at most 7 (float) or 15
  (double) digits, since binary floats cannot hold decimal fractions such as 0.1 exactly;
- floats: widening only; a float to a decimal or an integer is lossy;
- boolean -> any integer, decimal or float is lossless;
- strings: length m >= n, unbounded holds all; unbounded -> bounded is lossy; varying -> fixed-width
  is lossy (padding makes trailing spaces insignificant);
- anything -> an unbounded string is lossless (its text form), and to a bounded string when the
  longest text form fits; binary -> string is lossy (a cast decodes the bytes as text); a string
  -> any other kind is lossy;
- date -> timestamp is lossless, timestamp -> date is lossy; fewer fractional digits is lossy;
  an instant -> a time without zone is lossy (the zone is dropped), and so is an offset-keeping
  value -> an instant (the offset is dropped); a time without zone -> an instant is lossless,
  provided it is read in a fixed zone such as UTC (the coercion's reason should say so);
- JSON -> normalised JSON (jsonb, VARIANT, SUPER) is lossy (duplicate keys, key order); arrays,
  maps and structs convert element by element, and to JSON or a string losslessly; an enum ->
  an enum holding its labels, or a string holding its longest label, is lossless;
- UUID -> a string of 36 or more characters or binary of 16 or more bytes is lossless;
- an unknown type (unparseable, or user-defined such as a Postgres enum or tsvector) cannot be
  analysed: ``lossy`` is None, and the caller asks for a declared, approved coercion.

Nothing here raises for bad input: a spelling sqlglot cannot read is an unknown type. sqlglot is
imported only inside functions, and only for spellings off the fast path: plain names such as
``bigint`` or ``numeric(12,2)`` in the common dialects are read from a table of sqlglot's own
answers (``_FAST_TYPES``), which a unit test compares with sqlglot. Importing sqlglot costs about
half a second, more than the rest of a large mapping's analysis. Results are cached per spelling
and dialect, and per pair of types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import exp


class Kind(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOLEAN = "boolean"
    STRING = "string"
    BINARY = "binary"
    DATE = "date"
    TIME = "time"
    TIMESTAMP = "timestamp"
    INTERVAL = "interval"
    UUID = "uuid"
    JSON = "json"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"
    ENUM = "enum"
    OTHER = "other"  # a type sqlglot knows that the lattice does not model (geometry, xml, ...)
    UNKNOWN = "unknown"  # unparseable, or user-defined: nothing can be said about it


class Zone(StrEnum):
    NAIVE = "naive"  # wall-clock values without a zone: timestamp without time zone, datetime
    INSTANT = "instant"  # points in time stored in UTC: Postgres timestamptz, Spark timestamp
    OFFSET = "offset"  # points in time that keep their own UTC offset: Snowflake TIMESTAMP_TZ


@dataclass(frozen=True, slots=True)
class SqlType:
    """A normalised column type; equal ``SqlType``s are the same type, whatever the spelling."""

    kind: Kind
    bits: int | None = None  # INTEGER, FLOAT
    signed: bool = True  # INTEGER, DECIMAL
    precision: int | None = None  # DECIMAL digits (None: unbounded); TIME/TIMESTAMP fraction digits
    scale: int | None = None  # DECIMAL
    length: int | None = None  # STRING characters, BINARY bytes (None: unbounded)
    fixed: bool = False  # STRING, BINARY: padded to ``length``
    zone: Zone | None = None  # TIME, TIMESTAMP
    narrow: bool = False  # TIMESTAMP: MySQL TIMESTAMP's range, 1970 to 2038
    normalised: bool = False  # JSON: stored parsed (jsonb), not as the text given
    items: tuple[SqlType, ...] = ()  # ARRAY element; MAP key and value; STRUCT field types
    names: tuple[str, ...] = ()  # STRUCT field names; ENUM labels
    name: str = ""  # OTHER: sqlglot's rendering; UNKNOWN: "dialect:spelling"
    spelling: str = field(default="", compare=False)
    problem: str = field(default="", compare=False)  # UNKNOWN: why it cannot be analysed


@dataclass(frozen=True, slots=True)
class Conversion:
    """Whether converting a source type to a target type can lose information, and why."""

    lossy: bool | None  # None: an unknown type, so it cannot be told
    why: str


@dataclass(frozen=True, slots=True)
class Analysis:
    source: SqlType
    target: SqlType
    same: bool
    lossy: bool | None
    why: str


# parsing --------------------------------------------------------------------------------------

_MAX_SPELLING = 10_000
_SIMPLE = re.compile(
    r"([A-Za-z][A-Za-z0-9_]*(?:\s+[A-Za-z][A-Za-z0-9_]*)*)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?"
)
# A name sqlglot does not know may be a user-defined type: an identifier, maybe schema-qualified
# or quoted, maybe an array of it.
_IDENTIFIER = re.compile(r'(?:[A-Za-z_][\w$]*|"[^"]+")(?:\.(?:[A-Za-z_][\w$]*|"[^"]+"))*(?:\[\])*')

# sqlglot's type for plain spellings, in every dialect of _FAST_DIALECTS unless _FAST_EXCEPTIONS
# says otherwise (None: not on the fast path in that dialect). Names in _FAST_ARITY also take up
# to that many integer parameters, which sqlglot keeps as given. tests/unit/test_sqltypes.py
# checks every entry against sqlglot, so a new sqlglot that reads one differently fails there.
_FAST_DIALECTS = frozenset(
    {"postgres", "redshift", "mysql", "sqlite", "spark", "databricks", "snowflake", "bigquery", "duckdb"}
)  # fmt: skip
_FAST_TYPES: dict[str, str] = {
    "bigint": "BIGINT", "int": "INT", "integer": "INT", "smallint": "SMALLINT",
    "tinyint": "TINYINT", "boolean": "BOOLEAN", "bool": "BOOLEAN", "real": "FLOAT",
    "float": "FLOAT", "double": "DOUBLE", "double precision": "DOUBLE", "decimal": "DECIMAL",
    "numeric": "DECIMAL", "string": "TEXT", "text": "TEXT", "varchar": "VARCHAR", "char": "CHAR",
    "character": "CHAR", "character varying": "VARCHAR", "date": "DATE", "datetime": "DATETIME",
    "time": "TIME", "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMPTZ",
    "timestamp_ntz": "TIMESTAMPNTZ", "json": "JSON", "jsonb": "JSONB", "uuid": "UUID",
    "binary": "BINARY", "varbinary": "VARBINARY", "bytea": "VARBINARY", "blob": "VARBINARY",
}  # fmt: skip
_FAST_EXCEPTIONS: dict[str, dict[str, str | None]] = {
    "postgres": {"float": "DOUBLE"},
    "redshift": {"float": "DOUBLE"},
    "sqlite": {"real": "DOUBLE", "float": "DOUBLE"},
    "spark": {"timestamp": "TIMESTAMPTZ"},
    "databricks": {"timestamp": "TIMESTAMPTZ"},
    "snowflake": {"float": "DOUBLE", "decimal": None, "numeric": None},
    "bigquery": {"datetime": "TIMESTAMP", "timestamp": "TIMESTAMPTZ"},
    "mysql": {"timestamp": "TIMESTAMPTZ", "blob": "BLOB"},
    "duckdb": {"decimal": None, "numeric": None, "string": None, "varchar": None, "char": None,
               "datetime": "TIMESTAMPNTZ", "timestamp": "TIMESTAMPNTZ", "binary": "VARBINARY"},
}  # fmt: skip
_FAST_ARITY: dict[str, int] = {
    "decimal": 2, "numeric": 2, "varchar": 1, "char": 1, "character": 1, "character varying": 1,
    "string": 1, "binary": 1, "varbinary": 1, "float": 1, "time": 1, "timestamp": 1,
    "timestamptz": 1, "timestamp_ntz": 1, "datetime": 1,
}  # fmt: skip


def family(dialect: str) -> str:
    """The dialect whose facts apply: ``databricks`` and ``hive`` behave as ``spark``, and so on."""
    name = dialect.split(",", 1)[0].strip().lower()
    return _FAMILIES.get(name, name)


_FAMILIES = {
    "databricks": "spark",
    "spark2": "spark",
    "hive": "spark",
    "presto": "trino",
    "athena": "trino",
    "materialize": "postgres",
    "risingwave": "postgres",
}


@lru_cache(maxsize=64)
def dialect_problem(dialect: str) -> str | None:
    """Why ``dialect`` is not a sqlglot dialect name, or None when it is."""
    if dialect in _FAST_DIALECTS:
        return None
    if not dialect.strip():
        return 'the SQL dialect is empty: expected a sqlglot dialect name such as "postgres"'
    from sqlglot.dialects.dialect import Dialect

    try:
        Dialect.get_or_raise(dialect)
    except Exception as exc:
        # sqlglot's message suggests the closest name ("Did you mean postgres?").
        close = re.search(r"Did you mean (\w+)", str(exc))
        return (
            f'unknown SQL dialect "{dialect}": expected a sqlglot dialect name such as '
            f'"{close.group(1) if close else "postgres"}"'
        )
    return None


@lru_cache(maxsize=4096)
def parse(spelling: str, dialect: str) -> SqlType:
    """The type ``spelling`` means in ``dialect``; an UNKNOWN ``SqlType`` when it cannot be read."""
    text = " ".join(spelling.split())
    fam = family(dialect)
    if not text:
        return _unknown(spelling, fam, "an empty type")
    if len(text) > _MAX_SPELLING:
        return _unknown(spelling, fam, "too long to be a type")
    fast = _fast(text, dialect, fam)
    if fast is not None:
        return fast
    return _parse_with_sqlglot(text, dialect, fam)


def _fast(text: str, dialect: str, fam: str) -> SqlType | None:
    if dialect not in _FAST_DIALECTS:
        return None
    match = _SIMPLE.fullmatch(text)
    if match is None:
        return None
    base = " ".join(match.group(1).lower().split())
    exceptions = _FAST_EXCEPTIONS.get(dialect, {})
    dtype = exceptions[base] if base in exceptions else _FAST_TYPES.get(base)
    params = tuple(p for p in match.group(2, 3) if p is not None)
    if dtype is None or len(params) > _FAST_ARITY.get(base, 0):
        return None
    return _simple(dtype, params, fam, text)


def _parse_with_sqlglot(text: str, dialect: str, fam: str) -> SqlType:
    from sqlglot import exp, parse_one
    from sqlglot.errors import ErrorLevel

    try:
        node = parse_one(text, read=dialect, into=exp.DataType, error_level=ErrorLevel.RAISE)
    except Exception:  # ParseError, TokenError, RecursionError: all mean "not a type we can read"
        node = None
    if isinstance(node, exp.DataType):
        try:
            return _from_sqlglot(node, fam, text)
        except Exception:  # a shape of tree this module does not expect: still never a crash
            return _unknown(text, fam, f'not a type the analysis can read in dialect "{dialect}"')
    if _IDENTIFIER.fullmatch(text):
        # sqlglot reads an unknown name as a user-defined type only when asked to (udt=True).
        try:
            udt = exp.DataType.build(text, dialect=dialect, udt=True)
        except Exception:
            udt = None
        if udt is not None and udt.this == exp.DType.USERDEFINED:
            return _unknown(text, fam, _USER_DEFINED)
    return _unknown(text, fam, f'not a type sqlglot can parse in dialect "{dialect}"')


_USER_DEFINED = "a user-defined type (an enum, a domain or an extension's type), whose values the analysis cannot see"


def _unknown(spelling: str, fam: str, problem: str) -> SqlType:
    return SqlType(
        Kind.UNKNOWN,
        name=f"{fam}:{' '.join(spelling.lower().split())}",
        spelling=spelling,
        problem=problem,
    )


def _from_sqlglot(node: exp.DataType, fam: str, spelling: str) -> SqlType:
    from sqlglot import exp

    this = node.this
    if not isinstance(this, exp.DType):
        # INTERVAL DAY TO SECOND and the like carry an interval unit instead of a DType.
        if node.sql().upper().startswith("INTERVAL"):
            return SqlType(Kind.INTERVAL, spelling=spelling)
        return SqlType(Kind.OTHER, name=node.sql(), spelling=spelling)
    name = this.name
    children = list(node.expressions)
    if name in ("ARRAY", "LIST"):
        if not children:  # Snowflake's untyped ARRAY is semi-structured data
            return SqlType(Kind.JSON, normalised=True, spelling=spelling)
        return SqlType(Kind.ARRAY, items=(_child(children[0], fam),), spelling=spelling)
    if name == "MAP" and len(children) == 2:
        return SqlType(Kind.MAP, items=tuple(_child(c, fam) for c in children), spelling=spelling)
    if name in ("STRUCT", "OBJECT") and children:
        names, types = [], []
        for index, child in enumerate(children):
            if isinstance(child, exp.ColumnDef):
                names.append(child.name.lower())
                types.append(_child(child.args["kind"], fam))
            else:  # BigQuery's unnamed fields match by position
                names.append(f"#{index}")
                types.append(_child(child, fam))
        return SqlType(Kind.STRUCT, items=tuple(types), names=tuple(names), spelling=spelling)
    if name in ("ENUM", "ENUM8", "ENUM16"):
        labels = []
        for child in children:
            label = child.this if isinstance(child, exp.EQ) else child
            labels.append(str(label.this) if isinstance(label, exp.Literal) else label.sql())
        return SqlType(Kind.ENUM, names=tuple(sorted(set(labels))), spelling=spelling)
    if name == "USERDEFINED":
        return _unknown(spelling, fam, _USER_DEFINED)
    if any(not isinstance(child, exp.DataTypeParam) for child in children):
        return SqlType(Kind.OTHER, name=node.sql(), spelling=spelling)
    return _simple(name, tuple(child.sql() for child in children), fam, spelling)


def _child(node: exp.Expression, fam: str) -> SqlType:
    from sqlglot import exp

    if not isinstance(node, exp.DataType):
        return _unknown(node.sql(), fam, "not a type")
    return _from_sqlglot(node, fam, node.sql())


# the dialect facts ----------------------------------------------------------------------------

_INTEGERS = {
    "TINYINT": (8, True), "SMALLINT": (16, True), "MEDIUMINT": (24, True), "INT": (32, True),
    "BIGINT": (64, True), "INT128": (128, True), "INT256": (256, True),
    "UTINYINT": (8, False), "USMALLINT": (16, False), "UMEDIUMINT": (24, False),
    "UINT": (32, False), "UBIGINT": (64, False), "UINT128": (128, False), "UINT256": (256, False),
    "SMALLSERIAL": (16, True), "SERIAL": (32, True), "BIGSERIAL": (64, True),
}  # fmt: skip
# Bare DECIMAL: (precision, scale), None for unbounded.
_DECIMAL_DEFAULT: dict[str, tuple[int, int] | None] = {
    "redshift": (18, 0), "mysql": (10, 0), "spark": (10, 0), "snowflake": (38, 0),
    "bigquery": (38, 9), "duckdb": (18, 3), "tsql": (18, 0), "trino": (38, 0),
}  # fmt: skip
_ALL_FLOATS_64 = frozenset({"sqlite", "snowflake", "bigquery"})
_FLOAT_P = frozenset({"postgres", "redshift", "mysql", "tsql"})  # float(p): 32-bit up to p = 24
_STRINGS = frozenset(
    {"CHAR", "NCHAR", "BPCHAR", "VARCHAR", "NVARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "NAME"}
)  # fmt: skip
_BINARIES = frozenset(
    {"BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "IMAGE"}
)  # fmt: skip
# Fixed default lengths of bare types (None: unbounded).
_MYSQL_LENGTHS = {"TINYTEXT": 255, "TEXT": 65_535, "MEDIUMTEXT": 16_777_215, "LONGTEXT": None,
                  "TINYBLOB": 255, "BLOB": 65_535, "MEDIUMBLOB": 16_777_215, "LONGBLOB": None}  # fmt: skip
_MAX_LENGTH = {"tsql": None, "redshift": 65_535}  # VARCHAR(MAX)
_TIMESTAMPS = {
    "TIMESTAMP": Zone.NAIVE, "DATETIME": Zone.NAIVE, "DATETIME2": Zone.NAIVE,
    "SMALLDATETIME": Zone.NAIVE, "TIMESTAMPNTZ": Zone.NAIVE, "DATETIME64": Zone.NAIVE,
    "TIMESTAMP_S": Zone.NAIVE, "TIMESTAMP_MS": Zone.NAIVE, "TIMESTAMP_NS": Zone.NAIVE,
    "TIMESTAMPTZ": Zone.INSTANT, "TIMESTAMPLTZ": Zone.INSTANT,
}  # fmt: skip
_OFFSET_KEEPING = frozenset({"snowflake", "tsql", "oracle", "trino"})
_FRACTION_FIXED = {"TIMESTAMP_S": 0, "TIMESTAMP_MS": 3, "TIMESTAMP_NS": 9, "SMALLDATETIME": 0}
_FRACTION_DEFAULT = {"mysql": 0, "snowflake": 9, "tsql": 7, "trino": 3}
_TEXT_JSON = frozenset({"postgres", "duckdb", "sqlite"})  # JSON kept as the text given


def _simple(dtype: str, params: tuple[str, ...], fam: str, spelling: str) -> SqlType:
    """A type without element types, from sqlglot's type name and parameters."""
    numbers = tuple(int(p) for p in params if p.isdigit())
    has_max = any(p.upper() == "MAX" for p in params)
    if len(numbers) + has_max != len(params):
        return _unknown(spelling, fam, f"type parameters ({', '.join(params)}) are not numbers")
    if dtype in _INTEGERS:
        # Parameters of an integer are a display width (MySQL int(11)) and change nothing.
        if fam in ("snowflake", "oracle"):
            return SqlType(Kind.DECIMAL, precision=38, scale=0, spelling=spelling)
        bits, signed = (64, True) if fam in ("sqlite", "bigquery") else _INTEGERS[dtype]
        return SqlType(Kind.INTEGER, bits=bits, signed=signed, spelling=spelling)
    if dtype in ("DECIMAL", "BIGDECIMAL", "UDECIMAL", "MONEY", "SMALLMONEY"):
        return _decimal(dtype, numbers, fam, spelling)
    if dtype in ("FLOAT", "DOUBLE"):
        return _float(dtype, numbers, fam, spelling)
    if dtype == "BOOLEAN" or (dtype == "BIT" and fam == "tsql"):
        return SqlType(Kind.BOOLEAN, spelling=spelling)
    if dtype in _STRINGS:
        return _string(dtype, numbers, has_max, fam, spelling)
    if dtype in _BINARIES:
        return _binary(dtype, numbers, has_max, fam, spelling)
    if dtype in ("DATE", "DATE32"):
        if fam == "oracle":  # an Oracle DATE holds the time of day to the second
            return SqlType(Kind.TIMESTAMP, zone=Zone.NAIVE, precision=0, spelling=spelling)
        return SqlType(Kind.DATE, spelling=spelling)
    if dtype in _TIMESTAMPS:
        return _timestamp(dtype, numbers, fam, spelling)
    if dtype in ("TIME", "TIMETZ"):
        zone = Zone.OFFSET if dtype == "TIMETZ" else Zone.NAIVE
        precision = numbers[0] if numbers else _FRACTION_DEFAULT.get(fam, 6)
        return SqlType(Kind.TIME, zone=zone, precision=precision, spelling=spelling)
    if dtype == "INTERVAL":
        return SqlType(Kind.INTERVAL, spelling=spelling)
    if dtype == "UUID":
        return SqlType(Kind.UUID, spelling=spelling)
    if dtype in ("JSON", "JSONB", "VARIANT", "SUPER", "OBJECT"):
        normalised = dtype != "JSON" or fam not in _TEXT_JSON
        return SqlType(Kind.JSON, normalised=normalised, spelling=spelling)
    if dtype == "USERDEFINED":
        return _unknown(spelling, fam, _USER_DEFINED)
    rendered = dtype + (f"({', '.join(params)})" if params else "")
    return SqlType(Kind.OTHER, name=rendered, spelling=spelling)


def _decimal(dtype: str, numbers: tuple[int, ...], fam: str, spelling: str) -> SqlType:
    signed = dtype != "UDECIMAL"
    if dtype == "MONEY":
        numbers = numbers or ((19, 4) if fam == "tsql" else (19, 2))
    elif dtype == "SMALLMONEY":
        numbers = numbers or (10, 4)
    elif dtype == "BIGDECIMAL":
        numbers = numbers or (76, 38)
    elif not numbers:
        numbers = _DECIMAL_DEFAULT.get(fam) or ()
    if len(numbers) > 2 or (numbers and numbers[0] < 1):
        return _unknown(spelling, fam, "a decimal takes a precision of 1 or more and a scale")
    if not numbers:
        return SqlType(Kind.DECIMAL, signed=signed, spelling=spelling)
    precision, scale = numbers[0], numbers[1] if len(numbers) == 2 else 0
    return SqlType(Kind.DECIMAL, signed=signed, precision=precision, scale=scale, spelling=spelling)


def _float(dtype: str, numbers: tuple[int, ...], fam: str, spelling: str) -> SqlType:
    bits = 32 if dtype == "FLOAT" else 64
    if fam in _ALL_FLOATS_64:
        bits = 64
    elif fam in _FLOAT_P and len(numbers) == 1:
        bits = 32 if numbers[0] <= 24 else 64
    elif fam == "tsql" and dtype == "FLOAT":
        # SQL Server: FLOAT is float(53); REAL, which sqlglot also reads as FLOAT, is float(24).
        bits = 32 if spelling.lower().startswith("real") else 64
    return SqlType(Kind.FLOAT, bits=bits, spelling=spelling)


def _string(
    dtype: str, numbers: tuple[int, ...], has_max: bool, fam: str, spelling: str
) -> SqlType:
    fixed = dtype in ("CHAR", "NCHAR") or (dtype == "BPCHAR" and fam == "redshift")
    length: int | None
    if numbers:
        length = numbers[0]
    elif has_max:
        length = _MAX_LENGTH.get(fam)
    elif fam == "mysql" and dtype in _MYSQL_LENGTHS:
        length = _MYSQL_LENGTHS[dtype]
    elif dtype == "NAME":
        length = 63
    elif fam == "redshift" and dtype in ("TEXT", "VARCHAR", "NVARCHAR", "BPCHAR"):
        length = 256
    elif fam == "tsql" and dtype in ("VARCHAR", "NVARCHAR"):
        length = 1
    else:
        length = 1 if fixed else None
    if length is not None and length < 1:
        return _unknown(spelling, fam, "a string length must be 1 or more")
    return SqlType(Kind.STRING, length=length, fixed=fixed, spelling=spelling)


def _binary(
    dtype: str, numbers: tuple[int, ...], has_max: bool, fam: str, spelling: str
) -> SqlType:
    fixed = dtype == "BINARY" and fam in ("mysql", "tsql")
    length: int | None
    if numbers:
        length = numbers[0]
    elif has_max:
        length = _MAX_LENGTH.get(fam)
    elif fam == "mysql" and dtype in _MYSQL_LENGTHS:
        length = _MYSQL_LENGTHS[dtype]
    elif fam == "tsql" and dtype in ("BINARY", "VARBINARY"):
        length = 1
    else:
        length = 1 if fixed else None
    if length is not None and length < 1:
        return _unknown(spelling, fam, "a binary length must be 1 or more")
    return SqlType(Kind.BINARY, length=length, fixed=fixed, spelling=spelling)


def _timestamp(dtype: str, numbers: tuple[int, ...], fam: str, spelling: str) -> SqlType:
    zone = _TIMESTAMPS[dtype]
    narrow = False
    if dtype == "TIMESTAMPTZ" and fam in _OFFSET_KEEPING:
        zone = Zone.OFFSET
    if dtype == "TIMESTAMPTZ" and fam == "mysql":
        narrow = True  # MySQL TIMESTAMP: an instant, from 1970 to 2038 only
    if dtype in _FRACTION_FIXED:
        precision = _FRACTION_FIXED[dtype]
    elif numbers:
        precision = numbers[0]
    elif fam == "tsql" and dtype == "DATETIME":
        precision = 3  # 1/300 of a second, rounded
    else:
        precision = _FRACTION_DEFAULT.get(fam, 6)
    if precision > 12:
        return _unknown(spelling, fam, "fractional seconds of more than 12 digits")
    return SqlType(Kind.TIMESTAMP, zone=zone, precision=precision, narrow=narrow, spelling=spelling)


# conversions ----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def analyse(source: str, source_dialect: str, target: str, target_dialect: str) -> Analysis:
    """Parse both spellings and judge the conversion; cached per distinct pair of spellings."""
    src, tgt = parse(source, source_dialect), parse(target, target_dialect)
    conversion = convert(src, tgt)
    return Analysis(src, tgt, src == tgt, conversion.lossy, conversion.why)


@lru_cache(maxsize=4096)
def convert(source: SqlType, target: SqlType) -> Conversion:
    """Whether every value of ``source`` converts to ``target`` exactly."""
    if source == target:
        return Conversion(False, "the same type")
    for side in (source, target):
        if side.kind is Kind.UNKNOWN:
            return Conversion(None, f'"{side.spelling}" is {side.problem}')
    if target.kind is Kind.STRING:
        return _to_string(source, target)
    rule = _RULES.get(source.kind)
    if rule is not None:
        verdict = rule(source, target)
        if verdict is not None:
            return verdict
    return _lossy(f"no lossless conversion from {describe(source)} to {describe(target)}")


def _lossless(why: str) -> Conversion:
    return Conversion(False, why)


def _lossy(why: str) -> Conversion:
    return Conversion(True, why)


def _integer_range(t: SqlType) -> tuple[int, int]:
    bits = t.bits or 64
    return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if t.signed else (0, 2**bits - 1)


def _digits(t: SqlType) -> int:
    low, high = _integer_range(t)
    return max(len(str(abs(low))), len(str(high)))


def _from_integer(s: SqlType, t: SqlType) -> Conversion | None:
    low, high = _integer_range(s)
    if t.kind is Kind.INTEGER:
        t_low, t_high = _integer_range(t)
        if t_low <= low and high <= t_high:
            return _lossless(f"{describe(t)} holds every {describe(s)}")
        return _lossy(f"{describe(s)} narrows to {describe(t)}")
    if t.kind is Kind.DECIMAL:
        if low < 0 and not t.signed:
            return _lossy(f"{describe(t)} holds no negative values")
        if t.precision is None or t.precision - (t.scale or 0) >= _digits(s):
            return _lossless(f"{describe(t)} holds every {describe(s)}")
        return _lossy(f"{describe(s)} needs {_digits(s)} digits, {describe(t)} holds fewer")
    if t.kind is Kind.FLOAT:
        mantissa = 24 if t.bits == 32 else 53
        if max(-low, high) <= 2**mantissa:
            return _lossless(f"{describe(t)} holds every {describe(s)} exactly")
        return _lossy(f"{describe(t)} holds integers exactly only up to 2^{mantissa}")
    return None


def _from_decimal(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.DECIMAL:
        if s.signed and not t.signed:
            return _lossy(f"{describe(t)} holds no negative values")
        if t.precision is None:
            return _lossless(f"an {describe(t)} holds every {describe(s)}")
        if s.precision is None:
            return _lossy(f"{describe(s)} narrows to {describe(t)}")
        s_scale, t_scale = s.scale or 0, t.scale or 0
        if t_scale < s_scale:
            return _lossy(f"decimal places narrow from {s_scale} to {t_scale}")
        if t.precision - t_scale < s.precision - s_scale:
            return _lossy(
                f"integer digits narrow from {s.precision - s_scale} to {t.precision - t_scale}"
            )
        return _lossless(f"{describe(t)} holds every {describe(s)}")
    if t.kind is Kind.INTEGER:
        if s.precision is None or (s.scale or 0) > 0:
            return _lossy(f"{describe(t)} drops the fraction of {describe(s)}")
        low, high = _integer_range(t)
        largest = 10 ** (s.precision - (s.scale or 0)) - 1
        if largest <= high and (-largest >= low or not s.signed):
            return _lossless(f"{describe(t)} holds every {describe(s)}")
        return _lossy(f"{describe(s)} exceeds the range of {describe(t)}")
    if t.kind is Kind.FLOAT:
        exact_digits = 7 if t.bits == 32 else 15
        if s.precision is not None and (s.scale or 0) <= 0 and s.precision <= exact_digits:
            return _lossless(f"{describe(t)} holds every {describe(s)} exactly")
        return _lossy(
            f"a binary {describe(t)} cannot hold every {describe(s)} exactly (such as 0.1)"
        )
    return None


def _from_float(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.FLOAT:
        if (t.bits or 64) >= (s.bits or 64):
            return _lossless(f"{describe(t)} holds every {describe(s)}")
        return _lossy(f"{describe(s)} narrows to {describe(t)}")
    if t.kind in (Kind.DECIMAL, Kind.INTEGER):
        return _lossy(
            f"{describe(s)} values (binary fractions, huge exponents, NaN) do not fit {describe(t)} exactly"
        )
    return None


def _from_boolean(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind in (Kind.INTEGER, Kind.FLOAT) or (
        t.kind is Kind.DECIMAL and (t.precision is None or t.precision - (t.scale or 0) >= 1)
    ):
        return _lossless(f"{describe(t)} holds 0 and 1")
    return None


def _fits_length(s: SqlType, t: SqlType, unit: str) -> Conversion:
    if t.fixed and not s.fixed:
        return _lossy(f"{describe(t)} pads values, so trailing {unit} stop being significant")
    if t.length is None:
        return _lossless(f"an {describe(t)} holds every {describe(s)}")
    if s.length is None:
        return _lossy(f"{describe(s)} narrows to {describe(t)}")
    if s.length > t.length:
        return _lossy(f"length narrows from {s.length} to {t.length}")
    return _lossless(f"{describe(t)} holds every {describe(s)}")


def _from_string(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.BINARY:
        if t.fixed:
            return _lossy(f"{describe(t)} pads values with zero bytes")
        if t.length is None or (s.length is not None and 4 * s.length <= t.length):
            return _lossless(f"{describe(t)} holds the UTF-8 bytes of every {describe(s)}")
        return _lossy(f"the UTF-8 bytes of {describe(s)} may not fit {describe(t)}")
    return _lossy(f"not every string is a valid {describe(t)}")


def _from_binary(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.BINARY:
        return _fits_length(s, t, "zero bytes")
    return None


def _from_date(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.TIMESTAMP:
        if t.narrow:
            return _lossy(f"{describe(t)} holds only 1970 to 2038")
        return _lossless(f"{describe(t)} holds every date, at midnight")
    return None


def _zone_loss(s: Zone | None, t: Zone | None) -> str | None:
    if s is Zone.INSTANT and t is Zone.NAIVE:
        return "drops the time zone: instants become wall-clock times"
    if s is Zone.OFFSET and t is not Zone.OFFSET:
        return "drops each value's own UTC offset"
    return None


def _from_timestamp(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.DATE:
        return _lossy(f"{describe(t)} drops the time of day")
    if t.kind is not Kind.TIMESTAMP:
        return None
    lost = _zone_loss(s.zone, t.zone)
    if lost:
        return _lossy(lost)
    if (t.precision or 0) < (s.precision or 0):
        return _lossy(f"fractional seconds narrow from {s.precision} to {t.precision} digits")
    if t.narrow and not s.narrow:
        return _lossy(f"{describe(t)} holds only 1970 to 2038")
    if s.zone is Zone.NAIVE and t.zone is not Zone.NAIVE:
        return _lossless(
            "wall-clock times become instants, exactly so when read in a fixed zone such as UTC, "
            "which the coercion's reason should name"
        )
    return _lossless(f"{describe(t)} holds every {describe(s)}")


def _from_time(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is not Kind.TIME:
        return None
    lost = _zone_loss(s.zone, t.zone)
    if lost:
        return _lossy(lost)
    if (t.precision or 0) < (s.precision or 0):
        return _lossy(f"fractional seconds narrow from {s.precision} to {t.precision} digits")
    return _lossless(f"{describe(t)} holds every {describe(s)}")


def _from_interval(s: SqlType, t: SqlType) -> Conversion | None:
    return _lossless("an interval stays an interval") if t.kind is Kind.INTERVAL else None


def _from_uuid(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.BINARY and (t.length is None or t.length >= 16):
        return _lossless(f"{describe(t)} holds the 16 bytes of a UUID")
    return None


def _from_json(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is not Kind.JSON:
        return None
    if t.normalised and not s.normalised:
        return _lossy(f"{describe(t)} drops duplicate keys, key order and formatting")
    return _lossless(f"{describe(t)} holds every {describe(s)}")


def _to_json(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.JSON:
        return _lossless(f"{describe(t)} holds every {describe(s)}")
    return None


def _from_array(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.ARRAY:
        inner = convert(s.items[0], t.items[0])
        return Conversion(inner.lossy, f"elements: {inner.why}")
    return _to_json(s, t)


def _from_map(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.MAP:
        for part, a, b in zip(("keys", "values"), s.items, t.items, strict=True):
            inner = convert(a, b)
            if inner.lossy is not False:
                return Conversion(inner.lossy, f"{part}: {inner.why}")
        return _lossless("keys and values convert exactly")
    return _to_json(s, t)


def _from_struct(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.STRUCT:
        fields = dict(zip(t.names, t.items, strict=True))
        for name, item in zip(s.names, s.items, strict=True):
            if name not in fields:
                return _lossy(f'field "{name}" has no counterpart in the target')
            inner = convert(item, fields[name])
            if inner.lossy is not False:
                return Conversion(inner.lossy, f'field "{name}": {inner.why}')
        return _lossless("every field converts exactly")
    return _to_json(s, t)


def _from_enum(s: SqlType, t: SqlType) -> Conversion | None:
    if t.kind is Kind.ENUM:
        missing = sorted(set(s.names) - set(t.names))
        if missing:
            return _lossy(f'the target enum lacks "{missing[0]}"')
        return _lossless("the target enum holds every label")
    return None


_RULES = {
    Kind.INTEGER: _from_integer,
    Kind.DECIMAL: _from_decimal,
    Kind.FLOAT: _from_float,
    Kind.BOOLEAN: _from_boolean,
    Kind.STRING: _from_string,
    Kind.BINARY: _from_binary,
    Kind.DATE: _from_date,
    Kind.TIMESTAMP: _from_timestamp,
    Kind.TIME: _from_time,
    Kind.INTERVAL: _from_interval,
    Kind.UUID: _from_uuid,
    Kind.JSON: _from_json,
    Kind.ARRAY: _from_array,
    Kind.MAP: _from_map,
    Kind.STRUCT: _from_struct,
    Kind.ENUM: _from_enum,
}


def _to_string(s: SqlType, t: SqlType) -> Conversion:
    if s.kind is Kind.STRING:
        return _fits_length(s, t, "spaces")
    if s.kind is Kind.BINARY:
        return _lossy("a cast decodes the bytes as text, which not every byte string is")
    if t.length is None:
        return _lossless(f"every {describe(s)} has a text form")
    longest = _text_length(s)
    if longest is None or longest > t.length:
        needed = f"up to {longest}" if longest is not None else "any number of"
        return _lossy(
            f"the text form of {describe(s)} can need {needed} characters, more than {t.length}"
        )
    return _lossless(f"the text form of {describe(s)} needs at most {longest} characters")


def _text_length(t: SqlType) -> int | None:
    """The longest text form of a value of ``t``, when bounded and known."""
    if t.kind is Kind.INTEGER:
        return _digits(t) + (1 if t.signed else 0)
    if t.kind is Kind.DECIMAL:
        return None if t.precision is None else t.precision + 3  # sign, point, leading zero
    if t.kind is Kind.FLOAT:
        return 15 if t.bits == 32 else 24  # -3.4028235e+38, -1.7976931348623157e+308
    if t.kind is Kind.BOOLEAN:
        return 5
    if t.kind is Kind.DATE:
        return 10
    if t.kind is Kind.UUID:
        return 36
    if t.kind in (Kind.TIMESTAMP, Kind.TIME):
        base = 19 if t.kind is Kind.TIMESTAMP else 8
        fraction = 1 + t.precision if t.precision else 0
        return base + fraction + (0 if t.zone is Zone.NAIVE else 6)
    if t.kind is Kind.ENUM:
        return max((len(label) for label in t.names), default=0)
    return None


def describe(t: SqlType) -> str:
    """A short description for messages, such as "64-bit integer" or "decimal(10,2)"."""
    kind = t.kind
    if kind is Kind.INTEGER:
        return f"{'' if t.signed else 'unsigned '}{t.bits}-bit integer"
    if kind is Kind.DECIMAL:
        sign = "" if t.signed else "unsigned "
        if t.precision is None:
            return f"{sign}unbounded decimal"
        return f"{sign}decimal({t.precision},{t.scale or 0})"
    if kind is Kind.FLOAT:
        return f"{t.bits}-bit float"
    if kind in (Kind.STRING, Kind.BINARY):
        noun = "string" if kind is Kind.STRING else "binary"
        unit = "characters" if kind is Kind.STRING else "bytes"
        if t.length is None:
            return f"unbounded {noun}"
        return f"{'fixed-width ' if t.fixed else ''}{noun} of {'' if t.fixed else 'up to '}{t.length} {unit}"
    if kind in (Kind.TIMESTAMP, Kind.TIME):
        zone = {
            Zone.NAIVE: "without time zone",
            Zone.INSTANT: "with time zone (an instant)",
            Zone.OFFSET: "with its own UTC offset",
        }[t.zone or Zone.NAIVE]
        range_note = ", 1970 to 2038" if t.narrow else ""
        return f"{kind.value}({t.precision}) {zone}{range_note}"
    if kind is Kind.JSON:
        return "normalised JSON" if t.normalised else "JSON text"
    if kind is Kind.ARRAY:
        return f"array of {describe(t.items[0])}"
    if kind is Kind.MAP:
        return f"map of {describe(t.items[0])} to {describe(t.items[1])}"
    if kind is Kind.STRUCT:
        return f"struct<{', '.join(t.names)}>"
    if kind is Kind.ENUM:
        return f"enum of {len(t.names)} labels"
    if kind is Kind.OTHER:
        return t.name.lower()
    if kind is Kind.UNKNOWN:
        return f'unknown type "{t.spelling}"'
    return kind.value


def clear_caches() -> None:
    """Forget every cached parse and conversion (for tests that count parses)."""
    for cached in (parse, analyse, convert, dialect_problem):
        cached.cache_clear()
