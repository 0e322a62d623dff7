"""Verify that every type change of the mapping is in the coercion log, and every lossy one approved.

A lossy coercion silently changes data (a 64-bit id cut to 32 bits, cents rounded away, a time
zone dropped), so it needs a reviewed reason and an approval. The check runs its own type
analysis rather than trusting the log: each source and target type of
``contracts/schema_mapping.yml`` is parsed with sqlglot in the mapping's ``source.dialect`` and
``target.dialect`` and placed in the type lattice (README "Type lattice"). Types are the same
when they normalise alike, whatever the spelling (postgres ``text`` and spark ``string``); every
column whose types differ must have an entry in ``contracts/type_coercion_log.json``, even a
lossless one (the log is the contract reviewers approve). An entry's ``from_type`` and
``to_type`` must mean the mapping's types. A conversion the analysis finds lossy must be declared
``lossy: true``; a declared lossy coercion, and any coercion the analysis cannot judge (an
unparseable or user-defined type such as a Postgres enum), needs an approval that counts: a
``decision_id`` of a resolved decision in ``contracts/manual_decisions.json``, or an
``approval_id`` of a record in ``evidence/approval_records.json``. An unresolved decision is
also ``manual_decisions``' finding; here it means the coercion lacks approval. Log entries name
the source dataset and column; an entry for a column the mapping does not map is a warning.
Excluded columns are not migrated, so they have no types to compare.

Passes: ``INTEGER`` (sqlite, 64-bit) to ``bigint`` (spark) logged as lossless; ``INTEGER`` to
``int`` logged ``lossy: true`` with resolved decision ``dec_001``; ``TEXT`` to ``string``
unlogged, since they are the same type.
Fails: ``numeric(12,2)`` to ``decimal(10,2)`` not in the log; a log entry saying
``lossy: false`` for ``REAL`` to ``decimal(5,4)``; ``lossy: true`` with ``approval: null``, an
unresolved decision or an unknown ``approval_id``; ``from_type`` "TEXT" for an ``INTEGER``
column; an unknown dialect; a user-defined type without an approved coercion.
"""

from __future__ import annotations

from collections.abc import Container, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from migration_checks import sqltypes
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.model import Problem, Severity, Stage

ID = "lossy_mappings"
STAGE = Stage.POLICY
BLOCKING = True
RAISES = (BlockerId.LOSSY_MAPPING_NO_APPROVAL,)

_LOSSY = BlockerId.LOSSY_MAPPING_NO_APPROVAL


def check(ctx: MigrationContext) -> Iterator[Problem]:
    mapping = ctx.require("mapping")
    log = ctx.require("coercions")
    entries: list[dict[str, Any]] = log.data["coercions"]
    logged: dict[str, dict[str, list[int]]] = {}  # dataset -> column -> entry indices
    for index, entry in enumerate(entries):
        logged.setdefault(entry["dataset"], {}).setdefault(entry["column"], []).append(index)
    dialects = (mapping.data["source"]["dialect"], mapping.data["target"]["dialect"])
    analysable = True
    for side, dialect in zip(("source", "target"), dialects, strict=True):
        problem = sqltypes.dialect_problem(dialect)
        if problem is not None:
            analysable = False
            yield Problem(
                f"{problem}; the types cannot be analysed", _LOSSY, mapping.at(f"/{side}/dialect")
            )
    run = _Run(mapping, log, entries, dialects, _Approvals(ctx))
    used: set[int] = set()
    analyse = sqltypes.analyse
    source_dialect, target_dialect = dialects
    # Twenty thousand columns pass through here: the common case (nothing to report) is kept to
    # a few dictionary look-ups, with analyses cached per distinct pair of spellings.
    for d, dataset in enumerate(mapping.data["datasets"]):
        columns_logged = logged.get(dataset["source"], {})
        for c, column in enumerate(dataset["columns"]):
            source, target = column["source"], column["target"]
            candidates = columns_logged.get(source["name"])
            found = _pick(candidates, used, entries, target["type"]) if candidates else None
            if found is not None:
                used.add(found)
            if not analysable:
                if found is not None and entries[found]["lossy"]:
                    name = _name((dataset["source"], source["name"]))
                    yield from run.approvals.judge(log, found, entries[found], name)
                continue
            analysis = analyse(source["type"], source_dialect, target["type"], target_dialect)
            if found is None:
                if analysis.same:
                    continue
            else:
                entry = entries[found]
                if (
                    analysis.lossy is False
                    and not entry["lossy"]
                    and entry["from_type"] == source["type"]
                    and entry["to_type"] == target["type"]
                ):
                    continue
            key = (dataset["source"], source["name"])
            yield from _judge(run, column, (d, c), key, found, analysis)
    yield from _unused(mapping, log, entries, used)


