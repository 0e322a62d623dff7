"""``--format json``: the frozen v1 result of SPEC section 7, from real runs over fixture trees."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from migration_checks.model import Severity
from migration_checks.reporters import json_v1
from tests.conftest import run_cli
from tests.reporters._factories import (
    MANY_BLOCKER_MUTATIONS,
    SIGNED_PLAN,
    UNSIGNED_PLAN_MUTATIONS,
    check_result_errors,
    finding,
    migration,
    mixed_findings,
    run_result,
)

ALL_STAGES = (1, 2, 3, 4, 5, 6)


def assert_consistent(result: dict[str, Any]) -> None:
    """What every v1 result must satisfy beyond its schema."""
    assert check_result_errors(result) == []
    union: set[str] = set()
    for m in result["migrations"]:
        raised = {f["blocker"] for f in m["findings"] if f["blocker"] is not None}
        assert m["blockers"] == sorted(raised), m["path"]
        assert m["blocked"] is bool(raised)
        union |= raised
    union |= {f["blocker"] for f in result["findings"] if f["blocker"] is not None}
    assert result["blockers"] == sorted(union)
    assert len(result["blockers"]) == len(set(result["blockers"]))
    assert result["blocked"] is bool(union)
    assert result["blocked"] is (
        any(m["blocked"] for m in result["migrations"])
        or any(f["blocker"] for f in result["findings"])
    )

    examined = result["examined"]
    statuses = Counter(c["status"] for m in result["migrations"] for c in m["checks"])
    assert examined["migrations"] == len(result["migrations"])
    assert examined["files_parsed"] == sum(m["files_parsed"] for m in result["migrations"])
    assert examined["checks_passed"] == statuses["passed"]
    assert examined["checks_failed"] == statuses["failed"]
    assert examined["checks_errored"] == statuses["error"]
    assert examined["checks_skipped"] == statuses["skipped"]
    assert examined["checks_not_applicable"] == statuses["not_applicable"]
    assert examined["checks_run"] == (
        examined["checks_passed"] + examined["checks_failed"] + examined["checks_errored"]
    )
    assert examined["checks_run"] + examined["checks_skipped"] + examined[
        "checks_not_applicable"
    ] == sum(len(m["checks"]) for m in result["migrations"])


def assert_paths_relative(result: dict[str, Any], workspace: Path) -> None:
    for m in result["migrations"]:
        directory = Path(m["path"])
        if not directory.is_absolute():
            directory = workspace / directory
        for f in m["findings"]:
            if f["path"] is None:
                continue
            assert not f["path"].startswith("/"), f
            assert not Path(f["path"]).is_absolute(), f
            assert ".." not in Path(f["path"]).parts, f
            assert "migration-pr-" not in f["path"], f"path not relative to the migration: {f}"
            assert (directory / f["path"]).exists(), f


def test_valid_tree_all_stages(make_tree: Any) -> None:
    tree = make_tree()
    result = tree.result(stages=ALL_STAGES)
    assert_consistent(result)
    assert_paths_relative(result, tree.workspace)
    assert result["blocked"] is False
    assert result["blockers"] == []
    assert result["stages"] == list(ALL_STAGES)
    assert result["schema_version"] == "v1"
    assert result["tool"]["name"] == "migration-checks"
    (m,) = result["migrations"]
    assert Path(m["path"]).name == tree.migration.name
    assert m["project_id"] == "proj_shop2026"
    assert (m["state"], m["target_state"]) == ("PLANNED", "EXECUTED")
    assert result["examined"]["checks_run"] >= 1
    assert all(f["blocker"] is None for f in m["findings"])


def test_unsigned_plan_tree(make_tree: Any) -> None:
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    outcome = tree.run("--format", "json")
    assert outcome.exit_code == 1
    result = json.loads(outcome.stdout)
    assert_consistent(result)
    assert_paths_relative(result, tree.workspace)
    assert result["blocked"] is True
    assert result["blockers"] == ["UNSIGNED_PLAN"]
    (m,) = result["migrations"]
    (bad,) = [f for f in m["findings"] if f["blocker"] == "UNSIGNED_PLAN"]
    assert bad["check"] == "plan_signature"
    assert bad["stage"] == 1
    assert bad["severity"] == "error"
    assert bad["path"] == SIGNED_PLAN
    assert 'unknown signing key "rogue"' in bad["message"]
    assert bad["resolution"] == "Re-generate signed plan"
    # line/column point at the key id's value in the file as written
    lines = (tree.migration / SIGNED_PLAN).read_text(encoding="utf-8").splitlines()
    assert bad["line"] is not None
    assert bad["column"] is not None
    assert lines[bad["line"] - 1][bad["column"] - 1 :].startswith('"rogue"')
    statuses = {c["id"]: c["status"] for c in m["checks"]}
    assert statuses["plan_signature"] == "failed"
    # blocker findings first in the migration's list
    kinds = [f["blocker"] is not None for f in m["findings"]]
    assert kinds == sorted(kinds, reverse=True)


def test_many_blockers_sorted_and_unique(make_tree: Any) -> None:
    tree = make_tree(mutations=MANY_BLOCKER_MUTATIONS, resign_plan=False)
    result = tree.result()
    assert_consistent(result)
    assert_paths_relative(result, tree.workspace)
    (m,) = result["migrations"]
    raised = [f["blocker"] for f in m["findings"] if f["blocker"]]
    assert len(raised) > len(set(raised)), "the case should raise one blocker twice"
    assert {"MISSING_METADATA", "SCHEMA_VALIDATION_FAILED", "UNSIGNED_PLAN"} <= set(
        result["blockers"]
    )
    assert result["blockers"] == sorted(set(raised))
    assert m["blockers"] == result["blockers"]


def test_two_migrations(make_tree: Any) -> None:
    """Top-level blockers are the union over migrations; a clean one stays unblocked."""
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    clean = make_tree()
    # every tree is signed with the same session key, which both policies trust
    shutil.copytree(clean.migration, tree.workspace / "other" / clean.migration.name)
    result = tree.result()
    assert_consistent(result)
    assert len(result["migrations"]) == 2
    assert sorted(m["blocked"] for m in result["migrations"]) == [False, True]
    assert result["blockers"] == ["UNSIGNED_PLAN"]


def test_empty_directory_run_level_finding(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    outcome = run_cli("check", str(empty), "--format", "json")
    assert outcome.exit_code == 1
    result = json.loads(outcome.stdout)
    assert_consistent(result)
    assert result["migrations"] == []
    assert result["examined"]["migrations"] == 0
    assert result["examined"]["checks_run"] == 0
    (f,) = result["findings"]
    assert f["stage"] is None
    assert f["path"] is None
    assert f["blocker"] == "CI_FAILURE"
    assert f["severity"] == "error"
    assert "nothing was examined" in f["message"]
    assert result["blockers"] == ["CI_FAILURE"]
    assert result["blocked"] is True


def test_empty_directory_allowed(tmp_path: Path) -> None:
    outcome = run_cli("check", str(tmp_path), "--format", "json", "--allow-empty")
    assert outcome.exit_code == 0
    result = json.loads(outcome.stdout)
    assert_consistent(result)
    (f,) = result["findings"]
    assert f["blocker"] is None
    assert f["severity"] == "notice"
    assert result["blocked"] is False


def test_result_file_equals_stdout(make_tree: Any, tmp_path: Path) -> None:
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    result_file = tmp_path / "result.json"
    outcome = tree.run("--format", "json", "--result-file", str(result_file))
    assert json.loads(result_file.read_text(encoding="utf-8")) == json.loads(outcome.stdout)


def test_hand_built_result_validates_and_sorts() -> None:
    """Blockers come out sorted and unique however the findings arrive."""
    findings = mixed_findings(500)
    run_level = [finding("run-level", severity=Severity.NOTICE, check="discovery", stage=None)]
    result = json.loads(json_v1.render(run_result([migration(reversed(findings))], run_level)))
    assert_consistent(result)
    assert result["blockers"] == sorted(
        {
            "CI_FAILURE",
            "EVIDENCE_INCOMPLETE",
            "MISSING_METADATA",
            "SCHEMA_VALIDATION_FAILED",
            "UNSIGNED_PLAN",
        }
    )
    assert len(result["migrations"][0]["findings"]) == 500
    assert result["findings"][0]["message"] == "run-level"


@pytest.mark.parametrize("text", ["a\nb", "\x1b[31m", "\u2028", '"quoted" \\ back'])
def test_untrusted_text_round_trips(text: str) -> None:
    """JSON carries the raw text (it is data, escaped by JSON itself) and stays one document."""
    f = finding(f"bad {text}", path=f"contracts/{text}.json")
    rendered = json_v1.render(run_result([migration([f])]))
    assert "\x1b" not in rendered
    data = json.loads(rendered)
    assert check_result_errors(data) == []
    (got,) = data["migrations"][0]["findings"]
    assert got["message"] == f"bad {text}"
    assert got["path"] == f"contracts/{text}.json"
