"""``migration-checks discover``: the reusable workflow's first job, and the events it refuses."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.reporters._factories import parse_file_commands
from tests.trust.conftest import MERGED_AT_PLANNED, Repo, at, git, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "repo", MERGED_AT_PLANNED)


def discover(repo: Repo, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = run_cli("discover", str(repo.root), *args, env=env)
    return done.exit_code, done.output


def github_outputs(repo: Repo, tmp_path: Path, *args: str) -> tuple[int, dict[str, str], str]:
    outputs = tmp_path / "outputs"
    outputs.write_text("")
    done = run_cli(
        "discover", str(repo.root), "--base", repo.base, "--format", "github", *args,
        env={"GITHUB_OUTPUT": str(outputs), "GITHUB_ACTIONS": "true",
             "GITHUB_EVENT_NAME": "pull_request"},
    )  # fmt: skip
    return done.exit_code, parse_file_commands(outputs.read_text()), done.output


def test_the_changed_migration_directory_is_the_path_to_check(repo: Repo, tmp_path: Path) -> None:
    repo.head(at("PLANNED", "EXECUTED"))
    code, outputs, _ = github_outputs(repo, tmp_path)
    assert code == 0
    assert Path(outputs["path"]).resolve() == repo.migration.resolve()
    assert json.loads(outputs["directories"]) == [outputs["path"]]
    assert outputs["count"] == "1"
    assert len(outputs["call-id"]) == 12


def test_a_pull_request_without_a_migration_leaves_nothing_to_check(
    repo: Repo, tmp_path: Path
) -> None:
    (repo.root / "docs.md").write_text("words\n")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "docs")
    code, outputs, _ = github_outputs(repo, tmp_path)
    assert code == 0
    assert outputs["path"] == "" and outputs["count"] == "0"


def test_two_changed_migration_directories_block_naming_both(repo: Repo, tmp_path: Path) -> None:
    repo.head(at("PLANNED", "EXECUTED"))
    second = repo.migration.parent / "migration-pr-proj_other2026"
    shutil.copytree(repo.migration, second)
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "two")

    code, outputs, log = github_outputs(repo, tmp_path)

    assert code == 1
    assert outputs["path"] == "" and outputs["count"] == "2"
    error = [line for line in log.splitlines() if line.startswith("::error")]
    assert len(error) == 1
    assert repo.migration.name in error[0] and second.name in error[0]


def test_without_a_base_every_directory_is_listed_and_the_path_is_kept(repo: Repo) -> None:
    code, output = discover(repo, "--format", "json")
    assert code == 0
    listed = json.loads(output)
    assert listed["changed_only"] is False
    assert [Path(d).name for d in listed["directories"]] == [repo.migration.name]


@pytest.mark.parametrize("event", ["pull_request_target", "workflow_run", "issue_comment"])
@pytest.mark.parametrize("command", ["discover", "check", "gate"])
def test_events_that_check_out_the_base_are_refused(
    repo: Repo, tmp_path: Path, event: str, command: str
) -> None:
    done = run_cli(
        command, str(repo.root), "--format", "github",
        env={"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event},
    )  # fmt: skip
    assert done.exit_code == 2
    assert done.output.startswith("::error title=migration-checks::")
    assert f'refuses to run on the "{event}" event' in done.output
    assert "pull_request, pull_request_review, merge_group" in done.output


@pytest.mark.parametrize("event", ["pull_request", "pull_request_review", "merge_group"])
def test_pull_request_events_run(repo: Repo, event: str) -> None:
    code, _ = discover(repo, env={"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event})
    assert code == 0


def test_a_base_commit_two_deep_is_enough(repo: Repo, tmp_path: Path) -> None:
    # The reusable workflow checks out with fetch-depth: 2: the merge commit GitHub made for the
    # pull request, whose first parent is the base, and its second, the pull request's head.
    repo.head(at("PLANNED", "EXECUTED"))
    git(repo.root, "checkout", "-q", "main")
    git(
        repo.root,
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "merge",
        "migration/sqlite-to-s3/proj_shop2026/v3",
    )
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo.root}", str(shallow))
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true"

    done = run_cli("discover", str(shallow), "--base", repo.base, "--format", "json")

    assert done.exit_code == 0, done.output
    assert [Path(d).name for d in json.loads(done.output)["directories"]] == [repo.migration.name]


def test_the_gate_lets_a_pull_request_without_a_migration_pass(repo: Repo) -> None:
    # The gate is a required check on every pull request; one that carries no migration has
    # nothing for it to hold back (the gate runs the same discovery, so a stage job skipped on a
    # pull request that does carry one still blocks: tests/workflow/test_verdict_outputs.py).
    (repo.root / "docs.md").write_text("words\n")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "docs")
    done = run_cli(
        "gate", str(repo.root), "--policy", str(repo.tree.policy), "--base", repo.base,
        "--format", "json", env={"GITHUB_TOKEN": ""},
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)["result"]
    assert result["blocked"] is False
    assert any("changes no migration-pr-* directory" in f["message"] for f in result["findings"])


def test_the_gate_blocks_a_migration_whose_stage_jobs_were_skipped(
    repo: Repo, tmp_path: Path
) -> None:
    # What a discover job that said "nothing changed" would leave: every stage job skipped.
    repo.head(at("PLANNED", "EXECUTED"))
    needs = tmp_path / "needs.json"
    needs.write_text(
        json.dumps(
            {"discover": {"result": "success", "outputs": {}}}
            | {f"stage_{n}": {"result": "skipped", "outputs": {}} for n in range(1, 7)}
        )
    )
    done = run_cli(
        "gate", str(repo.root), "--policy", str(repo.tree.policy), "--base", repo.base,
        "--jobs", str(needs), "--format", "json", env={"GITHUB_TOKEN": ""},
    )  # fmt: skip
    assert done.exit_code == 1
    messages = [
        f["message"] for m in json.loads(done.output)["result"]["migrations"] for f in m["findings"]
    ]
    assert sum("its job ended skipped" in m for m in messages) >= 5, messages


def test_a_migration_directory_named_in_bytes_that_are_not_utf8_is_a_finding(
    repo: Repo, tmp_path: Path
) -> None:
    # Git keeps any bytes in a name; reports, annotations and step outputs are UTF-8. The
    # directory is a blocking finding (named with escapes), never a traceback.
    root = os.fsencode(repo.root)
    os.makedirs(root + b"/sub/migration-pr-proj_\xff2026")
    with open(root + b"/sub/migration-pr-proj_\xff2026/notes.md", "wb") as handle:
        handle.write(b"notes\n")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "[MIGRATION] UPDATE: bytes")

    code, outputs, log = github_outputs(repo, tmp_path)

    assert code == 1
    assert outputs["path"] == ""
    error = [line for line in log.splitlines() if line.startswith("::error")]
    assert len(error) == 1 and "not valid UTF-8" in error[0]
    done = run_cli(
        "check", str(repo.root), "--base", repo.base, "--stage", "1", "--format", "github",
        "--policy", str(repo.tree.policy), env={"GITHUB_OUTPUT": str(tmp_path / "outputs")},
    )  # fmt: skip
    assert done.exit_code == 1
    assert "not valid UTF-8" in done.output
