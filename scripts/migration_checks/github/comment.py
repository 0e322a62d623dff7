"""One sticky comment per pull request: found by the hidden marker and written only by us.

The comment that carries ``<!-- migration-checks -->`` and was written by the token's own user is
edited in place (not at all when its body is unchanged); when there is none, one is created. A
comment that carries the marker but has another author (anyone can paste the marker) is never
edited, and does not stop the gate from keeping its own. The token's login is read from
``GET /user``; an Actions or app token cannot read that, and its comments are then taken to be
``github-actions[bot]``'s unless the caller names the author (``--comment-author``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from migration_checks.reporters.markdown import COMMENT_LIMIT, MARKER

ACTIONS_BOT = "github-actions[bot]"


class _CommentApi(Protocol):
    def issue_comments(self, number: int) -> Sequence[_Comment]: ...
    def create_comment(self, number: int, body: str) -> int: ...
    def edit_comment(self, comment_id: int, body: str) -> None: ...


class _Comment(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def author(self) -> str | None: ...
    @property
    def body(self) -> str: ...


@dataclass(frozen=True, slots=True)
class CommentOutcome:
    action: Literal["created", "updated", "unchanged"]
    comment_id: int
    foreign_markers: int  # comments with the marker that someone else wrote, left alone


def upsert_sticky(
    api: _CommentApi, number: int, body: str, author: Callable[[], str]
) -> CommentOutcome:
    """Create or update the one sticky comment; ``author`` gives the login our comments carry.

    ``author`` is called only when a comment with the marker exists, so a pull request without
    one costs no identity lookup.
    """
    if len(body) > COMMENT_LIMIT:
        raise ValueError(f"comment body of {len(body)} characters exceeds {COMMENT_LIMIT}")
    if MARKER not in body:
        raise ValueError("the comment body lacks the marker that finds it again")
    marked = [c for c in api.issue_comments(number) if MARKER in c.body]
    if not marked:
        return CommentOutcome("created", api.create_comment(number, body), 0)
    me = author().casefold()
    mine = [c for c in marked if (c.author or "").casefold() == me]
    foreign = len(marked) - len(mine)
    if not mine:
        return CommentOutcome("created", api.create_comment(number, body), foreign)
    sticky = mine[0]  # the oldest; later duplicates (from another tool's race) are left alone
    if sticky.body == body:
        return CommentOutcome("unchanged", sticky.id, foreign)
    api.edit_comment(sticky.id, body)
    return CommentOutcome("updated", sticky.id, foreign)
