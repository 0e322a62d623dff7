"""No-bypass (seed 6.8): the settings a migrations repository's branch needs, and how GitHub's
branch protection, rulesets and repository settings compare with them.

Pure: nothing here talks to GitHub. ``github/api.py`` reads the classic branch protection
(``GET .../branches/{b}/protection``, GitHub's JSON), the rules that active rulesets apply to the
branch (``GET .../rules/branches/{b}``, with each ruleset from ``GET .../rulesets/{id}``) and the
repository's merge settings; ``audit`` compares them with seed 6.8; ``protection_update`` and
``repository_update`` say what ``--apply`` writes.

Rules add up, as GitHub applies them: a setting is satisfied when classic protection or any
active ruleset targeting the branch satisfies it (the strictest wins). "Admins included" holds
when every satisfied setting is satisfied by at least one source nobody can bypass: classic
protection that enforces admins and lets nobody bypass pull requests, or a ruleset without
bypass actors. A ruleset whose enforcement is not ``active`` (``evaluate``, ``disabled``) counts
for nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from migration_checks.github.checks import required_check_names

# Seed 6.8 ``branch_protection.required_reviews: 2``: more is fine, fewer is drift.
REQUIRED_APPROVING_REVIEWS = 2

# Seed 6.8 "squash merge only" and ``delete_branch_on_merge: true``: PATCH /repos/{o}/{r} fields.
REPOSITORY_SETTINGS: dict[str, bool] = {
    "allow_squash_merge": True,
    "allow_merge_commit": False,
    "allow_rebase_merge": False,
    "delete_branch_on_merge": True,
}
_REPOSITORY_LABELS = {
    "allow_squash_merge": "squash merging allowed",
    "allow_merge_commit": "merge commits allowed",
    "allow_rebase_merge": "rebase merging allowed",
    "delete_branch_on_merge": "head branch deleted on merge",
}

CLASSIC = "branch protection"
REPOSITORY = "repository"

# Classic settings this module does not govern, carried over unchanged by --apply (a PUT
# replaces the whole protection: a field left out would be switched off).
_CARRIED_TOGGLES = (
    "required_linear_history",
    "required_conversation_resolution",
    "lock_branch",
    "allow_fork_syncing",
    "block_creations",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Classic protection or one active ruleset, reduced to the settings this audit reads."""

    name: str
    bypass: str | None  # who can bypass its rules; None when nobody can, admins included
    review_count: int | None = None  # None: no pull request required
    code_owner_reviews: bool = False
    dismiss_stale_reviews: bool = False
    status_checks: frozenset[str] = frozenset()
    strict: bool = False
    blocks_force_pushes: bool = False
    blocks_deletions: bool = False
    merge_queue_grouping: str | None = None  # a ruleset's merge_queue rule: ALLGREEN, HEADGREEN


@dataclass(frozen=True, slots=True, kw_only=True)
class Ruleset:
    """A ruleset as ``GET /rulesets/{id}`` returns it, with the rules that apply to the branch."""

    detail: Mapping[str, Any]
    rules: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """What GitHub reported for one branch and its repository."""

    classic: Mapping[str, Any] | None  # None: the branch has no classic protection
    rulesets: tuple[Ruleset, ...] = ()
    repository: Mapping[str, bool | None]  # None: GitHub left it out (the token is not admin)


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One setting: expected, actual, and the sources the actual value comes from."""

    setting: str
    label: str
    expected: bool | int
    actual: bool | int | None  # None: unknown (repository settings) or no pull request required
    ok: bool
    sources: tuple[str, ...]
    check: str | None = None  # the status check's name, for required_status_check rows
    unknown: bool = False  # GitHub did not report it


@dataclass(frozen=True, slots=True, kw_only=True)
class Applied:
    """What --apply wrote: the settings that drifted, the PUT (if any) and the PATCH body."""

    fixed: tuple[str, ...]
    branch_protection: bool
    repository: Mapping[str, bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    repo: str
    branch: str
    caller_job: str
    rows: tuple[Row, ...]
    applied: Applied | None = None

    @property
    def drift(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if not row.ok)

    @property
    def unknown(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.unknown)


# --- sources -------------------------------------------------------------------------------------


def _enabled(raw: Mapping[str, Any], key: str) -> bool | None:
    value = raw.get(key)
    enabled = value.get("enabled") if isinstance(value, Mapping) else None
    return enabled if isinstance(enabled, bool) else None


def _names(group: Any, key: str) -> list[str]:
    """Logins or slugs of ``[{"login": ...}]``-style lists in GitHub's answers."""
    if not isinstance(group, Sequence):
        return []
    return [str(item[key]) for item in group if isinstance(item, Mapping) and key in item]


