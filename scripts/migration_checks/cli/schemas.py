"""``migration-checks schemas``: list the bundled JSON Schemas, or print one."""

from __future__ import annotations

import click


@click.command()
@click.argument("name", required=False)
def schemas(name: str | None) -> None:
    """List the schemas, or print schema NAME (e.g. ``migration_metadata``)."""
    from migration_checks.resources import schema_names, schema_text

    names = schema_names()
    if name is None:
        for entry in names:
            click.echo(entry)
        return
    normalized = name.removesuffix(".json").removesuffix(".schema")
    if normalized not in names:
        raise click.UsageError(
            f'no schema named "{name}"; run `migration-checks schemas` for the list'
        )
    click.echo(schema_text(normalized), nl=False)
