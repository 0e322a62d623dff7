"""Secret canaries pasted into approval records, and how to look for them in what the gate prints.

SPEC section 6.1: what the gate prints from PR-authored files is shown only when it has the
expected form. A canary is random per run, so no test can pass by matching a fixed string, and it
is looked for plain, base64-, URL- and hex-encoded, and as any 8-character piece of it.
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
import string
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.gate.trees import PLAN

_ALNUM = string.ascii_letters + string.digits


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


# A GitHub token's shape, and one with the characters of base64 and of paths ('=', '/', '+').
TOKEN_CANARY = "ghp_" + _random(36)
SLASHED_CANARY = f"sk/{_random(18)}+{_random(14)}=="
CANARIES = (TOKEN_CANARY, SLASHED_CANARY)
PIECE = 8  # no piece of a canary this long may be printed


def encodings(canary: str) -> list[str]:
    raw = canary.encode()
    return [
        canary,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        urllib.parse.quote(canary, safe=""),
        urllib.parse.quote_plus(canary),
        raw.hex(),
        raw.hex().upper(),
    ]


def leaks(canary: str, text: str) -> list[str]:
    """The forms of ``canary`` found in ``text`` (after undoing Markdown backslash escapes)."""
    plain = re.sub(r"\\(.)", r"\1", text)
    found = [form for form in encodings(canary) if form in text or form in plain]
    found += [
        canary[i : i + PIECE]
        for i in range(len(canary) - PIECE + 1)
        if canary[i : i + PIECE] in text or canary[i : i + PIECE] in plain
    ]
    return found


def assert_not_echoed(canary: str, outputs: dict[str, str]) -> None:
    for name, text in outputs.items():
        assert not leaks(canary, text), f"{name} echoes the canary: {leaks(canary, text)[:3]}"


# --- where the canary goes --------------------------------------------------------------------

Records = list[dict[str, Any]]


def _set(*path: str | int) -> Callable[[Records, str], None]:
    def mutate(records: Records, canary: str) -> None:
        node: Any = records
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = canary

    return mutate


def _copied_id(records: Records, canary: str) -> None:
    records[0]["approval_id"] = records[1]["approval_id"] = canary


def _artifact_named(records: Records, canary: str) -> None:
    records[0]["artifacts_reviewed"].append(f"contracts/{canary}.yml")


def _artifact_equal(records: Records, canary: str) -> None:
    records[0]["artifacts_reviewed"].append(canary)


def _tables(records: Records, canary: str) -> None:
    records[0]["scope"]["tables"] = [canary, f"{canary}.orders"]


def _conditions(records: Records, canary: str) -> None:
    records[0]["conditions"] = [canary]


def everywhere(records: Records, canary: str) -> None:
    """The canary in every field at once: record 1 is judged on its paths (times stay valid so
    the file passes its schema); record 2 names the canary as its role; record 3 copies its id."""
    first = records[0]
    first.update(
        approval_id=canary,
        sha256_reviewed=canary,
        comments=canary,
        conditions=[canary, f"rotate {canary}"],
        scope={"tables": [canary], "wave": canary},
        approver={"id": canary, "name": canary, "role": "data_owner", "email": f"{canary}@x.io"},
    )
    first["artifacts_reviewed"] = [
        PLAN,
        f"contracts/{canary}.yml",
        canary,
        f"./{canary}",
        f"../{canary}",
        f"/{canary}",
    ]
    second = copy.deepcopy(first)
    second["approver"]["role"] = canary
    third = copy.deepcopy(records[1])
    third["approval_id"] = canary
    records[1]["approver"]["id"] = canary
    records.extend([second, third])


@dataclass(frozen=True, slots=True)
class Case:
    mutate: Callable[[Records, str], None]
    offline: tuple[str | None, ...]  # pointers where the offline gate must report a finding
    online: tuple[str | None, ...] = ()  # ... and the gate verifying on GitHub (jsmith, lchen)


_ARTIFACTS_OF_FIRST = tuple(f"/approvals/0/artifacts_reviewed/{i}" for i in range(1, 6))
# None: a finding on the records file without a pointer (a role nobody fills).
CASES: dict[str, Case] = {
    "approval_id": Case(_set(0, "approval_id"), ("/approvals/0",)),
    "approval_id_copied": Case(_copied_id, ("/approvals/1/approval_id",)),
    "approver_id": Case(
        _set(0, "approver", "id"), ("/approvals/0",), ("/approvals/0/approver/id",)
    ),
    "approver_name": Case(_set(0, "approver", "name"), ("/approvals/0",)),
    "approver_email": Case(_set(0, "approver", "email"), ("/approvals/0",)),
    "approver_role": Case(_set(0, "approver", "role"), (None,), (None,)),
    "scope_tables": Case(_tables, ("/approvals/0",)),
    "scope_wave": Case(_set(0, "scope", "wave"), ("/approvals/0",)),
    "sha256_reviewed": Case(
        _set(0, "sha256_reviewed"),
        ("/approvals/0/sha256_reviewed",),
        ("/approvals/0/sha256_reviewed",),
    ),
    "artifact_named_after_it": Case(
        _artifact_named,
        ("/approvals/0/artifacts_reviewed/5",),
        ("/approvals/0/artifacts_reviewed/5",),
    ),
    "artifact_equal_to_it": Case(
        _artifact_equal,
        ("/approvals/0/artifacts_reviewed/5",),
        ("/approvals/0/artifacts_reviewed/5",),
    ),
    "comments": Case(_set(0, "comments"), ("/approvals/0",)),
    "conditions": Case(_conditions, ("/approvals/0",)),
    # Not a date-time: the file fails its schema, so the gate judges no record of it.
    "expiry": Case(_set(0, "expiry"), (None,), (None,)),
    "everywhere": Case(
        everywhere,
        (*_ARTIFACTS_OF_FIRST, "/approvals/3/approval_id"),
        (*_ARTIFACTS_OF_FIRST, "/approvals/1/approver/id", "/approvals/3/approval_id"),
    ),
}
