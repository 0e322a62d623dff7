"""A local stand-in for the GitHub REST API: the endpoints the gate uses, with real pagination.

It serves, under an optional prefix (``/api/v3`` as GitHub Enterprise does):

- ``GET /repos/{o}/{r}/pulls/{n}`` and its ``/reviews`` and ``/commits`` (the latter capped at
  250, as GitHub caps it), ``GET /repos/{o}/{r}/compare/{base}...{head}``;
- ``GET /orgs/{org}/teams/{slug}/members``, ``GET /user``;
- ``GET``/``POST /repos/{o}/{r}/issues/{n}/comments``, ``PATCH /repos/{o}/{r}/issues/comments/{id}``;
- ``POST /repos/{o}/{r}/issues/{n}/labels``, ``DELETE /repos/{o}/{r}/issues/{n}/labels/{name}``;
- for ``protect``: ``GET``/``PATCH /repos/{o}/{r}`` (the merge settings are shown only to an admin
  token, as GitHub does), ``GET /repos/{o}/{r}/branches/{b}``, ``GET``/``PUT
  /repos/{o}/{r}/branches/{b}/protection`` (404 "Branch not protected"; a PUT must carry the four
  required fields and is stored in GitHub's GET shape), ``GET /repos/{o}/{r}/rulesets``, ``GET
  /repos/{o}/{r}/rulesets/{id}`` and ``GET /repos/{o}/{r}/rules/branches/{b}`` (only rules of
  active rulesets whose conditions match the branch, as GitHub lists them).

Lists honour ``per_page`` (at most 100; 30 by default) and ``page`` and send ``Link`` headers with
absolute URLs. Every request is recorded, so tests can count them. Modes imitate a fork's
read-only token (403 on writes), a rate limit (403 or 429 with ``X-RateLimit-Remaining: 0``), a
failing server (500) and a slow one.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "ghs_fake-token-0123456789abcdef"


def commit_sha(number: int) -> str:
    """The SHA of the fake's commit ``number`` (1-based): its first 12 characters differ."""
    return f"c{number:011x}" + "0" * 28


PR_COMMITS_CAP = 250


@dataclass
class FakePull:
    number: int
    author: str
    head_sha: str
    head_ref: str
    base_sha: str = "b" * 40
    base_ref: str = "main"
    head_repo: str | None = None  # None: the same repository
    labels: list[str] = field(default_factory=list)
    # Listed when the pull request is read, but removed by someone else before the gate removes
    # them: GitHub then answers 404 to the DELETE.
    vanishing_labels: list[str] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)

    def review(self, login: str, state: str = "APPROVED", commit_id: str | None = None) -> None:
        self.reviews.append(
            {
                "id": len(self.reviews) + 1,
                "user": {"login": login, "type": "User"},
                "state": state,
                "commit_id": commit_id or self.head_sha,
                "submitted_at": "2026-11-05T10:00:00Z",
                "body": "",
            }
        )

    def commit(self, message: str, *, parents: int = 1) -> None:
        sha = commit_sha(len(self.commits) + 1)
        self.commits.append(
            {
                "sha": sha,
                "commit": {"message": message},
                "parents": [{"sha": f"{i:040d}"} for i in range(parents)],
            }
        )


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the prefix
    query: dict[str, str]
    body: Any


