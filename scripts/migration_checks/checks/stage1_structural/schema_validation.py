"""Validate each artifact against its JSON Schema (draft 2020-12, in ``schemas/``).

The schemas fix the shape and types of every artifact of a migration directory, so the checks after
this one can trust them. Values that a dedicated check judges (signatures, secret references,
PII handlings, encryption algorithms, state transitions) are left to that check. Each error
names the field path and the line; it never quotes the value.

Passes: a metadata file with every required field, of the right type.
Fails: ``plan_version`` written as ``"3"``; ``state`` is ``"DONE"``; the coercion log lacks
``coercions``.
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks import artifacts
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.model import Problem, Stage
from migration_checks.validation import SchemaProblem

ID = "schema_validation"
STAGE = Stage.STRUCTURAL
BLOCKING = True
RAISES = (BlockerId.SCHEMA_VALIDATION_FAILED, BlockerId.MISSING_METADATA)


def check(ctx: MigrationContext) -> Iterator[Problem]:
    for artifact in artifacts.ARTIFACTS:
        document = ctx.document(artifact.name)
        if document is None:
            continue
        blocker = (
            BlockerId.MISSING_METADATA
            if artifact is artifacts.METADATA
            else BlockerId.SCHEMA_VALIDATION_FAILED
        )
        yield from _report(document, ctx.schema_problems(artifact.name), blocker)
    for path in ctx.parallel_run_paths():
        run = ctx.parse(path)
        if isinstance(run, Document):
            yield from _report(
                run, ctx.run_schema_problems(path), BlockerId.SCHEMA_VALIDATION_FAILED
            )


def _report(
    document: Document, problems: list[SchemaProblem], blocker: BlockerId
) -> Iterator[Problem]:
    for problem in problems:
        yield Problem(problem.message, blocker, document.at(problem.pointer))
