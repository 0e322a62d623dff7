"""``migration-checks check``: run the stages over migration directories and report."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from migration_checks.cli.errors import ConfigurationError

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
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path),
    help="Policy file (JSON or YAML). Default: the policy bundled with migration-checks.",
)
@click.option(
    "--policy-ref",
    metavar="GIT_REF",
    help="Read --policy from this git commit (say, the PR's base) rather than the work tree.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMAT_CHOICES),
    default="text",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here instead of standard output (github: the job summary).",
)
@click.option(
    "--result-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON result here.",
)
@click.option(
    "--fail-on",
    type=click.Choice(("blocking", "never")),
    default="blocking",
    show_default=True,
    help="'never' reports blockers but exits 0.",
)
@click.option(
    "--allow-empty", is_flag=True, help="Finding no migration directory is not a failure."
)
def check(
    paths: tuple[Path, ...],
    stages: tuple[int, ...],
    policy_path: Path | None,
    policy_ref: str | None,
    output_format: str,
    output: Path | None,
    result_file: Path | None,
    fail_on: str,
    allow_empty: bool,
) -> None:
    """Check the migration PR directories under PATH (default: the current directory)."""  # fmt: skip
    from migration_checks.policy import PolicyError, load_policy
    from migration_checks.reporters import REPORTERS, json_v1
    from migration_checks.runner import ALL_STAGES, run

    if policy_ref and policy_path is None:
        raise click.UsageError("--policy-ref needs --policy (the policy's path in the repository)")
    try:
        policy = load_policy(policy_path, git_ref=policy_ref)
    except PolicyError as exc:
        raise ConfigurationError(str(exc)) from None
    result = run(
        list(paths) or [Path()], policy, stages=stages or ALL_STAGES, allow_empty=allow_empty
    )
    if result_file is not None:
        _write(result_file, json_v1.render(result))
    if output_format == "github":
        from migration_checks.github.workflow import emit
        from migration_checks.reporters import github

        emit(github.render(result, str(result_file) if result_file else None), summary_file=output)
    elif output_format == "text":
        from migration_checks.reporters import text

        colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        _deliver(text.render(result, colour=colour), output)
    else:
        _deliver(REPORTERS[output_format](result), output)
    sys.exit(1 if result.blocked and fail_on == "blocking" else 0)


def _write(path: Path, content: str) -> None:
    try:
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot write {path}: {exc.strerror or exc}") from None


def _deliver(content: str, output: Path | None) -> None:
    if output is None:
        click.echo(content, nl=False)
    else:
        _write(output, content)
