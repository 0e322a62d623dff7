"""``markdown.render``: the sticky PR comment, within 65,536 characters, with untrusted text
neutralised (no mentions, no HTML, no broken table rows, no line breaks)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.model import Severity
from migration_checks.reporters import markdown
from tests.reporters._factories import (
    UNSIGNED_PLAN_MUTATIONS,
    finding,
    migration,
    mixed_findings,
    run_result,
    unescaped,
)

COMMENT_LIMIT = 65_536
SUMMARY_LIMIT = 1_048_576
MARKER = "<!-- migration-checks -->"
ALLOWED_TAGS = {"<code>", "</code>", MARKER}
HOSTILE = (
    "ping @org/team <script>alert(1)</script> a|b `rm -rf /` *x* [l](https://e.x) line1\nline2"
)
FINDING_ROW = re.compile(r"^\| (?:🔴|🟡|🔵) ", re.MULTILINE)


def tables(body: str) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    for line in body.split("\n"):
        if line.startswith("|"):
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def assert_safe(body: str) -> None:
    """What no untrusted text may do to the comment."""
    assert re.search(r"@[A-Za-z0-9_-]", body) is None, "live @mention"
    tags = set(re.findall(r"<[^>]*>", body))
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for table in tables(body):
        widths = {unescaped(row, "|") for row in table}
        assert len(widths) == 1, f"a row with a different number of cells: {table}"
        assert re.fullmatch(r"\|(?:---\|)+", table[1]), table[:2]
    for line in body.split("\n"):
        if FINDING_ROW.match(line):
            # Outside the <code> of the "Where" cell, the check id and (for blockers) the
            # blocker id are the only code spans: the message opens none.
            outside = re.sub(r"<code>.*?</code>", "", line)
            assert unescaped(outside, "`") in (2, 4), line


def test_budget_10k_findings() -> None:
    findings = mixed_findings(10_000, message="and some words to make the row longer")
    body = markdown.render(run_result([migration(findings)]))
    assert len(body) < COMMENT_LIMIT
    assert body.startswith(MARKER)
    shown = len(FINDING_ROW.findall(body))
    assert 0 < shown < 10_000
    match = re.search(r"\*\*(\d+) more findings? not shown\*\*", body)
    assert match, "the comment must say how many findings it left out"
    assert int(match.group(1)) == 10_000 - shown
    assert_safe(body)


def test_blockers_table_and_order() -> None:
    findings = mixed_findings(10_000)
    result = run_result([migration(findings)])
    body = markdown.render(result)
    counts: dict[str, int] = {}
    for f in findings:
        if f.blocker:
            counts[f.blocker] = counts.get(f.blocker, 0) + 1
    assert len(counts) == 5
    blockers_table = body.split("### Blockers", 1)[1].split("\n\n", 2)[1]
    rows = blockers_table.splitlines()[2:]
    assert len(rows) == len(counts)
    for row, blocker in zip(rows, sorted(counts), strict=True):
        resolution = BLOCKERS[BlockerId(blocker)].resolution
        assert row == f"| `{blocker}` | {markdown.text(resolution)} | {counts[blocker]} |"
    # blocker findings first, then the rest by severity
    rows = [line for line in body.split("\n") if FINDING_ROW.match(line)]
    is_blocker = ["` | `" in row for row in rows]
    assert is_blocker == sorted(is_blocker, reverse=True)
    assert is_blocker[0]
    plain = [row for row, b in zip(rows, is_blocker, strict=True) if not b]
    ranks = [("🔴", "🟡", "🔵").index(row[2]) for row in plain]
    assert ranks == sorted(ranks)
    # there are 2,100 blockers, and every one that fits is shown before any warning
    assert all(is_blocker[: min(len(rows), 2_100)])


def test_every_blocker_fits_before_plain_findings() -> None:
    plain = [finding(f"warning {i}", severity=Severity.WARNING) for i in range(3_000)]
    blockers = [
        finding(f"blocker {i}", severity=Severity.NOTICE, blocker=BlockerId.EVIDENCE_INCOMPLETE)
        for i in range(50)
    ]
    body = markdown.render(run_result([migration([*plain, *blockers])]))
    assert len(body) < COMMENT_LIMIT
    for i in range(50):
        assert f"blocker {i} —" in body
    assert body.index("blocker 49 —") < body.index("warning 0 |")


def test_hostile_text_neutralised() -> None:
    findings = [
        finding(HOSTILE, severity=Severity.ERROR, blocker=BlockerId.SCHEMA_VALIDATION_FAILED),
        finding(HOSTILE, severity=Severity.WARNING, path="contracts/@org/team|<b>`x`\n.json"),
        finding(HOSTILE, severity=Severity.NOTICE, path=None),
    ]
    m = migration(findings, path="m/migration-pr-@org|<i>", state="PLANNED\n@org <b>|x")
    body = markdown.render(run_result([m], [finding(HOSTILE, check="discovery", path=None)]))
    assert_safe(body)
    assert "<script" not in body
    assert "&lt;script&gt;" in body
    rows = [line for line in body.split("\n") if FINDING_ROW.match(line)]
    assert len(rows) == 4
    for row in rows:
        assert "line1" in row
        assert "line2" in row, "the newline must not break the row"
    assert not any(line.startswith("line2") for line in body.split("\n"))
    summary = markdown.summary(run_result([m]))
    assert_safe(summary)


def test_path_markdown_is_inert() -> None:
    f = finding("bad", path="contracts/[click](https://evil.example) *x*.json")
    body = markdown.render(run_result([migration([f])]))
    assert "[click](" not in body
    assert "*x*" not in body


@settings(max_examples=150, deadline=None, database=None)
@given(
    message=st.text(min_size=1, max_size=80),
    path=st.text(alphabet=st.characters(exclude_characters="[]*_~"), min_size=1, max_size=40),
)
def test_any_text_stays_in_its_cell(message: str, path: str) -> None:
    findings = [
        finding(message, severity=Severity.ERROR, blocker=BlockerId.UNSIGNED_PLAN, path=path),
        finding(message, severity=Severity.NOTICE, path=path),
    ]
    body = markdown.render(run_result([migration(findings)]))
    assert_safe(body)
    assert len(FINDING_ROW.findall(body)) == 2


def test_nothing_omitted_says_nothing() -> None:
    body = markdown.render(run_result([migration([finding("only one")])]))
    assert "not shown" not in body
    assert len(FINDING_ROW.findall(body)) == 1
    assert body.startswith(MARKER + "\n")


def test_real_run(make_tree: Any) -> None:
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    outcome = tree.run("--format", "markdown")
    assert outcome.exit_code == 1
    body = outcome.stdout
    assert body.startswith(MARKER)
    assert "| `UNSIGNED_PLAN` | Re-generate signed plan | 1 |" in body
    assert "unknown signing key" in body
    assert "<code>plans/signed\\_plan\\_plan\\_shop2026.json:" in body  # Markdown-escaped
    assert_safe(body)


def test_budget_many_migrations_comment() -> None:
    migrations = [
        migration(mixed_findings(100, message="x" * 40), path=f"migrations/migration-pr-p{j:03d}")
        for j in range(100)
    ]
    assert len(markdown.render(run_result(migrations))) < COMMENT_LIMIT


def test_budget_many_migrations_summary() -> None:
    migrations = [
        migration(mixed_findings(500, message="x" * 40), path=f"migrations/migration-pr-p{j:03d}")
        for j in range(20)
    ]
    assert len(markdown.summary(run_result(migrations)).encode("utf-8")) + 1 < SUMMARY_LIMIT
