"""What the gate prints of a value the pull request's author wrote (SPEC section 6.1).

A PR-authored value reaches annotations, the job summary, the reports, the sticky comment and the
merge message, so the author could make the gate print a secret. A value is therefore shown,
quoted, only when it has the form its field expects; anything else is named by its place
(``the approver at /approvals/0/approver/id``), never echoed. The forms:

- approver: a GitHub login (letters, digits and single inner hyphens, 1 to 39 characters), or,
  with GitHub access, the login of someone who reviewed the pull request;
- approval_id: ``^appr_[a-z0-9]{3,32}$`` (``appr_shop01``, ``appr_abc123``), in the style of the
  project and plan ids;
- role: a role the policy names (``approvals.transitions`` or ``approvals.roles``);
- a reviewed artifact: a path of safe printable characters that is a file of the migration
  directory's listing;
- sha256_reviewed: 64 lower-case hex digits, of which the first 12 are shown;
- project_id, plan_id: their schema patterns; transition: two states of the lifecycle.

Times are never echoed either: a message shows the moment a time parsed to, or says why it did
not parse. Everything else of a record (name, e-mail, scope, comments, conditions) is never
printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from migration_checks import states

GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
APPROVAL_ID = re.compile(r"^appr_[a-z0-9]{3,32}$")
PROJECT_ID = re.compile(r"^proj_[a-z0-9]{4,32}$")  # defs.schema.json#/$defs/project_id
PLAN_ID = re.compile(r"^plan_[a-z0-9]{3,32}$")  # defs.schema.json#/$defs/plan_id
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# Letters, digits and a few punctuation marks: nothing that could end the quotes or the Markdown
# code span a path is shown in, nor start a mention, a link or a workflow command.
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._/+=-]+$")
DIGEST_SHOWN = 12  # hex digits of a digest a message shows


@dataclass(frozen=True, slots=True)
class Shown:
    """A PR-authored value as the gate may print it."""

    what: str  # the field, e.g. "approver"
    pointer: str  # RFC 6901 pointer into the file, e.g. /approvals/0/approver/id
    value: str | None  # the value when it has its expected form, else None

    @property
    def place(self) -> str:
        return f"the {self.what} at {self.pointer}"

    @property
    def quoted(self) -> str:
        """``"jsmith"``, or the place: for a sentence that already says what the value is."""
        return f'"{self.value}"' if self.value is not None else self.place

    @property
    def bare(self) -> str:
        """``jsmith``, or the place: for a table cell or the merge message."""
        return self.value if self.value is not None else self.place

    def __str__(self) -> str:
        """``approver "jsmith"``, or ``the approver at /approvals/0/approver/id``."""
        return f'{self.what} "{self.value}"' if self.value is not None else self.place


def show(what: str, pointer: str, value: object, has_form: Callable[[str], bool]) -> Shown:
    """The one rule: ``value`` is shown only when it is text of the expected form."""
    fits = isinstance(value, str) and value.isprintable() and has_form(value)
    return Shown(what, pointer, value if fits and isinstance(value, str) else None)


def _matches(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda value: pattern.fullmatch(value) is not None


def _is_transition(value: str) -> bool:
    state, separator, target = value.partition("_to_")
    return bool(separator) and state in states.STATES and target in states.STATES


@dataclass(frozen=True, slots=True, kw_only=True)
class Forms:
    """What the gate knows to be well-formed: the policy's roles, the migration directory's files
    and, with GitHub access, the pull request's reviewers."""

    roles: Collection[str] = frozenset()
    files: Collection[str] = frozenset()
    reviewers: Collection[str] = frozenset()  # casefolded logins

    def approver(self, value: object, pointer: str) -> Shown:
        return show(
            "approver",
            pointer,
            value,
            lambda login: (
                GITHUB_LOGIN.fullmatch(login) is not None or login.casefold() in self.reviewers
            ),
        )

    def approval_id(self, value: object, pointer: str) -> Shown:
        return show("approval_id", pointer, value, _matches(APPROVAL_ID))

    def role(self, value: object, pointer: str) -> Shown:
        return show("role", pointer, value, lambda role: role in self.roles)

    def artifact(self, value: object, pointer: str) -> Shown:
        return show(
            "reviewed artifact",
            pointer,
            value,
            lambda path: _SAFE_PATH.fullmatch(path) is not None and path in self.files,
        )

    def digest(self, value: object, pointer: str) -> Shown:
        shown = show("sha256_reviewed", pointer, value, _matches(SHA256_HEX))
        if shown.value is None:
            return shown
        return Shown(shown.what, pointer, f"{shown.value[:DIGEST_SHOWN]}…")

    def project_id(self, value: object, pointer: str) -> Shown:
        return show("project", pointer, value, _matches(PROJECT_ID))

    def plan_id(self, value: object, pointer: str) -> Shown:
        return show("plan", pointer, value, _matches(PLAN_ID))

    def transition(self, value: object, pointer: str) -> Shown:
        return show("transition", pointer, value, _is_transition)
