"""Stage 5: the dry run, a read-only session on the real source database.

When the stage's checks are done for a migration, its outcomes go to ``dry_run_result.json``
(the seed's evidence of the dry run) and the session is closed.
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
    try:
        run.write_result(outcomes)
    except OSError:
        pass  # connection_test reports an unwritable evidence directory
    finally:
        run.close()
