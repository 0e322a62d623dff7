"""``--format github``: annotations within GitHub's limits, escaped workflow commands, the step
outputs and a job summary under 1 MiB."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.github.workflow import emit
from migration_checks.model import Finding, RunResult, Severity
from migration_checks.reporters import github, verdict
from migration_checks.reporters.github import Annotation
from tests.conftest import run_cli
from tests.reporters._factories import (
    UNSIGNED_PLAN_MUTATIONS,
    check_result_errors,
    finding,
    migration,
    mixed_findings,
    parse_file_commands,
    run_result,
)

SUMMARY_LIMIT = 1_048_576
POINTER = re.compile(r"^(\d+) more findings in the job summary$")
HOSTILE_PATH = "contracts/x\n::error file=a::pwned\r,y:z%.json"
HOSTILE_MESSAGE = "value %0A then\nsecond line\r\n::warning::fake, with: colons %25"


def is_pointer(annotation: Annotation) -> bool:
    return bool(POINTER.match(annotation.message))


def blocker_of(annotation: Annotation) -> str | None:
    head = annotation.message.split(":", 1)[0]
    return head if head in BlockerId.__members__ else None


def check_annotations(result: RunResult) -> list[Annotation]:
    """Everything the annotations must satisfy for any result; returns them."""
    annotations = github.annotations_for(result)
    pairs = result.all_findings()
    levels = Counter(a.level for a in annotations)
    assert all(n <= github.PER_LEVEL for n in levels.values()), levels
    pointers = [a for a in annotations if is_pointer(a)]
    shown = [a for a in annotations if not is_pointer(a)]
    if len(shown) < len(pairs):
        assert len(pointers) == 1
        assert annotations[-1] is pointers[0]
        assert annotations[-1].level == "notice"
        match = POINTER.match(annotations[-1].message)
        assert match is not None
        assert int(match.group(1)) == len(pairs) - len(shown)
    else:
        assert pointers == []
    # Blockers first, overall and per level: a plain finding is only shown at a level once every
    # blocker finding of that level is.
    flags = [blocker_of(a) is not None for a in shown]
    assert flags == sorted(flags, reverse=True), "a plain finding came before a blocker"
    for level in ("error", "warning", "notice"):
        blockers_at_level = sum(
            1 for _, f in pairs if f.blocker is not None and f.severity.value == level
        )
        at_level = [a for a in shown if a.level == level]
        if any(blocker_of(a) is None for a in at_level):
            assert sum(blocker_of(a) is not None for a in at_level) == blockers_at_level, level
    return annotations


def test_annotations_10k_without_plain_notices() -> None:
    result = run_result([migration(mixed_findings(10_000, plain_notices=False))])
    annotations = check_annotations(result)
    levels = Counter(a.level for a in annotations if not is_pointer(a))
    assert levels == {"error": 10, "warning": 10, "notice": 9}
    assert all(blocker_of(a) for a in annotations if not is_pointer(a))
    assert annotations[-1].message == f"{10_000 - 29} more findings in the job summary"


def test_annotations_10k_mixed() -> None:
    result = run_result([migration(mixed_findings(10_000))])
    annotations = check_annotations(result)
    assert annotations[-1].message == f"{10_000 - 29} more findings in the job summary"


def test_eleven_notices() -> None:
    result = run_result([migration(finding(f"n{i}", severity=Severity.NOTICE) for i in range(11))])
    annotations = check_annotations(result)
    assert [a.message for a in annotations][-1] == "2 more findings in the job summary"


def test_exactly_ten_notices_all_shown() -> None:
    result = run_result([migration(finding(f"n{i}", severity=Severity.NOTICE) for i in range(10))])
    annotations = check_annotations(result)
    assert len(annotations) == 10
    assert sorted(a.message for a in annotations) == sorted(f"n{i}" for i in range(10))
    assert not any(is_pointer(a) for a in annotations)


def test_ten_per_level_of_blockers_fit_without_pointer() -> None:
    findings = [
        finding(f"{level}{i}", severity=level, blocker=BlockerId.CI_FAILURE)
        for level in Severity
        for i in range(10)
    ]
    annotations = check_annotations(run_result([migration(findings)]))
    assert Counter(a.level for a in annotations) == {"error": 10, "warning": 10, "notice": 9 + 1}


def test_everything_within_limits_is_shown() -> None:
    findings = [
        *(
            finding(f"n{i}", severity=Severity.NOTICE, blocker=BlockerId.CI_FAILURE)
            for i in range(10)
        ),
        finding("w", severity=Severity.WARNING),
    ]
    annotations = check_annotations(run_result([migration(findings)]))
    assert len(annotations) == 11
    assert not any(is_pointer(a) for a in annotations)


def test_annotation_fields() -> None:
    f = finding(
        "bad value",
        severity=Severity.ERROR,
        blocker=BlockerId.UNSIGNED_PLAN,
        check="plan_signature",
        path="plans/p.json",
        line=12,
        column=3,
    )
    run_level = finding(
        "nothing here", severity=Severity.NOTICE, check="discovery", path=None, stage=None
    )
    result = run_result([migration([f], path="migrations/migration-pr-a")], [run_level])
    by_title = {a.title: a for a in github.annotations_for(result)}
    a = by_title["plan_signature"]
    assert a.level == "error"
    assert a.file == "migrations/migration-pr-a/plans/p.json"
    assert (a.line, a.col) == (12, 3)
    assert a.message == (
        f"UNSIGNED_PLAN: bad value (resolution: {BLOCKERS[BlockerId.UNSIGNED_PLAN].resolution})"
    )
    b = by_title["discovery"]
    assert (b.file, b.line, b.col, b.message) == (None, None, None, "nothing here")


# ------------------------------------------------------------------ workflow commands on stdout


def unescape(value: str) -> str:
    return (
        value.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Split ``::level k=v,k=v::data`` the way the runner does and unescape each part."""
    match = re.fullmatch(r"::(\w+) ([^:]*)::(.*)", line)
    assert match, f"not one well-formed workflow command: {line!r}"
    props = {}
    for item in match.group(2).split(","):
        key, _, value = item.partition("=")
        props[key] = unescape(value)
    return match.group(1), props, unescape(match.group(3))


