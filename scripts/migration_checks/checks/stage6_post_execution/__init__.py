"""Stage 6: post-execution, the parallel runs that compare source and target after the migration.

The stage applies when the migration's state, anchored to the base commit (SPEC section 2), is
EXECUTED or later, or when ``reconciliation/parallel_runs/`` holds runs. Anchored: a pull request
cannot skip the stage by writing an earlier ``state``, nor by a label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migration_checks import anchoring

if TYPE_CHECKING:
    from migration_checks.context import MigrationContext


def applies(ctx: MigrationContext) -> str | None:
    return anchoring.post_execution_not_applicable(ctx)
