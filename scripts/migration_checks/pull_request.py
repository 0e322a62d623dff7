"""What a pull request is made of, as the GitHub client reads it and the gate judges it.

These types sit below both ``github/`` (which builds them from the REST API) and ``gate/``
(which judges them), so that neither package imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Review:
    """A review of the pull request: who, with what decision, on which commit."""

    login: str
    state: str
    commit_id: str | None


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    message: str
    parents: int

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].rstrip("\r")

    @property
    def is_merge(self) -> bool:
        return self.parents >= 2
