"""JSON Schema validation of parsed artifacts, with messages that never echo a value.

jsonschema-rs validates the largest artifact (a mapping of 5,000 tables) in milliseconds where
python-jsonschema needs about a second. Its own messages quote the offending value, and a value
may be a secret, so messages are rebuilt here from the structured error kind: the field path and
what was expected, never what was found beyond its JSON type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema_rs

from migration_checks.pointers import pointer
from migration_checks.resources import SCHEMA_BASE_URI, SCHEMA_SUFFIX, schema, schema_names

MAX_PROBLEMS_PER_DOCUMENT = 50
# What ``migration-checks init`` writes where only the user knows the value (the templates under
# templates/init): a document still holding it is not ready, whatever its schema says.
PLACEHOLDER = "CHANGE_ME"
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
# Unquoted words that YAML 1.1 readers (PyYAML, many older tools) take as booleans or null, while
# YAML 1.2 (which the suite reads) takes them as strings: worth a hint when a type check fails.
_YAML11_BOOL = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
    "on", "On", "ON", "off", "Off", "OFF",
}  # fmt: skip
_YAML11_NULL = {"~", "Null", "NULL"}


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    message: str
    pointer: str
    placeholder: bool = False  # a value left as the template's placeholder, not a schema error


@cache
def _registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry(
        [(f"{SCHEMA_BASE_URI}{name}{SCHEMA_SUFFIX}", schema(name)) for name in schema_names()]
    )


@cache
def validator(name: str) -> Any:
    return jsonschema_rs.validator_for(schema(name), registry=_registry(), validate_formats=True)


# Listing every schema error costs memory and time in proportion to the errors (jsonschema-rs
# collects them all before returning the first): two million empty objects in a 6 MB array
# made fourteen million, and the run was killed. A document with more values than this gets its
# first error only (found lazily), and a problem that says the listing stopped.
MAX_VALUES_LISTED = 100_000


def validate(name: str, data: Any) -> list[SchemaProblem]:
    checker = validator(name)
    if checker.is_valid(data):
        return []
    if _more_values_than(data, MAX_VALUES_LISTED):
        try:
            checker.validate(data)
        except jsonschema_rs.ValidationError as exc:
            first = _problems_for(exc, data)[:1]
        else:  # is_valid said otherwise; never report such a document as valid
            first = [SchemaProblem("(document root): does not match its schema", "")]
        return [
            *first,
            SchemaProblem(
                f"the document holds more than {MAX_VALUES_LISTED} values: only its first "
                "schema error is listed",
                "",
            ),
        ]
    problems: list[SchemaProblem] = []
    total = 0
    for error in checker.iter_errors(data):
        for problem in _problems_for(error, data):
            total += 1
            if len(problems) < MAX_PROBLEMS_PER_DOCUMENT:
                problems.append(problem)
    if total > len(problems):
        problems.append(SchemaProblem(f"{total - len(problems)} more schema errors not shown", ""))
    return problems


def validate_filled(name: str, data: Any) -> list[SchemaProblem]:
    """``validate``, for a document ``init`` wrote from a template: each place still holding the
    placeholder is one problem, and the schema's problems at those places are left out (one
    problem, one finding)."""
    places = placeholder_pointers(data)
    problems = [
        SchemaProblem(
            f'"{PLACEHOLDER}" is a placeholder from the template: fill in the real value',
            place,
            placeholder=True,
        )
        for place in places
    ]
    problems.extend(
        problem
        for problem in validate(name, data)
        if not any(
            problem.pointer == place or problem.pointer.startswith(f"{place}/") for place in places
        )
    )
    return problems


def placeholder_pointers(data: Any) -> list[str]:
    """Where ``data`` holds the template's placeholder: in a string value or a key."""
    found: list[str] = []

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(node, str):
            if PLACEHOLDER in node:
                found.append(pointer(*path))
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and PLACEHOLDER in key:
                    found.append(pointer(*path, key))
                else:
                    walk(value, (*path, key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, (*path, index))

    walk(data, ())
    return found


def _more_values_than(data: Any, limit: int) -> bool:
    stack, seen = [data], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):  # Decimal: a parallel run's exact numbers
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _field(ptr: str) -> str:
    return ptr or "(document root)"


