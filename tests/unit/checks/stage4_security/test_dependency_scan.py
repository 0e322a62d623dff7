"""dependency_scan and its vulnerability sources: the local OSV directory plugged under pip-audit's
OsvService, what the service sees, and every way the source can fail."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from migration_checks import vulnerabilities
from migration_checks.vulnerabilities import LocalOsvDatabase, OsvDirectoryError, choose_service
from tests.conftest import OSV_DIRECTORY, build_tree


def _record(package: str, events: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "id": extra.pop("id", f"TEST-{package}"),
        "summary": f"a flaw in {package}",
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        **extra,
    }


def _database(tmp_path: Path, *records: dict[str, Any]) -> Path:
    for record in records:
        (tmp_path / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("events", "affected", "safe"),
    [
        ([{"introduced": "0"}, {"fixed": "2.0"}], ["0.1", "1.9.9"], ["2.0", "2.1"]),
        ([{"introduced": "1.2"}, {"fixed": "1.4"}], ["1.2", "1.3.5"], ["1.1", "1.4", "5"]),
        ([{"introduced": "1.0"}, {"last_affected": "1.5"}], ["1.0", "1.5"], ["0.9", "1.5.1"]),
        (
            [{"introduced": "1.0"}, {"fixed": "1.1"}, {"introduced": "2.0"}, {"fixed": "2.2"}],
            ["1.0.5", "2.1"],
            ["1.1", "1.9", "2.2"],
        ),
        ([{"introduced": "3.0"}], ["3.0", "9.9"], ["2.9"]),
    ],
)
def test_ecosystem_ranges(
    tmp_path: Path, events: list[dict[str, str]], affected: list[str], safe: list[str]
) -> None:
    database = LocalOsvDatabase.load(_database(tmp_path, _record("Some_Package", events)))
    for version in affected:
        assert database.affecting("some-package", Version(version)), version
    for version in safe:
        assert not database.affecting("some-package", Version(version)), version


def test_both_layouts_of_the_fixture_directory_are_read() -> None:
    database = LocalOsvDatabase.load(OSV_DIRECTORY)
    (jinja,) = database.affecting("Jinja2", Version("2.10"))
    assert jinja["id"] == "PYSEC-2019-217"  # from vulns/jinja2/*.yaml
    (requests_record,) = database.affecting("requests", Version("2.30.0"))
    assert requests_record["id"] == "PYSEC-2023-74"  # from export/*.json
    assert not database.affecting("requests", Version("2.31.0"))
    assert not database.affecting("requests", Version("2.2.1"))  # introduced in 2.3.0


def test_pip_audit_parses_what_the_local_transport_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pip_audit._service import ResolvedDependency

    monkeypatch.delenv(vulnerabilities.OSV_DIR_ENV)  # the policy's directory, not the tests' one

    withdrawn = _record("flask", [{"introduced": "0"}], id="TEST-withdrawn")
    withdrawn["withdrawn"] = "2024-01-01T00:00:00Z"
    live = _record("flask", [{"introduced": "0"}, {"fixed": "2.3.2"}], id="TEST-live")
    live["aliases"] = ["CVE-2023-30861"]
    choice = choose_service("osv", str(_database(tmp_path, withdrawn, live)), 5, tmp_path)
    assert "local OSV directory" in choice.description
    _, found = choice.service.query(ResolvedDependency(name="Flask", version=Version("2.2.0")))
    (vuln,) = found  # the withdrawn record is dropped by pip-audit itself
    assert {vuln.id, *vuln.aliases} == {"TEST-live", "CVE-2023-30861"}
    assert vuln.fix_versions == [Version("2.3.2")]


def test_the_environment_overrides_the_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(vulnerabilities.OSV_DIR_ENV, str(OSV_DIRECTORY))
    choice = choose_service("pypi", str(tmp_path / "elsewhere"), 5, tmp_path)
    assert choice.description == f"the local OSV directory {OSV_DIRECTORY}"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "is not a directory"),
        ({}, "holds no OSV record"),
        ({"bad.json": "{not json"}, "bad.json is not a readable OSV record"),
        ({"list.json": "[1, 2]"}, "list.json is not an OSV record"),
        ({"dup.yaml": "id: A\nid: B\n"}, "dup.yaml is not a readable OSV record"),
    ],
)
def test_an_unusable_directory_says_why(
    tmp_path: Path, content: dict[str, str] | None, reason: str
) -> None:
    directory = tmp_path / "osv"
    if content is not None:
        directory.mkdir()
        for name, text in content.items():
            (directory / name).write_text(text, encoding="utf-8")
    with pytest.raises(OsvDirectoryError, match=reason):
        LocalOsvDatabase.load(directory)


def _scan(tmp_path: Path, requirements: str, **policy: Any) -> list[dict[str, Any]]:
    tree = build_tree(
        tmp_path,
        mutations=[{"write": {"file": "code/spark/requirements.txt", "content": requirements}}],
        policy={"/dependency_scan": policy} if policy else None,
    )
    result = tree.result(stages=(4,))
    return [f for f in result["migrations"][0]["findings"] if f["check"] == "dependency_scan"]


def test_an_unusable_directory_is_one_error_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(vulnerabilities.OSV_DIR_ENV, str(tmp_path / "missing"))
    (finding,) = _scan(tmp_path, "jinja2==2.10\n")
    assert finding["blocker"] == "CI_FAILURE"
    assert "the local OSV directory cannot be used" in finding["message"]
    assert finding["path"] == "code/spark/requirements.txt"


def test_an_unreachable_service_is_a_clear_error_without_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No local directory: the scan asks api.osv.dev, through a proxy that refuses connections,
    # so the test means the same with or without internet.
    monkeypatch.delenv(vulnerabilities.OSV_DIR_ENV)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    started = time.monotonic()
    (finding,) = _scan(tmp_path, "jinja2==2.10\n", timeout_seconds=5)
    assert time.monotonic() - started < 30
    assert finding["blocker"] == "CI_FAILURE"
    assert "could not query OSV (api.osv.dev)" in finding["message"]
    assert "MIGRATION_CHECKS_OSV_DIR" in finding["message"]


def test_each_distinct_pin_is_queried_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []
    original = LocalOsvDatabase.affecting

    def counting(self: LocalOsvDatabase, package: str, version: Version) -> list[dict[str, Any]]:
        asked.append((package, str(version)))
        return original(self, package, version)

    monkeypatch.setattr(LocalOsvDatabase, "affecting", counting)
    tree = build_tree(
        tmp_path,
        mutations=[
            {"write": {"file": "code/spark/requirements.txt", "content": "jinja2==2.10\n"}},
            {
                "write": {
                    "file": "code/dbt/requirements.txt",
                    "content": "Jinja2==2.10\nsix==1.16.0\n",
                }
            },
        ],
    )
    findings = tree.result(stages=(4,))["migrations"][0]["findings"]
    assert sorted(asked) == [("jinja2", "2.10"), ("six", "1.16.0")]
    assert sorted(f["path"] for f in findings if f["check"] == "dependency_scan") == [
        "code/dbt/requirements.txt",
        "code/spark/requirements.txt",
    ]


def test_files_outside_code_and_other_names_are_not_audited(tmp_path: Path) -> None:
    tree = build_tree(
        tmp_path,
        mutations=[
            {"write": {"file": "requirements.txt", "content": "jinja2==2.10\n"}},
            {"write": {"file": "code/spark/notes.txt", "content": "jinja2==2.10\n"}},
        ],
    )
    result = tree.result(stages=(4,))["migrations"][0]
    assert not [f for f in result["findings"] if f["check"] == "dependency_scan"]
    (outcome,) = [c for c in result["checks"] if c["id"] == "dependency_scan"]
    assert outcome["status"] == "passed"
