"""``migration-checks merge-message``: the squash-merge message, carrying the approval ids."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from migration_checks.cli.errors import ConfigurationError
from migration_checks.cli.gate import parse_now
from migration_checks.cli.options import load_policy_or_exit, policy_options, resolve_base_or_exit


@click.command("merge-message")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@policy_options
@click.option("--pr", type=click.IntRange(min=1), help="Pull request number for the subject.")
@click.option("--now", metavar="TIME", help="Judge expiry as of this RFC 3339 time.")
def merge_message(
    path: Path,
    policy_path: Path | None,
    base_ref: str | None,
    pr: int | None,
    now: str | None,
) -> None:
    """Print the squash-merge message of the migration under PATH.

    The subject follows "[MIGRATION] {ACTION}: {description}"; trailers name the project, plan,
    transition and one Approval-Id per approval that fills a required role. The records are
    judged without GitHub (the gate verifies them there), against the state anchored to --base.
    Exit 1, printing nothing on standard output, when a required role has no approval that counts
    or an approval id is not of the form appr_ followed by 3 to 32 lower-case letters or digits.
    """
    from migration_checks.discovery import discover
    from migration_checks.gate.merge import merge_message as build
    from migration_checks.gate.merge import missing_text
    from migration_checks.gate.run import judge_chain, load_migration
    from migration_checks.gate.shown import APPROVAL_ID
    from migration_checks.git_base import view_of

    clock = parse_now(now)
    base = resolve_base_or_exit(base_ref, (path,), "text")
    policy = load_policy_or_exit(policy_path, base, "text")
    found = discover(path)
    if len(found) != 1:
        raise ConfigurationError(
            f'merge-message needs exactly one migration-pr-* directory under "{path}", found '
            f"{len(found)}"
        )
    migration = load_migration(found[0], policy, view_of(base, found[0]))
    chain = judge_chain(migration, policy, clock, None)
    metadata = migration.metadata
    if metadata is None or chain is None:
        messages = "; ".join(f.message for f in migration.findings) or "the metadata is unusable"
        click.echo(f"merge-message: {messages}", err=True)
        sys.exit(1)
    data = metadata.data
    message = build(
        project_id=data["project_id"],
        plan_id=data["plan_id"],
        plan_version=data["plan_version"],
        state=data["state"],
        target_state=data["target_state"],
        chain=chain,
        pr=pr,
    )
    refusal = None
    if message.missing_roles:
        refusal = (
            f"no approval counts for {missing_text(message.missing_roles)} "
            f"({chain.transition}); run migration-checks gate for the reasons"
        )
    elif message.unfit_ids:
        refusal = (
            f"{', '.join(message.unfit_ids)} is not of the form {APPROVAL_ID.pattern}, so the "
            "merge message cannot carry it"
        )
    if refusal is not None:
        click.echo(f"merge-message: {refusal}", err=True)
        sys.exit(1)
    click.echo(message.text, nl=False)