@pytest.fixture
def no_runner_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_runner_env")
def test_emit_escapes_hostile_text(capsys: pytest.CaptureFixture[str]) -> None:
    findings = [
        finding(
            HOSTILE_MESSAGE,
            severity=Severity.ERROR,
            blocker=BlockerId.SCHEMA_VALIDATION_FAILED,
            check="json_yaml_syntax",
            path=HOSTILE_PATH,
            line=2,
            column=5,
        ),
        finding(
            HOSTILE_MESSAGE, severity=Severity.WARNING, path=HOSTILE_PATH, line=None, column=None
        ),
        finding(HOSTILE_MESSAGE, severity=Severity.NOTICE, path=HOSTILE_PATH),
    ]
    report = github.render(run_result([migration(findings, path="m/migration-pr-%0A,:")]))
    emit(report)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(report.annotations) == 3
    assert len(lines) == 3
    assert [line for line in lines if line.startswith("::")] == lines
    # the injected text is data of the real command: nothing can start a line or a property
    assert not any("::pwned" in line.split("::", 2)[1] for line in lines)
    for line, annotation in zip(lines, report.annotations, strict=True):
        level, props, data = parse_command(line)
        assert level == annotation.level
        assert props["file"] == f"m/migration-pr-%0A,:/{HOSTILE_PATH}"
        assert props["title"] == annotation.title
        assert data == annotation.message
        assert HOSTILE_MESSAGE in data
        assert "%250A" in line
        assert "\r" not in line
    level, props, _ = parse_command(lines[0])
    assert (level, props["line"], props["col"]) == ("error", "2", "5")
    assert "line" not in parse_command(lines[1])[1]


@pytest.mark.usefixtures("no_runner_env")
def test_emit_10k_one_line_per_annotation(capsys: pytest.CaptureFixture[str]) -> None:
    findings = [
        f
        if i % 3
        else finding(
            f"{f.message}\n::error::x",
            severity=f.severity,
            blocker=f.blocker,
            path=f"{f.location.path}\n::error file=a::pwned" if f.location else None,
        )
        for i, f in enumerate(mixed_findings(10_000, plain_notices=False))
    ]
    report = github.render(run_result([migration(findings)]))
    emit(report)
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("::") for line in lines) == len(report.annotations) == len(lines)
    assert len(lines) == 3 * 10
    assert sum("::error::x" in line for line in lines) > 0, "hostile findings were shown"


# ------------------------------------------------------------------ outputs and summary


def test_emit_outputs_and_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    output.write_text("earlier=kept\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    findings = [
        finding("a", severity=Severity.ERROR, blocker=BlockerId.UNSIGNED_PLAN),
        finding("b", severity=Severity.ERROR, blocker=BlockerId.CI_FAILURE),
        finding("c", severity=Severity.ERROR, blocker=BlockerId.UNSIGNED_PLAN),
        finding("d", severity=Severity.WARNING, blocker=BlockerId.EVIDENCE_INCOMPLETE),
    ]
    result = run_result([migration(findings, path="m/migration-pr-b"), migration(findings[:1])])
    emit(github.render(result, "out/result.json"))
    values = parse_file_commands(output.read_text(encoding="utf-8"))
    passed_on = verdict.decode(values.pop("verdict"))
    assert passed_on["blockers"] == ["CI_FAILURE", "EVIDENCE_INCOMPLETE", "UNSIGNED_PLAN"]
    assert values == {
        "earlier": "kept",
        "blocked": "true",
        "blockers": "CI_FAILURE,EVIDENCE_INCOMPLETE,UNSIGNED_PLAN",
        "result-file": "out/result.json",
    }
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("<!-- migration-checks -->")
    assert "UNSIGNED_PLAN" in text
    assert len(capsys.readouterr().out.splitlines()) == 5


