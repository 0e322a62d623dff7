"""Parse each artifact once, JSON or YAML, with hard limits, keeping a way back to file:line:col.

Data comes from fast native parsers (stdlib ``json``; ``yaml-rs`` for YAML, which reads YAML 1.2
core types, refuses duplicate keys and bounds alias expansion). Positions are computed lazily by
``positions.PositionIndex``, only for files that have findings. Everything a parser accepts that
is not plain JSON data is refused with a problem at its line: non-string keys, non-finite numbers,
tags other than the core ones, merge keys, several documents in one file, nesting deeper than the
limit. A parse failure is data (``DocumentError``), never an exception that escapes a check.

JSON numbers are read as Python reads them (integers ``int``, others ``float``), except with
``exact_numbers``, used for the parallel run reports: there every number that is not an
integer is a ``decimal.Decimal`` of exactly the digits written, because reconciliation compares
64-bit checksums and long decimal sums that a float would round together (SPEC 6.1). Other
artifacts keep floats: the signed plan, say, is canonicalised (RFC 8785) from float values.
"""

from __future__ import annotations

import codecs
import decimal
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml_rs

from migration_checks.fs import TooLarge, read_contained
from migration_checks.model import Location
from migration_checks.pointers import pointer, split_pointer

if TYPE_CHECKING:
    from migration_checks.positions import PositionIndex

Format = Literal["json", "yaml"]

_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
) | frozenset(f"!!{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq"))


# Cheap scans over the raw text that find where the precise (slower) positional parse is needed.
# Each is a line-start pattern, searched as "\n" + pattern (a literal first character lets the
# regex engine skip from newline to newline) and matched once at the start of the text.
class _LineStart:
    def __init__(self, body: str) -> None:
        self._first = re.compile(body)
        self._rest = re.compile(f"\n(?:{body})")

    def search(self, text: str) -> bool:
        return self._first.match(text) is not None or self._rest.search(text) is not None


_TAG_CANDIDATE = re.compile(r"(?m)(?:^|[:?,\[{-])[ \t]*(?:&\S+[ \t]+)?!")
_DOC_MARKER = _LineStart(r"(?:---|\.\.\.)(?=[ \t\r\n]|$)")
# yaml-rs recurses natively and overflows the C stack on very deep block nesting (measured: a
# crash at 20,000 levels). Block depth is bounded by the width of a line's indentation and
# indicators, so any line with a prefix this wide goes to rapidyaml first, which is iterative.
_DEEP_PREFIX = _LineStart(r"(?:[ \t]|[-?:](?=[ \t\r\n])|[&!][^ \t\r\n]*[ \t]){300}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]")
_YAML_ERROR_AT = re.compile(r"at line (\d+), column (\d+)")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one PR may make the suite read; the policy's ``limits`` overrides them."""

    max_file_bytes: int = 8 * 1024 * 1024
    max_depth: int = 64
    max_alias_events: int = 100_000
    max_files: int = 20_000
    max_values: int = 1_000_000


@dataclass(frozen=True, slots=True)
class ParseProblem:
    message: str
    line: int | None = None
    column: int | None = None


class DocumentError(Exception):
    def __init__(self, problems: list[ParseProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def format_of(path: str) -> Format | None:
    lower = path.lower()
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".yml", ".yaml")):
        return "yaml"
    return None


_MISSING = object()


class Document:
    """One parsed artifact: its data, its path and a lazy map from pointers to positions."""

    __slots__ = ("_index", "_index_failed", "_source", "data", "format", "path")

    def __init__(
        self, path: str, fmt: Format, data: Any, source: bytes | Callable[[], bytes]
    ) -> None:
        self.path = path
        self.format = fmt
        self.data = data
        self._source = source
        self._index: PositionIndex | None = None
        self._index_failed = False

    def reread_source_when_needed(self, reader: Callable[[], bytes]) -> None:
        """Drop the text, to be read again only if a finding needs a position in it."""
        self._source = reader

    @property
    def positions(self) -> PositionIndex | None:
        if self._index is None and not self._index_failed:
            source = self._source
            if callable(source):
                try:
                    source = source()
                except Exception:  # gone or changed since it was parsed: no line, no crash
                    source = b""
            self._index = _index_or_none(source) if source else None
            # A text the data parser accepted but rapidyaml does not: findings carry no line.
            self._index_failed = self._index is None
        return self._index

    def at(self, ptr: str = "") -> Location:
        index = self.positions
        if index is None:
            return Location(path=self.path, pointer=ptr or None)
        line, column = index.locate(ptr)
        return Location(path=self.path, line=line, column=column, pointer=ptr or None)

    def get(self, ptr: str, default: Any = None) -> Any:
        node = self.data
        for part in split_pointer(ptr):
            if isinstance(node, dict):
                node = node.get(part, _MISSING)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return default
            if node is _MISSING:
                return default
        return node


