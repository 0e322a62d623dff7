"""The merge queue: which pull request a ``merge_group`` run is checking, read from the queue's ref.

A ``merge_group`` event carries no ``pull_request``. GitHub builds each queue entry on a
temporary branch it names itself, ``merge_group.head_ref``::

    refs/heads/gh-readonly-queue/{base branch}/pr-{number}-{sha}

where ``sha`` is the commit the entry is built on: ``merge_group.base_sha``, the base branch's
head for the first entry of the queue and the previous entry's queue commit for the next ones.
The ref names the pull request, not its head commit; the gate reads the head from the API and
verifies the approvals on it, as on the pull request's own run (``gate.run``).

The ref comes from GitHub, not from the pull request's author, but it is still parsed strictly
(a bounded pattern, a full lower-case SHA) and a value of another form is never echoed: it is
named by the option it came in (SPEC section 6.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUEUE_PREFIX = "refs/heads/gh-readonly-queue/"
QUEUE_REF_FORM = (
    "refs/heads/gh-readonly-queue/<base branch>/pr-<number>-<40 hex digits: the commit the "
    "entry is built on>"
)
# A branch name of letters, digits and ._+- in /-separated parts, none empty or starting with
# "." or "-": every branch a merge queue is usually set on, and nothing that could start a
# mention, a link or a workflow command when it is shown.
_BRANCH = r"[A-Za-z0-9_+][A-Za-z0-9._+-]*(?:/[A-Za-z0-9_+][A-Za-z0-9._+-]*)*"
_QUEUE_REF = re.compile(
    rf"refs/heads/gh-readonly-queue/(?P<branch>{_BRANCH})"
    r"/pr-(?P<number>[1-9][0-9]{0,9})-(?P<sha>[0-9a-f]{40})"
)
_MAX_LENGTH = 512


class QueueRefError(ValueError):
    """The value is not a merge queue ref; the message never quotes it."""


@dataclass(frozen=True, slots=True)
class QueueRef:
    """A merge queue entry, as its ref names it."""

    base_branch: str  # the branch the queue merges into, e.g. "main"
    pr: int  # the pull request the entry merges
    base_sha: str  # the commit the entry is built on (merge_group.base_sha)

    @property
    def ref(self) -> str:
        return f"{QUEUE_PREFIX}{self.base_branch}/pr-{self.pr}-{self.base_sha}"


def parse_queue_ref(value: str) -> QueueRef:
    """The entry named by ``value`` (``merge_group.head_ref``), or QueueRefError saying why not."""
    match = _QUEUE_REF.fullmatch(value) if len(value) <= _MAX_LENGTH else None
    if match is None or ".." in match["branch"] or match["branch"].endswith((".", ".lock")):
        raise QueueRefError(
            f"expected {QUEUE_REF_FORM}, as GitHub names a merge queue entry "
            "(merge_group.head_ref of the merge_group event); the value given has another form "
            "and is not shown"
        )
    return QueueRef(match["branch"], int(match["number"]), match["sha"])
