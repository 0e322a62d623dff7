"""The GitHub REST API as the gate and ``protect`` use it, through PyGithub: bounded waits and
clear errors.

Only the gate and ``protect`` import this module, so ``migration-checks check`` never loads
PyGithub. The client
is lazy (no request until a value is needed) and reads each resource once: the pull request,
its reviews, its commits, each team's members, its issue comments. Lists are read whole, page by
page (100 a page, following the Link headers). GitHub lists at most 250 commits of a pull request,
so a longer one is read from the compare endpoint instead.

Waits are bounded: every request times out (``timeout``), a GET that gets a 5xx is retried at most
``retries`` times with a short backoff, and nothing waits for a rate limit to reset: a rate limit
(403 or 429 with ``X-RateLimit-Remaining: 0``), a 5xx that persists, a refused token or an
unreachable server raise ``GithubUnavailable`` with a message that says which.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from migration_checks import __version__
from migration_checks.github.protection import Ruleset
from migration_checks.pull_request import Commit, Review

if TYPE_CHECKING:
    import github

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100
PR_COMMITS_LISTED = 250  # GitHub's cap on GET /pulls/{n}/commits
NOT_PROTECTED = "Branch not protected"  # GitHub's 404 message for a branch without protection
DEFAULT_TIMEOUT = 20
DEFAULT_RETRIES = 2
T = TypeVar("T")


class GithubUnavailable(Exception):
    """GitHub gave no answer the gate can rely on: the gate exits 2 with this message."""


class WriteRefused(Exception):
    """A write was refused (403/404): a read-only token, as on a pull request from a fork."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PullRequestInfo:
    number: int
    author: str | None
    head_sha: str
    head_ref: str
    base_sha: str
    base_ref: str
    labels: tuple[str, ...]
    commits: int
    from_fork: bool


@dataclass(frozen=True, slots=True)
class IssueComment:
    id: int
    author: str | None
    body: str


def _retry(retries: int) -> Any:
    from urllib3.util.retry import Retry

    return Retry(
        total=retries,
        connect=retries,
        read=0,  # a read timeout is not retried: it would double the wait
        status=retries,
        other=0,
        allowed_methods=frozenset({"GET"}),  # writes are not idempotent
        status_forcelist=(500, 502, 503, 504),
        backoff_factor=0.25,
        backoff_max=2,
        respect_retry_after_header=False,  # never sleep for as long as a server asks
        raise_on_status=False,  # the last 5xx reaches PyGithub, which raises with its status
    )


