"""``migration-checks protect``: audit, or apply, the no-bypass settings of seed 6.8 (SPEC §6).

The token comes only from the environment (``GITHUB_TOKEN``): the command line is visible to
every process on the machine.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from typing import TYPE_CHECKING

import click

from migration_checks.cli.errors import ConfigurationError
from migration_checks.cli.options import api_url_option
from migration_checks.github.checks import DEFAULT_CALLER_JOB

if TYPE_CHECKING:
    from migration_checks.github.api import GithubClient
    from migration_checks.github.protection import Applied, Observed, Report

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_NOT_A_BRANCH = re.compile(r"[\s*?\[\\~^:]|^$")


@click.command()
@click.option("--repo", required=True, metavar="OWNER/NAME", help="The repository to audit.")
@click.option("--branch", default="main", show_default=True, help="The protected branch.")
@click.option(
    "--apply",
    is_flag=True,
    help="Write what drifts (classic branch protection: PUT; repository settings: PATCH), then "
    "read everything again and report it. Needs a token with admin rights.",
)
@click.option(
    "--caller-job",
    default=DEFAULT_CALLER_JOB,
    show_default=True,
    help="The job of your workflow that calls migration-pr-checks.yml (its id, or its name: "
    "if it has one); GitHub names the required checks '<caller job> / <job name>'.",
)
@api_url_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
)
def protect(
    repo: str,
    branch: str,
    apply: bool,
    caller_job: str,
    api_url: str | None,
    output_format: str,
) -> None:
    """Audit (or --apply) the branch protection and repository settings that prevent a bypass.

    Required: at least 2 approving reviews, code owner review, stale approvals dismissed, every
    stage and the gate of the reusable workflow as strict required status checks, admins
    included (nobody bypasses), no force pushes, no deletion; squash merging only, head
    branches deleted on merge. A setting counts when classic protection or an active ruleset
    targeting the branch satisfies it. The token is read from GITHUB_TOKEN only.

    Exit codes: 0 every setting matches; 1 drift; 2 bad arguments, no token, or no usable
    answer from GitHub (unreachable, token refused, settings it would not show).
    """
    from migration_checks.github.api import (
        DEFAULT_API_URL,
        GithubClient,
        GithubUnavailable,
        WriteRefused,
    )
    from migration_checks.github.protection_report import render_json, render_text

    if not _REPO.match(repo):
        raise click.BadParameter(f'"{repo}" is not OWNER/NAME', param_hint="--repo")
    if _NOT_A_BRANCH.search(branch):
        raise click.BadParameter(f'"{branch}" is not a branch name', param_hint="--branch")
    if not caller_job.strip() or "\n" in caller_job:
        raise click.BadParameter("expected the caller's job id or name", param_hint="--caller-job")
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise ConfigurationError(
            "protect needs a GitHub token in the environment variable GITHUB_TOKEN (never on "
            "the command line); reading branch protection needs admin rights on the repository"
        )
    client = GithubClient(
        token, repo, api_url=api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    )
    try:
        observed, report = _audit(client, repo, branch, caller_job)
        if apply:
            applied = _apply(client, observed, report, branch)
            if applied.fixed:  # read everything again: the result is what GitHub now says
                _, report = _audit(client, repo, branch, caller_job, applied)
            else:
                report = dataclasses.replace(report, applied=applied)
    except (GithubUnavailable, WriteRefused) as exc:
        raise ConfigurationError(str(exc)) from None
    finally:
        client.close()
    render = render_json if output_format == "json" else render_text
    click.echo(render(report), nl=False)
    sys.exit(2 if report.unknown else 1 if report.drift else 0)


def _audit(
    client: GithubClient,
    repo: str,
    branch: str,
    caller_job: str,
    applied: Applied | None = None,
) -> tuple[Observed, Report]:
    from migration_checks.github.protection import (
        REPOSITORY_SETTINGS,
        Observed,
        Report,
        audit,
    )

    observed = Observed(
        classic=client.branch_protection(branch),
        rulesets=tuple(client.branch_rulesets(branch)),
        repository=client.repository_settings(REPOSITORY_SETTINGS),
    )
    rows = audit(observed, caller_job)
    return observed, Report(
        repo=repo, branch=branch, caller_job=caller_job, rows=rows, applied=applied
    )


def _apply(client: GithubClient, observed: Observed, report: Report, branch: str) -> Applied:
    from migration_checks.github.protection import Applied, protection_update, repository_update

    update = protection_update(report.rows, observed.classic)
    fields = repository_update(report.rows)
    if update:
        client.put_branch_protection(branch, update)
    if fields:
        client.edit_repository(fields)
    return Applied(
        fixed=tuple(row.label for row in report.drift),
        branch_protection=bool(update),
        repository=fields,
    )
