"""``--format text``: grouped by migration, stage and check; colour only on a terminal; untrusted
text escaped; the last lines say what was examined and the verdict."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click.testing
import pytest
from click.testing import CliRunner

from migration_checks.blockers import BlockerId
from migration_checks.cli import main
from migration_checks.model import Severity
from migration_checks.reporters import text
from tests.conftest import run_cli
from tests.reporters._factories import (
    SIGNED_PLAN,
    UNSIGNED_PLAN_MUTATIONS,
    finding,
    migration,
    run_result,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def invoke(tree: Any, *args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    """Like ``run_cli`` but with ``color=True``, so click itself strips nothing."""
    return CliRunner().invoke(
        main,
        ["check", str(tree.workspace), "--policy", str(tree.policy), "--stage", "1", *args],
        env=env,
        color=True,
        catch_exceptions=False,
    )


def test_groups_by_migration_stage_and_check(make_tree: Any) -> None:
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    outcome = tree.run("--format", "text", stages=(1, 2))
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert lines[0].startswith("migration-checks ")
    (head,) = [i for i, line in enumerate(lines) if line.endswith("(PLANNED -> EXECUTED)")]
    assert lines[head].startswith(str(tree.workspace))
    stage1 = lines.index("  stage 1 · structural validation", head)
    stage2 = next(i for i, line in enumerate(lines) if line.startswith("  stage 2 · "))
    check = next(i for i, line in enumerate(lines) if re.match(r" {4}FAIL +plan_signature ", line))
    problem = next(i for i, line in enumerate(lines) if 'unknown signing key "rogue"' in line)
    following = next(
        i for i in range(check + 1, len(lines)) if re.match(r" {4}\S", lines[i])
    )  # the next check line
    assert head < stage1 < check < problem < following < stage2
    assert lines[problem].startswith(f"          {SIGNED_PLAN}:")
    assert re.search(rf"{re.escape(SIGNED_PLAN)}:\d+:\d+: error UNSIGNED_PLAN: ", lines[problem])
    assert lines[problem].endswith("(resolution: Re-generate signed plan)")
    assert "  BLOCKED: UNSIGNED_PLAN" in lines[stage2:]


def test_last_lines_examined_and_verdict(make_tree: Any) -> None:
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    lines = tree.run("--format", "text").stdout.splitlines()
    examined = tree.result()["examined"]
    assert lines[-2] == (
        f"Examined 1 migration directory, {examined['files_parsed']} files parsed; checks: "
        f"{examined['checks_run']} run ({examined['checks_passed']} passed, "
        f"{examined['checks_failed']} failed, {examined['checks_errored']} errored), "
        f"{examined['checks_skipped']} skipped, {examined['checks_not_applicable']} not applicable"
    )
    assert lines[-1] == "Result: BLOCKED (UNSIGNED_PLAN)"


def test_last_lines_clean(make_tree: Any) -> None:
    outcome = make_tree().run("--format", "text")
    assert outcome.exit_code == 0
    lines = outcome.stdout.splitlines()
    assert lines[-2].startswith("Examined 1 migration directory, ")
    assert lines[-1] == "Result: no blocking finding"


def test_no_migration_dir(tmp_path: Path) -> None:
    outcome = run_cli("check", str(tmp_path))
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert any("nothing was examined" in line for line in lines)
    assert lines[-2].startswith("Examined 0 migration directories, 0 files parsed; no check ran")
    assert lines[-1] == "Result: BLOCKED (CI_FAILURE)"


def test_no_migration_dir_allowed(tmp_path: Path) -> None:
    outcome = run_cli("check", str(tmp_path), "--allow-empty")
    assert outcome.exit_code == 0
    lines = outcome.stdout.splitlines()
    assert any("nothing was examined" in line for line in lines)
    assert lines[-2].startswith("Examined 0 migration directories")
    assert lines[-1] == "Result: no blocking finding"


# ------------------------------------------------------------------------------------ colour


def test_render_with_colour_has_ansi() -> None:
    result = run_result(
        [migration([finding("x", severity=Severity.ERROR, blocker=BlockerId.CI_FAILURE)])]
    )
    assert ANSI.search(text.render(result, colour=True))
    assert not ANSI.search(text.render(result, colour=False))
    assert "\x1b" not in text.render(result)


def test_not_a_tty_no_ansi(make_tree: Any) -> None:
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    outcome = invoke(tree)  # CliRunner's stdout is not a TTY
    assert outcome.exit_code == 1
    assert "unknown signing key" in outcome.stdout
    assert "\x1b" not in outcome.stdout


@pytest.fixture
def fake_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        click.testing._NamedTextIOWrapper, "isatty", lambda self: True, raising=False
    )


@pytest.mark.usefixtures("fake_tty")
def test_tty_gets_colour(make_tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control case: on a terminal without NO_COLOR, colour is on."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    assert ANSI.search(invoke(tree).stdout)


@pytest.mark.usefixtures("fake_tty")
@pytest.mark.parametrize("value", ["1", "yes"])
def test_no_color_on_tty(make_tree: Any, value: str) -> None:
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    outcome = invoke(tree, env={"NO_COLOR": value})
    assert "unknown signing key" in outcome.stdout
    assert "\x1b" not in outcome.stdout


@pytest.mark.usefixtures("fake_tty")
def test_output_file_no_colour(
    make_tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    tree = make_tree(mutations=UNSIGNED_PLAN_MUTATIONS, resign_plan=False)
    target = tmp_path / "report.txt"
    invoke(tree, "--output", str(target))
    content = target.read_text(encoding="utf-8")
    assert "unknown signing key" in content
    assert "\x1b" not in content


# ------------------------------------------------------------------------------ untrusted text


@pytest.mark.parametrize(
    ("name", "shown"),
    [("configs/x\ny.yml", "configs/x\\ny.yml"), ("evidence/a\x1bb.json", "evidence/a\\x1bb.json")],
)
def test_file_name_escaped(make_tree: Any, name: str, shown: str) -> None:
    tree = make_tree(mutations=[{"write": {"file": name, "content": "{,\n"}}])
    result = tree.result()
    assert [f for f in result["migrations"][0]["findings"] if f["path"] == name], "no finding"
    for outcome in (invoke(tree), tree.run("--format", "text")):
        assert f"          {shown}:1:" in outcome.stdout
        assert name not in outcome.stdout
        assert "\x1b" not in outcome.stdout
    direct = text.render(
        run_result([migration([finding("bad", path=name)], path=f"m/migration-pr-{name}")])
    )
    assert name not in direct
    assert "\x1b" not in direct
    assert f"{shown}:3:7: warning: bad" in direct


def test_message_and_reason_escaped() -> None:
    f = finding("a\nResult: no blocking finding\r\x1b[2J\u2028", path=None)
    direct = text.render(run_result([migration([f])], [f]))
    assert "\x1b" not in direct
    assert "\r" not in direct
    assert "\u2028" not in direct
    assert not any(line.startswith("Result: no blocking") for line in direct.splitlines()[:-1])


def test_state_escaped(make_tree: Any) -> None:
    hostile = "PLANNED\x1b[2J\nResult: no blocking finding"
    tree = make_tree(
        mutations=[
            {"set": {"file": ".migration_metadata.json", "pointer": "/state", "value": hostile}}
        ]
    )
    assert json.loads(tree.run("--format", "json").stdout)["migrations"][0]["state"] == hostile
    outcome = invoke(tree)
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert "\x1b" not in outcome.stdout
    assert not any(line.startswith("Result: no blocking") for line in lines)