def load_document(
    root: Path, rel: str, limits: Limits, *, plain_data: bool = True, exact_numbers: bool = False
) -> Document:
    """Read and parse ``rel`` inside ``root``. Raises FileNotFoundError, UnsafePath or DocumentError."""
    fmt = format_of(rel)
    if fmt is None:
        raise ValueError(f"not a JSON or YAML file: {rel}")
    try:
        raw = read_contained(root, rel, limits.max_file_bytes)
    except TooLarge as exc:
        raise DocumentError(
            [ParseProblem(f"{exc}; the policy's limits.max_file_bytes sets it")]
        ) from None
    document = parse_document(
        rel, raw, fmt, limits, plain_data=plain_data, exact_numbers=exact_numbers
    )
    if len(raw) > _KEEP_SOURCE_BYTES:
        # Most large files never need a position; keeping their bytes would cost as much memory
        # again as the parsed data.
        document.reread_source_when_needed(
            lambda: _strip_bom(read_contained(root, rel, limits.max_file_bytes))
        )
    return document


_KEEP_SOURCE_BYTES = 256 * 1024


def parse_document(
    path: str,
    raw: bytes,
    fmt: Format,
    limits: Limits,
    *,
    plain_data: bool = True,
    exact_numbers: bool = False,
) -> Document:
    """Parse ``raw``. With ``plain_data`` (every artifact), anything but plain JSON data is refused;
    without it (other files, such as a dbt project's YAML) only syntax, duplicates and limits count.
    With ``exact_numbers`` (JSON only), numbers that are not integers are ``Decimal``, not float.
    """
    source = _strip_bom(raw)
    _check_value_count(source, limits)
    text = _decode(source)
    data = (
        _parse_json(text, source, exact_numbers)
        if fmt == "json"
        else _parse_yaml(text, source, limits, plain_data)
    )
    document = Document(path, fmt, data, source)
    _check_values(document, text, limits, plain_data, exact_numbers)
    return document


def _check_value_count(source: bytes, limits: Limits) -> None:
    """Refuse a document that could hold more than ``limits.max_values`` values, before parsing
    it: bytes alone do not bound what a parse costs (``[{},{},...]``: 3 bytes an object, a few
    hundred bytes of memory each). Every value but the first of a collection follows a comma or
    starts a line, and every collection opens with a bracket, so their count bounds the values
    from above, in one pass over the bytes."""
    bound = sum(source.count(mark) for mark in (b",", b"\n", b"{", b"["))
    if bound > limits.max_values:
        raise DocumentError(
            [
                ParseProblem(
                    f"the file may hold more than {limits.max_values:,} values (its commas, "
                    f"lines and brackets number {bound:,}; limit limits.max_values): split it, "
                    "or raise the limit in the base policy",
                    1,
                    1,
                )
            ]
        )


# decoding -------------------------------------------------------------------------------------


def _strip_bom(raw: bytes) -> bytes:
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if raw.startswith(bom):
            raise DocumentError([ParseProblem(f"file is {name} encoded; save it as UTF-8", 1, 1)])
    # A UTF-8 byte order mark is tolerated and ignored, as most editors on Windows write one.
    return raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw


def _line_col(source: bytes, offset: int) -> tuple[int, int]:
    line_start = source.rfind(b"\n", 0, offset) + 1
    column = len(source[line_start:offset].decode("utf-8", "replace")) + 1
    return source.count(b"\n", 0, offset) + 1, column


def _decode(source: bytes) -> str:
    nul = source.find(b"\x00")
    if nul != -1:
        raise DocumentError(
            [
                ParseProblem(
                    "file contains a NUL byte; it is not a text file", *_line_col(source, nul)
                )
            ]
        )
    try:
        return source.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_col(source, exc.start)
        raise DocumentError(
            [ParseProblem("invalid UTF-8; save the file as UTF-8", line, column)]
        ) from None


