"""``migration-checks check``: run the stages over migration directories and report."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from migration_checks.cli.options import (
    deliver,
    fail,
    load_policy_or_exit,
    policy_options,
    report_options,
    resolve_base_or_exit,
    write_file,
)

FORMAT_CHOICES = ("text", "json", "github", "sarif", "markdown")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--stage",
    "stages",
    type=click.IntRange(1, 6),
    multiple=True,
    help="Run only this stage (1-6); repeat for several. Default: all six.",
)
@policy_options
@report_options(FORMAT_CHOICES, "Also write the JSON result here.")
@click.option(
    "--allow-empty", is_flag=True, help="Finding no migration directory is not a failure."
)
def check(
    paths: tuple[Path, ...],
    stages: tuple[int, ...],
    policy_path: Path | None,
    base_ref: str | None,
    output_format: str,
    output: Path | None,
    result_file: Path | None,
    fail_on: str,
    allow_empty: bool,
) -> None:
    """Check PATH when it is a migration PR directory, else those under it (default: .)."""  # fmt: skip
    # Every module the reports need is imported before the stages run: once stage 3 has run the
    # pull request's code, which could rewrite the suite's files, nothing more is imported.
    from migration_checks import import_seal
    from migration_checks.git_base import BaseError
    from migration_checks.github.workflow import emit
    from migration_checks.reporters import REPORTERS, github, json_v1, text
    from migration_checks.runner import ALL_STAGES, run

    base = resolve_base_or_exit(base_ref, paths, output_format)
    policy = load_policy_or_exit(policy_path, base, output_format)
    with import_seal.guarded():
        try:
            result = run(
                list(paths) or [Path()],
                policy,
                stages=stages or ALL_STAGES,
                allow_empty=allow_empty,
                base=base,
            )
        except BaseError as exc:
            fail(f"--base: {exc}", output_format)
        except ImportError as exc:
            if not import_seal.is_sealed():
                raise
            fail(f"{exc}; the run stops without a verdict", output_format)
        if result_file is not None:
            write_file(result_file, json_v1.render(result))
        if output_format == "github":
            emit(
                github.render(result, str(result_file) if result_file else None),
                summary_file=output,
            )
        elif output_format == "text":
            colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
            deliver(text.render(result, colour=colour), output)
        else:
            deliver(REPORTERS[output_format](result), output)
    sys.exit(1 if result.fails(fail_on) else 0)
