"""Which approval records count, and which required roles they fill (SPEC section 6, seed 6.4).

A record counts for ``{state}_to_{target_state}`` only when every one of these holds:

- its ``transition``, ``project_id`` and ``plan_id`` are this migration's (no replay on another plan);
- ``artifacts_reviewed`` names the signed plan, each path in canonical form (no ``./x``, ``..``,
  absolute paths, duplicates or case/Unicode twins), and ``sha256_reviewed`` equals the SHA-256 of
  their sha256sum manifest as the files are now (a stale approval does not count);
- ``approved_at`` is a time with a UTC offset, not in the future and at most
  ``approvals.max_age_days`` old; ``expiry``, when set, is later than now ("now" is fixed once
  per run);
- its approver is not the pull request's author, and, with GitHub access, approved the pull request
  in a review on its head commit and belongs to the role (``approvals.roles``: users or teams).

Each required role is then filled by a distinct approver: one person cannot fill two roles, and the
same approver twice counts once. Without GitHub access a record that passes everything else is
``unverified`` and fills no role, because the file alone is written by the pull request's author.

Reasons and notes quote a value of a record only when it has its expected form, else they name its
place (``migration_checks.gate.shown``): the author could otherwise make the gate print a secret.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from migration_checks import artifacts, states
from migration_checks.fs import UnsafePath, check_relative, list_tree, sha256_contained
from migration_checks.gate.shown import DIGEST_SHOWN, Forms, Shown
from migration_checks.policy import Policy
from migration_checks.pull_request import Review
from migration_checks.times import parse_time as parse_time  # re-exported: callers import it here

DEFAULT_MAX_AGE_DAYS = 30
MAX_FILES_LISTED = 20_000  # of a migration directory whose reviewed artifacts may be named
APPROVED = "APPROVED"
# Review states that decide a reviewer's standing; COMMENTED and PENDING do not change it.
_DECISIVE_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class RecordStatus(StrEnum):
    COUNTED = "counted"  # fills its role
    UNVERIFIED = "unverified"  # passes every check that could be made; GitHub was not consulted
    REJECTED = "rejected"  # fails a check, so it does not count
    IGNORED = "ignored"  # for another transition, or a role this transition does not need
    SURPLUS = "surplus"  # valid, but its role or its approver is already counted


class RoleStatus(StrEnum):
    APPROVED = "approved"
    UNVERIFIED = "unverified"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Reason:
    message: str
    pointer: str  # RFC 6901 pointer into approval_records.json


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordVerdict:
    index: int
    # The record's own values, for matching only: print the shown_* ones.
    approval_id: str | None
    approver: str | None
    role: str | None
    status: RecordStatus
    shown_approval_id: Shown
    shown_approver: Shown
    shown_role: Shown
    reasons: tuple[Reason, ...] = ()

    @property
    def pointer(self) -> str:
        return f"/approvals/{self.index}"

    @property
    def label(self) -> str:
        """How messages name the record: its id when well-formed, else its position."""
        shown = self.shown_approval_id.value
        return f'"{shown}"' if shown is not None else f"record {self.index + 1}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleVerdict:
    role: str  # a role of the policy
    status: RoleStatus
    record: int | None = None
    approver: Shown | None = None
    approval_id: Shown | None = None
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainReport:
    transition: str
    required: tuple[str, ...]
    records: tuple[RecordVerdict, ...]
    roles: tuple[RoleVerdict, ...]
    github_verified: bool

    @property
    def valid(self) -> bool:
        return all(role.status is RoleStatus.APPROVED for role in self.roles)

    @property
    def counted(self) -> tuple[RecordVerdict, ...]:
        return tuple(r for r in self.records if r.status is RecordStatus.COUNTED)

    @property
    def issues(self) -> list[str]:
        return [role_issue(role, self.transition) for role in self.roles if not _approved(role)]


def _approved(role: RoleVerdict) -> bool:
    return role.status is RoleStatus.APPROVED


def role_issue(role: RoleVerdict, transition: str) -> str:
    if role.status is RoleStatus.UNVERIFIED:
        return (
            f'the approval of role "{role.role}" by {_quoted(role.approver)} '
            f"({_quoted(role.approval_id)}) is not verified against GitHub: {role.note}"
        )
    return f'missing approval from "{role.role}" for {transition}: {role.note}'


def _quoted(shown: Shown | None) -> str:
    return shown.quoted if shown is not None else "?"


# --- GitHub facts ----------------------------------------------------------------------------


TeamMembers = Callable[[str], "frozenset[str] | str"]  # casefolded logins, or why unreadable


@dataclass(frozen=True, slots=True, kw_only=True)
class GithubFacts:
    """What GitHub says about the pull request, for verifying approvers."""

    head_sha: str
    pr_author: str | None
    reviews: Mapping[str, Review]  # casefolded login -> that reviewer's latest decisive review
    team_members: TeamMembers  # called only for teams that decide something; cache it


def latest_reviews(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each reviewer's standing: their latest review that approved, requested changes or was dismissed.

    ``reviews`` are in the order GitHub lists them (oldest first).
    """
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state in _DECISIVE_STATES:
            latest[review.login.casefold()] = review
    return latest


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainInputs:
    transition: str
    required: tuple[str, ...]
    project_id: str | None
    plan_id: str | None
    max_age_days: int
    roles: Mapping[str, Any]  # the policy's approvals.roles
    now: datetime
    # SHA-256 (hex) of a file of the migration directory; raises FileNotFoundError, UnsafePath
    # or OSError. None when there is no directory to read.
    digest_of: Callable[[str], str] | None
    files: Collection[str] = frozenset()  # the migration directory's files, which may be named
    policy_roles: frozenset[str] = frozenset()  # every role the policy names, which may be named
    # Set when judging the approval of a waiver (waivers.py): only records naming it count, they
    # must cover the waivers file, and its requester cannot approve it. Records that name a
    # waiver never count for the transition itself.
    waiver: str | None = None
    requester: str | None = None

    @property
    def subject(self) -> str:
        """What the records approve: the transition, or a waiver of it."""
        return f'waiver "{self.waiver}"' if self.waiver is not None else self.transition

    @property
    def plan_path(self) -> str | None:
        """The signed plan, which every approval must cover."""
        if self.plan_id is None:
            return None
        return f"plans/{artifacts.SIGNED_PLAN_PREFIX}{self.plan_id}.json"


