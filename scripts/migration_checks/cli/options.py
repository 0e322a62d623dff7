"""What several subcommands share: the policy options, the report options and writing output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from migration_checks.cli.errors import ConfigurationError

if TYPE_CHECKING:
    from migration_checks.git_base import BaseCommit
    from migration_checks.policy import Policy

F = TypeVar("F", bound=Callable[..., object])


api_url_option = click.option(
    "--api-url",
    metavar="URL",
    help="GitHub API URL. Default: $GITHUB_API_URL, else https://api.github.com "
    "(GitHub Enterprise: https://HOST/api/v3).",
)


base_option = click.option(
    "--base",
    "base_ref",
    metavar="SHA",
    help="The pull request's base commit. The policy, trusted keys, roles, the secrets "
    "baseline and each migration's previous state are read from it, and only the migration "
    "directories the pull request changes are examined. A name is resolved and reported; "
    "an ambiguous one is refused.",
)


def policy_options(function: F) -> F:
    """``--policy FILE`` and ``--base SHA``: trust anchors come from outside the pull request."""
    function = base_option(function)
    return click.option(
        "--policy",
        "policy_path",
        type=click.Path(path_type=Path),
        help="Policy file (JSON or YAML); with --base, read from the base commit. Default: the "
        "policy bundled with migration-checks.",
    )(function)


def resolve_base_or_exit(
    base_ref: str | None, paths: tuple[Path, ...], output_format: str
) -> BaseCommit | None:
    """The base commit named by ``--base``, in the repository of the first path."""
    if base_ref is None:
        return None
    from migration_checks.git_base import BaseError, resolve_base

    try:
        return resolve_base(base_ref, paths[0] if paths else Path())
    except BaseError as exc:
        fail(f"--base: {exc}", output_format)


def load_policy_or_exit(
    policy_path: Path | None, base: BaseCommit | None, output_format: str
) -> Policy:
    from migration_checks.policy import PolicyError, load_policy

    try:
        return load_policy(policy_path, base=base)
    except PolicyError as exc:
        fail(str(exc), output_format)


def fail(message: str, output_format: str) -> NoReturn:
    """A configuration error: exit 2 with ``message``; in GitHub Actions also one error
    annotation and the job summary, so the reason shows where the verdict would have."""
    if output_format == "github":
        import os

        import github_action_utils as gha

        from migration_checks.reporters.markdown import MARKER, text

        gha.error(message, title="migration-checks")
        if os.environ.get("GITHUB_STEP_SUMMARY"):
            gha.append_job_summary(
                f"{MARKER}\n## migration-checks: no verdict\n\n{text(message)}\n"
            )
    raise ConfigurationError(message)


def report_options(formats: tuple[str, ...], result_help: str) -> Callable[[F], F]:
    """``--format``, ``--output``, ``--result-file`` and ``--fail-on``."""

    def decorate(function: F) -> F:
        for option in reversed(
            (
                click.option(
                    "--format",
                    "output_format",
                    type=click.Choice(formats),
                    default="text",
                    show_default=True,
                ),
                click.option(
                    "--output",
                    type=click.Path(dir_okay=False, path_type=Path),
                    help="Write the report here instead of standard output (github: the job summary).",
                ),
                click.option(
                    "--result-file",
                    type=click.Path(dir_okay=False, path_type=Path),
                    help=result_help,
                ),
                click.option(
                    "--fail-on",
                    type=click.Choice(("blocking", "unwaived", "never")),
                    default="blocking",
                    show_default=True,
                    help="'never' reports blockers but exits 0; 'unwaived' exits 1 only for a "
                    "blocker that no waiver of evidence/waivers.json matches (the gate decides "
                    "whether a matching waiver is approved).",
                ),
            )
        ):
            function = option(function)
        return function

    return decorate


def write_file(path: Path, content: str) -> None:
    try:
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot write {path}: {exc.strerror or exc}") from None


def deliver(content: str, output: Path | None) -> None:
    """The report to standard output, or to ``--output``."""
    if output is None:
        click.echo(content, nl=False)
    else:
        write_file(output, content)
