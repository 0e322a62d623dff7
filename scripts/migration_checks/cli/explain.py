"""``migration-checks explain ID``: a blocker (condition, resolution, the checks that raise it) or
a check (its stage, its blockers and its documentation), in plain text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from migration_checks.blockers import Blocker, BlockerId
    from migration_checks.registry import Check

# The docstrings' reStructuredText inline markup: ``literal``, `text` and **strong**.
_MARKUP = re.compile(r"``(.+?)``|`([^`]+)`|\*\*(.+?)\*\*", re.DOTALL)


def plain(text: str) -> str:
    """``text`` without reStructuredText inline markup."""
    return _MARKUP.sub(lambda m: next(g for g in m.groups() if g is not None), text)


@click.command()
@click.argument("identifier", metavar="BLOCKER_ID|CHECK_ID")
def explain(identifier: str) -> None:
    """Explain a blocker (e.g. UNSIGNED_PLAN) or a check (e.g. plan_signature).

    A blocker: its condition, its resolution and the checks that raise it. A check: its stage,
    whether it blocks, the blockers it raises, and what it verifies, passes and fails.
    """
    from migration_checks.blockers import BLOCKERS, BlockerId
    from migration_checks.registry import ALL_CHECKS, BY_ID

    check = BY_ID.get(identifier.strip().lower())
    if check is not None:
        _explain_check(check, BLOCKERS)
        return
    try:
        blocker = BLOCKERS[BlockerId(identifier.strip().upper())]
    except ValueError:
        known = ", ".join(b.value for b in BlockerId)
        raise click.UsageError(
            f'unknown blocker or check "{identifier}"; blockers: {known}; checks: '
            + ", ".join(c.id for c in ALL_CHECKS)
        ) from None
    click.echo(f"{blocker.id}\n")
    click.echo(f"Condition:  {plain(blocker.condition)}")
    click.echo(f"Resolution: {plain(blocker.resolution)}\n")
    raisers = [check for check in ALL_CHECKS if blocker.id in check.raises]
    if not raisers:
        click.echo("No check of this version raises it (later stages will).")
        return
    click.echo("Raised by:")
    for raiser in raisers:
        click.echo(
            f"  {raiser.id} (stage {int(raiser.stage)}, {raiser.stage.title}): "
            f"{plain(raiser.summary)}"
        )
        for title in ("Passes", "Fails"):
            click.echo(f"      {title}: {plain(raiser.section(title))}")
    click.echo("\n`migration-checks explain CHECK_ID` tells more of each check.")


def _explain_check(check: Check, blockers: dict[BlockerId, Blocker]) -> None:
    blocking = "blocking" if check.blocking else "not blocking: its findings are warnings"
    click.echo(f"{check.id}: stage {int(check.stage)} ({check.stage.title}), {blocking}\n")
    for blocker_id in check.raises:
        click.echo(f"Raises {blocker_id}: {plain(blockers[blocker_id].resolution)}")
    if check.raises:
        click.echo("")
    click.echo(plain(check.doc.strip()))