def _actors(allowances: Any) -> list[str]:
    if not isinstance(allowances, Mapping):
        return []
    return [
        *(f"user {n}" for n in _names(allowances.get("users"), "login")),
        *(f"team {n}" for n in _names(allowances.get("teams"), "slug")),
        *(f"app {n}" for n in _names(allowances.get("apps"), "slug")),
    ]


def _contexts(checks: Mapping[str, Any]) -> frozenset[str]:
    listed = checks.get("contexts")
    contexts = {str(c) for c in listed} if isinstance(listed, list) else set()
    return frozenset(contexts | set(_names(checks.get("checks"), "context")))


def classic_source(raw: Mapping[str, Any]) -> Source:
    """Classic branch protection, as ``GET /repos/{o}/{r}/branches/{b}/protection`` returns it."""
    reviews = raw.get("required_pull_request_reviews")
    reviews = reviews if isinstance(reviews, Mapping) else None
    checks = raw.get("required_status_checks")
    checks = checks if isinstance(checks, Mapping) else {}
    why = []
    if not _enabled(raw, "enforce_admins"):
        why.append("admins not included")
    bypassers = _actors(reviews.get("bypass_pull_request_allowances")) if reviews else []
    if bypassers:
        why.append("pull requests bypassed by " + ", ".join(bypassers))
    count = reviews.get("required_approving_review_count") if reviews is not None else None
    return Source(
        name=CLASSIC,
        bypass="; ".join(why) or None,
        review_count=None if reviews is None else count if isinstance(count, int) else 0,
        code_owner_reviews=bool(reviews and reviews.get("require_code_owner_reviews") is True),
        dismiss_stale_reviews=bool(reviews and reviews.get("dismiss_stale_reviews") is True),
        status_checks=_contexts(checks),
        strict=checks.get("strict") is True,
        # A protected branch refuses force pushes and deletion unless these are enabled.
        blocks_force_pushes=_enabled(raw, "allow_force_pushes") is not True,
        blocks_deletions=_enabled(raw, "allow_deletions") is not True,
    )


def ruleset_name(detail: Mapping[str, Any]) -> str:
    return f'ruleset "{detail.get("name", "?")}" (id {detail.get("id", "?")})'


def ruleset_source(ruleset: Ruleset) -> Source | None:
    """An active ruleset's rules for the branch; None when it is not enforced."""
    detail = ruleset.detail
    if detail.get("enforcement") != "active":
        return None
    actors = detail.get("bypass_actors")
    if actors is None:
        bypass: str | None = "bypass actors unknown (the token cannot read them)"
    elif actors:
        kinds = sorted({str(a.get("actor_type", "?")) for a in actors if isinstance(a, Mapping)})
        bypass = f"{len(actors)} bypass actor(s): {', '.join(kinds)}"
    else:
        bypass = None
    count: int | None = None
    owners = stale = strict = force = delete = False
    grouping: str | None = None
    contexts: set[str] = set()
    for rule in ruleset.rules:
        kind = rule.get("type")
        params = rule.get("parameters")
        params = params if isinstance(params, Mapping) else {}
        if kind == "pull_request":
            value = params.get("required_approving_review_count")
            count = max(count or 0, value if isinstance(value, int) else 0)
            owners = owners or params.get("require_code_owner_review") is True
            stale = stale or params.get("dismiss_stale_reviews_on_push") is True
        elif kind == "required_status_checks":
            contexts |= set(_names(params.get("required_status_checks"), "context"))
            strict = strict or params.get("strict_required_status_checks_policy") is True
        elif kind == "non_fast_forward":
            force = True
        elif kind == "deletion":
            delete = True
        elif kind == "merge_queue":
            grouping = str(params.get("grouping_strategy") or "ALLGREEN")
    return Source(
        name=ruleset_name(detail),
        bypass=bypass,
        review_count=count,
        code_owner_reviews=owners,
        dismiss_stale_reviews=stale,
        status_checks=frozenset(contexts),
        strict=strict,
        blocks_force_pushes=force,
        blocks_deletions=delete,
        merge_queue_grouping=grouping,
    )


