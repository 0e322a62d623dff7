"""``migration-checks gate``: may this pull request's transition merge?

The token comes only from the environment (``GITHUB_TOKEN``): the command line is visible to
every process on the machine.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from migration_checks.cli.errors import ConfigurationError
from migration_checks.cli.options import (
    api_url_option,
    deliver,
    fail,
    load_policy_or_exit,
    policy_options,
    report_options,
    resolve_base_or_exit,
    write_file,
)

if TYPE_CHECKING:
    from migration_checks.gate.merge_queue import QueueRef

FORMAT_CHOICES = ("text", "json", "github", "markdown")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$")


def parse_now(value: str | None) -> datetime:
    """``--now``, or the current time; either way fixed once for the whole run."""
    if value is None:
        return datetime.now(UTC)
    from migration_checks.gate.approvals import parse_time

    parsed = parse_time(value)
    if isinstance(parsed, str):
        raise click.BadParameter(f'"{value}" {parsed}', param_hint="--now")
    return parsed


def _queue_or_exit(
    merge_group_ref: str | None,
    pr: int | None,
    head_sha: str | None,
    apply: bool | None,
    output_format: str,
) -> QueueRef | None:
    """The merge queue entry ``--merge-group-ref`` names; a malformed ref exits 2 unquoted."""
    if merge_group_ref is None:
        return None
    if pr is not None or head_sha is not None:
        raise click.UsageError(
            "--merge-group-ref names the pull request: it excludes --pr and --head-sha"
        )
    if apply:
        raise click.UsageError(
            "--apply: in a merge queue the gate writes no labels and no comment (the pull "
            "request's own run keeps them)"
        )
    from migration_checks.gate.merge_queue import QueueRefError, parse_queue_ref

    try:
        return parse_queue_ref(merge_group_ref)
    except QueueRefError as exc:
        fail(f"--merge-group-ref: {exc}", output_format)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@policy_options
@click.option(
    "--results",
    "result_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="JSON result of a stage job (check --result-file), or a directory of them; repeatable.",
)
@click.option(
    "--jobs",
    "jobs_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The stage jobs' results: a file holding the gate job's toJSON(needs), whose stage "
    "jobs are named stage_1 ... stage_6; a skipped, cancelled or unexplained failed one blocks.",
)
@click.option("--repo", metavar="OWNER/NAME", help="The repository of the pull request.")
@click.option("--pr", type=click.IntRange(min=1), help="The pull request number.")
@click.option(
    "--head-sha",
    metavar="SHA",
    help="The commit that was checked out and examined; approvals must be on it.",
)
@click.option(
    "--merge-group-ref",
    metavar="REF",
    help="In a merge queue (a merge_group event, which names no pull request): the queue "
    "entry's ref, merge_group.head_ref (refs/heads/gh-readonly-queue/BRANCH/pr-N-SHA). The gate "
    "verifies pull request N as on its own run, approvals on its head commit, and writes no "
    "labels and no comment. With --repo; instead of --pr and --head-sha.",
)
@click.option("--branch", help="The pull request's branch (default: from GitHub, else git).")
@click.option("--head-ref", metavar="GIT_REF", default="HEAD", show_default=True)
@api_url_option
@click.option(
    "--github-timeout",
    type=click.IntRange(1, 300),
    default=20,
    show_default=True,
    help="Seconds to wait for each GitHub request.",
)
@click.option(
    "--apply/--no-apply",
    default=None,
    help="Set labels and the sticky comment. Default: when a token and --pr are given.",
)
@click.option(
    "--comment-author",
    metavar="LOGIN",
    help="The login our comments carry when the token cannot say (an app token); "
    "default: the token's user, else github-actions[bot].",
)
@click.option(
    "--now",
    metavar="TIME",
    help="Judge expiry as of this RFC 3339 time (with offset). Default: now, fixed once.",
)
@report_options(FORMAT_CHOICES, "Also write the gate's JSON result here.")
def gate(
    paths: tuple[Path, ...],
    policy_path: Path | None,
    base_ref: str | None,
    result_paths: tuple[Path, ...],
    jobs_path: Path | None,
    repo: str | None,
    pr: int | None,
    head_sha: str | None,
    merge_group_ref: str | None,
    branch: str | None,
    head_ref: str,
    api_url: str | None,
    github_timeout: int,
    apply: bool | None,
    comment_author: str | None,
    now: str | None,
    output_format: str,
    output: Path | None,
    result_file: Path | None,
    fail_on: str,
) -> None:
    """Decide whether the transition of each migration under PATH may merge.

    Checks the approval chain of {state}_to_{target_state}, the branch name,
    the commit messages and the labels. The state is anchored to --base (the pull request's base
    commit, which also provides the policy and the commits BASE..HEAD): without it the gate is
    blocked. With GITHUB_TOKEN, --repo and --pr it verifies every
    approver on GitHub and, unless --no-apply, sets the labels and the sticky comment. In a merge
    queue, --merge-group-ref names the pull request instead of --pr, and nothing is written.
    Without a token nothing is verified on GitHub, so a transition that needs approvals is
    blocked.
    Exit codes: 0 may merge, 1 blocked, 2 configuration error or no usable answer from GitHub.
    """
    from migration_checks.gate import report
    from migration_checks.gate.pr_rules import GitError
    from migration_checks.gate.results import (
        ResultsError,
        StageResults,
        add_verdicts,
        load_jobs,
        load_results,
    )
    from migration_checks.gate.run import GateOptions, run_gate
    from migration_checks.git_base import BaseError

    clock = parse_now(now)
    queue = _queue_or_exit(merge_group_ref, pr, head_sha, apply, output_format)
    if queue is not None:
        pr = queue.pr
        if repo is None:
            raise click.UsageError("--merge-group-ref needs --repo")
    if (repo is None) != (pr is None):
        raise click.UsageError("--repo and --pr go together")
    if repo is not None and not _REPO.match(repo):
        raise click.BadParameter(f'"{repo}" is not OWNER/NAME', param_hint="--repo")
    if head_sha is not None and not _SHA.match(head_sha):
        raise click.BadParameter("expected a full commit SHA", param_hint="--head-sha")
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if pr is not None and not token:
        option = "--merge-group-ref" if queue is not None else "--pr"
        raise ConfigurationError(
            f"{option} needs a GitHub token in the environment variable GITHUB_TOKEN (never on "
            "the command line); without --repo/--pr the gate runs offline"
        )
    online = pr is not None
    if apply and not online:
        raise click.UsageError("--apply needs --repo, --pr and GITHUB_TOKEN")
    base = resolve_base_or_exit(base_ref, paths, output_format)
    policy = load_policy_or_exit(policy_path, base, output_format)
    try:
        results = load_results(list(result_paths)) if result_paths else StageResults()
        jobs = load_jobs(jobs_path) if jobs_path is not None else None
        if jobs is not None:
            add_verdicts(results, jobs)
    except ResultsError as exc:
        fail(str(exc), output_format)
    options = GateOptions(
        paths=tuple(paths) or (Path(),),
        policy=policy,
        now=clock,
        results=results,
        jobs=jobs.stages if jobs is not None else None,
        discover_job=jobs.discover if jobs is not None else None,
        pr=pr,
        head_sha=head_sha.lower() if head_sha else None,
        merge_group=queue,
        branch=branch,
        base=base,
        head_ref=head_ref,
        apply=(online and queue is None) if apply is None else apply,
        comment_author=comment_author,
    )
    client = None
    if online:
        from migration_checks.github.api import DEFAULT_API_URL, GithubClient

        assert repo is not None
        client = GithubClient(
            token,
            repo,
            api_url=api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
            timeout=github_timeout,
        )
    from migration_checks.github.api import GithubUnavailable

    try:
        result = run_gate(options, client, render_comment=report.comment)
    except GithubUnavailable as exc:
        fail(str(exc), output_format)
    except GitError as exc:
        fail(
            f"cannot list the commits {base_ref}..{head_ref}: {exc}; fetch the base "
            "(actions/checkout with fetch-depth: 0)",
            output_format,
        )
    except BaseError as exc:
        fail(f"--base: {exc}", output_format)
    finally:
        if client is not None:
            client.close()
    if result_file is not None:
        write_file(result_file, report.render_json(result))
    if output_format == "github":
        from migration_checks.github.workflow import emit

        emit(
            report.github_report(result, str(result_file) if result_file else None),
            summary_file=output,
        )
    elif output_format == "json":
        deliver(report.render_json(result), output)
    elif output_format == "markdown":
        deliver(report.comment(result), output)
    else:
        colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        deliver(report.render_text(result, colour=colour), output)
    # The gate verifies waivers itself: what it still reports blocks, "unwaived" included.
    sys.exit(1 if result.blocked and fail_on != "never" else 0)
