"""file_structure owns links and special files: one problem, one finding, one blocker."""

from __future__ import annotations

from typing import Any

import pytest

from migration_checks.checks.stage1_structural.file_structure import blocker_of


def test_a_linked_evidence_file_is_reported_once(make_tree: Any) -> None:
    tree = make_tree(
        mutations=[
            {"remove": "evidence/profiling_report.json"},
            {"symlink": {"file": "evidence/profiling_report.json", "target": "/etc/hostname"}},
        ]
    )
    (migration,) = tree.result(stages=(1, 2))["migrations"]
    about = [f for f in migration["findings"] if f["severity"] == "error"]
    assert [(f["check"], f["blocker"], f["path"]) for f in about] == [
        ("file_structure", "EVIDENCE_INCOMPLETE", "evidence/profiling_report.json")
    ]
    skipped = {c["id"]: c["status"] for c in migration["checks"]}
    assert skipped["profiling_completeness"] == "skipped"


@pytest.mark.parametrize(
    ("path", "blocker"),
    [
        (".migration_metadata.json", "MISSING_METADATA"),
        ("plans/signed_plan_plan_x.json", "UNSIGNED_PLAN"),
        ("evidence/extra.json", "EVIDENCE_INCOMPLETE"),
        ("evidence.json", "CI_FAILURE"),
        ("code/evidence/x.sql", "CI_FAILURE"),
    ],
)
def test_a_file_that_is_not_a_file_raises_the_blocker_of_its_place(path: str, blocker: str) -> None:
    assert blocker_of(path) == blocker
