"""The migration's state, anchored to the pull request's base commit (SPEC section 2).

``state`` in ``.migration_metadata.json`` is written by the pull request's author, so it proves
nothing by itself: a pull request that wrote ``state: CUTOVER_DONE`` would be an "update" that no
approval is needed for. What the state really is comes from the base commit (the commit the pull
request merges into):

- where the migration directory exists there, the head's ``state`` must equal the base's
  ``target_state`` (the state its last merged pull request reached);
- a directory new in the pull request must start at a state the base policy lists in
  ``lifecycle.initial_states`` (default ``["PROPOSED"]``), and only when the base holds no
  directory of the same name (the same project) anywhere else: a copy elsewhere cannot start the
  project over.

Without a base commit nothing can be verified: ``check`` says so in a notice, the gate is blocked.
Stage 6's applicability uses the anchored state too, so writing an earlier ``state`` does not skip
the post-execution checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migration_checks import artifacts, states
from migration_checks.documents import DocumentError, parse_document
from migration_checks.git_base import BaseError

if TYPE_CHECKING:
    from migration_checks.context import MigrationContext
    from migration_checks.policy import Policy

DEFAULT_INITIAL_STATES = ("PROPOSED",)


@dataclass(frozen=True, slots=True)
class Anchor:
    """What the base commit says about a migration directory."""

    verified: bool  # a base commit was given
    commit: str | None = None  # its short SHA
    previous: str | None = None  # the base's target_state; None for a new directory
    unreadable: str | None = None  # why the base's metadata cannot be used
    elsewhere: str | None = None  # where the base holds this project, for a directory new here


def anchor(ctx: MigrationContext) -> Anchor:
    """The base commit's word on this directory, read once."""
    return ctx.derived("anchoring.anchor", _anchor)


def _anchor(ctx: MigrationContext) -> Anchor:
    view = ctx.base
    if view is None:
        return Anchor(verified=False)
    short = view.commit.short
    path = artifacts.METADATA.path
    try:
        raw = view.read(path, ctx.limits.max_file_bytes)
        if raw is None:
            if not view.exists():
                others = view.commit.directories_named(ctx.dir_name)
                return Anchor(verified=True, commit=short, elsewhere=others[0] if others else None)
            return Anchor(
                verified=True,
                commit=short,
                unreadable=f"the base commit {short} has this directory but no {path}",
            )
        document = parse_document(path, raw, "json", ctx.limits)
    except BaseError as exc:
        return Anchor(verified=True, commit=short, unreadable=f"the base commit: {exc}")
    except DocumentError as exc:
        return Anchor(
            verified=True,
            commit=short,
            unreadable=f"{path} at the base commit {short} does not parse ({exc})",
        )
    previous = document.get("/target_state")
    if previous not in states.STATES:
        return Anchor(
            verified=True,
            commit=short,
            unreadable=f"{path} at the base commit {short} has no valid target_state",
        )
    return Anchor(verified=True, commit=short, previous=previous)


def initial_states(policy: Policy) -> tuple[str, ...]:
    listed: Any = policy.setting("lifecycle", "initial_states")
    return tuple(listed) if listed else DEFAULT_INITIAL_STATES


def anchored_state(ctx: MigrationContext) -> str | None:
    """The state the migration is really in: the base's target_state where the base has the
    directory, else the head's ``state`` (which anchoring requires to be an initial state)."""
    found = anchor(ctx)
    if found.previous is not None:
        return found.previous
    state = ctx.data("metadata", "/state")
    return state if isinstance(state, str) else None


def state_problem(ctx: MigrationContext, state: str) -> str | None:
    """Why the head's ``state`` is not where the base leaves the migration, or None (also when
    there is no base to compare with: ``unverified`` tells that case)."""
    found = anchor(ctx)
    if not found.verified:
        return None
    if found.unreadable is not None:
        return f"the state cannot be anchored: {found.unreadable}"
    if found.elsewhere is not None:
        return (
            f'the base commit {found.commit} already holds this migration at "{found.elsewhere}"; '
            "a pull request continues a migration where it is, so a second directory of the same "
            "project cannot start over"
        )
    if found.previous is None:
        allowed = initial_states(ctx.policy)
        if state in allowed:
            return None
        listed = ", ".join(f'"{s}"' for s in allowed)
        return (
            f"a new migration directory starts at {listed} (lifecycle.initial_states of the base "
            f'policy), not "{state}"'
        )
    if state == found.previous:
        return None
    return (
        f'state is "{state}" but the base commit {found.commit} leaves this migration at '
        f'"{found.previous}" (the target_state its last merged pull request reached); a pull '
        "request starts where the base ends"
    )


UNVERIFIED = (
    "the state was not verified against the base commit (no --base), so a pull request could "
    "claim any state here; the actions pass the base, run with --base SHA to verify it locally"
)


def post_execution_not_applicable(ctx: MigrationContext) -> str | None:
    """Why stage 6 does not apply, or None (SPEC section 5)."""
    state = anchored_state(ctx)
    if state is not None and states.rank(state) >= states.rank("EXECUTED"):
        return None
    if ctx.parallel_run_paths():
        return None
    return (
        "stage 6 applies from EXECUTED on (the state anchored to the base commit), or when "
        f"reconciliation/parallel_runs/ holds runs; the plan is {state or 'in an unknown state'} "
        "and has no parallel runs"
    )
