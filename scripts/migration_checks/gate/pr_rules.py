"""The pull-request rules of seed 6.6 and 6.7: the branch name and every commit message.

Commits come from the GitHub API (``github.api``) or, locally, from ``git log BASE..HEAD``. Merge
commits (two parents or more) are not judged: GitHub's "Update branch" writes them, and the
squash merge replaces every message anyway (commitlint ignores them for the same reason).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from migration_checks.pull_request import Commit

COMMIT_ACTIONS = ("PROPOSE", "UPDATE", "APPROVE", "EXECUTE", "RECON", "CUTOVER", "EVIDENCE")
COMMIT_FORMAT = "[MIGRATION] {ACTION}: {description}"
_SUBJECT = re.compile(rf"^\[MIGRATION\] (?:{'|'.join(COMMIT_ACTIONS)}): \S")
# Findings name at most this many commits; one more finding counts the rest.
MAX_COMMITS_NAMED = 20
_SUBJECT_SHOWN = 72


class GitError(Exception):
    """git could not list the commits; the gate exits 2 with this message."""


def expected_branch(archetype_id: str, project_id: str, plan_version: int) -> str:
    """``migration/{archetype with - for _}/{project_id}/v{plan_version}`` (seed 6.6)."""
    return f"migration/{archetype_id.replace('_', '-')}/{project_id}/v{plan_version}"


def branch_problem(branch: str, expected: str) -> str | None:
    if branch == expected:
        return None
    return (
        f'branch "{branch}" does not follow migration/{{archetype}}/{{project_id}}/v{{plan_version}}: '
        f'expected "{expected}" from the metadata'
    )


def subject_is_valid(subject: str) -> bool:
    return _SUBJECT.match(subject) is not None


@dataclass(frozen=True, slots=True)
class CommitVerdict:
    bad: tuple[Commit, ...]
    checked: int
    merges_skipped: int


def judge_commits(commits: Sequence[Commit]) -> CommitVerdict:
    judged = [c for c in commits if not c.is_merge]
    return CommitVerdict(
        bad=tuple(c for c in judged if not subject_is_valid(c.subject)),
        checked=len(judged),
        merges_skipped=len(commits) - len(judged),
    )


def commit_message(commit: Commit) -> str:
    subject = commit.subject
    if len(subject) > _SUBJECT_SHOWN:
        subject = subject[: _SUBJECT_SHOWN - 1] + "…"
    return (
        f'commit {commit.sha[:12]} "{subject}" does not follow "{COMMIT_FORMAT}" '
        f"(ACTION one of {', '.join(COMMIT_ACTIONS)})"
    )


# --- local git -------------------------------------------------------------------------------

# No configuration of the checkout may make git run a program while it lists commits.
_GIT = ["git", "-c", "core.fsmonitor=false", "-c", "log.showSignature=false"]


def _git(directory: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            [*_GIT, "-C", str(directory), *args],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {said[-1] if said else 'no message'}")
    return done.stdout.decode("utf-8", "replace")


def _check_ref(ref: str) -> str:
    if not ref or ref.startswith("-") or any(c in ref for c in "\x00\n "):
        raise GitError(f'"{ref}" is not a git revision')
    return ref


def git_commits(directory: Path, base: str, head: str = "HEAD") -> list[Commit]:
    """The commits of ``base..head``, oldest first, as ``git log`` lists them."""
    spec = f"{_check_ref(base)}..{_check_ref(head)}"
    out = _git(
        directory, "log", "-z", "--reverse", "--no-color", "--format=%H%x1f%P%x1f%B", spec, "--"
    )
    commits = []
    for entry in out.split("\x00"):
        if not entry.strip():
            continue
        sha, parents, message = ([*entry.split("\x1f", 2), "", ""])[:3]
        commits.append(Commit(sha.strip(), message.strip("\n"), len(parents.split())))
    return commits


def git_branch(directory: Path) -> str | None:
    """The checked-out branch, or None when HEAD is detached (as in a CI checkout)."""
    return branch_or_why(directory)[0]


def branch_or_why(directory: Path) -> tuple[str | None, str]:
    """The checked-out branch, or None and why git cannot name one."""
    try:
        name = _git(directory, "rev-parse", "--abbrev-ref", "HEAD").strip()
    except GitError as exc:
        if "not a git repository" in str(exc).lower():
            return None, (
                f'"{directory}" is not in a git repository: run the gate in the clone of the '
                "repository, or pass --branch"
            )
        return None, f"git cannot name the branch ({exc}): pass --branch"
    if name in ("", "HEAD"):
        return None, "HEAD is detached (as in a CI checkout): pass --branch"
    return name, ""