def sources(observed: Observed) -> list[Source]:
    found = [classic_source(observed.classic)] if observed.classic is not None else []
    for ruleset in observed.rulesets:
        source = ruleset_source(ruleset)
        if source is not None:
            found.append(source)
    return found


# --- the audit -----------------------------------------------------------------------------------


def audit(observed: Observed, caller_job: str) -> tuple[Row, ...]:
    """Every seed 6.8 setting, expected against what ``observed`` says."""
    found = sources(observed)
    branch: list[tuple[Row, list[Source]]] = []

    def add(
        setting: str,
        label: str,
        satisfies: Callable[[Source], bool],
        *,
        expected: bool | int = True,
        check: str | None = None,
    ) -> None:
        satisfied = [s for s in found if satisfies(s)]
        # Where the value comes from: the sources that satisfy it, those that bind admins first;
        # for a drift, every source looked at.
        named = sorted(satisfied, key=lambda s: s.bypass is not None) if satisfied else found
        if isinstance(expected, bool):  # present (True) or absent (False), as GitHub names it
            actual: bool | int | None = bool(satisfied) if expected else not satisfied
        else:  # the review count: the highest any source asks for
            counts = [s.review_count for s in found if s.review_count is not None]
            actual = max(counts) if counts else None
        row = Row(
            setting=setting,
            label=label,
            expected=expected,
            actual=actual,
            ok=bool(satisfied),
            sources=tuple(s.name for s in named),
            check=check,
        )
        branch.append((row, satisfied))

    add(
        "required_approving_review_count",
        "required approving reviews",
        lambda s: (s.review_count or 0) >= REQUIRED_APPROVING_REVIEWS,
        expected=REQUIRED_APPROVING_REVIEWS,
    )
    add("require_code_owner_reviews", "code owner review required", lambda s: s.code_owner_reviews)
    add(
        "dismiss_stale_reviews",
        "stale approvals dismissed on push",
        lambda s: s.dismiss_stale_reviews,
    )
    for name in required_check_names(caller_job):
        add(
            "required_status_check",
            f'status check "{name}" required',
            _requires(name),
            check=name,
        )
    add(
        "strict_required_status_checks",
        "branch up to date before merging",
        lambda s: s.strict and bool(s.status_checks),
    )
    add(
        "allow_force_pushes",
        "force pushes allowed",
        lambda s: s.blocks_force_pushes,
        expected=False,
    )
    add("allow_deletions", "branch deletion allowed", lambda s: s.blocks_deletions, expected=False)
    rows = [row for row, _ in branch]
    # Admins after the status checks, before force pushes and deletion.
    return (
        *rows[:-2],
        _admins_row(found, branch),
        *rows[-2:],
        _merge_queue_row(found),
        *_repository_rows(observed.repository),
    )


MERGE_QUEUE = "merge_queue_grouping"


def _merge_queue_row(found: list[Source]) -> Row:
    """A merge queue, where there is one, merges a group only when every entry passed
    (``ALLGREEN``): with ``HEADGREEN`` an entry whose gate failed in the queue is merged when an
    entry behind it passes, since each entry's gate judges its own pull request."""
    queues = [s for s in found if s.merge_queue_grouping is not None]
    loose = [s for s in queues if s.merge_queue_grouping != "ALLGREEN"]
    return Row(
        setting=MERGE_QUEUE,
        label="merge queue merges only entries that passed (no queue: nothing to check)",
        expected=True,
        actual=not loose,
        ok=not loose,
        sources=tuple(s.name for s in (loose or queues)),
    )


def _requires(check: str) -> Callable[[Source], bool]:
    return lambda source: check in source.status_checks


def _admins_row(found: list[Source], branch: list[tuple[Row, list[Source]]]) -> Row:
    """Admins included: no satisfied setting relies only on sources someone can bypass."""
    relied = [satisfied for row, satisfied in branch if row.ok]
    bypassable: dict[str, str] = {}
    binding: dict[str, None] = {}
    for satisfied in relied or [found]:
        bound = [s for s in satisfied if s.bypass is None]
        binding.update(dict.fromkeys(s.name for s in bound))
        if not bound:
            bypassable.update({s.name: f"{s.name} ({s.bypass})" for s in satisfied})
    ok = bool(found) and not bypassable
    return Row(
        setting="enforce_admins",
        label="admins included, nobody bypasses",
        expected=True,
        actual=ok,
        ok=ok,
        sources=tuple(binding) if ok else tuple(bypassable.values()),
    )