# JSON -----------------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    pass


class _NonFinite(Exception):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def _parse_json(text: str, source: bytes, exact_numbers: bool = False) -> Any:
    try:
        data = json.loads(
            text,
            object_pairs_hook=_unique_pairs,
            parse_constant=_refuse_constant,
            # Decimal itself, not a wrapper: the C scanner calls it once per number
            parse_float=decimal.Decimal if exact_numbers else None,
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(
            [ParseProblem(f"invalid JSON: {exc.msg.lower()}", exc.lineno, exc.colno)]
        ) from None
    except _DuplicateKey:
        raise DocumentError(_duplicate_problems(source)) from None
    except _NonFinite:
        raise DocumentError(
            [_problem_at_first(source, _is_plain({b"NaN", b"Infinity", b"-Infinity"}), _NON_FINITE)]
        ) from None
    except RecursionError:
        raise DocumentError([ParseProblem("nesting is too deep to parse")]) from None
    except decimal.InvalidOperation:
        raise DocumentError(
            [_problem_at_first(source, _is_unrepresentable_decimal, _EXPONENT_OUT_OF_RANGE)]
        ) from None
    except ValueError:
        # Python refuses integers of more than 4,300 digits (CVE-2020-10735 hardening).
        raise DocumentError(
            [_problem_at_first(source, _is_long_number, "integer has more than 4300 digits")]
        ) from None
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(data, source)
    return data


_NON_FINITE = "non-finite number (NaN or Infinity) is not allowed; JSON has no such values"
_EXPONENT_OUT_OF_RANGE = (
    f"number's exponent is beyond ±{decimal.MAX_EMAX}; it cannot be read as an exact decimal"
)


def _refuse_lone_surrogates(data: Any, source: bytes) -> None:
    def walk(node: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(node, dict):
            for key, value in node.items():
                found = walk(key, path) or walk(value, (*path, key))
                if found is not None:
                    return found
        elif isinstance(node, list):
            for i, value in enumerate(node):
                found = walk(value, (*path, i))
                if found is not None:
                    return found
        return None

    found = walk(data, ())
    if found is not None:
        problem = _problem_at_pointer(
            source, pointer(*found), "string holds a lone UTF-16 surrogate (\\ud800-\\udfff)"
        )
        raise DocumentError([problem])


# YAML -----------------------------------------------------------------------------------------


def _parse_yaml(text: str, source: bytes, limits: Limits, plain_data: bool) -> Any:
    if _DEEP_PREFIX.search(text):
        _refuse_deep_yaml(source, limits)
    if plain_data and "!" in text and _TAG_CANDIDATE.search(text):
        _refuse_tags(source)
    if plain_data and _DOC_MARKER.search(text):
        _refuse_multiple_documents(text, source)
    try:
        return yaml_rs.loads(
            text,
            parse_datetime=False,
            alias_limits=yaml_rs.AliasLimits(max_total_replayed_events=limits.max_alias_events),
            duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error,
        )
    except yaml_rs.YAMLDecodeError as exc:
        raise DocumentError(_yaml_error_problems(str(exc), source, limits)) from None
    except RecursionError:
        raise DocumentError([ParseProblem("nesting is too deep to parse")]) from None
    except TypeError:  # a key the reader cannot hash: a list or a mapping (``? [a, b]``)
        complex_key = _COMPLEX_KEY.search(text)
        where = (text.count("\n", 0, complex_key.start()) + 1, 1) if complex_key else (None, None)
        raise DocumentError(
            [ParseProblem("a mapping key is a list or a mapping; keys must be strings", *where)]
        ) from None


_COMPLEX_KEY = re.compile(r"^[ \t-]*\?(?:[ \t]|$)|[\[{,][ \t]*[\[{]", re.MULTILINE)


def _yaml_error_problems(message: str, source: bytes, limits: Limits) -> list[ParseProblem]:
    if message.startswith("duplicate mapping key"):
        return _duplicate_problems(source)
    if message.startswith("alias replay limit"):
        return [
            _problem_at_first(
                source,
                lambda index, node, depth: index.is_alias(node),
                f"aliases expand to more than {limits.max_alias_events} nodes (limit "
                "limits.max_alias_events); write the values out or raise the limit",
            )
        ]
    where = _YAML_ERROR_AT.search(message)
    # The parser's message quotes the offending source line; only its last line, the reason,
    # is kept, so no file content reaches the report.
    reason = message.strip().splitlines()[-1].strip() if message.strip() else "syntax error"
    if where is None:
        return [ParseProblem(f"invalid YAML: {reason}")]
    line, column = int(where.group(1)), int(where.group(2))
    if "tab" in reason:
        line, column = _tab_from(source, line, column) or (line, column)
    return [ParseProblem(f"invalid YAML: {reason}", line, column)]


def _tab_from(source: bytes, line: int, column: int) -> tuple[int, int] | None:
    """The first tab from where the parser stopped on (1-based line and column, in characters).
    It stops just past a tab of the indentation, or at the end of the plain scalar before the
    tab, which can be on the line before."""
    lines = source.decode("utf-8-sig", errors="replace").splitlines()
    for number in range(max(line, 1), len(lines) + 1):
        start = max(column - 2, 0) if number == line else 0
        found = lines[number - 1].find("\t", start)
        if found >= 0:
            return number, found + 1
    return None


def _refuse_deep_yaml(source: bytes, limits: Limits) -> None:
    problem = _problem_at_first(
        source,
        lambda index, node, depth: depth > limits.max_depth,
        f"nesting deeper than {limits.max_depth} levels",
        missing_ok=True,
    )
    if problem is not None:
        raise DocumentError([problem])


def _refuse_tags(source: bytes) -> None:
    index = _index_or_none(source)
    if index is None:
        return  # not parseable positionally: yaml-rs reports the syntax error itself
    for tag, offset in index.tags():
        if tag not in _CORE_TAGS:
            line, column = index.line_column(offset) if offset is not None else (None, None)
            raise DocumentError(
                [
                    ParseProblem(
                        f'unsupported tag "{tag}": artifacts are plain data; remove the tag',
                        line,
                        column,
                    )
                ]
            )


def _refuse_multiple_documents(text: str, source: bytes) -> None:
    index = _index_or_none(source)
    if index is None or index.document_count() < 2:
        return
    # The second document starts at the last "---" that opens one; point there.
    last = text.rfind("\n---")
    line = text.count("\n", 0, last + 1) + 1 if last != -1 else None
    raise DocumentError(
        [
            ParseProblem(
                f"file holds {index.document_count()} YAML documents; an artifact is one document",
                line,
                1 if line else None,
            )
        ]
    )


# checks on the parsed values ------------------------------------------------------------------


class _BadValue(Exception):
    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _check_values(
    document: Document, text: str, limits: Limits, plain_data: bool, exact_numbers: bool
) -> None:
    # A fast pass says whether anything is wrong; only then does the slow pass find where.
    # Only a float can be infinite; JSON read with exact_numbers holds Decimals (finite) instead.
    checks_floats = document.format == "yaml" or (
        not exact_numbers and _BIG_EXPONENT.search(text) is not None
    )
    if _values_are_fine(
        document.data, limits.max_depth, plain_data, document.format == "yaml", checks_floats
    ):
        return
    path, message = _first_bad_value(
        document.data, limits.max_depth, plain_data, document.format == "yaml"
    )
    location = document.at(pointer(*path))
    raise DocumentError([ParseProblem(message, location.line, location.column)])


# Decimal: the numbers of a document parsed with exact_numbers (JSON, so never a YAML tag's type)
_PLAIN_SCALARS = frozenset({str, int, bool, type(None), decimal.Decimal})
# Only an exponent of three digits or more overflows a float; JSON text without one needs no check.
_BIG_EXPONENT = re.compile(r"[eE][+-]?\d{3}")


def _values_are_fine(
    data: Any, max_depth: int, plain_data: bool, is_yaml: bool, floats: bool
) -> bool:
    """Iterative and allocation-light: this runs over every value of every artifact."""
    stack: list[tuple[Any, int]] = [([data], -1)]  # the root, seen as the one item of a list
    pop, push = stack.pop, stack.append
    scalars = _PLAIN_SCALARS
    check_keys = plain_data and is_yaml  # JSON keys are always strings
    check_scalars = (
        plain_data and is_yaml
    )  # JSON scalars are always plain; floats are checked below
    while stack:
        node, depth = pop()
        if depth >= max_depth:
            return False
        if type(node) is dict:
            if check_keys:
                for key in node:
                    if type(key) is not str:
                        return False
                if "<<" in node:
                    return False
            values: Any = node.values()
        else:
            values = node
        child = depth + 1
        for value in values:
            kind = type(value)
            if kind is dict or kind is list:
                push((value, child))
            elif kind is float:
                if plain_data and floats and value - value != 0.0:  # inf or nan
                    return False
            elif check_scalars and kind not in scalars:
                return False
    return True


def _first_bad_value(
    data: Any, max_depth: int, plain_data: bool, is_yaml: bool
) -> tuple[tuple[str | int, ...], str]:
    def walk(
        node: Any, depth: int, path: tuple[str | int, ...]
    ) -> tuple[tuple[str | int, ...], str] | None:
        kind = type(node)
        if kind is dict or kind is list:
            if depth >= max_depth:
                return path, f"nesting deeper than {max_depth} levels"
            items = node.items() if kind is dict else enumerate(node)
            for key, value in items:
                if kind is dict and plain_data and type(key) is not str:
                    return path, f"key {key!r} is not a string; quote it"
                if kind is dict and plain_data and is_yaml and key == "<<":
                    return (*path, key), _MERGE_KEY
                found = walk(value, depth + 1, (*path, key))
                if found is not None:
                    return found
        elif kind is float:
            if plain_data and not math.isfinite(node):
                return path, _NON_FINITE
        elif plain_data and kind not in _PLAIN_SCALARS:
            return (
                path,
                f"a {kind.__name__} value is not plain data; use a string, number, list or mapping",
            )
        return None

    found = walk(data, 0, ())
    assert found is not None, "the fast pass and the slow pass disagree"
    return found


_MERGE_KEY = "merge keys (<<) are a YAML 1.1 extension that YAML 1.2 readers do not apply; write the keys out"


# locating problems on the error path ----------------------------------------------------------


def _index_or_none(source: bytes) -> PositionIndex | None:
    # rapidyaml is loaded only when a position is needed, which a passing run never does.
    from migration_checks.positions import PositionIndex

    try:
        return PositionIndex(source)
    except Exception:
        return None


def _duplicate_problems(source: bytes) -> list[ParseProblem]:
    index = _index_or_none(source)
    problems = []
    if index is not None:
        for _, key, first, repeat in index.duplicate_keys():
            first_line, _ = index.line_column(first)
            line, column = index.line_column(repeat)
            problems.append(
                ParseProblem(f'duplicate key "{key}" (first at line {first_line})', line, column)
            )
    return problems or [ParseProblem("duplicate key in a mapping")]


def _is_plain(values: set[bytes]) -> Any:
    def predicate(index: PositionIndex, node: int, depth: int) -> bool:
        return index.is_plain_scalar(node) and index.value_bytes(node) in values

    return predicate


def _is_unrepresentable_decimal(index: PositionIndex, node: int, depth: int) -> bool:
    value = index.value_bytes(node)
    if value is None or not index.is_plain_scalar(node) or not value.lstrip(b"-")[:1].isdigit():
        return False
    try:
        decimal.Decimal(value.decode("ascii", "replace"))
    except decimal.InvalidOperation:
        return True
    return False


def _is_long_number(index: PositionIndex, node: int, depth: int) -> bool:
    value = index.value_bytes(node)
    return value is not None and len(value) > 4300 and value.lstrip(b"-").isdigit()


def _problem_at_first(
    source: bytes, predicate: Any, message: str, *, missing_ok: bool = False
) -> Any:
    index = _index_or_none(source)
    if index is not None:
        found = index.first_node(lambda node, depth: predicate(index, node, depth))
        if found is not None:
            _, offset = found
            if offset is None:
                return ParseProblem(message)
            return ParseProblem(message, *index.line_column(offset))
    return None if missing_ok else ParseProblem(message)


def _problem_at_pointer(source: bytes, ptr: str, message: str) -> ParseProblem:
    index = _index_or_none(source)
    return ParseProblem(message, *index.locate(ptr)) if index is not None else ParseProblem(message)
