"""Verify that the profiling report the plan names is there, unchanged, and covers what is migrated.

Profiling is the evidence behind PII decisions and type narrowing; a report that is missing,
edited after the plan was signed, or silent about a table or column leaves those decisions
unsupported. The report is the file at the plan's ``profiling.report`` (a path inside the
migration directory, never followed out of it); its SHA-256 must equal ``profiling.sha256``;
every dataset of the plan must be profiled (a report dataset whose ``name`` is the plan dataset's
source ``name``), and every column the mapping migrates (``datasets[].columns[].source.name``,
matched exactly) must be profiled in it. Columns the mapping ``exclude``s need not be.

Passes: the report hashes to the plan's sha256 and profiles every mapped column.
Fails: ``evidence/profiling_report.json`` is missing; it was edited after signing (sha256 differs);
dataset ``orders`` is not profiled; column ``orders.total`` is mapped but not profiled.
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext, Skip
from migration_checks.documents import Document
from migration_checks.fs import UnsafePath, check_relative
from migration_checks.model import Location, Problem, Stage

ID = "profiling_completeness"
STAGE = Stage.POLICY
BLOCKING = True
RAISES = (BlockerId.PROFILING_INCOMPLETE,)

_INCOMPLETE = BlockerId.PROFILING_INCOMPLETE
_MAX_LISTED = 20


def check(ctx: MigrationContext) -> Iterator[Problem]:
    plan = ctx.require("signed_plan")
    path: str = plan.data["plan"]["profiling"]["report"]
    problem = _locate(ctx, plan, path)
    if problem is not None:
        yield problem
        return
    report = ctx.require("profiling_report")  # a parse or schema error is stage 1's finding
    try:
        digest = ctx.sha256(path)
    except (OSError, UnsafePath) as exc:  # changed since it was listed and parsed
        yield Problem(
            f'the profiling report "{path}" cannot be read ({exc})',
            _INCOMPLETE,
            Location(path=path),
        )
        return
    expected: str = plan.data["plan"]["profiling"]["sha256"]
    if digest != expected:
        yield Problem(
            f'the profiling report "{path}" changed after the plan was signed: expected sha256 '
            f"{expected[:12]}… (plan profiling.sha256), found {digest[:12]}…",
            _INCOMPLETE,
            plan.at("/plan/profiling/sha256"),
        )
    yield from _coverage(ctx, plan, report)


def _locate(ctx: MigrationContext, plan: Document, path: str) -> Problem | None:
    """A problem when the report is not a regular file inside the migration directory."""
    try:
        check_relative(path)
    except UnsafePath as exc:
        return Problem(
            f'profiling report path "{path}" refused: {exc}',
            _INCOMPLETE,
            plan.at("/plan/profiling/report"),
        )
    if ctx.tree.is_link(path) or path in ctx.tree.special:
        raise Skip(f'the profiling report "{path}" is not a regular file (file_structure)')
    if path not in ctx.tree.files:
        return Problem(
            f'the profiling report "{path}" (plan profiling.report) is missing',
            _INCOMPLETE,
            Location(path=path),
        )
    return None


def _coverage(ctx: MigrationContext, plan: Document, report: Document) -> Iterator[Problem]:
    profiled = {
        dataset["name"]: (index, {column["name"] for column in dataset["columns"]})
        for index, dataset in enumerate(report.data["datasets"])
    }
    mapping = ctx.usable("mapping")
    mapped = (
        {entry["source"]: entry["columns"] for entry in mapping.data["datasets"]}
        if mapping is not None
        else {}
    )
    for dataset in plan.data["plan"]["datasets"]:
        name = dataset["name"]
        if name not in profiled:
            yield Problem(
                f'dataset "{name}" of the plan is not profiled in the report',
                _INCOMPLETE,
                report.at("/datasets"),
            )
            continue
        index, columns = profiled[name]
        missing = [
            column["source"]["name"]
            for column in mapped.get(name, [])
            if column["source"]["name"] not in columns
        ]
        if missing:
            shown = ", ".join(f'"{m}"' for m in missing[:_MAX_LISTED])
            more = f" and {len(missing) - _MAX_LISTED} more" if len(missing) > _MAX_LISTED else ""
            yield Problem(
                f'dataset "{name}": mapped column(s) {shown}{more} not profiled in the report',
                _INCOMPLETE,
                report.at(f"/datasets/{index}/columns"),
            )