def _repository_rows(settings: Mapping[str, bool | None]) -> list[Row]:
    rows = []
    for setting, expected in REPOSITORY_SETTINGS.items():
        actual = settings.get(setting)
        rows.append(
            Row(
                setting=setting,
                label=_REPOSITORY_LABELS[setting],
                expected=expected,
                actual=actual,
                ok=actual is expected,
                sources=(REPOSITORY,),
                unknown=actual is None,
            )
        )
    return rows


# --- what --apply writes -------------------------------------------------------------------------


def protection_update(rows: Iterable[Row], classic: Mapping[str, Any] | None) -> dict[str, Any]:
    """Keyword arguments for PyGithub's ``Branch.edit_protection`` (PUT .../protection), or {}
    when every branch setting is satisfied.

    The PUT replaces the whole classic protection, so what this module does not govern (push
    restrictions, review dismissal restrictions, linear history, ..., required checks other than
    ours with their apps) is carried over from ``classic``. Pull-request bypass allowances are
    removed: they are the bypass seed 6.8 forbids.
    """
    rows = list(rows)
    # The merge queue lives in a ruleset only; --apply writes classic protection.
    branch_rows = [row for row in rows if row.setting not in (*REPOSITORY_SETTINGS, MERGE_QUEUE)]
    if all(row.ok for row in branch_rows):
        return {}
    raw = classic or {}
    status = raw.get("required_status_checks")
    status = status if isinstance(status, Mapping) else {}
    checks: list[str | tuple[str, int]] = []
    listed = status.get("checks")
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("context"), str):
            app_id = item.get("app_id")
            checks.append((item["context"], app_id) if isinstance(app_id, int) else item["context"])
    present = {c if isinstance(c, str) else c[0] for c in checks}
    for name in sorted(_contexts(status) - present):  # listed only in the older "contexts"
        checks.append(name)
        present.add(name)
    checks += [row.check for row in branch_rows if row.check and row.check not in present]

    reviews = raw.get("required_pull_request_reviews")
    reviews = reviews if isinstance(reviews, Mapping) else {}
    count = reviews.get("required_approving_review_count")
    update: dict[str, Any] = {
        "strict": True,
        "checks": checks,
        "enforce_admins": True,
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": True,
        "required_approving_review_count": max(
            count if isinstance(count, int) else 0, REQUIRED_APPROVING_REVIEWS
        ),
        "allow_force_pushes": False,
        "allow_deletions": False,
    }
    if isinstance(reviews.get("require_last_push_approval"), bool):
        update["require_last_push_approval"] = reviews["require_last_push_approval"]
    dismissal = reviews.get("dismissal_restrictions")
    if _actors(dismissal):
        assert isinstance(dismissal, Mapping)
        update["dismissal_users"] = _names(dismissal.get("users"), "login")
        update["dismissal_teams"] = _names(dismissal.get("teams"), "slug")
        update["dismissal_apps"] = _names(dismissal.get("apps"), "slug")
    if _actors(reviews.get("bypass_pull_request_allowances")):
        for kind in ("users", "teams", "apps"):
            update[f"{kind}_bypass_pull_request_allowances"] = []
    restrictions = raw.get("restrictions")
    if isinstance(restrictions, Mapping):
        update["user_push_restrictions"] = _names(restrictions.get("users"), "login")
        update["team_push_restrictions"] = _names(restrictions.get("teams"), "slug")
        update["app_push_restrictions"] = _names(restrictions.get("apps"), "slug")
    for key in _CARRIED_TOGGLES:
        enabled = _enabled(raw, key)
        if enabled is not None:
            update[key] = enabled
    return update


def repository_update(rows: Iterable[Row]) -> dict[str, bool]:
    """The PATCH /repos/{o}/{r} fields that drift, with the values seed 6.8 wants."""
    return {
        row.setting: REPOSITORY_SETTINGS[row.setting]
        for row in rows
        if row.setting in REPOSITORY_SETTINGS and not row.ok
    }
