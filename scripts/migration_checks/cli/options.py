"""What several subcommands share: the policy options, the report options and writing output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from migration_checks.cli.errors import ConfigurationError

if TYPE_CHECKING:
    from migration_checks.policy import Policy

F = TypeVar("F", bound=Callable[..., object])


def policy_options(function: F) -> F:
    """``--policy FILE`` and ``--policy-ref GIT_REF``: trust anchors come from outside the PR."""
    function = click.option(
        "--policy-ref",
        metavar="GIT_REF",
        help="Read --policy from this git commit (the PR's base), not the work tree.",
    )(function)
    return click.option(
        "--policy",
        "policy_path",
        type=click.Path(path_type=Path),
        help="Policy file (JSON or YAML). Default: the policy bundled with migration-checks.",
    )(function)


def load_policy_or_exit(policy_path: Path | None, policy_ref: str | None) -> Policy:
    from migration_checks.policy import PolicyError, load_policy

    if policy_ref and policy_path is None:
        raise click.UsageError("--policy-ref needs --policy (the policy's path in the repository)")
    try:
        return load_policy(policy_path, git_ref=policy_ref)
    except PolicyError as exc:
        raise ConfigurationError(str(exc)) from None


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
                    type=click.Choice(("blocking", "never")),
                    default="blocking",
                    show_default=True,
                    help="'never' reports blockers but exits 0.",
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