class FakeGithub:
    def __init__(self, *, prefix: str = "", repo: str = "shop/migrations") -> None:
        self.prefix = prefix
        self.repo = repo
        self.pulls: dict[int, FakePull] = {}
        self.teams: dict[str, list[str]] = {}
        self.user: str | None = "gate-bot"  # None: GET /user is refused, as for an app token
        self.read_only = False
        self.mode: str | None = None  # "rate_limit" | "rate_limit_429" | "error_500" | "slow"
        self.slow_seconds = 5.0
        self.requests: list[Request] = []
        # protect: a new repository's settings, its branches, classic protection (in GitHub's GET
        # shape, by branch) and rulesets (GitHub's GET /rulesets/{id} shape).
        self.settings: dict[str, bool] = {
            "allow_squash_merge": True,
            "allow_merge_commit": True,
            "allow_rebase_merge": True,
            "delete_branch_on_merge": False,
        }
        self.default_branch = "main"
        self.branches: set[str] = {"main"}
        self.protections: dict[str, dict[str, Any]] = {}
        self.rulesets: list[dict[str, Any]] = []
        self.admin = True  # False: a token without admin rights (settings hidden, writes refused)
        # The repository's name as GitHub reports it (GitHub matches a name in a URL whatever
        # its case); None: as in ``repo``.
        self.repo_name: str | None = None
        self._lock = threading.Lock()
        self._next_comment = 1000
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815 (http.server's names)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}{self.prefix}"

    # --- data --------------------------------------------------------------------------------
    def pull(self, number: int, **kwargs: Any) -> FakePull:
        self.pulls[number] = FakePull(number=number, **kwargs)
        return self.pulls[number]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.path == path)
        )

    def calls(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    # --- dispatch ----------------------------------------------------------------------------
    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        path = parsed.path
        query = dict(urllib.parse.parse_qsl(parsed.query))
        if not path.startswith(self.prefix):
            return self._send(handler, 404, {"message": "Not Found"})
        path = path[len(self.prefix) :]
        with self._lock:
            self.requests.append(Request(handler.command, path, query, body))
        auth = handler.headers.get("Authorization", "")
        if auth not in (f"token {TOKEN}", f"Bearer {TOKEN}"):
            return self._send(handler, 401, {"message": "Bad credentials"})
        if self.mode == "slow":
            time.sleep(self.slow_seconds)
        if self.mode == "rate_limit":
            reset = str(int(time.time()) + 3600)
            return self._send(
                handler,
                403,
                {"message": "API rate limit exceeded for installation ID 1."},
                {
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Limit": "5000",
                    "X-RateLimit-Reset": reset,
                },
            )
        if self.mode == "rate_limit_429":
            return self._send(
                handler,
                429,
                {"message": "You have exceeded a secondary rate limit."},
                {"X-RateLimit-Remaining": "0", "Retry-After": "3600"},
            )
        if self.mode == "error_500":
            return self._send(handler, 500, {"message": "Server Error"})
        try:
            status, data, headers = self._route(handler.command, path, query, body)
        except KeyError:
            status, data, headers = 404, {"message": "Not Found"}, {}
        self._send(handler, status, data, headers)
        return None

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        data: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = b"" if status == 204 else json.dumps(data).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(payload)  # unless the client gave up (a timeout test)

    def _page(
        self,
        path: str,
        query: dict[str, str],
        items: list[Any],
        *,
        default: int = 30,
        most: int = 100,
    ) -> tuple[list[Any], dict[str, str]]:
        per_page = min(int(query.get("per_page", default)), most)
        page = max(int(query.get("page", 1)), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]

        def url(number: int) -> str:
            params = {**query, "page": str(number), "per_page": str(per_page)}
            return f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"

        links = []
        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url(1)}>; rel="first"', f'<{url(page - 1)}>; rel="prev"']
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def _pull_json(self, pull: FakePull) -> dict[str, Any]:
        repo_url = f"{self.base_url}/repos/{self.repo}"
        return {
            "url": f"{repo_url}/pulls/{pull.number}",
            "issue_url": f"{repo_url}/issues/{pull.number}",
            "number": pull.number,
            "state": "open",
            "user": {"login": pull.author, "type": "User"},
            "head": {
                "sha": pull.head_sha,
                "ref": pull.head_ref,
                "repo": {"full_name": pull.head_repo or self.repo},
            },
            "base": {"sha": pull.base_sha, "ref": pull.base_ref, "repo": {"full_name": self.repo}},
            "labels": [{"name": name} for name in [*pull.labels, *pull.vanishing_labels]],
            "commits": len(pull.commits),
        }

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        parts = path.strip("/").split("/")
        repo_parts = self.repo.split("/")
        if method == "GET" and parts == ["user"]:
            if self.user is None:
                return 403, {"message": "Resource not accessible by integration"}, {}
            return 200, {"login": self.user, "type": "Bot"}, {}
        if parts[0] == "orgs" and len(parts) == 5:
            team = f"{parts[1]}/{parts[3]}"
            if parts[2] != "teams" or parts[4] != "members" or team not in self.teams:
                return 404, {"message": "Not Found"}, {}
            members = [
                {"login": m, "id": i, "type": "User"} for i, m in enumerate(self.teams[team])
            ]
            chunk, headers = self._page(path, query, members)
            return 200, chunk, headers
        if parts[:1] != ["repos"] or parts[1:3] != repo_parts:
            return 404, {"message": "Not Found"}, {}
        rest = parts[3:]
        settings = self._settings_route(method, rest, query, body)
        if settings is not None:
            return settings
        if rest[0] == "pulls":
            pull = self.pulls[int(rest[1])]
            if len(rest) == 2 and method == "GET":
                return 200, self._pull_json(pull), {}
            if rest[2:] == ["reviews"] and method == "GET":
                chunk, headers = self._page(path, query, pull.reviews)
                return 200, chunk, headers
            if rest[2:] == ["commits"] and method == "GET":
                chunk, headers = self._page(path, query, pull.commits[:PR_COMMITS_CAP])
                return 200, chunk, headers
        if rest[0] == "compare" and method == "GET":
            base, _, head = urllib.parse.unquote(rest[1]).partition("...")
            pull = next(p for p in self.pulls.values() if p.base_sha == base and p.head_sha == head)
            chunk, headers = self._page(path, query, pull.commits, default=250, most=1000)
            return (
                200,
                {
                    "url": f"{self.base_url}{path}",
                    "total_commits": len(pull.commits),
                    "commits": chunk,
                    "files": [],
                },
                headers,
            )
        if rest[0] == "issues":
            if method != "GET" and self.read_only:
                return 403, {"message": "Resource not accessible by integration"}, {}
            if rest[1] == "comments" and method == "PATCH":
                comment = next(
                    c for p in self.pulls.values() for c in p.comments if c["id"] == int(rest[2])
                )
                comment["body"] = body["body"]
                return 200, comment, {}
            pull = self.pulls[int(rest[1])]
            if rest[2:] == ["comments"] and method == "GET":
                chunk, headers = self._page(path, query, pull.comments)
                return 200, chunk, headers
            if rest[2:] == ["comments"] and method == "POST":
                return (
                    201,
                    self.add_comment(pull, self.user or "github-actions[bot]", body["body"]),
                    {},
                )
            if rest[2:] == ["labels"] and method == "POST":
                for name in body["labels"]:
                    if name.casefold() not in {n.casefold() for n in pull.labels}:
                        pull.labels.append(name)
                return 200, [{"name": n} for n in pull.labels], {}
            if rest[2] == "labels" and len(rest) == 4 and method == "DELETE":
                name = urllib.parse.unquote(rest[3])
                if name not in pull.labels:
                    return 404, {"message": "Label does not exist"}, {}
                pull.labels.remove(name)
                return 200, [{"name": n} for n in pull.labels], {}
        return 404, {"message": "Not Found"}, {}

    # --- protect: repository settings, branch protection, rulesets ------------------------------
    def protect(self, branch: str, body: dict[str, Any]) -> None:
        """Protect ``branch`` as ``PUT .../protection`` with ``body`` would."""
        self.branches.add(branch)
        self.protections[branch] = self._protection_json(branch, body)

    def add_ruleset(
        self,
        name: str,
        rules: list[dict[str, Any]],
        *,
        enforcement: str = "active",
        bypass_actors: list[dict[str, Any]] | None = None,
        include: tuple[str, ...] = ("~DEFAULT_BRANCH",),
        exclude: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        ruleset_id = 40 + len(self.rulesets)
        ruleset = {
            "id": ruleset_id,
            "name": name,
            "target": "branch",
            "source_type": "Repository",
            "source": self.repo,
            "enforcement": enforcement,
            "bypass_actors": bypass_actors or [],
            "current_user_can_bypass": "never",
            "node_id": f"RRS_{ruleset_id}",
            "_links": {
                "self": {"href": f"{self.base_url}/repos/{self.repo}/rulesets/{ruleset_id}"}
            },
            "conditions": {"ref_name": {"include": list(include), "exclude": list(exclude)}},
            "rules": rules,
            "created_at": "2026-11-01T10:00:00Z",
            "updated_at": "2026-11-01T10:00:00Z",
        }
        self.rulesets.append(ruleset)
        return ruleset

    def _repo_json(self) -> dict[str, Any]:
        owner, name = self.repo.split("/")
        name = self.repo_name or name
        data: dict[str, Any] = {
            "id": 1296269,
            "node_id": "R_1",
            "name": name,
            "full_name": f"{owner}/{name}",
            "owner": {"login": owner, "type": "Organization"},
            "private": True,
            "url": f"{self.base_url}/repos/{self.repo}",
            "default_branch": self.default_branch,
        }
        if self.admin:  # GitHub shows the merge settings only to admins
            data.update(self.settings)
        return data

    def _protection_json(self, branch: str, body: dict[str, Any]) -> dict[str, Any]:
        """GitHub's GET shape of the protection a PUT ``body`` sets."""
        url = f"{self.base_url}/repos/{self.repo}/branches/{branch}/protection"

        def people(group: dict[str, Any] | None) -> dict[str, Any]:
            group = group or {}
            return {
                "users": [{"login": u, "type": "User"} for u in group.get("users", [])],
                "teams": [{"slug": t, "name": t} for t in group.get("teams", [])],
                "apps": [{"slug": a, "name": a} for a in group.get("apps", [])],
            }

        data: dict[str, Any] = {"url": url}
        checks = body.get("required_status_checks")
        if checks is not None:
            listed = checks.get("checks")
            if listed is None:
                listed = [{"context": c, "app_id": None} for c in checks.get("contexts", [])]
            listed = [{"context": c["context"], "app_id": c.get("app_id")} for c in listed]
            data["required_status_checks"] = {
                "url": f"{url}/required_status_checks",
                "strict": bool(checks.get("strict")),
                "contexts": [c["context"] for c in listed],
                "contexts_url": f"{url}/required_status_checks/contexts",
                "checks": listed,
            }
        data["required_signatures"] = {"url": f"{url}/required_signatures", "enabled": False}
        data["enforce_admins"] = {
            "url": f"{url}/enforce_admins",
            "enabled": bool(body["enforce_admins"]),
        }
        reviews = body.get("required_pull_request_reviews")
        if reviews is not None:
            shown: dict[str, Any] = {
                "url": f"{url}/required_pull_request_reviews",
                "dismiss_stale_reviews": bool(reviews.get("dismiss_stale_reviews")),
                "require_code_owner_reviews": bool(reviews.get("require_code_owner_reviews")),
                "required_approving_review_count": reviews.get(
                    "required_approving_review_count", 1
                ),
                "require_last_push_approval": bool(reviews.get("require_last_push_approval")),
            }
            if reviews.get("dismissal_restrictions"):
                shown["dismissal_restrictions"] = people(reviews["dismissal_restrictions"])
            allowances = people(reviews.get("bypass_pull_request_allowances"))
            if any(allowances.values()):
                shown["bypass_pull_request_allowances"] = allowances
            data["required_pull_request_reviews"] = shown
        if body.get("restrictions") is not None:
            data["restrictions"] = {
                "url": f"{url}/restrictions",
                "users_url": f"{url}/restrictions/users",
                "teams_url": f"{url}/restrictions/teams",
                "apps_url": f"{url}/restrictions/apps",
                **people(body["restrictions"]),
            }
        for toggle in (
            "required_linear_history",
            "allow_force_pushes",
            "allow_deletions",
            "block_creations",
            "required_conversation_resolution",
            "lock_branch",
            "allow_fork_syncing",
        ):
            data[toggle] = {"enabled": bool(body.get(toggle))}
        return data

    def _targets(self, ruleset: dict[str, Any], branch: str) -> bool:
        ref = f"refs/heads/{branch}"

        def matches(pattern: str) -> bool:
            if pattern == "~ALL":
                return True
            if pattern == "~DEFAULT_BRANCH":
                return branch == self.default_branch
            return fnmatch.fnmatchcase(ref, pattern)

        names = ruleset["conditions"]["ref_name"]
        return (
            ruleset["target"] == "branch"
            and any(matches(p) for p in names["include"])
            and not any(matches(p) for p in names["exclude"])
        )

    def _settings_route(
        self, method: str, rest: list[str], query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]] | None:
        """The routes ``protect`` uses; None for every other path."""
        refused = 403, {"message": "Resource not accessible by integration"}, {}
        if not rest:
            if method == "GET":
                return 200, self._repo_json(), {}
            if method == "PATCH":
                if not self.admin or self.read_only:
                    return refused
                self.settings.update({k: v for k, v in body.items() if k in self.settings})
                return 200, self._repo_json(), {}
            return None
        if rest[0] == "branches" and len(rest) >= 2:
            protection = rest[-1] == "protection" and len(rest) >= 3
            branch = urllib.parse.unquote("/".join(rest[1:-1] if protection else rest[1:]))
            if branch not in self.branches:
                return 404, {"message": "Branch not found"}, {}
            url = f"{self.base_url}/repos/{self.repo}/branches/{branch}"
            if not protection and method == "GET":
                return (
                    200,
                    {
                        "name": branch,
                        "commit": {
                            "sha": "a" * 40,
                            "url": f"{self.base_url}/repos/{self.repo}/commits/{'a' * 40}",
                        },
                        "protected": branch in self.protections,
                        "protection_url": f"{url}/protection",
                        "_links": {"self": url, "html": url},
                    },
                    {},
                )
            if protection and method == "GET":
                if not self.admin:
                    return 404, {"message": "Not Found"}, {}
                if branch not in self.protections:
                    return 404, {"message": "Branch not protected"}, {}
                return 200, self.protections[branch], {}
            if protection and method == "PUT":
                if not self.admin or self.read_only:
                    return refused
                for required in (
                    "required_status_checks",
                    "enforce_admins",
                    "required_pull_request_reviews",
                    "restrictions",
                ):
                    if required not in body:
                        return (
                            422,
                            {"message": f'Invalid request.\n\n"{required}" wasn\'t supplied.'},
                            {},
                        )
                self.protections[branch] = self._protection_json(branch, body)
                return 200, self.protections[branch], {}
            return None
        if rest[0] == "rulesets" and method == "GET":
            if len(rest) == 1:
                summary = (
                    "id",
                    "name",
                    "target",
                    "source_type",
                    "source",
                    "enforcement",
                    "node_id",
                    "_links",
                    "created_at",
                    "updated_at",
                )
                items = [{k: r[k] for k in summary} for r in self.rulesets]
                chunk, headers = self._page(f"/repos/{self.repo}/rulesets", query, items)
                return 200, chunk, headers
            found = [r for r in self.rulesets if str(r["id"]) == rest[1]]
            if not found:
                return 404, {"message": "Not Found"}, {}
            return 200, found[0], {}
        if rest[:2] == ["rules", "branches"] and len(rest) >= 3 and method == "GET":
            branch = urllib.parse.unquote("/".join(rest[2:]))
            rules = [
                {
                    **rule,
                    "ruleset_source_type": ruleset["source_type"],
                    "ruleset_source": ruleset["source"],
                    "ruleset_id": ruleset["id"],
                }
                for ruleset in self.rulesets
                if ruleset["enforcement"] == "active" and self._targets(ruleset, branch)
                for rule in ruleset["rules"]
            ]
            chunk, headers = self._page(f"/repos/{self.repo}/rules/branches/{branch}", query, rules)
            return 200, chunk, headers
        return None

    def add_comment(self, pull: FakePull, author: str, body: str) -> dict[str, Any]:
        self._next_comment += 1
        comment = {
            "id": self._next_comment,
            "url": f"{self.base_url}/repos/{self.repo}/issues/comments/{self._next_comment}",
            "user": {"login": author, "type": "Bot"},
            "body": body,
        }
        pull.comments.append(comment)
        return comment
