"""Stage 5: the dry run, a read-only session on the real source database.

When the stage's checks are done for a migration the session is closed; its outcomes go to
``dry_run_result.json`` (the seed's evidence of the dry run) when the runner is done with the
directory, after stage 3: the pull request's code, which stage 3 runs, could otherwise rewrite
the evidence after it was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migration_checks.context import MigrationContext
    from migration_checks.model import CheckOutcome


def finish(ctx: MigrationContext, outcomes: Sequence[CheckOutcome]) -> None:
    # Imported here: the registry loads this package, and stage 1 installs no database driver.
    from migration_checks import source_db

    run = source_db.dry_run(ctx)
    evidence = run.evidence(outcomes)
    run.close()
    # A failed write is not an error of the run: connection_test reports an unwritable directory.
    ctx.on_close(lambda: run.write_evidence(evidence))
