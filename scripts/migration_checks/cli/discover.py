"""``migration-checks discover``: which migration directory a pull request changes.

The reusable workflow's first job runs it, so that the stage jobs check only the directory the
pull request touches (a repository may hold hundreds) and are skipped when it touches none. It
decides nothing on its own: the gate runs the same discovery against the base commit and requires
a result of every stage for every directory it finds, so a discover job that said less than the
truth leaves the gate blocked, never open.
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

import click

from migration_checks.cli.options import base_option, deliver, fail, resolve_base_or_exit

FORMAT_CHOICES = ("text", "json", "github")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@base_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMAT_CHOICES),
    default="text",
    show_default=True,
)
def discover(paths: tuple[Path, ...], base_ref: str | None, output_format: str) -> None:
    """List the migration directories under PATH that a run examines (with --base: the ones the
    pull request changes).

    In GitHub Actions (--format github) it sets the step outputs `path` (what the stage jobs
    check: the one directory the pull request changes, empty when it changes none, or PATH when
    there is no base), `directories` (a JSON list), `count` and `call-id` (random, to name this
    call's artifacts). Exit 1 when the pull request changes more than one migration directory
    or discovery found a blocking problem.
    """
    from migration_checks.discovery import discover_all
    from migration_checks.git_base import BaseError
    from migration_checks.model import display_path, finding_record

    roots = list(paths) or [Path()]
    base = resolve_base_or_exit(base_ref, paths, output_format)
    try:
        found = discover_all(roots, base)
    except BaseError as exc:
        fail(f"--base: {exc}", output_format)
    directories = [display_path(d) for d in found.directories]
    blocked = any(f.blocker is not None for f in found.findings)
    if base is None:
        checked = display_path(roots[0]) if len(roots) == 1 else ""
    else:
        checked = directories[0] if len(directories) == 1 and not blocked else ""
    if output_format == "github":
        from migration_checks.github.workflow import emit_discovery

        emit_discovery(
            found.findings,
            {
                "path": checked,
                "directories": json.dumps(directories),
                "count": str(len(directories)),
                "call-id": secrets.token_hex(6),
            },
        )
    elif output_format == "json":
        record = {
            "directories": directories,
            "changed_only": found.changed_only,
            "findings": [finding_record(f) for f in found.findings],
            "blocked": blocked,
        }
        deliver(json.dumps(record, indent=2) + "\n", None)
    else:
        lines = [*directories, *(f"{f.severity}: {f.message}" for f in found.findings)]
        deliver("".join(f"{line}\n" for line in lines), None)
    sys.exit(1 if blocked else 0)