def policy_roles(policy_data: Mapping[str, Any]) -> frozenset[str]:
    """Every role the policy names, in approvals.transitions or approvals.roles."""
    approvals = policy_data.get("approvals", {})
    named = [r for roles in approvals.get("transitions", {}).values() for r in roles]
    return frozenset(str(r) for r in [*named, *approvals.get("roles", {})])


def required_roles(policy_data: Mapping[str, Any], transition: str) -> tuple[str, ...]:
    approvals = policy_data.get("approvals", {})
    roles = approvals.get("transitions", {}).get(transition, [])
    return tuple(dict.fromkeys(str(r) for r in roles))


def inputs_from_policy(
    policy_data: Mapping[str, Any],
    transition: str,
    *,
    project_id: str | None,
    plan_id: str | None,
    now: datetime,
    digest_of: Callable[[str], str] | None,
    files: Collection[str] = frozenset(),
) -> ChainInputs:
    approvals = policy_data.get("approvals", {})
    return ChainInputs(
        transition=transition,
        required=required_roles(policy_data, transition),
        project_id=project_id,
        plan_id=plan_id,
        max_age_days=int(approvals.get("max_age_days", DEFAULT_MAX_AGE_DAYS)),
        roles=approvals.get("roles", {}),
        now=now,
        digest_of=digest_of,
        files=files,
        policy_roles=policy_roles(policy_data),
    )


# --- the seed's entry point ------------------------------------------------------------------


def validate_approval_chain(
    current_state: str,
    target_state: str,
    approvals: list[dict[str, Any]],
    policy: Policy | Mapping[str, Any],
    *,
    migration_dir: Path | None = None,
    project_id: str | None = None,
    plan_id: str | None = None,
    now: datetime | None = None,
    github: GithubFacts | None = None,
) -> tuple[bool, list[str]]:
    """Validate that every approval the transition requires is present and counts.

    The seed's signature (section 6.4), with the SPEC section 6 rules. A record counts only when
    its digest can be recomputed (``migration_dir``), it is bound to this plan (``plan_id``,
    ``project_id``) and, unless the transition needs no approval, GitHub confirms its approver
    (``github``). Without them the records do not count and the issues say why.

    Returns:
        (is_valid, blocking_issues)
    """
    policy_data = policy.data if isinstance(policy, Policy) else policy
    transition = states.transition_name(current_state, target_state)
    if not states.is_legal_transition(current_state, target_state):
        # No approval can count for a jump the lifecycle does not allow (nor may it skip them).
        return False, [f"{transition} is not a legal transition"]
    digest_of = None
    files: Collection[str] = frozenset()
    if migration_dir is not None:
        root = migration_dir.resolve()
        files = list_tree(root, MAX_FILES_LISTED).files

        def digest_of(rel: str) -> str:
            return sha256_contained(root, rel)

    inputs = inputs_from_policy(
        policy_data,
        transition,
        project_id=project_id,
        plan_id=plan_id,
        now=now or datetime.now(UTC),
        digest_of=digest_of,
        files=files,
    )
    report = evaluate(approvals, inputs, github)
    return report.valid, report.issues


# --- evaluation ------------------------------------------------------------------------------


def evaluate(
    records: Sequence[Any], inputs: ChainInputs, github: GithubFacts | None
) -> ChainReport:
    verdicts: list[RecordVerdict] = []
    eligible: list[RecordVerdict] = []  # pass every check; wait for the role assignment
    seen_ids: dict[str, int] = {}
    forms = Forms(
        roles=inputs.policy_roles | set(inputs.required),
        files=inputs.files,
        reviewers=github.reviews.keys() if github is not None else frozenset(),
    )
    for index, record in enumerate(records):
        verdict = _judge_record(index, record, inputs, github, seen_ids, forms)
        if verdict.status is RecordStatus.COUNTED:
            eligible.append(verdict)
        verdicts.append(verdict)
    chosen = _assign(inputs.required, eligible)
    filled_by = {verdict.index: role for role, verdict in chosen.items()}
    approver_role = {_key(v.approver): role for role, v in chosen.items()}
    final: list[RecordVerdict] = []
    for verdict in verdicts:
        if verdict.status is not RecordStatus.COUNTED:
            final.append(verdict)
        elif verdict.index in filled_by:
            status = RecordStatus.COUNTED if github is not None else RecordStatus.UNVERIFIED
            final.append(_replace(verdict, status))
        else:
            final.append(
                _replace(
                    verdict, RecordStatus.SURPLUS, _surplus_reason(verdict, chosen, approver_role)
                )
            )
    roles = [
        _role_verdict(role, chosen.get(role), final, verified=github is not None)
        for role in inputs.required
    ]
    return ChainReport(
        transition=inputs.transition,
        required=inputs.required,
        records=tuple(final),
        roles=tuple(roles),
        github_verified=github is not None,
    )


def _replace(verdict: RecordVerdict, status: RecordStatus, *reasons: Reason) -> RecordVerdict:
    return dataclasses.replace(verdict, status=status, reasons=verdict.reasons + reasons)


def _key(login: str | None) -> str:
    # GitHub logins are case-insensitive; so are approver ids compared with them.
    return (login or "").casefold()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _judge_record(
    index: int,
    record: Any,
    inputs: ChainInputs,
    github: GithubFacts | None,
    seen_ids: dict[str, int],
    forms: Forms,
) -> RecordVerdict:
    here = f"/approvals/{index}"
    is_object = isinstance(record, Mapping)
    if not is_object:
        record = {}
    approver_data = record.get("approver")
    approver_data = approver_data if isinstance(approver_data, Mapping) else {}
    approval_id = _text(record.get("approval_id"))
    approver = _text(approver_data.get("id"))
    role = _text(approver_data.get("role"))
    shown_approval_id = forms.approval_id(approval_id, f"{here}/approval_id")
    shown_approver = forms.approver(approver, f"{here}/approver/id")
    shown_role = forms.role(role, f"{here}/approver/role")

    def verdict(status: RecordStatus, reasons: list[Reason]) -> RecordVerdict:
        return RecordVerdict(
            index=index,
            approval_id=approval_id,
            approver=approver,
            role=role,
            status=status,
            shown_approval_id=shown_approval_id,
            shown_approver=shown_approver,
            shown_role=shown_role,
            reasons=tuple(reasons),
        )

    if not is_object:
        return verdict(RecordStatus.REJECTED, [Reason("the record is not an object", here)])
    waiver = record.get("waiver")
    if waiver != inputs.waiver:
        what = "a waiver" if waiver is not None else "the transition, not a waiver"
        return verdict(RecordStatus.IGNORED, [Reason(f"approves {what}", f"{here}/waiver")])
    transition = record.get("transition")
    if transition != inputs.transition:
        shown_transition = forms.transition(transition, f"{here}/transition")
        return verdict(
            RecordStatus.IGNORED,
            [
                Reason(
                    f"for {shown_transition.quoted}, not {inputs.transition}",
                    shown_transition.pointer,
                )
            ],
        )
    if role is None or role not in inputs.required:
        needed = ", ".join(inputs.required) or "none"
        return verdict(
            RecordStatus.IGNORED,
            [
                Reason(
                    f"{shown_role} is not one that {inputs.subject} requires ({needed})",
                    shown_role.pointer,
                )
            ],
        )
    reasons: list[Reason] = []
    if approver is None:
        reasons.append(Reason("the record names no approver", shown_approver.pointer))
    if approval_id is not None and approval_id in seen_ids:
        reasons.append(
            Reason(
                f"{shown_approval_id} is already used by record {seen_ids[approval_id] + 1}; a "
                "copied record counts once",
                shown_approval_id.pointer,
            )
        )
    elif approval_id is not None:
        seen_ids[approval_id] = index
    reasons.extend(_binding_reasons(record, inputs, here, forms))
    reasons.extend(_time_reasons(record, inputs, here))
    reasons.extend(_digest_reasons(record, inputs, here, forms))
    if inputs.requester is not None and _key(approver) == _key(inputs.requester):
        reasons.append(
            Reason(
                f"{shown_approver} requested {inputs.subject} and cannot approve it",
                shown_approver.pointer,
            )
        )
    if github is not None and approver is not None:
        if github.pr_author is not None and _key(approver) == _key(github.pr_author):
            reasons.append(
                Reason(
                    f"{shown_approver} opened this pull request and cannot approve it",
                    shown_approver.pointer,
                )
            )
        elif not reasons:
            # GitHub is asked only about records that pass everything else: fewer API calls.
            reasons.extend(_github_reasons(approver, role, shown_approver, inputs, github))
    return verdict(RecordStatus.REJECTED if reasons else RecordStatus.COUNTED, reasons)


def _binding_reasons(
    record: Mapping[str, Any], inputs: ChainInputs, here: str, forms: Forms
) -> list[Reason]:
    reasons = []
    project_id = forms.project_id(record.get("project_id"), f"{here}/project_id")
    if inputs.project_id is not None and record.get("project_id") != inputs.project_id:
        reasons.append(
            Reason(
                f'is for {project_id}, this migration is "{inputs.project_id}"', project_id.pointer
            )
        )
    plan_id = forms.plan_id(record.get("plan_id"), f"{here}/plan_id")
    if inputs.plan_id is None:
        reasons.append(Reason("the migration's plan_id is unknown", plan_id.pointer))
    elif record.get("plan_id") != inputs.plan_id:
        reasons.append(
            Reason(f'is for {plan_id}, the metadata names "{inputs.plan_id}"', plan_id.pointer)
        )
    return reasons


def _time_reasons(record: Mapping[str, Any], inputs: ChainInputs, here: str) -> list[Reason]:
    reasons = []
    approved_at = parse_time(record.get("approved_at"))
    if isinstance(approved_at, str):
        reasons.append(Reason(f"approved_at {approved_at}", f"{here}/approved_at"))
    elif approved_at > inputs.now:
        reasons.append(
            Reason(
                f"approved_at {approved_at.isoformat()} is in the future (now is {inputs.now.isoformat()})",
                f"{here}/approved_at",
            )
        )
    elif inputs.now - approved_at > timedelta(days=inputs.max_age_days):
        age = (inputs.now - approved_at).days
        reasons.append(
            Reason(
                f"approved {age} days ago; approvals.max_age_days accepts {inputs.max_age_days}",
                f"{here}/approved_at",
            )
        )
    expiry_value = record.get("expiry")
    if expiry_value is not None:
        expiry = parse_time(expiry_value)
        if isinstance(expiry, str):
            reasons.append(Reason(f"expiry {expiry}", f"{here}/expiry"))
        elif expiry <= inputs.now:
            reasons.append(Reason(f"expired at {expiry.isoformat()}", f"{here}/expiry"))
        elif isinstance(approved_at, datetime) and expiry <= approved_at:
            reasons.append(Reason("expiry is not after approved_at", f"{here}/expiry"))
    return reasons


def manifest(
    paths: Any,
    digest_of: Callable[[str], str],
    *,
    forms: Forms | None = None,
    here: str = "",
) -> tuple[str | None, list[Reason]]:
    """The SHA-256 of the sha256sum manifest of ``paths``, or the reasons it cannot be computed.

    The manifest is the lines ``"{sha256 of file}  {path}\\n"`` sorted by path. Paths are relative
    to the migration directory and must be written in one canonical way, so that one file cannot
    be listed under two names. Reasons point below ``here`` and name a path only when ``forms``
    knows it as a file of the directory.
    """
    forms = forms or Forms()
    if not isinstance(paths, list) or not paths:
        return None, [Reason("artifacts_reviewed lists no file", f"{here}/artifacts_reviewed")]
    problems: list[Reason] = []
    lines: dict[str, str] = {}
    folded: dict[str, Shown] = {}
    for position, path in enumerate(paths):
        shown = forms.artifact(path, f"{here}/artifacts_reviewed/{position}")
        problem = _path_problem(path, forms, shown.pointer)
        if problem is None and path in lines:
            problem = "is listed twice"
        elif problem is None and path.casefold() in folded:
            problem = (
                f"names the same file as {folded[path.casefold()].quoted} on a case-insensitive "
                "file system"
            )
        if problem is not None:
            problems.append(Reason(f"{shown} {problem}", shown.pointer))
            continue
        folded[path.casefold()] = shown
        try:
            lines[path] = digest_of(path)
        except FileNotFoundError:
            problems.append(Reason(f"{shown} does not exist", shown.pointer))
        except UnsafePath as exc:
            # Only the refusal for a directory on the way quotes a part of the path.
            quotes_the_path = '"' in str(exc) and shown.value is None
            why = "a directory on its way is a link or a file" if quotes_the_path else str(exc)
            problems.append(Reason(f"{shown} cannot be read: {why}", shown.pointer))
        except OSError as exc:
            problems.append(
                Reason(
                    f"{shown} cannot be read ({exc.strerror or type(exc).__name__})", shown.pointer
                )
            )
    if problems:
        return None, problems
    text = "".join(f"{lines[path]}  {path}\n" for path in sorted(lines))
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), []


def _path_problem(path: Any, forms: Forms, pointer: str) -> str | None:
    if not isinstance(path, str):
        return "is not a path"
    try:
        parts = check_relative(path)
    except UnsafePath as exc:
        return f"is refused: {exc}"  # a fixed text, which quotes no part of the path
    canonical = "/".join(parts)
    if canonical != path:
        written = forms.artifact(canonical, pointer)
        hint = f"; write {written.quoted}" if written.value is not None else ""
        return f"is not written canonically{hint}"
    if unicodedata.normalize("NFC", path) != path:
        return "is not in Unicode NFC form"
    return None


def _digest_reasons(
    record: Mapping[str, Any], inputs: ChainInputs, here: str, forms: Forms
) -> list[Reason]:
    paths = record.get("artifacts_reviewed")
    if inputs.digest_of is None:
        return [
            Reason(
                "sha256_reviewed cannot be checked: no migration directory to read",
                f"{here}/sha256_reviewed",
            )
        ]
    digest, reasons = manifest(paths, inputs.digest_of, forms=forms, here=here)
    plan_path = inputs.plan_path
    if plan_path is not None and (not isinstance(paths, list) or plan_path not in paths):
        reasons.append(
            Reason(
                f'artifacts_reviewed does not include the signed plan "{plan_path}"; an approval '
                "must cover it",
                f"{here}/artifacts_reviewed",
            )
        )
    if inputs.waiver is not None and (
        not isinstance(paths, list) or artifacts.WAIVERS.path not in paths
    ):
        reasons.append(
            Reason(
                f'artifacts_reviewed does not include "{artifacts.WAIVERS.path}"; the approval '
                "of a waiver must cover it",
                f"{here}/artifacts_reviewed",
            )
        )
    if digest is None:
        return reasons
    recorded = record.get("sha256_reviewed")
    if not isinstance(recorded, str) or not _HEX64.match(recorded):
        reasons.append(
            Reason("sha256_reviewed is not a SHA-256 hex digest", f"{here}/sha256_reviewed")
        )
    elif recorded.lower() != digest:
        assert isinstance(paths, list)  # the manifest was computed from them
        listed = ", ".join(
            sorted(
                forms.artifact(p, f"{here}/artifacts_reviewed/{i}").quoted
                for i, p in enumerate(paths)
            )
        )
        reasons.append(
            Reason(
                f"stale approval: {forms.digest(recorded, f'{here}/sha256_reviewed')} does not "
                f"match the reviewed artifacts as they are now ({digest[:DIGEST_SHOWN]}…); at "
                f"least one of {listed} changed after the approval",
                f"{here}/sha256_reviewed",
            )
        )
    return reasons


def _github_reasons(
    approver: str, role: str | None, shown: Shown, inputs: ChainInputs, github: GithubFacts
) -> list[Reason]:
    review = github.reviews.get(_key(approver))
    where = shown.pointer
    if review is None:
        return [Reason(f"{shown} has not approved this pull request on GitHub", where)]
    if review.state != APPROVED:
        return [Reason(f"the latest review by {shown} is {review.state}, not APPROVED", where)]
    if review.commit_id != github.head_sha:
        return [
            Reason(
                f"{shown} approved commit {(review.commit_id or '?')[:DIGEST_SHOWN]}, not the head "
                f"commit {github.head_sha[:DIGEST_SHOWN]}; approve again after the last push",
                where,
            )
        ]
    return _membership_reasons(approver, shown, role or "", inputs.roles, github)


def _membership_reasons(
    approver: str, shown: Shown, role: str, roles: Mapping[str, Any], github: GithubFacts
) -> list[Reason]:
    where = shown.pointer
    spec = roles.get(role)
    if not isinstance(spec, Mapping):
        return [
            Reason(
                f'the policy names no members for role "{role}" (approvals.roles.{role}), so '
                "no approver can be verified for it",
                where,
            )
        ]
    users = [str(u) for u in spec.get("users", [])]
    if _key(approver) in {_key(u) for u in users}:
        return []
    unreadable = []
    teams = [str(t) for t in spec.get("teams", [])]
    for team in teams:
        members = github.team_members(team)
        if isinstance(members, str):
            unreadable.append(f"{team}: {members}")
        elif _key(approver) in members:
            return []
    if unreadable:
        return [
            Reason(
                f'membership of {shown} in role "{role}" cannot be verified: '
                + "; ".join(unreadable),
                where,
            )
        ]
    return [
        Reason(
            f'{shown} is not a member of role "{role}" (users: {", ".join(users) or "none"}; '
            f"teams: {', '.join(teams) or 'none'})",
            where,
        )
    ]


# --- roles -----------------------------------------------------------------------------------


def _assign(required: Sequence[str], eligible: Sequence[RecordVerdict]) -> dict[str, RecordVerdict]:
    """Fill as many roles as possible, each with a distinct approver (bipartite matching).

    A greedy pass could leave a role empty that another assignment fills (jsmith approves as
    data_owner and as security, lchen only as data_owner), so a role may take an approver from
    another role that has an alternative. Ties go to the earlier record and the earlier role.
    """
    candidates: dict[str, list[RecordVerdict]] = {role: [] for role in required}
    for verdict in eligible:
        if verdict.role in candidates:
            candidates[verdict.role].append(verdict)
    owner: dict[str, str] = {}  # approver key -> role
    chosen: dict[str, RecordVerdict] = {}

    def place(role: str, seen: set[str]) -> bool:
        for verdict in candidates[role]:
            who = _key(verdict.approver)
            if who in seen:
                continue
            seen.add(who)
            if who not in owner or place(owner[who], seen):
                owner[who] = role
                chosen[role] = verdict
                return True
        return False

    for role in required:
        place(role, set())
    return chosen


def _surplus_reason(
    verdict: RecordVerdict,
    chosen: Mapping[str, RecordVerdict],
    approver_role: Mapping[str, str],
) -> Reason:
    # A surplus record passed every check, so its role is one the transition requires.
    approver = verdict.shown_approver
    other_role = approver_role.get(_key(verdict.approver))
    if other_role is not None and other_role != verdict.role:
        return Reason(
            f'{approver} already fills role "{other_role}"; one person cannot fill two roles',
            f"{verdict.pointer}/approver/role",
        )
    holder = chosen.get(verdict.role or "")
    if holder is not None and _key(holder.approver) == _key(verdict.approver):
        return Reason(
            f'{approver} is already counted for role "{verdict.role}" by {holder.label}; '
            "the same approver counts once",
            approver.pointer,
        )
    return Reason(
        f'role "{verdict.role}" is already filled by '
        f"{holder.shown_approver.quoted if holder else '?'}",
        f"{verdict.pointer}/approver/role",
    )


def _role_verdict(
    role: str,
    chosen: RecordVerdict | None,
    records: Sequence[RecordVerdict],
    *,
    verified: bool,
) -> RoleVerdict:
    if chosen is not None:
        return RoleVerdict(
            role=role,
            status=RoleStatus.APPROVED if verified else RoleStatus.UNVERIFIED,
            record=chosen.index,
            approver=chosen.shown_approver,
            approval_id=chosen.shown_approval_id,
            note=""
            if verified
            else "no GitHub access, so neither the review on the head commit nor membership of "
            "the role was checked; the file alone proves nothing",
        )
    for_role = [r for r in records if r.role == role and r.status is not RecordStatus.IGNORED]
    surplus = [r for r in for_role if r.status is RecordStatus.SURPLUS]
    rejected = [r for r in for_role if r.status is RecordStatus.REJECTED]
    if surplus:
        names = ", ".join(sorted({r.shown_approver.quoted for r in surplus}))
        note = f"its approvers ({names}) already fill other roles; one person cannot fill two"
    elif rejected:
        first = rejected[0]
        more = f" (and {len(rejected) - 1} more)" if len(rejected) > 1 else ""
        note = (
            f"{first.label} by {first.shown_approver.quoted} does not count: "
            f"{first.reasons[0].message}{more}"
        )
    else:
        note = "no approval record names this role"
    return RoleVerdict(role=role, status=RoleStatus.MISSING, note=note)
