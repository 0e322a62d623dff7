"""A 5,000-digit integer in an approval record: a finding at its place, never an internal error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Tree
from tests.gate.test_cli_gate import all_findings, gate_json
from tests.gate.trees import BRANCH, gate_tree

BIG = "9" * 5000


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"wave": "wave_1"', f'"wave": {BIG}'),
        ('"id": "jsmith"', f'"id": -{BIG}'),
        ('"approved_at": "2026-11-04T10:12:00Z"', f'"approved_at": {BIG}.5'),
    ],
)
def test_a_huge_number_in_an_approval_record(
    make_tree: Callable[..., Tree], old: str, new: str
) -> None:
    tree = gate_tree(make_tree)
    records = tree.migration / "evidence" / "approval_records.json"
    text = records.read_text(encoding="utf-8")
    assert old in text
    records.write_text(text.replace(old, new, 1), encoding="utf-8")

    checked = tree.result(stages=(1, 2))
    (migration,) = checked["migrations"]
    assert all(c["status"] != "error" for c in migration["checks"]), migration["checks"]
    about = [f for f in migration["findings"] if f["path"] == "evidence/approval_records.json"]
    assert about and all(f["line"] for f in about)
    assert migration["blockers"] in (["SCHEMA_VALIDATION_FAILED"],)

    code, gated = gate_json(tree, "--branch", BRANCH)
    assert code == 1
    messages: list[Any] = [f["message"] for f in all_findings(gated)]
    assert not any("internal" in m.lower() for m in messages), messages