def _value_at(data: Any, path: list[str | int]) -> Any:
    node = data
    for part in path:
        node = node[part]
    return node


def _problems_for(error: Any, data: Any) -> list[SchemaProblem]:
    path = list(error.instance_path)
    here = pointer(*path)
    kind = error.kind
    name = kind.name
    if name == "required":
        missing = pointer(*path, kind.property)
        return [SchemaProblem(f'missing required field "{missing}"', here)]
    if name == "additionalProperties" or name == "unevaluatedProperties":
        unexpected = getattr(kind, "unexpected", [])
        return [
            SchemaProblem(
                f'unknown field "{pointer(*path, key)}"'
                if _SAFE_KEY.match(key)
                else f"{_field(here)}: unknown field",
                pointer(*path, key),
            )
            for key in unexpected
        ]
    if name == "type":
        return [SchemaProblem(_type_message(here, kind.types, _value_at(data, path)), here)]
    return [SchemaProblem(f"{_field(here)}: {_constraint_text(kind)}", here)]


def _type_message(here: str, expected: list[str], value: Any) -> str:
    found = json_type(value)
    message = f"{_field(here)}: expected {' or '.join(expected)}, found {found}"
    if isinstance(value, str):
        if value in _YAML11_BOOL and "boolean" in expected:
            message += (
                f'; YAML 1.2 reads the unquoted word "{value}" as a string: write true or false'
            )
        elif value in _YAML11_NULL and "null" in expected:
            message += f'; YAML 1.2 reads "{value}" as a string: write null'
    return message


def _constraint_text(kind: Any) -> str:
    name = kind.name
    texts: dict[str, Callable[[], str]] = {
        "enum": lambda: "expected one of " + ", ".join(_show(o) for o in kind.options),
        "const": lambda: f"must be {_show(kind.expected_value)}",
        "pattern": lambda: f"does not match the pattern {kind.pattern}",
        "format": lambda: (
            f"not a valid {kind.format}"
            + (" (RFC 3339, e.g. 2026-01-05T10:00:00Z)" if kind.format == "date-time" else "")
        ),
        "minLength": lambda: f"must be at least {kind.limit} characters long",
        "maxLength": lambda: f"must be at most {kind.limit} characters long",
        "minimum": lambda: f"must be at least {kind.limit}",
        "maximum": lambda: f"must be at most {kind.limit}",
        "exclusiveMinimum": lambda: f"must be greater than {kind.limit}",
        "exclusiveMaximum": lambda: f"must be less than {kind.limit}",
        "minItems": lambda: f"must have at least {kind.limit} item{'s' if kind.limit != 1 else ''}",
        "maxItems": lambda: f"must have at most {kind.limit} items",
        "minProperties": lambda: (
            f"must have at least {kind.limit} field{'s' if kind.limit != 1 else ''}"
        ),
        "maxProperties": lambda: f"must have at most {kind.limit} fields",
        "uniqueItems": lambda: "items must be unique",
        "propertyNames": lambda: "a key does not have the allowed form",
        "oneOf": lambda: "matches none of the allowed forms",
        "anyOf": lambda: "matches none of the allowed forms",
        "oneOfMultipleValid": lambda: "matches more than one of the allowed forms",
        "falseSchema": lambda: "no value is allowed here",
        "not": lambda: "has a form that is not allowed",
        "multipleOf": lambda: f"must be a multiple of {kind.multiple_of}",
    }
    text = texts.get(name)
    return text() if text else f"fails the schema's {name} constraint"


def _show(value: Any) -> str:
    return (
        f'"{value}"'
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )
