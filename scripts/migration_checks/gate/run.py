"""The gate run: gather the facts, judge approvals and pull-request rules, apply labels and comment.

Findings of the gate (check ids; stage none):

| check | blocker | when |
|---|---|---|
| ``approval_chain`` | POLICY_VIOLATION | a role the transition requires has no approval that counts, or it is not verified against GitHub |
| ``approval_chain`` | CI_FAILURE | the metadata or the transition cannot be judged (stage 1 says why), or no base commit anchors the state |
| ``approval_chain`` | SCHEMA_VALIDATION_FAILED | the state is not where the base commit leaves the migration |
| ``branch_name`` | POLICY_VIOLATION | the branch is not ``migration/{archetype}/{project_id}/v{plan_version}`` |
| ``commit_messages`` | POLICY_VIOLATION | a commit (not a merge) is not ``[MIGRATION] {ACTION}: {description}`` |
| ``required_stages`` | CI_FAILURE | a required stage has no result for a directory, or its job was skipped, cancelled or failed unexplained (``gate.stages``) |
| ``discovery`` | CI_FAILURE, POLICY_VIOLATION | nothing to examine, a linked migration directory; more than one changed |
| ``github_context`` | CI_FAILURE | the pull request's head moved since the examined commit; in a merge queue, the entry is not built on the base commit, or the pull request targets another branch |
| ``labels`` | none | labels changed (notice), or differ and could not be changed (warning) |

A record that does not count is a warning on its line of ``evidence/approval_records.json``;
the role it leaves empty is the error.

In a merge queue (``GateOptions.merge_group``) the pull request is the one the queue entry's ref
names: its approvals, branch and commits are judged as on its own run, against its head commit
as GitHub reports it, while the files judged are the queue commit's. Nothing is written there:
labels and the sticky comment belong to the pull request's own run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migration_checks import __version__, anchoring, artifacts, enforcement, states, waivers
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.discovery import discover_all
from migration_checks.documents import Document
from migration_checks.gate import approvals, labels, pr_rules
from migration_checks.gate.approvals import ChainReport, GithubFacts, RecordStatus, RoleStatus
from migration_checks.gate.results import StageResults, migration_key
from migration_checks.gate.stages import judge_discover_job, judge_stages
from migration_checks.git_base import BaseCommit, BaseView, view_of
from migration_checks.model import (
    Finding,
    Location,
    MigrationResult,
    RunResult,
    Severity,
    display_path,
    make_finding,
)
from migration_checks.policy import Policy

if TYPE_CHECKING:
    from migration_checks.gate.merge_queue import QueueRef
    from migration_checks.github.api import GithubClient, PullRequestInfo

APPROVALS_FILE = artifacts.APPROVALS.path
METADATA_FILE = artifacts.METADATA.path


@dataclass(frozen=True, slots=True, kw_only=True)
class GateOptions:
    paths: tuple[Path, ...]
    policy: Policy
    now: datetime
    results: StageResults = field(default_factory=StageResults)
    jobs: Mapping[int, str] | None = None  # each stage job's result (toJSON(needs)), by stage
    discover_job: str | None = None  # the discover job's result, when the workflow has one
    pr: int | None = None
    head_sha: str | None = None
    # A merge queue entry (--merge-group-ref): ``pr`` is its pull request; nothing is written.
    merge_group: QueueRef | None = None
    branch: str | None = None
    base: BaseCommit | None = None  # the pull request's base commit (--base)
    head_ref: str | None = None
    apply: bool = False
    comment_author: str | None = None
    git_dir: Path | None = None  # where `git log` runs; the first path by default

    def __post_init__(self) -> None:
        if self.merge_group is None:
            return
        if self.pr != self.merge_group.pr or self.head_sha is not None:
            raise ValueError("a merge queue entry names the pull request, and no head SHA")
        if self.apply:
            raise ValueError("in a merge queue the gate writes no labels and no comment")


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationGate:
    path: str
    project_id: str | None
    state: str | None
    target_state: str | None
    chain: ChainReport | None
    expected_branch: str | None


@dataclass(slots=True, kw_only=True)
class GithubOutcome:
    repo: str
    pr: int
    head_sha: str
    from_fork: bool
    labels_add: list[str] = field(default_factory=list)
    labels_remove: list[str] = field(default_factory=list)
    applied: bool = False
    comment: str | None = None  # created | updated | unchanged
    refused: str | None = None  # why writing was refused
    merge_queue_base: str | None = None  # in a merge queue: the commit the entry is built on


@dataclass(frozen=True, slots=True, kw_only=True)
class GateResult:
    run: RunResult  # the stage results given to the gate, plus the gate's findings
    own: RunResult  # the gate's findings only (annotated by the gate step)
    migrations: tuple[MigrationGate, ...]
    github: GithubOutcome | None
    now: datetime

    @property
    def blocked(self) -> bool:
        return self.run.blocked


def finding(
    check: str,
    message: str,
    *,
    blocker: BlockerId | None = None,
    severity: Severity | None = None,
    location: Location | None = None,
    stage: int | None = None,
) -> Finding:
    return make_finding(
        check, stage, message, blocker=blocker, severity=severity, location=location
    )


# --- one migration ---------------------------------------------------------------------------


@dataclass(slots=True)
class LoadedMigration:
    ctx: MigrationContext
    metadata: Document | None
    findings: list[Finding] = field(default_factory=list)
    gate: MigrationGate | None = None
    waiver_file: waivers.Waivers | None = None  # the pull request's waivers, when it has some
    approved_waivers: set[str] = field(default_factory=set)  # ids verified like any approval

    def value(self, ptr: str) -> Any:
        return self.metadata.get(ptr) if self.metadata is not None else None

    @property
    def transition(self) -> str | None:
        state, target = self.value("/state"), self.value("/target_state")
        if isinstance(state, str) and isinstance(target, str):
            return states.transition_name(state, target)
        return None


def load_migration(
    directory: Path, policy: Policy, base: BaseView | None = None
) -> LoadedMigration:
    ctx = MigrationContext(directory.resolve(), display_path(directory), policy, base)
    migration = LoadedMigration(ctx, ctx.usable("metadata"))
    if migration.metadata is None:
        migration.findings.append(
            finding(
                "approval_chain",
                f"approvals and pull-request rules cannot be judged: {METADATA_FILE} is missing "
                "or invalid (stage 1 reports why)",
                blocker=BlockerId.CI_FAILURE,
                location=Location(path=METADATA_FILE),
            )
        )
    return migration


def _approval_policy(policy: Policy) -> dict[str, Any]:
    """The policy's approval settings, each falling back to the bundled default as stage 2 does."""
    section = {
        key: policy.setting("approvals", key) for key in ("transitions", "max_age_days", "roles")
    }
    return {"approvals": {key: value for key, value in section.items() if value is not None}}


def _needs_approvals(migration: LoadedMigration, policy: Policy) -> bool:
    transition = migration.transition
    return transition is not None and bool(
        approvals.required_roles(_approval_policy(policy), transition)
    )


def judge_chain(
    migration: LoadedMigration, policy: Policy, now: datetime, facts: GithubFacts | None
) -> ChainReport | None:
    metadata = migration.metadata
    if metadata is None:
        return None
    state, target = metadata.data["state"], metadata.data["target_state"]
    transition = states.transition_name(state, target)
    if migration.ctx.base is None:
        migration.findings.append(
            finding(
                "approval_chain",
                "no base commit (--base): the state cannot be anchored, so no transition can be "
                "judged; the gate action passes the pull request's base",
                blocker=BlockerId.CI_FAILURE,
                location=metadata.at("/state"),
            )
        )
        return None
    anchored = anchoring.state_problem(migration.ctx, state)
    if anchored is not None:
        migration.findings.append(
            finding(
                "approval_chain",
                f"illegal transition: {anchored}",
                blocker=BlockerId.SCHEMA_VALIDATION_FAILED,
                location=metadata.at("/state"),
            )
        )
        return None
    if not states.is_legal_transition(state, target):
        migration.findings.append(
            finding(
                "approval_chain",
                f"{transition} is not a legal transition, so no approval can count for it "
                "(stage 1 reports why)",
                blocker=BlockerId.CI_FAILURE,
                location=metadata.at("/target_state"),
            )
        )
        return None
    approval_policy = _approval_policy(policy)
    if state != target and transition not in approval_policy["approvals"].get("transitions", {}):
        # Fail closed, as approval_requirements does: an unlisted transition needs no fewer
        # approvals than a listed one, it is a hole in the policy.
        migration.findings.append(
            finding(
                "approval_chain",
                f"the policy lists no approvals for {transition} (approvals.transitions); "
                "an unknown transition is refused: list it, with [] if it needs none",
                blocker=BlockerId.POLICY_VIOLATION,
                location=metadata.at("/target_state"),
            )
        )
        return None
    ctx = migration.ctx
    inputs = approvals.inputs_from_policy(
        approval_policy,
        transition,
        project_id=metadata.data["project_id"],
        plan_id=metadata.data["plan_id"],
        now=now,
        digest_of=ctx.sha256,
        files=ctx.tree.files,
    )
    records: list[Any] = []
    document = None
    if inputs.required:
        document = ctx.usable("approvals")
        if document is None:
            migration.findings.append(
                finding(
                    "approval_chain",
                    f"{APPROVALS_FILE} is missing or invalid (stage 1 reports why); no approval "
                    "can count",
                    location=Location(path=APPROVALS_FILE),
                )
            )
        else:
            records = list(document.data["approvals"])
    report = approvals.evaluate(records, inputs, facts)
    migration.findings.extend(_chain_findings(report, document))
    return report


def _chain_findings(report: ChainReport, document: Document | None) -> list[Finding]:
    def at(ptr: str) -> Location:
        if document is None:
            return Location(path=APPROVALS_FILE)
        return document.at(ptr)

    found = _record_findings(report, document, "approval_chain")
    for role in report.roles:
        if role.status is RoleStatus.APPROVED:
            continue
        location = (
            at(f"/approvals/{role.record}")
            if role.record is not None
            else Location(path=APPROVALS_FILE)
        )
        found.append(
            finding(
                "approval_chain",
                approvals.role_issue(role, report.transition),
                blocker=BlockerId.POLICY_VIOLATION,
                location=location,
            )
        )
    return found


def _record_findings(report: ChainReport, document: Document | None, check: str) -> list[Finding]:
    """A warning for each record that does not count, a notice for each surplus one."""

    def at(ptr: str) -> Location:
        if document is None:
            return Location(path=APPROVALS_FILE)
        return document.at(ptr)

    found = []
    for record in report.records:
        if record.status is RecordStatus.REJECTED:
            for reason in record.reasons:
                found.append(
                    finding(
                        check,
                        f"approval {record.label} ({record.shown_role.bare}, "
                        f"{record.shown_approver.quoted}) does not count: {reason.message}",
                        location=at(reason.pointer),
                    )
                )
        elif record.status is RecordStatus.SURPLUS:
            reason = record.reasons[-1]
            found.append(
                finding(
                    check,
                    f"approval {record.label} is not counted: {reason.message}",
                    severity=Severity.NOTICE,
                    location=at(reason.pointer),
                )
            )
    return found


def _has_waivers(migration: LoadedMigration) -> bool:
    tree = migration.ctx.tree
    return waivers.FILE in tree.files or tree.is_link(waivers.FILE)


def judge_waivers(
    migration: LoadedMigration,
    policy: Policy,
    now: datetime,
    facts: GithubFacts | None,
    chain: ChainReport | None,
) -> None:
    """Which waivers of the pull request apply: each needs an approval record naming it, verified
    like any approval (approvals.evaluate) by a role of the base policy's waivers.approvers and
    someone other than its requester. A waiver not approved is a blocker (see waivers.py)."""
    if not _has_waivers(migration):
        return
    ctx = migration.ctx
    loaded = waivers.load(ctx.usable("waivers"), policy, now, present=True)
    migration.waiver_file = loaded
    migration.findings.extend(loaded.problems)
    document = ctx.usable("approvals") if loaded.valid else None
    records = list(document.data["approvals"]) if document is not None else []
    for waiver in loaded.valid:
        why = _waiver_unapproved(migration, waiver, policy, now, facts, chain, records, document)
        if why is None:
            migration.approved_waivers.add(waiver.id)
            continue
        migration.findings.append(
            finding(
                waivers.CHECK,
                f'waiver "{waiver.id}" is not approved: {why}',
                blocker=BlockerId.POLICY_VIOLATION,
                location=waiver.location,
                stage=waiver.stage,
            )
        )


def _waiver_unapproved(
    migration: LoadedMigration,
    waiver: waivers.Waiver,
    policy: Policy,
    now: datetime,
    facts: GithubFacts | None,
    chain: ChainReport | None,
    records: list[Any],
    document: Document | None,
) -> str | None:
    """Why the waiver is not approved, or None when a record approving it counts."""
    if chain is None or migration.metadata is None:
        return "the transition could not be judged (see approval_chain), so no approval counts"
    if not policy.waiver_approvers:
        return "the policy names no role that may approve a waiver (waivers.approvers)"
    ctx = migration.ctx
    inputs = dataclasses.replace(
        approvals.inputs_from_policy(
            _approval_policy(policy),
            chain.transition,
            project_id=migration.metadata.data["project_id"],
            plan_id=migration.metadata.data["plan_id"],
            now=now,
            digest_of=ctx.sha256,
            files=ctx.tree.files,
        ),
        required=policy.waiver_approvers,
        waiver=waiver.id,
        requester=waiver.requested_by,
    )
    report = approvals.evaluate(records, inputs, facts)
    migration.findings.extend(_record_findings(report, document, waivers.CHECK))
    if any(role.status is RoleStatus.APPROVED for role in report.roles):
        return None
    roles = ", ".join(report.required)
    unverified = [r for r in report.roles if r.status is RoleStatus.UNVERIFIED]
    if unverified:
        return approvals.role_issue(unverified[0], report.transition)
    notes = [
        f"{r.role}: {r.note}"
        for r in report.roles
        if r.note and r.note != "no approval record names this role"
    ]
    if notes:
        return "; ".join(notes)
    return (
        f'no approval record names it ("waiver": "{waiver.id}") by a role of waivers.approvers '
        f"({roles})"
    )


def _judge_branch(migration: LoadedMigration, branch: str | None, why_unknown: str) -> str | None:
    metadata = migration.metadata
    if metadata is None:
        return None
    expected = pr_rules.expected_branch(
        metadata.data["archetype_id"], metadata.data["project_id"], metadata.data["plan_version"]
    )
    if branch is None:
        migration.findings.append(
            finding("branch_name", f"the branch name was not checked: {why_unknown}")
        )
        return expected
    problem = pr_rules.branch_problem(branch, expected)
    if problem is not None:
        migration.findings.append(
            finding(
                "branch_name",
                problem,
                blocker=BlockerId.POLICY_VIOLATION,
                location=metadata.at("/archetype_id"),
            )
        )
    return expected


def _needs_decision(ctx: MigrationContext) -> bool | None:
    path = ctx.artifact_path("decisions")
    if path is None or (path not in ctx.tree.files and not ctx.tree.is_link(path)):
        return False
    document = ctx.usable("decisions")
    if document is None:
        return None
    return any(d.get("status") != "resolved" for d in document.data["decisions"])


# --- the run ---------------------------------------------------------------------------------


def run_gate(
    options: GateOptions,
    client: GithubClient | None = None,
    *,
    render_comment: Callable[[GateResult], str] | None = None,
) -> GateResult:
    """Judge every migration directory under ``options.paths``; with ``client``, verify on GitHub.

    When ``options.apply`` and a client are given, labels are set and the sticky comment (the
    body ``render_comment`` makes of the result so far) is created or updated.
    """
    policy = options.policy
    run_findings: list[Finding] = []
    migrations: list[LoadedMigration] = []
    found = discover_all(options.paths, options.base)
    run_findings.extend(found.findings)
    if not found.directories and found.changed_only:
        # A pull request that carries no migration has nothing for the gate to hold back; the
        # gate runs on every pull request because a required check must always report.
        run_findings.append(
            finding(
                "discovery",
                "the pull request changes no migration-pr-* directory: nothing to govern",
                blocker=None,
                severity=Severity.NOTICE,
            )
        )
    elif not found.directories:
        run_findings.append(
            finding(
                "discovery",
                "no migration-pr-* directory found in the paths given; nothing was examined",
                blocker=BlockerId.CI_FAILURE,
            )
        )
    run_findings.extend(judge_discover_job(options.discover_job, found.findings))
    discovery_blocked = any(f.blocker is not None for f in found.findings)
    migrations.extend(
        load_migration(directory, policy, view_of(options.base, directory))
        for directory in found.directories
    )

    info: PullRequestInfo | None = None
    facts: GithubFacts | None = None
    outcome: GithubOutcome | None = None
    if client is not None and options.pr is not None:
        info = client.pull_request(options.pr)
        head = options.head_sha or info.head_sha
        if options.head_sha and info.head_sha != options.head_sha:
            run_findings.append(
                finding(
                    "github_context",
                    f"the pull request's head is now {info.head_sha[:12]}, this run examined "
                    f"{options.head_sha[:12]}; the run for the new head decides",
                    blocker=BlockerId.CI_FAILURE,
                )
            )
        outcome = GithubOutcome(
            repo=client.repo, pr=info.number, head_sha=head, from_fork=info.from_fork
        )
        if options.merge_group is not None:
            outcome.merge_queue_base = options.merge_group.base_sha
            run_findings.extend(_queue_findings(options.merge_group, options.base, info))
        if any(_needs_approvals(m, policy) or _has_waivers(m) for m in migrations):
            facts = GithubFacts(
                head_sha=head,
                pr_author=info.author,
                reviews=approvals.latest_reviews(client.reviews(options.pr)),
                team_members=client.team_members,
            )
        else:
            facts = GithubFacts(
                head_sha=head, pr_author=info.author, reviews={}, team_members=client.team_members
            )

    branch, why_unknown = _branch(options, info)
    gates = []
    for migration in migrations:
        chain = judge_chain(migration, policy, options.now, facts)
        judge_waivers(migration, policy, options.now, facts, chain)
        expected = _judge_branch(migration, branch, why_unknown)
        if not discovery_blocked:
            # With two migration directories no stage job checked either: the discovery's
            # finding says why, a "skipped" for every stage of each would only bury it.
            migration.findings.extend(
                judge_stages(migration.ctx, migration.metadata, options.results, options.jobs)
            )
        gates.append(
            MigrationGate(
                path=migration.ctx.display_path,
                project_id=_text(migration.value("/project_id")),
                state=_text(migration.value("/state")),
                target_state=_text(migration.value("/target_state")),
                chain=chain,
                expected_branch=expected,
            )
        )
    if migrations:
        run_findings.extend(_judge_commits(options, client, info))

    def build(extra_run: Sequence[Finding] = ()) -> GateResult:
        return _result(options, migrations, gates, [*run_findings, *extra_run], outcome)

    if client is None or info is None or outcome is None or options.merge_group is not None:
        return build()  # in a merge queue the pull request's own run keeps labels and comment

    plan = labels.plan_labels(
        policy,
        [labels.Transition(g.state, g.target_state) for g in gates],
        blocked=build().blocked,
        needs_decision=_any(_needs_decision(m.ctx) for m in migrations),
        security_review=_security_review(options.results),
    )
    outcome.labels_add, outcome.labels_remove = plan.changes(info.labels)
    label_findings = _apply(options, client, outcome, render_comment, build)
    return build(label_findings)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _any(values: Any) -> bool | None:
    seen = list(values)
    if any(v is True for v in seen):
        return True
    if seen and all(v is False for v in seen):
        return False
    return None


def _queue_findings(
    queue: QueueRef, base: BaseCommit | None, info: PullRequestInfo
) -> list[Finding]:
    """The queue entry, the base commit and the pull request must tell the same story.

    The entry is built on ``queue.base_sha`` (merge_group.base_sha), which is where the policy
    and each migration's previous state must come from; a --base that names another commit
    would judge the transition against the wrong state. Without --base, judge_chain says so.
    """
    found = []
    if base is not None and base.sha != queue.base_sha:
        found.append(
            finding(
                "github_context",
                f"the merge queue entry of pull request #{queue.pr} is built on commit "
                f"{queue.base_sha[:12]}, but --base is {base.short}: the policy and the "
                "previous state must come from the commit the entry is built on "
                "(merge_group.base_sha, the gate action's default base)",
                blocker=BlockerId.CI_FAILURE,
            )
        )
    if info.base_ref != queue.base_branch:
        found.append(
            finding(
                "github_context",
                f"pull request #{queue.pr} is for another branch than the merge queue of "
                f'"{queue.base_branch}" that is checking it; the queue entry is not this pull '
                "request's",
                blocker=BlockerId.CI_FAILURE,
            )
        )
    return found


def _branch(options: GateOptions, info: PullRequestInfo | None) -> tuple[str | None, str]:
    if options.branch:
        return options.branch, ""
    if info is not None:
        return info.head_ref, ""
    directory = options.git_dir or (options.paths[0] if options.paths else Path())
    branch, why = pr_rules.branch_or_why(directory)
    return branch, f"no --branch, no pull request, and {why}"


def _judge_commits(
    options: GateOptions, client: GithubClient | None, info: PullRequestInfo | None
) -> list[Finding]:
    if client is not None and info is not None:
        commits = client.commits(info)
    elif options.base is not None:
        commits = pr_rules.git_commits(
            options.base.root, options.base.sha, options.head_ref or "HEAD"
        )
    else:
        return [
            finding(
                "commit_messages",
                "commit messages were not checked: no pull request and no --base",
                severity=Severity.NOTICE,
            )
        ]
    verdict = pr_rules.judge_commits(commits)
    found = [
        finding("commit_messages", pr_rules.commit_message(c), blocker=BlockerId.POLICY_VIOLATION)
        for c in verdict.bad[: pr_rules.MAX_COMMITS_NAMED]
    ]
    if len(verdict.bad) > pr_rules.MAX_COMMITS_NAMED:
        rest = len(verdict.bad) - pr_rules.MAX_COMMITS_NAMED
        found.append(
            finding(
                "commit_messages",
                f'{rest} more commits do not follow "{pr_rules.COMMIT_FORMAT}"',
                blocker=BlockerId.POLICY_VIOLATION,
            )
        )
    return found


def _security_review(results: StageResults) -> bool | None:
    if 4 not in results.stages:
        return None
    staged = [f for outcomes in results.outcomes.values() for o in outcomes for f in o.findings]
    staged += [f for extra in results.extra.values() for f in extra]
    return any(f.stage == 4 for f in staged)


def _apply(
    options: GateOptions,
    client: GithubClient,
    outcome: GithubOutcome,
    render_comment: Callable[[GateResult], str] | None,
    build: Callable[[Sequence[Finding]], GateResult],
) -> list[Finding]:
    from migration_checks.github.api import WriteRefused
    from migration_checks.github.comment import ACTIONS_BOT, upsert_sticky

    if options.merge_group is not None:
        return []  # never write in a merge queue (GateOptions refuses apply there, too)
    changes = _label_changes(outcome)
    if not options.apply:
        if not changes:
            return []
        return [finding("labels", f"labels do not match the state: {changes} (not applied)")]
    found: list[Finding] = []
    try:
        if outcome.labels_add:
            client.add_labels(outcome.pr, outcome.labels_add)
        for name in outcome.labels_remove:
            client.remove_label(outcome.pr, name)
        if changes:
            found.append(finding("labels", f"labels updated: {changes}", severity=Severity.NOTICE))
        if render_comment is not None:
            # Without the label notice: a rerun with the same verdict then leaves it untouched.
            body = render_comment(build(()))

            def author() -> str:
                return options.comment_author or client.identity() or ACTIONS_BOT

            outcome.comment = upsert_sticky(client, outcome.pr, body, author).action
        outcome.applied = True
    except WriteRefused as exc:
        fork = " (a pull request from a fork gets a read-only token)" if outcome.from_fork else ""
        outcome.refused = f"{exc}{fork}"
        found = [
            finding(
                "labels",
                f"the token may not write to this pull request{fork}, so labels and the comment "
                f"were not written; the job summary holds the report"
                + (f"; labels to set: {changes}" if changes else ""),
            )
        ]
    return found


def _label_changes(outcome: GithubOutcome) -> str:
    parts = []
    if outcome.labels_add:
        parts.append("add " + ", ".join(f'"{n}"' for n in outcome.labels_add))
    if outcome.labels_remove:
        parts.append("remove " + ", ".join(f'"{n}"' for n in outcome.labels_remove))
    return "; ".join(parts)


def _result(
    options: GateOptions,
    migrations: Sequence[LoadedMigration],
    gates: Sequence[MigrationGate],
    run_findings: Sequence[Finding],
    outcome: GithubOutcome | None,
) -> GateResult:
    results = options.results
    combined, own = [], []
    for migration in migrations:
        ctx = migration.ctx
        key = migration_key(_text(migration.value("/project_id")), ctx.display_path)
        common: dict[str, Any] = {
            "path": ctx.display_path,
            "project_id": _text(migration.value("/project_id")),
            "state": _text(migration.value("/state")),
            "target_state": _text(migration.value("/target_state")),
            "files_parsed": ctx.files_parsed,
        }
        outcomes = list(results.outcomes.get(key, ()))
        # The gate judges the waivers itself, for the findings of every stage at once.
        extra = [f for f in results.extra.get(key, ()) if f.check != waivers.CHECK]
        breadth: list[Finding] = []
        if migration.waiver_file is not None:
            outcomes, breadth = waivers.apply(
                outcomes,
                migration.waiver_file,
                approved=migration.approved_waivers,
                max_findings=options.policy.waiver_max_findings,
                stages=results.stages,
            )
            breadth += enforcement.unjudged(outcomes, softened=False)
        gate_findings = (*migration.findings, *breadth)
        own.append(MigrationResult(**common, outcomes=(), extra_findings=gate_findings))
        combined.append(
            MigrationResult(
                **common,
                outcomes=tuple(outcomes),
                extra_findings=(*extra, *gate_findings),
            )
        )
    roots = tuple(display_path(p) for p in options.paths)

    def result(found: Sequence[Finding], migration_results: Sequence[MigrationResult]) -> RunResult:
        return RunResult(
            tool_version=__version__,
            policy_version=options.policy.version,
            stages=tuple(sorted(results.stages)),
            roots=roots,
            migrations=tuple(migration_results),
            findings=tuple(found),
        )

    return GateResult(
        run=result([*results.findings, *run_findings], combined),
        own=result(run_findings, own),
        migrations=tuple(gates),
        github=outcome,
        now=options.now,
    )