class GithubClient:
    """One repository: its pull requests, as the gate reads and writes them, and its branch
    protection, rulesets and merge settings, as ``protect`` does."""

    def __init__(
        self,
        token: str,
        repo: str,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout: int = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        import github
        from github import Auth

        self.repo = repo
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._gh = github.Github(
            auth=Auth.Token(token),
            base_url=self.api_url,
            timeout=timeout,
            retry=_retry(retries),
            per_page=PER_PAGE,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
            user_agent=f"migration-checks/{__version__}",
        )
        self._repo = self._gh.get_repo(repo)
        self._pulls: dict[int, Any] = {}
        self._teams: dict[str, frozenset[str] | str] = {}

    def close(self) -> None:
        self._gh.close()

    # --- plumbing ------------------------------------------------------------------------------
    def _call(self, what: str, action: Callable[[], T]) -> T:
        """Run ``action``; a failure that no caller can work around becomes GithubUnavailable."""
        try:
            return action()
        except Exception as exc:
            failure = self._unavailable(what, exc)
            if failure is not None:
                raise failure from None
            raise

    def _unavailable(self, what: str, exc: Exception) -> GithubUnavailable | None:
        import requests

        from github import GithubException

        if isinstance(exc, requests.exceptions.Timeout) or _timed_out(exc):
            return GithubUnavailable(
                f"GitHub ({self.api_url}) did not answer within {self.timeout} s while {what}"
            )
        if isinstance(exc, requests.exceptions.RequestException):
            return GithubUnavailable(
                f"cannot reach GitHub at {self.api_url} while {what} ({type(exc).__name__})"
            )
        if not isinstance(exc, GithubException):
            return None
        status = exc.status
        headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
        message = _message(exc)
        if status == 429 or (
            status == 403
            and (headers.get("x-ratelimit-remaining") == "0" or "rate limit" in message.lower())
        ):
            return GithubUnavailable(
                f"GitHub API rate limit exceeded while {what} ({status}{_reset(headers)}); "
                "the gate did not wait: run it again once the limit resets"
            )
        if status == 401:
            return GithubUnavailable(
                f"GitHub refused the token (401 {message or 'Bad credentials'}) while {what}"
            )
        if status >= 500:
            return GithubUnavailable(
                f"GitHub answered {status} {message or 'server error'} while {what}, also after "
                "retrying; run the gate again later"
            )
        return None

    def _pull(self, number: int) -> Any:
        if number not in self._pulls:
            self._pulls[number] = self._repo.get_pull(number)
        return self._pulls[number]

    # --- reads -----------------------------------------------------------------------------------
    def pull_request(self, number: int) -> PullRequestInfo:
        from github import GithubException

        what = f"reading pull request #{number} of {self.repo}"
        pull = self._pull(number)

        def read() -> PullRequestInfo:
            head_repo = pull.head.repo
            return PullRequestInfo(
                number=number,
                author=pull.user.login if pull.user else None,
                head_sha=pull.head.sha,
                head_ref=pull.head.ref,
                base_sha=pull.base.sha,
                base_ref=pull.base.ref,
                labels=tuple(label.name for label in pull.labels),
                commits=int(pull.commits or 0),
                from_fork=head_repo is None or head_repo.full_name != pull.base.repo.full_name,
            )

        try:
            return self._call(what, read)
        except GithubException as exc:
            raise GithubUnavailable(
                f"{what}: GitHub answered {exc.status} {_message(exc)}; check --repo, --pr and "
                "that the token can read the repository"
            ) from None

    def reviews(self, number: int) -> list[Review]:
        from github import GithubException

        what = f"listing the reviews of pull request #{number}"
        pull = self._pull(number)

        def read() -> list[Review]:
            return [
                Review(r.user.login if r.user else "", str(r.state), r.commit_id)
                for r in pull.get_reviews()
            ]

        try:
            return self._call(what, read)
        except GithubException as exc:
            raise GithubUnavailable(
                f"{what}: GitHub answered {exc.status} {_message(exc)}"
            ) from None

    def commits(self, info: PullRequestInfo) -> list[Commit]:
        """Every commit of the pull request, oldest first."""
        from github import GithubException

        what = f"listing the commits of pull request #{info.number}"
        pull = self._pull(info.number)

        def read() -> list[Commit]:
            if info.commits <= PR_COMMITS_LISTED:
                listed = pull.get_commits()
            else:
                comparison = self._repo.compare(info.base_sha, info.head_sha)
                listed = comparison.get_commits(comparison_commits_per_page=PER_PAGE)
            return [Commit(c.sha, c.commit.message or "", len(c.parents)) for c in listed]

        try:
            found = self._call(what, read)
        except GithubException as exc:
            raise GithubUnavailable(
                f"{what}: GitHub answered {exc.status} {_message(exc)}"
            ) from None
        if len(found) < info.commits:
            raise GithubUnavailable(
                f"{what}: GitHub listed {len(found)} of {info.commits} commits; the gate does not "
                "judge a partial list"
            )
        return found

    def team_members(self, team: str) -> frozenset[str] | str:
        """The casefolded logins of ``org/team-slug``, or why they cannot be read. Read once."""
        if team not in self._teams:
            self._teams[team] = self._read_team(team)
        return self._teams[team]

    def _read_team(self, team: str) -> frozenset[str] | str:
        from github import GithubException

        org, _, slug = team.partition("/")
        if not org or not slug or "/" in slug:
            return "not a team name of the form org/team-slug"

        def read() -> frozenset[str]:
            members = self._gh.get_organization(org).get_team_by_slug(slug).get_members()
            return frozenset(member.login.casefold() for member in members)

        try:
            return self._call(f'reading the members of team "{team}"', read)
        except GithubException as exc:
            if exc.status in (403, 404):
                return (
                    f"GitHub answered {exc.status}: the team does not exist or the token cannot "
                    "read it (it needs organization Members: read; GITHUB_TOKEN has no such "
                    "permission)"
                )
            raise GithubUnavailable(
                f'reading the members of team "{team}": GitHub answered {exc.status} {_message(exc)}'
            ) from None

    def identity(self) -> str | None:
        """The token's login, or None when GitHub will not say (an app or Actions token)."""
        from github import GithubException

        def read() -> str:
            return str(self._gh.get_user().login)

        try:
            return self._call("reading the token's user", read)
        except GithubException:
            return None

    def issue_comments(self, number: int) -> list[IssueComment]:
        from github import GithubException

        what = f"listing the comments of pull request #{number}"
        pull = self._pull(number)

        def read() -> list[IssueComment]:
            return [
                IssueComment(c.id, c.user.login if c.user else None, c.body or "")
                for c in pull.get_issue_comments()
            ]

        try:
            return self._call(what, read)
        except GithubException as exc:
            raise GithubUnavailable(
                f"{what}: GitHub answered {exc.status} {_message(exc)}"
            ) from None

    # --- writes ----------------------------------------------------------------------------------
    def _write(
        self, what: str, verb: str, url: str, body: Any = None, *, absent_is_done: bool = False
    ) -> Any:
        """Send a write; ``absent_is_done``: a 404 means the thing to remove is already gone."""
        from github import GithubException

        def send() -> Any:
            return self._gh.requester.requestJsonAndCheck(verb, url, input=body)[1]

        try:
            return self._call(what, send)
        except GithubException as exc:
            if exc.status == 404 and absent_is_done:
                return None
            if exc.status in (403, 404):
                raise WriteRefused(
                    f"{what}: GitHub answered {exc.status} {_message(exc)}"
                ) from None
            raise GithubUnavailable(
                f"{what}: GitHub answered {exc.status} {_message(exc)}"
            ) from None

    def _issue(self, number: int) -> str:
        return f"/repos/{self.repo}/issues/{number}"

    def add_labels(self, number: int, names: list[str]) -> None:
        self._write(
            f"adding labels to pull request #{number}",
            "POST",
            f"{self._issue(number)}/labels",
            {"labels": names},
        )

    def remove_label(self, number: int, name: str) -> None:
        """Remove a label; one already gone (someone removed it since it was read) is done.

        A read-only token gets 403, and one that cannot see the repository has already failed
        to read the pull request, so a 404 here says only that the label is not on it.
        """
        self._write(
            f'removing label "{name}" from pull request #{number}',
            "DELETE",
            f"{self._issue(number)}/labels/{urllib.parse.quote(name, safe='')}",
            absent_is_done=True,
        )

    def create_comment(self, number: int, body: str) -> int:
        data = self._write(
            f"commenting on pull request #{number}",
            "POST",
            f"{self._issue(number)}/comments",
            {"body": body},
        )
        return int(data["id"]) if isinstance(data, dict) and "id" in data else 0

    def edit_comment(self, comment_id: int, body: str) -> None:
        self._write(
            f"updating comment {comment_id}",
            "PATCH",
            f"/repos/{self.repo}/issues/comments/{comment_id}",
            {"body": body},
        )

    # --- branch protection, rulesets, repository settings (protect) ----------------------------
    def repository_settings(self, names: Iterable[str]) -> dict[str, bool | None]:
        """The repository's settings ``names``, read afresh; None where GitHub leaves one out (it
        shows merge settings only to a token with admin rights)."""
        from github import GithubException

        what = f"reading the settings of {self.repo}"

        def read() -> dict[str, bool | None]:
            repo = self._gh.get_repo(self.repo)  # lazy: the first attribute reads it, once
            values = {name: getattr(repo, name) for name in names}
            return {k: v if isinstance(v, bool) else None for k, v in values.items()}

        try:
            return self._call(what, read)
        except GithubException as exc:
            raise GithubUnavailable(
                f"{what}: GitHub answered {exc.status} {_message(exc)}; check --repo and that "
                "the token can read the repository"
            ) from None

    def branch_protection(self, branch: str) -> dict[str, Any] | None:
        """The classic protection of ``branch`` as GitHub's JSON; None when it has none."""
        from github import GithubException

        try:
            found = self._call(
                f'reading branch "{branch}" of {self.repo}', lambda: self._repo.get_branch(branch)
            )
        except GithubException as exc:
            raise GithubUnavailable(
                f'branch "{branch}" of {self.repo}: GitHub answered {exc.status} {_message(exc)}; '
                "check --repo and --branch"
            ) from None
        what = f'reading the protection of branch "{branch}"'
        try:
            return dict(self._call(what, found.get_protection).raw_data)
        except GithubException as exc:
            if exc.status == 404 and _message(exc) == NOT_PROTECTED:
                return None
            raise GithubUnavailable(
                f"{what}: GitHub answered {exc.status} {_message(exc)}; reading branch "
                "protection needs admin rights on the repository (a fine-grained token: "
                "Administration read)"
            ) from None

    def branch_rulesets(self, branch: str) -> list[Ruleset]:
        """The rulesets GitHub applies to ``branch`` (it lists only active rules), each with its
        rules for the branch and its details (enforcement, bypass actors)."""
        from github import GithubException

        url = f"/repos/{self.repo}/rules/branches/{urllib.parse.quote(branch)}"
        what = f'listing the rules of branch "{branch}"'
        rules: list[dict[str, Any]] = []
        page = 1

        def read() -> Any:
            parameters = {"per_page": PER_PAGE, "page": page}
            return self._gh.requester.requestJsonAndCheck("GET", url, parameters=parameters)[1]

        while True:
            try:
                listed = self._call(what, read)
            except GithubException as exc:
                if exc.status == 404:  # a GitHub Enterprise Server without rulesets
                    return []
                raise GithubUnavailable(
                    f"{what}: GitHub answered {exc.status} {_message(exc)}"
                ) from None
            if not isinstance(listed, list):
                raise GithubUnavailable(f"{what}: GitHub's answer is not a list of rules")
            rules += [rule for rule in listed if isinstance(rule, dict)]
            if len(listed) < PER_PAGE:
                break
            page += 1
        by_id: dict[int, list[dict[str, Any]]] = {}
        for rule in rules:
            if isinstance(rule.get("ruleset_id"), int):
                by_id.setdefault(rule["ruleset_id"], []).append(rule)
        return [Ruleset(detail=self._ruleset(i), rules=tuple(found)) for i, found in by_id.items()]

    def _ruleset(self, ruleset_id: int) -> dict[str, Any]:
        """A ruleset's details; one the token cannot read is active (GitHub listed its rules)
        with unknown bypass actors."""
        from github import GithubException

        what = f"reading ruleset {ruleset_id} of {self.repo}"

        def read() -> Any:
            return self._gh.requester.requestJsonAndCheck(
                "GET", f"/repos/{self.repo}/rulesets/{ruleset_id}"
            )[1]

        try:
            detail = self._call(what, read)
        except GithubException as exc:
            if exc.status in (403, 404):
                return {"id": ruleset_id, "name": "?", "enforcement": "active"}
            raise GithubUnavailable(
                f"{what}: GitHub answered {exc.status} {_message(exc)}"
            ) from None
        if not isinstance(detail, dict):
            raise GithubUnavailable(f"{what}: GitHub's answer is not a ruleset")
        return detail

    def put_branch_protection(self, branch: str, update: dict[str, Any]) -> None:
        """Replace the classic protection of ``branch`` (``Branch.edit_protection``: a PUT)."""
        self._settings_write(
            f'writing the protection of branch "{branch}"',
            lambda: self._repo.get_branch(branch).edit_protection(**update),
        )

    def edit_repository(self, fields: dict[str, Any]) -> None:
        """PATCH the repository's settings ``fields`` (``Repository.edit``).

        ``edit`` always sends a name, and a lazy repository's name is taken from --repo as typed;
        GitHub matches it regardless of case, so sending it would rename the repository to that
        case. The name sent is the one GitHub reports (``raw_data`` reads the repository).
        """

        def write() -> None:
            repo = self._gh.get_repo(self.repo)
            repo.edit(name=str(repo.raw_data["name"]), **fields)

        self._settings_write(f"writing the settings of {self.repo}", write)

    def _settings_write(self, what: str, action: Callable[[], object]) -> None:
        from github import GithubException

        try:
            self._call(what, action)
        except GithubException as exc:
            detail = f"{what}: GitHub answered {exc.status} {_message(exc)}"
            if exc.status in (403, 404):
                raise WriteRefused(
                    f"{detail}; the token needs admin rights on the repository (a fine-grained "
                    "token: Administration write)"
                ) from None
            raise GithubUnavailable(detail) from None


def _timed_out(exc: Exception) -> bool:
    """A read timeout that urllib3's retry gave up on reaches us as a ConnectionError."""
    from urllib3.exceptions import (
        ConnectTimeoutError,
        MaxRetryError,
        NewConnectionError,
        ReadTimeoutError,
    )

    cause = exc.args[0] if exc.args else None
    reason = cause.reason if isinstance(cause, MaxRetryError) else None
    if isinstance(reason, NewConnectionError):  # refused: a ConnectTimeoutError by inheritance only
        return False
    return isinstance(reason, ReadTimeoutError | ConnectTimeoutError)


def _message(exc: github.GithubException) -> str:
    data = exc.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return ""


def _reset(headers: dict[str, str]) -> str:
    reset = headers.get("x-ratelimit-reset")
    if reset and reset.isdigit():
        when = datetime.fromtimestamp(int(reset), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f", resets at {when}"
    retry_after = headers.get("retry-after")
    if retry_after and retry_after.isdigit():
        return f", retry after {retry_after} s"
    return ""
