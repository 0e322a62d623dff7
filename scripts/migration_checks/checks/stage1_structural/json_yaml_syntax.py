"""Validate that every JSON and YAML file in the migration directory parses as plain data.

Every later check reads these files, so they must mean one thing to every reader. Artifacts are
read as plain data: YAML 1.2 core types, no duplicate keys, no tags beyond the core ones, no merge
keys, one document per file, string keys, finite numbers, UTF-8 text, within the policy's
``limits`` (size, nesting depth, alias expansion). Other JSON and YAML files (for instance under
``code/``) must parse, without duplicate keys and within the same limits.

Passes: ``contracts/schema_mapping.yml`` parses.
Fails: a missing comma in ``evidence/evidence_links.json``; a key written twice in
``configs/recon_config.yml``; ``!!python/object`` in a config.
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks import artifacts
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Location, Problem, Stage

ID = "json_yaml_syntax"
STAGE = Stage.STRUCTURAL
BLOCKING = True
RAISES = (BlockerId.SCHEMA_VALIDATION_FAILED, BlockerId.MISSING_METADATA)
POLICY = ("limits",)


def check(ctx: MigrationContext) -> Iterator[Problem]:
    for path in ctx.json_yaml_files():
        blocker = (
            BlockerId.MISSING_METADATA
            if path == artifacts.METADATA.path
            else BlockerId.SCHEMA_VALIDATION_FAILED
        )
        for problem in ctx.parse_problems(path):
            yield Problem(
                problem.message,
                blocker,
                Location(path=path, line=problem.line, column=problem.column),
            )
