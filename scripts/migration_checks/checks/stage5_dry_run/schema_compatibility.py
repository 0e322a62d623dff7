"""Verify the mapping against the source's catalog: every mapped column exists with the declared type.

Each dataset of ``contracts/schema_mapping.yml`` must name a table or view of the source
(``public.orders``, or ``orders`` in the session's default schema; exactly, else ignoring case
when that finds one). For each mapped column: it must exist; its actual type, as the catalog
spells it (PostgreSQL ``format_type``, MySQL ``COLUMN_TYPE``, SQLite's declared type), must be
the declared ``source.type`` once both are normalised with sqlglot in the source dialect
(``character varying(255)`` is ``varchar(255)``, ``int(11)`` is ``int``; a domain matches its
own name or its base type, an enum or other user-defined type its name, MySQL's
``tinyint(1)`` also ``boolean``); a declared type that differs is a finding even when the actual
type would still convert to the target, and the finding says whether the target type is
reachable from the actual one without loss (the type lattice of ``lossy_mappings``). A column
the mapping declares ``nullable: false`` must be NOT NULL in the source (a view's columns carry
no such constraint: ``extract_sample`` counts nulls in its sample instead). Source columns that
are neither mapped nor in ``exclude``, and ``exclude`` entries the table lacks, are warnings.
The mapping's ``source.dialect`` must describe the source's database (``postgres``, ``mysql``,
``sqlite``); otherwise types are not compared.

Passes: ``total`` declared ``numeric(12,2)`` and ``NUMERIC(12,2)`` in the catalog; ``email``
declared ``varchar(255)`` over ``character varying(255)``; an unmapped ``internal_notes`` listed
under ``exclude``.
Fails: a mapped column the table lacks; ``integer`` declared for a ``bigint`` column; a dataset
that names no table; ``nullable: false`` on a nullable column; ``source.dialect: spark`` for a
PostgreSQL source.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migration_checks import source_db, sqltypes
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.model import Problem, Severity, Stage
from migration_checks.source_db.backends import Backend
from migration_checks.source_db.catalog import Relation, SourceColumn

ID = "schema_compatibility"
STAGE = Stage.DRY_RUN
BLOCKING = True
RAISES = (BlockerId.CI_FAILURE,)
POLICY = ("dry_run",)

_FAILURE = BlockerId.CI_FAILURE
_LISTED = 10


def check(ctx: MigrationContext) -> Iterator[Problem]:
    run = source_db.dry_run(ctx)
    yield from _check(run)


def _check(run: source_db.DryRun) -> Iterator[Problem]:
    mapping = run.mapping()
    session = run.session()
    catalog = run.catalog_or_error()
    if isinstance(catalog, source_db.SourceError):
        yield Problem(catalog.reason, _FAILURE, catalog.location)
        return
    backend = session.backend
    dialect = mapping.data["source"]["dialect"]
    comparable = sqltypes.family(dialect) in backend.families
    if not comparable:
        yield Problem(
            f'the mapping\'s source.dialect "{dialect}" does not describe the source, a '
            f"{backend.title} database; set it to {backend.sqlglot} (the types are compared "
            "only then)",
            _FAILURE,
            mapping.at("/source/dialect"),
        )
    compare = _Compare(mapping, backend, comparable)
    counts = {"datasets": 0, "found": 0, "columns": 0, "problems": 0}
    for d, dataset in enumerate(mapping.data["datasets"]):
        counts["datasets"] += 1
        relation = catalog.relations.get(d)
        if relation is None:
            counts["problems"] += 1
            yield Problem(
                f'dataset "{dataset["source"]}" is not a table or view of the source '
                f"({session.endpoint.label}); correct the name (schema.table) or the source",
                _FAILURE,
                mapping.at(f"/datasets/{d}/source"),
            )
            continue
        counts["found"] += 1
        for problem in compare.dataset(d, dataset, relation):
            counts["problems"] += problem.blocker is not None
            yield problem
        counts["columns"] += len(dataset["columns"])
    run.details[ID] = counts


class _Compare:
    def __init__(self, mapping: Document, backend: Backend, comparable: bool) -> None:
        self.mapping = mapping
        self.backend = backend
        self.comparable = comparable
        self.dialect: str = mapping.data["source"]["dialect"]
        self.target_dialect: str = mapping.data["target"]["dialect"]

    def dataset(self, d: int, dataset: dict[str, Any], relation: Relation) -> Iterator[Problem]:
        seen: set[str] = set()
        name = dataset["source"]
        for c, column in enumerate(dataset["columns"]):
            at = f"/datasets/{d}/columns/{c}"
            actual = relation.column(column["source"]["name"])
            if actual is None:
                yield Problem(
                    f'column "{name}.{column["source"]["name"]}" does not exist in the source '
                    f"{relation.kind} {relation.qualified}; correct the name or remove the column",
                    _FAILURE,
                    self.mapping.at(f"{at}/source/name"),
                )
                continue
            seen.add(actual.name)
            if self.comparable:
                yield from self._type(name, column, actual, at)
            if column.get("nullable") is False and actual.nullable is True:
                yield Problem(
                    f'column "{name}.{actual.name}" accepts NULL in the source, but the mapping '
                    "declares nullable: false; make the target nullable, or map a NOT NULL "
                    "column",
                    _FAILURE,
                    self.mapping.at(f"{at}/nullable"),
                )
        for e, excluded in enumerate(dataset.get("exclude", [])):
            actual = relation.column(excluded)
            if actual is None:
                yield Problem(
                    f'exclude names "{excluded}", which {relation.qualified} does not have',
                    severity=Severity.WARNING,
                    location=self.mapping.at(f"/datasets/{d}/exclude/{e}"),
                )
            else:
                seen.add(actual.name)
        unmapped = [c for c in relation.columns if c not in seen]
        if unmapped:
            listed = ", ".join(f'"{c}"' for c in unmapped[:_LISTED])
            more = f" and {len(unmapped) - _LISTED} more" if len(unmapped) > _LISTED else ""
            yield Problem(
                f'source columns of "{name}" neither mapped nor excluded: {listed}{more}; map '
                "them, or list them under exclude so that leaving them behind is on record",
                severity=Severity.WARNING,
                location=self.mapping.at(f"/datasets/{d}/source"),
            )

    def _type(
        self, name: str, column: dict[str, Any], actual: SourceColumn, at: str
    ) -> Iterator[Problem]:
        declared: str = column["source"]["type"]
        if not actual.type.strip() or self._equivalent(declared, actual):
            return  # a SQLite column without a declared type holds anything
        target: str = column["target"]["type"]
        sqlglot = self.backend.sqlglot
        via_actual = sqltypes.analyse(actual.type, sqlglot, target, self.target_dialect)
        via_declared = sqltypes.analyse(declared, self.dialect, target, self.target_dialect)
        if via_actual.lossy is None:
            reach = (
                f'whether the target "{target}" holds its values cannot be told ({via_actual.why})'
            )
        elif via_actual.lossy and via_declared.lossy is False:
            reach = (
                f'from it the target "{target}" loses information ({via_actual.why}), which the '
                "coercion log, written for the declared type, does not cover"
            )
        elif via_actual.lossy:
            reach = f'from it the target "{target}" is lossy ({via_actual.why})'
        else:
            reach = f'the target "{target}" still holds every value ({via_actual.why})'
        yield Problem(
            f'column "{name}.{actual.name}": the mapping declares source type "{declared}", but '
            f'the source column is "{actual.type}" '
            f"({sqltypes.describe(sqltypes.parse(actual.type, sqlglot))}); {reach}; correct "
            "source.type (and the coercion log) to the actual type",
            _FAILURE,
            self.mapping.at(f"{at}/source/type"),
        )

    def _equivalent(self, declared: str, actual: SourceColumn) -> bool:
        wanted = sqltypes.parse(declared, self.dialect)
        for spelling in (actual.type, *actual.alternatives):
            found = sqltypes.parse(spelling, self.backend.sqlglot)
            if found == wanted:
                return True
            if wanted.kind is sqltypes.Kind.UNKNOWN and _bare(found) == _bare(wanted):
                return True
        return False


def _bare(t: sqltypes.SqlType) -> str:
    """A user-defined type's name without schema or quotes: ``public."Mood"`` -> ``mood``."""
    if t.kind is not sqltypes.Kind.UNKNOWN:
        return ""
    spelled = t.name.split(":", 1)[-1]
    return spelled.rsplit(".", 1)[-1].replace('"', "").replace("`", "").strip()
