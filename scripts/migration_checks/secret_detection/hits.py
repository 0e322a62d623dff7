"""Hits: what a scan reports, without the value.

A secret value never leaves this package: a ``Hit`` carries the secret's type, where it is, and
detect-secrets' ``hashed_secret`` (SHA-1 of the value), whose first 8 hex digits are the
fingerprint reports show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FINGERPRINT_HEX = 8


@dataclass(frozen=True, slots=True)
class Hit:
    """A secret found in a file: its type, where it is and the SHA-1 of its value (detect-secrets'
    ``hashed_secret``), never the value itself."""

    kind: str
    path: str
    line: int | None
    column: int | None
    hashed_secret: str
    key: str | None = None  # the key a credential value is under
    # Whether the text hashed tells this secret from the others of its type (see ``identifies``).
    identifies: bool = True
    in_name: bool = False  # found in the file's path, not in its content

    @property
    def fingerprint(self) -> str:
        """The first hex digits of ``hashed_secret``: stable, and found in a baseline by search."""
        return self.hashed_secret[:FINGERPRINT_HEX]


# Texts a plugin reports, and hashes, whatever the secret it found: detect-secrets 1.5's GitHub
# plugin reports only a token's prefix ("ghp"), its GitLab plugin a token's prefix ("glpat") or a CI
# build token's partition (two hex digits and "_"), its private-key plugin the key's header line.
# The hash of such a text is the same for every secret of the type, so a baseline entry for one
# would suppress every other one of the file. A length floor would not do: a private key's header
# is 21 characters and more, and a short keyword value is the whole secret. The patterns are a
# little wider than the plugins' literals, so that a new prefix of the same shape is caught too.
FIXED_TEXTS: dict[str, re.Pattern[str]] = {
    "GitHub Token": re.compile(r"gh[a-z]"),
    "GitLab Token": re.compile(r"gl[a-z]{2,6}|[0-9a-fA-F]{2}_"),
    "Private Key": re.compile(r"(?s).*"),  # every pattern of the plugin is a literal header
}


def identifies(kind: str, text: str) -> bool:
    """Whether ``text``, as a plugin of type ``kind`` reported it, tells one secret from another
    of that type; only then can a baseline entry (its hash) suppress exactly that secret."""
    fixed = FIXED_TEXTS.get(kind)
    return fixed is None or fixed.fullmatch(text) is None


@dataclass(frozen=True, slots=True)
class Found:
    """A secret one of our rules found, before it becomes a Hit: the value stays in the package."""

    kind: str
    value: str
    offset: int  # where the value starts in the text


@dataclass(frozen=True, slots=True)
class FileScan:
    path: str
    hits: tuple[Hit, ...] = ()
    # Why the file could not be scanned, when that leaves a secret possible (over the size
    # limit); binary files and files that must not be read (links) are not scanned, silently.
    not_scanned: str | None = None