def test_emit_outputs_when_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    emit(github.render(run_result([migration([finding("w")])])))
    values = parse_file_commands(output.read_text(encoding="utf-8"))
    # A warning stays in the stage job's annotations; the gate gets statuses and blockers.
    assert verdict.decode(values.pop("verdict"))["migrations"][0]["findings"] == []
    assert values == {
        "blocked": "false",
        "blockers": "",
        "result-file": "",
    }


def test_cli_github_format(make_tree: Any, tmp_path: Path) -> None:
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    output, summary, result_file = tmp_path / "out", tmp_path / "summary.md", tmp_path / "r.json"
    outcome = run_cli(
        "check",
        str(tree.workspace),
        "--policy",
        str(tree.policy),
        "--stage",
        "1",
        "--format",
        "github",
        "--result-file",
        str(result_file),
        env={"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert lines
    assert all(line.startswith("::") for line in lines)
    commands = [parse_command(line) for line in lines]
    errors = [c for c in commands if c[0] == "error"]
    assert len(errors) == 1
    _, props, data = errors[0]
    assert props["title"] == "plan_signature"
    assert props["file"].endswith(
        "/migration-pr-proj_shop2026/plans/signed_plan_plan_shop2026.json"
    )
    assert data.startswith('UNSIGNED_PLAN: unknown signing key "rogue"')
    values = parse_file_commands(output.read_text(encoding="utf-8"))
    result = json.loads(result_file.read_text(encoding="utf-8"))
    passed_on = verdict.decode(values.pop("verdict"))
    assert check_result_errors(passed_on) == []
    assert passed_on["migrations"][0]["checks"] == result["migrations"][0]["checks"]
    assert values == {
        "blocked": "true",
        "blockers": "UNSIGNED_PLAN",
        "result-file": str(result_file),
    }
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert check_result_errors(result) == []
    assert result["blockers"] == ["UNSIGNED_PLAN"]
    assert "UNSIGNED_PLAN" in summary.read_text(encoding="utf-8")


def summary_rows(text: str) -> int:
    return len(re.findall(r"^\| (?:🔴|🟡|🔵) ", text, flags=re.MULTILINE))


def test_summary_under_one_mib_with_10k_long_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    # multi-byte text: the limit is in bytes, not characters
    long = ("é€😀 long message text " * 20).strip()
    findings = mixed_findings(10_000, message=long)
    emit(github.render(run_result([migration(findings)])), summary_file=None)
    assert capsys.readouterr().out.startswith("::error ")
    raw = summary.read_bytes()
    assert len(raw) < SUMMARY_LIMIT
    text = raw.decode("utf-8")
    shown = summary_rows(text)
    assert 0 < shown < 10_000
    match = re.search(r"\*\*(\d+) more findings? not shown\*\*", text)
    assert match, "the summary must say how many findings it left out"
    assert int(match.group(1)) == 10_000 - shown
    # the blockers (2,100 of them) come before the rest
    rows = re.findall(r"^\| (?:🔴|🟡|🔵) [^|]*\|", text, flags=re.MULTILINE)
    assert len(rows) == shown
    flags = ["`" in row for row in rows]  # the severity cell names a blocker in backticks
    assert flags == sorted(flags, reverse=True)
    assert all(flags[: min(shown, 2_100)])


def test_summary_via_output_option(make_tree: Any, tmp_path: Path) -> None:
    """``--output`` with ``--format github`` names the summary file."""
    tree = make_tree()
    target = tmp_path / "summary.md"
    outcome = run_cli(
        "check",
        str(tree.workspace),
        "--policy",
        str(tree.policy),
        "--stage",
        "1",
        "--format",
        "github",
        "--output",
        str(target),
        env={"GITHUB_STEP_SUMMARY": ""},
    )
    assert outcome.exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!-- migration-checks -->")
    assert "no blocking finding" in text
    assert "Examined 1 migration directory" in text


def test_each_annotation_is_a_distinct_finding() -> None:
    """Each shown annotation corresponds to a distinct finding."""
    findings: list[Finding] = mixed_findings(300)
    annotations = [
        a for a in github.annotations_for(run_result([migration(findings)])) if not is_pointer(a)
    ]
    originals = {f.message for f in findings}
    shown = [
        a.message.split(": ", 1)[1].split(" (resolution:")[0] if blocker_of(a) else a.message
        for a in annotations
    ]
    assert len(set(shown)) == len(shown)
    assert set(shown) <= originals
