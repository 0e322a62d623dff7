"""What the source's catalog says about the mapped datasets: tables, columns, types, keys.

Each mapped dataset (``public.orders``, ``orders``, ``Chinook.Album``) is looked up by its
schema and name, exactly first and then ignoring case when that finds one relation only (the
way an unquoted name is written in SQL). Names from the mapping are only ever compared with
what the catalog returns, and the relations and columns used afterwards are the catalog's own,
so no text of the pull request is formatted into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_PART = r'"[^"]+"|`[^`]+`|\[[^\]]+\]|[^."`\[\]]+'
_QUALIFIED = re.compile(rf"(?:({_PART})\.)?({_PART})")


@dataclass(frozen=True, slots=True)
class SourceColumn:
    name: str
    type: str  # the catalog's spelling, in the backend's dialect
    alternatives: tuple[str, ...] = ()  # other spellings of the same type: a domain's base type
    nullable: bool | None = True  # None: the catalog cannot tell (a view's column)
    generated: bool = False


@dataclass(frozen=True, slots=True)
class Relation:
    schema: str
    name: str
    kind: str  # "table", "partitioned table", "view", "materialized view", "foreign table"
    columns: dict[str, SourceColumn]
    primary_key: tuple[str, ...] = ()
    key: Any = None  # the backend's own handle, such as a PostgreSQL oid

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def stores_rows(self) -> bool:
        return self.kind not in ("view", "foreign table")

    def column(self, name: str) -> SourceColumn | None:
        found = self.columns.get(name)
        if found is None:
            folded = [c for c in self.columns.values() if c.name.lower() == name.lower()]
            found = folded[0] if len(folded) == 1 else None
        return found


@dataclass(frozen=True, slots=True)
class Wanted:
    """A dataset name of the mapping, split into schema (None: the default) and name."""

    text: str
    schema: str | None
    name: str


def split_name(text: str) -> Wanted:
    """``public.orders`` -> (public, orders); ``"Mixed.Case"`` -> (None, Mixed.Case)."""
    match = _QUALIFIED.fullmatch(text.strip())
    if match is None:
        return Wanted(text, None, text)
    schema, name = match.groups()
    return Wanted(text, _unquote(schema) if schema else None, _unquote(name))


def _unquote(part: str) -> str:
    if len(part) >= 2 and part[0] + part[-1] in ('""', "``", "[]"):
        return part[1:-1]
    return part


@dataclass(slots=True)
class Catalog:
    """The relation each mapped dataset names (None: not found), by index in the mapping."""

    relations: dict[int, Relation | None] = field(default_factory=dict)

    def found(self) -> list[tuple[int, Relation]]:
        return [(i, r) for i, r in self.relations.items() if r is not None]


def match(wanted: Wanted, default_schema: str | None, candidates: Iterable[Relation]) -> Relation | None:  # fmt: skip
    """The candidate ``wanted`` names: exactly, else the only one equal ignoring case."""
    schema = wanted.schema if wanted.schema is not None else default_schema
    pool = list(candidates)
    for relation in pool:
        if relation.name == wanted.name and (schema is None or relation.schema == schema):
            return relation
    folded = [
        r
        for r in pool
        if r.name.lower() == wanted.name.lower()
        and (schema is None or r.schema.lower() == schema.lower())
    ]
    return folded[0] if len(folded) == 1 else None
