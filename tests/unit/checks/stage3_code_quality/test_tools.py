"""Stage 3's tool runner: containment, configuration discovery, path mapping, hostile reports."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migration_checks.checks.stage3_code_quality import _tools, lint_sql, lint_yaml, unit_tests
from migration_checks.checks.stage3_code_quality.lint_yaml import truthy_scalars
from migration_checks.context import MigrationContext
from migration_checks.policy import load_policy
from tests.conftest import Tree

MakeTree = Callable[..., Tree]


def findings(tree: Tree, check: str | None = None) -> list[dict[str, Any]]:
    (migration,) = tree.result(stages=(3,))["migrations"]
    found: list[dict[str, Any]] = migration["findings"]
    return [f for f in found if check is None or f["check"] == check]


def snapshot(root: Path) -> dict[str, str]:
    """Every entry below ``root`` (links and directories too) with its content's digest."""
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                entries[rel] = f"link:{os.readlink(path)}"
            elif path.is_dir():
                entries[rel] = "dir"
            else:
                entries[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return entries


def test_nothing_is_written_into_the_pr_directory(make_tree: MakeTree) -> None:
    tree = make_tree(
        mutations=[
            # A test that tries to write next to itself writes into the private copy only.
            {
                "write": {
                    "file": "code/spark/test_writes.py",
                    "content": "from pathlib import Path\n\n\ndef test_writes() -> None:\n"
                    "    Path(__file__).with_name('written.txt').write_text('x')\n",
                }
            },
        ]
    )
    before = snapshot(tree.workspace)
    assert findings(tree) == []
    assert snapshot(tree.workspace) == before


def test_a_test_cannot_rewrite_what_the_linters_read(make_tree: MakeTree) -> None:
    # The test finds the linters' copy next to its own and "fixes" the SQL there.
    test = (
        "from pathlib import Path\n\n\ndef test_tamper() -> None:\n"
        "    copy = Path(__file__).resolve().parents[3] / 'lint' / 'code' / 'sql' / 'bad.sql'\n"
        "    if copy.exists():\n"
        "        copy.write_text('select 1\\n')\n"
    )
    tree = make_tree(
        mutations=[
            {"write": {"file": "code/sql/bad.sql", "content": "select a,b from t\n"}},
            {"write": {"file": "code/spark/test_tamper.py", "content": test}},
        ]
    )
    found = findings(tree, "lint_sql")
    assert any(f["message"].startswith("sqruff LT01") for f in found), found


def test_no_variable_of_the_caller_reaches_the_tests(
    make_tree: MakeTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A secret in the environment makes Stage 3 refuse (test_isolation); any other variable of
    # the caller's stays out of the tools' environment too.
    monkeypatch.setenv("MIGRATION_CHECKS_CANARY", "visible")
    test = (
        "import os\n\n\ndef test_env() -> None:\n"
        "    assert 'MIGRATION_CHECKS_CANARY' not in os.environ\n"
    )
    tree = make_tree(mutations=[{"write": {"file": "code/spark/test_env.py", "content": test}}])
    assert findings(tree, "unit_tests") == []


def test_a_config_outside_the_pr_directory_is_not_used(make_tree: MakeTree) -> None:
    tree = make_tree(
        mutations=[{"write": {"file": "code/sql/spacing.sql", "content": "select a,b from t\n"}}]
    )
    # Above the migration directory, where the repository's own configuration would sit.
    (tree.workspace / ".sqruff").write_text("[sqruff]\nexclude_rules = LT01\n", encoding="utf-8")
    (tree.workspace / "ruff.toml").write_text('[lint]\nselect = ["E501"]\n', encoding="utf-8")
    found = findings(tree, "lint_sql")
    assert any(f["message"].startswith("sqruff LT01") for f in found), found


def test_a_symlinked_config_is_refused(make_tree: MakeTree, tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text('[lint]\nignore = ["F401"]\n', encoding="utf-8")
    tree = make_tree(
        mutations=[
            {"symlink": {"file": "code/airflow/ruff.toml", "target": str(outside)}},
            {"write": {"file": "code/airflow/dags/x.py", "content": "import os\n"}},
        ]
    )
    found = findings(tree, "lint_python")
    assert any("is a symbolic link; links are refused" in f["message"] for f in found), found
    assert all(f["blocker"] == "CI_FAILURE" for f in found)


def test_a_file_name_with_spaces_and_unicode(make_tree: MakeTree) -> None:
    name = "code/sql/commandes spéciales.sql"
    tree = make_tree(mutations=[{"write": {"file": name, "content": "select a,b from t\n"}}])
    found = findings(tree, "lint_sql")
    assert [(f["path"], f["line"], f["column"]) for f in found] == [(name, 1, 10)]


def test_a_missing_linter_is_one_error_naming_it(
    make_tree: MakeTree, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_tools, "search_path", lambda: str(tmp_path / "empty"))
    monkeypatch.setattr(_tools, "module_available", lambda module: False)
    tree = make_tree()
    by_check: dict[str, list[dict[str, Any]]] = {}
    for finding in findings(tree):
        by_check.setdefault(finding["check"], []).append(finding)
    (ruff,) = by_check["lint_python"]
    assert ruff["severity"] == "error" and ruff["blocker"] == "CI_FAILURE"
    assert ruff["message"].startswith("ruff is not installed")
    assert "pip install 'migration-checks[lint]'" in ruff["message"]
    (sqruff,) = by_check["lint_sql"]
    assert sqruff["message"].startswith("sqruff is not installed")
    (mypy,) = by_check["type_check"]
    assert mypy["severity"] == "error" and mypy["blocker"] is None
    assert mypy["message"].startswith("mypy is not installed")


def test_pr_path_maps_back_only_staged_files(tmp_path: Path) -> None:
    tree_dir = tmp_path / "migration-pr-proj_x1234"
    (tree_dir / "code").mkdir(parents=True)
    (tree_dir / "code" / "a b.sql").write_text("select 1\n", encoding="utf-8")
    ctx = MigrationContext(tree_dir, "x", load_policy())
    ws = _tools.Workspace(ctx)
    try:
        copy = ws.copy(ctx, "lint")
        assert ws.pr_path(str(copy / "code" / "a b.sql"), copy, copy) == "code/a b.sql"
        assert ws.pr_path("code/a b.sql", copy, copy) == "code/a b.sql"
        assert ws.pr_path("code/../code/a b.sql", copy, copy) == "code/a b.sql"
        assert ws.pr_path("code/other.sql", copy, copy) is None
        assert ws.pr_path("/etc/passwd", copy, copy) is None
        assert ws.pr_path("../../etc/passwd", copy / "code", copy) is None
        assert ws.scrubber(copy)(f"{copy}/code/a b.sql: bad") == "code/a b.sql: bad"
    finally:
        root = ws.root
        ws.close()
    assert not root.exists()


@pytest.mark.parametrize(
    ("value", "escapes"),
    [
        ("shared/ruff.toml", False),
        ("macros", False),
        ("/etc/ruff.toml", True),
        ("~/.config/ruff.toml", True),
        ("../ruff.toml", True),
        ("macros,../../x", True),
        ("$HOME/x", True),
        ("C:\\x", True),
        ("a/../../b", True),
    ],
)
def test_escapes(value: str, escapes: bool) -> None:
    assert _tools.escapes(value) is escapes


def test_user_sql_config_paths_are_vetted_and_made_absolute(tmp_path: Path) -> None:
    config = _tools.ConfigFile(
        "code/dbt/.sqruff",
        b"[sqruff]\ntemplater = dbt\nwarnings = LT05, LT01\n"
        b"[sqruff:templater:jinja]\nlibrary_path = macros\nload_macros_from_path = macros\n",
    )
    user = lint_sql._user_config(config, tmp_path)
    assert user is not None
    assert user.sections["templater:jinja"]["load_macros_from_path"] == str(
        tmp_path / "code" / "dbt" / "macros"
    )
    escaping = _tools.ConfigFile(
        "code/.sqruff", b"[sqruff:templater:jinja]\nload_macros_from_path = /etc\n"
    )
    with pytest.raises(_tools.ConfigRefused, match="load_macros_from_path"):
        lint_sql._user_config(escaping, tmp_path)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (b"enabled: yes\n", [(1, 10, "yes")]),
        (b"on: push\n", [(1, 1, "on")]),
        (b"a: [Yes, 'no', \"On\", off]\n", [(1, 5, "Yes"), (1, 22, "off")]),
        (b"a: 'yes'\nb: \"NO\"\n", []),
        (b"a: true # yes\n# on: x\n", []),
        (b"a: |\n  yes\n  on\n", []),
        (b"a: yes please\n", []),
        (b"a: True\n", [(1, 4, "True")]),
        # The fast pass sees these words inside quotes or comments and parses nothing.
        (b'a: "Batch no, read by finance"\n', []),
        (b'a: "x\\" no"\n', []),
        (b'- {a: "q", b: no}\n', [(1, 15, "no")]),
    ],
)
def test_truthy_scalars(source: bytes, found: list[tuple[int, int, str]]) -> None:
    assert sorted(truthy_scalars(source)) == sorted(found)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (b"a: 1   \n", [(1, 5, "trailing-spaces")]),
        (b"a: 1   # yamllint disable-line rule:trailing-spaces\n", []),
        (b"# yamllint disable-line\na: 1   \nb: 2   \n", [(3, 5, "trailing-spaces")]),
        (b"# yamllint disable rule:trailing-spaces\na: 1   \n# yamllint enable\nb: 2   \n",
         [(4, 5, "trailing-spaces")]),
        (b"# yamllint disable-file\na: 1   \n", []),
        (b"a: 1", [(1, 5, "new-line-at-end-of-file")]),
        (b"a: " + b"x" * 81 + b" y\n", [(1, 81, "line-length")]),
    ],
)  # fmt: skip
def test_style_rules_and_their_directives(source: bytes, found: list[tuple[int, int, str]]) -> None:
    rules = lint_yaml._line_rules()
    assert rules is not None
    assert [
        (line, column, rule) for line, column, rule, _ in lint_yaml._style(source, rules)
    ] == found


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<testsuites><testsuite><testcase name="t" file="a.py" line="1"><failure message="&lol2;"/></testcase></testsuite></testsuites>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<testsuites><testsuite><testcase name="t" file="a.py"><failure message="&x;"/></testcase></testsuite></testsuites>
"""


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, EXTERNAL, b"", b"<testsuites><testcase", b"\xff\xfe<x/>", b"not xml at all"],
    ids=["entities", "external-entity", "empty", "truncated", "bad-encoding", "text"],
)
def test_a_hostile_junit_report_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "junit.xml"
    path.write_bytes(data)
    assert unit_tests.read_report(path) is None


@pytest.mark.parametrize("kind", ["fifo", "link", "directory"])
def test_a_report_replaced_by_something_else_is_not_read(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "junit.xml"
    if kind == "fifo":
        os.mkfifo(path)  # an open for reading would wait for a writer forever
    elif kind == "link":
        (tmp_path / "real.xml").write_bytes(b"<testsuites/>")
        path.symlink_to(tmp_path / "real.xml")
    else:
        path.mkdir()
    assert _tools.read_bounded(path, 1000) == (b"", False)
    assert unit_tests.read_report(path) is None


def test_an_oversized_junit_report_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unit_tests, "MAX_REPORT_BYTES", 100)
    path = tmp_path / "junit.xml"
    path.write_bytes(b"<testsuites>" + b" " * 200 + b"</testsuites>")
    assert unit_tests.read_report(path) is None


def test_a_junit_report_is_read_to_its_failures(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_bytes(
        b'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite>'
        b'<testcase classname="spark.test_t" name="test_ok" file="spark/test_t.py" line="3"/>'
        b'<testcase classname="spark.test_t.TestC" name="test_bad" file="spark/test_t.py" line="9">'
        b'<failure message="AssertionError: nope&#10;assert 1 == 2">long traceback</failure></testcase>'
        b'<testcase classname="" name="test_x" file="spark/test_x.py"><error message="collection failure">'
        b"Traceback\nE   ModuleNotFoundError: No module named 'x'</error></testcase>"
        b"</testsuite></testsuites>"
    )
    report = unit_tests.read_report(path)
    assert report is not None
    bad, broken = report.failed
    assert (bad.name, bad.file, bad.line, bad.kind) == ("test_bad", "spark/test_t.py", 9, "failure")
    problem = unit_tests._case_problem(bad, "code", str)
    assert problem.message == 'test "TestC::test_bad" failed: AssertionError: nope'
    assert problem.location is not None and (problem.location.path, problem.location.line) == (
        "code/spark/test_t.py",
        10,
    )
    problem = unit_tests._case_problem(broken, "code", str)
    assert problem.message == (
        "test module could not be collected: ModuleNotFoundError: No module named 'x'"
    )


def test_yamllint_with_a_user_config_spreads_files_over_processes(
    make_tree: MakeTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lint_yaml, "PARALLEL_BYTES", 1)  # every run goes to worker processes
    tree = make_tree(
        mutations=[
            {"write": {"file": ".yamllint", "content": "extends: relaxed\n"}},
            {"write": {"file": "code/dbt/a.yml", "content": "a: 1   \n"}},
            {"write": {"file": "code/dbt/b.yml", "content": "key: [1,2]\nkey: 3\n"}},
        ]
    )
    found = {
        (f["path"], f["line"], f["message"].split(":")[0]) for f in findings(tree, "lint_yaml")
    }
    assert ("code/dbt/a.yml", 1, "yamllint trailing-spaces") in found
    assert ("code/dbt/b.yml", 2, "yamllint key-duplicates") in found
    # An artifact's duplicates and syntax are Stage 1's; its style is the user's to judge.
    assert not any(path.startswith(("contracts/", "configs/")) and rule.endswith(
        ("syntax", "key-duplicates")) for path, _, rule in found)  # fmt: skip


def test_yamllint_config_may_not_read_other_files(make_tree: MakeTree) -> None:
    tree = make_tree(
        mutations=[{"write": {"file": "code/.yamllint", "content": "extends: /etc/yamllint\n"}}]
    )
    (finding,) = findings(tree, "lint_yaml")
    assert finding["path"] == "code/.yamllint" and finding["blocker"] == "CI_FAILURE"
    assert 'extends "/etc/yamllint"' in finding["message"]