@dataclass(frozen=True, slots=True)
class _Run:
    mapping: Document
    log: Document
    entries: list[dict[str, Any]]
    dialects: tuple[str, str]
    approvals: _Approvals


def _pick(
    candidates: list[int], used: set[int], entries: list[dict[str, Any]], target_type: str
) -> int | None:
    """The log entry of a mapped column; by target type when the mapping maps a column twice."""
    if len(candidates) == 1:
        return None if candidates[0] in used else candidates[0]
    free = [index for index in candidates if index not in used]
    for index in free:
        if entries[index]["to_type"] == target_type:
            return index
    return free[0] if free else None


def _judge(
    run: _Run,
    column: dict[str, Any],
    at: tuple[int, int],
    key: tuple[str, str],
    index: int | None,
    analysis: sqltypes.Analysis,
) -> Iterator[Problem]:
    """The findings of one mapped column; messages and positions are built only for a finding."""
    source_type, target_type = column["source"]["type"], column["target"]["type"]
    source_dialect, target_dialect = run.dialects
    if index is None:
        if not analysis.same:
            yield Problem(
                _undeclared(_name(key), _conversion(column, run.dialects), analysis),
                _LOSSY,
                run.mapping.at(f"/datasets/{at[0]}/columns/{at[1]}"),
            )
        return
    entry = run.entries[index]
    mismatch = False
    for field, mapped, dialect, parsed in (
        ("from_type", source_type, source_dialect, analysis.source),
        ("to_type", target_type, target_dialect, analysis.target),
    ):
        logged = entry[field]
        if logged != mapped and sqltypes.parse(logged, dialect) != parsed:
            mismatch = True
            yield Problem(
                f'coercion of {_name(key)}: {field}: expected "{mapped}" as in the mapping, '
                f'found "{logged}"; the log must describe the mapped types',
                _LOSSY,
                run.log.at(f"/coercions/{index}/{field}"),
            )
    if mismatch:
        return
    if analysis.lossy and not entry["lossy"]:
        yield Problem(
            f"coercion of {_name(key)}: lossy: expected true, found false: "
            f"{_conversion(column, run.dialects)} loses information ({analysis.why}); declare it "
            "lossy and cite an approval",
            _LOSSY,
            run.log.at(f"/coercions/{index}/lossy"),
        )
    elif entry["lossy"] or (analysis.lossy is None and not analysis.same):
        yield from run.approvals.judge(
            run.log, index, entry, _name(key), unknown=analysis.lossy is None
        )


def _conversion(column: dict[str, Any], dialects: tuple[str, str]) -> str:
    return (
        f'"{column["source"]["type"]}" ({dialects[0]}) to "{column["target"]["type"]}" '
        f"({dialects[1]})"
    )


def _undeclared(name: str, conversion: str, analysis: sqltypes.Analysis) -> str:
    if analysis.lossy is None:
        return (
            f"column {name}: {conversion} cannot be analysed: {analysis.why}; declare the "
            "coercion in the log with a reason and an approval"
        )
    if analysis.lossy:
        return (
            f"column {name}: {conversion} loses information ({analysis.why}) and is not in the "
            "coercion log; add it with lossy: true, a reason and an approval"
        )
    return (
        f"column {name}: {conversion} is a lossless conversion ({analysis.why}) but is not in the "
        "coercion log; every column whose types differ must be logged: add it with lossy: false"
    )


def _name(key: tuple[str, str]) -> str:
    return f'"{key[0]}.{key[1]}"'


