"""``migration-checks explain BLOCKER_ID``: what a blocker means, how to resolve it, who raises it."""

from __future__ import annotations

import click


@click.command()
@click.argument("blocker_id")
def explain(blocker_id: str) -> None:
    """Print a blocker's condition, its resolution and the checks that raise it."""
    from migration_checks.blockers import BLOCKERS, BlockerId
    from migration_checks.registry import ALL_CHECKS

    try:
        blocker = BLOCKERS[BlockerId(blocker_id.upper())]
    except ValueError:
        known = ", ".join(b.value for b in BlockerId)
        raise click.UsageError(f'unknown blocker "{blocker_id}"; known blockers: {known}') from None
    click.echo(f"{blocker.id}\n")
    click.echo(f"Condition:  {blocker.condition}")
    click.echo(f"Resolution: {blocker.resolution}\n")
    raisers = [check for check in ALL_CHECKS if blocker.id in check.raises]
    if not raisers:
        click.echo("No check of this version raises it (later stages will).")
        return
    click.echo("Raised by:")
    for check in raisers:
        click.echo(f"  {check.id} (stage {int(check.stage)}, {check.stage.title}): {check.summary}")
        for title in ("Passes", "Fails"):
            click.echo(f"      {title}: {check.section(title)}")
