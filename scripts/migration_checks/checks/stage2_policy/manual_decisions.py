"""Verify that every manual decision the migration raised has been resolved, by someone, in the past.

A manual decision is a question the planner could not answer alone (may this column narrow?
may this table be dropped?); migrating before a person answered it means nobody did. The file is
``contracts/manual_decisions.json`` (or its other name, ``manual_decisions_required.json``); it
exists only when a decision exists, so no file means no decision and a pass. Every decision must
have ``status: resolved``; the schema already requires ``resolution``, ``resolved_by`` and
``resolved_at`` on a resolved decision, so this check adds what a schema cannot say: the
resolution and resolver are not blank, and ``resolved_at`` is not in the future (a date nobody
can have resolved it on yet).

Passes: no decisions file; every decision resolved by a named person at a past time.
Fails: ``dec_003`` has ``status: unresolved``; ``resolved_at: 2999-01-01T00:00:00Z``;
``resolved_by: " "``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Stage

ID = "manual_decisions"
STAGE = Stage.POLICY
BLOCKING = True
RAISES = (BlockerId.UNRESOLVED_MANUAL_DECISIONS,)

_UNRESOLVED = BlockerId.UNRESOLVED_MANUAL_DECISIONS
_QUESTION_CHARS = 120


def check(ctx: MigrationContext) -> Iterator[Problem]:
    path = ctx.artifact_path("decisions")
    if path is None or (
        path not in ctx.tree.files and path not in ctx.tree.special and not ctx.tree.is_link(path)
    ):
        return  # no decisions file: no decision was raised
    decisions = ctx.require("decisions")
    now = datetime.now(UTC)
    for index, decision in enumerate(decisions.data["decisions"]):
        label = f'manual decision "{decision["id"]}"'
        if decision["status"] != "resolved":
            yield Problem(
                f"{label} is unresolved: {_question(decision)}; resolve it (resolution, "
                "resolved_by, resolved_at) before the migration moves on",
                _UNRESOLVED,
                decisions.at(f"/decisions/{index}/status"),
            )
            continue
        for field in ("resolution", "resolved_by"):
            if not decision[field].strip():
                yield Problem(
                    f"{label} is resolved with a blank {field}",
                    _UNRESOLVED,
                    decisions.at(f"/decisions/{index}/{field}"),
                )
        resolved_at = _timestamp(decision["resolved_at"])
        if resolved_at is not None and resolved_at > now:
            yield Problem(
                f'{label} is resolved in the future: resolved_at "{decision["resolved_at"]}" is after '
                f"now ({now.strftime('%Y-%m-%dT%H:%M:%SZ')})",
                _UNRESOLVED,
                decisions.at(f"/decisions/{index}/resolved_at"),
            )


def _question(decision: dict[str, Any]) -> str:
    text = " ".join(str(decision["question"]).split())
    if len(text) > _QUESTION_CHARS:
        text = text[: _QUESTION_CHARS - 1] + "…"
    return f'"{text}"'


def _timestamp(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:  # the schema's date-time format is stricter than most readers; never crash
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