def _unused(
    mapping: Document, log: Document, entries: list[dict[str, Any]], used: set[int]
) -> Iterator[Problem]:
    if len(used) == len(entries):
        return
    mapped: set[tuple[str, str]] = set()
    excluded: set[tuple[str, str]] = set()
    for dataset in mapping.data["datasets"]:
        mapped.update((dataset["source"], c["source"]["name"]) for c in dataset["columns"])
        excluded.update((dataset["source"], name) for name in dataset.get("exclude", []))
    first: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(entries):
        key = (entry["dataset"], entry["column"])
        first.setdefault(key, index)
        if index in used:
            continue
        if key in mapped:
            yield Problem(
                f"the coercion log lists {_name(key)} more often than the mapping maps it (first "
                f"at entry {first[key]}); keep one entry per mapped column",
                _LOSSY,
                log.at(f"/coercions/{index}"),
            )
            continue
        why = (
            "which the mapping excludes"
            if key in excluded
            else "which the mapping does not map (entries name the source dataset and column)"
        )
        yield Problem(
            f"the coercion log lists {_name(key)}, {why}; remove the entry or correct its names",
            severity=Severity.WARNING,
            location=log.at(f"/coercions/{index}/column"),
        )


class _Approvals:
    """The decisions and approval records that may approve a coercion, read once."""

    def __init__(self, ctx: MigrationContext) -> None:
        self._ctx = ctx
        self._decisions: dict[str, str] | None = None
        self._records: set[str] | None = None
        self._loaded = False
        self._decisions_path = ctx.artifact_path("decisions") or "contracts/manual_decisions.json"
        self._records_path = ctx.artifact_path("approvals") or "evidence/approval_records.json"

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        decisions = self._ctx.usable("decisions")
        if decisions is not None:
            self._decisions = {d["id"]: d["status"] for d in decisions.data["decisions"]}
        records = self._ctx.usable("approvals")
        if records is not None:
            self._records = {r["approval_id"] for r in records.data["approvals"]}

    def judge(
        self,
        log: Document,
        index: int,
        entry: dict[str, Any],
        name: str,
        *,
        unknown: bool = False,
    ) -> Iterator[Problem]:
        self._load()
        what = "coercion" if unknown and not entry["lossy"] else "lossy coercion"
        approval = entry["approval"]
        ptr = f"/coercions/{index}/approval"
        if approval is None:
            need = " of a type the analysis cannot judge" if unknown else ""
            yield Problem(
                f"{what} of {name}{need} has no approval; cite a resolved decision "
                '({"decision_id": ...}) or an approval record ({"approval_id": ...})',
                _LOSSY,
                log.at(ptr),
            )
        elif "decision_id" in approval:
            yield from self._decision(
                log, f"{ptr}/decision_id", approval["decision_id"], what, name
            )
        else:
            yield from self._record(log, f"{ptr}/approval_id", approval["approval_id"], what, name)

    def _decision(
        self, log: Document, ptr: str, decision_id: str, what: str, name: str
    ) -> Iterator[Problem]:
        found = yield from self._cited(
            log, ptr, what, name, ("decision", decision_id, "a resolved decision"),
            self._decisions, self._decisions_path,
        )  # fmt: skip
        if found and self._decisions is not None and self._decisions[decision_id] != "resolved":
            yield Problem(
                f'{what} of {name} lacks approval: decision "{decision_id}" is '
                f"{self._decisions[decision_id]}; resolve it",
                _LOSSY,
                log.at(ptr),
            )

    def _record(
        self, log: Document, ptr: str, approval_id: str, what: str, name: str
    ) -> Iterator[Problem]:
        yield from self._cited(
            log, ptr, what, name, ("approval", approval_id, "an existing approval record"),
            self._records, self._records_path,
        )  # fmt: skip

    @staticmethod
    def _cited(
        log: Document,
        ptr: str,
        what: str,
        name: str,
        cited: tuple[str, str, str],
        known: Container[str] | None,
        path: str,
    ) -> Generator[Problem, None, bool]:
        """Problems with a cited decision or approval record; returns whether it was found."""
        kind, cited_id, remedy = cited
        if known is None:
            yield Problem(
                f'{what} of {name}: {kind} "{cited_id}" was not verified, since '
                f"{path} is missing or invalid (reported by stage 1)",
                severity=Severity.NOTICE,
                location=log.at(ptr),
            )
            return False
        if cited_id not in known:
            yield Problem(
                f'{what} of {name} cites {kind} "{cited_id}", which is not in {path}; '
                f"cite {remedy}",
                _LOSSY,
                log.at(ptr),
            )
            return False
        return True
