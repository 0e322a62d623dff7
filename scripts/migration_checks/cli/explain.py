"""``migration-checks explain ID``: a check's or a blocker's reference page, in plain text."""

from __future__ import annotations

import click


@click.command()
@click.argument("identifier", metavar="BLOCKER_ID|CHECK_ID")
def explain(identifier: str) -> None:
    """Explain a blocker (e.g. UNSIGNED_PLAN) or a check (e.g. plan_signature).

    Prints the page of docs/checks/ or docs/blockers/: for a check, its stage, whether it
    blocks, what it verifies and why, what passes and fails, how to fix what it finds and the
    policy fields it reads; for a blocker, its condition, its resolution and the checks that
    raise it.
    """
    from migration_checks import reference
    from migration_checks.blockers import BlockerId
    from migration_checks.registry import ALL_CHECKS

    text = reference.explain_text(identifier.strip())
    if text is None:
        known = ", ".join(b.value for b in BlockerId)
        raise click.UsageError(
            f'unknown blocker or check "{identifier}"; blockers: {known}; checks: '
            + ", ".join(c.id for c in ALL_CHECKS)
        )
    click.echo(text.rstrip())
