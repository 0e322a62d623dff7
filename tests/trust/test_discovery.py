"""Attack 5: hiding a migration from the checks, and the pull request's changed directories.

Discovery skips nothing by name (only git's own ``.git``), never follows a link, and reports a
migration directory reached through one (SPEC section 6.1).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BASES, Tree, run_cli
from tests.trust.conftest import MERGED_AT_PLANNED, Repo, at, findings, git

BROKEN = {"remove": "plans/plan_summary.md"}  # a blocker stage 1 reports (CI_FAILURE)


def hidden_tree(make_tree: Callable[..., Tree], where: str) -> Tree:
    tree = make_tree(mutations=[BROKEN])
    target = tree.workspace / where / tree.migration.name
    target.parent.mkdir(parents=True)
    shutil.move(tree.migration, target)
    return tree


@pytest.mark.parametrize("where", ["node_modules", ".venv", "__pycache__", "a/node_modules/b"])
def test_a_migration_under_a_skipped_looking_directory_is_examined(
    make_tree: Callable[..., Tree], where: str
) -> None:
    tree = hidden_tree(make_tree, where)
    result = tree.result()
    assert [m["path"].split("/")[-2] for m in result["migrations"]] == [where.split("/")[-1]]
    assert result["blocked"] is True


def test_a_linked_migration_directory_is_a_blocking_finding(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = make_tree(mutations=[BROKEN])
    outside = tmp_path / "elsewhere"
    shutil.move(tree.migration, outside / tree.migration.name)
    (tree.workspace / tree.migration.name).symlink_to(outside / tree.migration.name)

    result = tree.result()

    assert result["migrations"] == []
    (finding,) = [f for f in result["findings"] if "is a link" in f["message"]]
    assert finding["blocker"] == "CI_FAILURE" and finding["check"] == "discovery"
    assert result["blocked"] is True


def test_a_link_with_another_name_to_a_migration_directory_is_a_finding(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = make_tree()
    outside = tmp_path / "elsewhere"
    shutil.move(tree.migration, outside / "migration-pr-proj_hidden01")
    (tree.workspace / "innocent").symlink_to(outside / "migration-pr-proj_hidden01")

    result = tree.result()

    (finding,) = [f for f in result["findings"] if "is a link" in f["message"]]
    assert '"workspace/innocent"' in finding["message"] or "innocent" in finding["message"]
    assert result["blocked"] is True


def test_the_path_given_is_a_link(make_tree: Callable[..., Tree], tmp_path: Path) -> None:
    tree = make_tree()
    link = tmp_path / "migrations-link"
    link.symlink_to(tree.workspace)
    done = run_cli("check", str(link), "--policy", str(tree.policy), "--stage", "1")
    assert done.exit_code == 1
    assert "is a link to a migration directory" in done.output or "links are refused" in done.output


def test_a_migration_nested_in_another_is_examined_too(make_tree: Callable[..., Tree]) -> None:
    tree = make_tree()
    inner = tree.migration / "code" / "sql" / "migration-pr-proj_inner001"
    shutil.copytree(BASES["proposed"], inner)
    result = tree.result()
    assert len(result["migrations"]) == 2


# --- with a base commit: the directories the pull request changes ------------------------------


def test_only_the_changed_directory_is_examined(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory()
    untouched = repo.root / "archive" / "migration-pr-proj_old00001"
    shutil.copytree(BASES["proposed"], untouched)  # broken for this policy, but not changed
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base: an old migration")
    repo.base = git(repo.root, "rev-parse", "HEAD")
    repo.head([{"write": {"file": "runbooks/orders_runbook.md", "content": "# Orders\nupdated\n"}}])

    result = repo.result()

    assert [m["path"].rsplit("/", 1)[-1] for m in result["migrations"]] == [repo.migration.name]


def test_two_changed_migration_directories_block_naming_both(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory()
    second = repo.root / "elsewhere" / "node_modules" / "migration-pr-proj_second01"
    shutil.copytree(BASES["proposed"], second)
    repo.head([{"write": {"file": "runbooks/orders_runbook.md", "content": "# Orders\nupdated\n"}}])

    result = repo.result()

    (finding,) = [f for f in result["findings"] if f["blocker"] == "POLICY_VIOLATION"]
    assert "one pull request carries one migration" in finding["message"]
    assert "migration-pr-proj_second01" in finding["message"]
    assert repo.migration.name in finding["message"]
    assert len(result["migrations"]) == 2  # both are still examined


def test_a_changed_link_named_like_a_migration_is_a_finding(
    repo_factory: Callable[..., Repo], tmp_path: Path
) -> None:
    repo = repo_factory()
    elsewhere = tmp_path / "outside" / "migration-pr-proj_linked001"
    shutil.copytree(BASES["proposed"], elsewhere)
    (repo.root / "migration-pr-proj_linked001").symlink_to(elsewhere)
    repo.head([])

    result = repo.result()

    assert any("is a link to a migration directory" in f["message"] for f in result["findings"])
    assert result["blocked"] is True


def test_a_pull_request_changing_no_migration_examines_nothing(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory()
    (repo.root / "README.md").write_text("changed\n")
    git(repo.root, "commit", "-qam", "docs only")

    result = repo.result()

    assert result["migrations"] == []
    (finding,) = findings(result)
    assert "changes no migration-pr-* directory" in finding["message"]
    assert finding["blocker"] == "CI_FAILURE"  # unless --allow-empty
    assert repo.result("--allow-empty")["blocked"] is False


def test_a_file_named_like_a_migration_is_not_one(repo_factory: Callable[..., Repo]) -> None:
    repo = repo_factory()
    (repo.root / "docs").mkdir()
    (repo.root / "docs" / "migration-pr-howto.md").write_text("how to\n")
    repo.head([{"write": {"file": "runbooks/orders_runbook.md", "content": "# Orders\nnew\n"}}])

    result = repo.result()

    assert len(result["migrations"]) == 1
    assert not [f for f in result["findings"] if f["blocker"] == "POLICY_VIOLATION"]


# --- the red team's variants --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["MIGRATION-PR-proj_evil2026", "migration\u2010pr-proj_evil2026", "migration-pr\u200b-x"],
)
def test_a_directory_that_only_reads_as_a_migration_blocks(
    make_tree: Callable[..., Tree], name: str
) -> None:
    tree = make_tree()
    shutil.copytree(BASES["proposed"], tree.workspace / name)
    result = tree.result()
    (finding,) = [f for f in result["findings"] if "reads as a migration directory" in f["message"]]
    assert finding["blocker"] == "CI_FAILURE"
    assert len(result["migrations"]) == 1  # the real one is still examined


def test_a_changed_look_alike_directory_blocks_with_a_base(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory(MERGED_AT_PLANNED)
    shutil.copytree(BASES["proposed"], repo.root / "migrations" / "MIGRATION-PR-proj_evil2026")
    repo.head(at("PLANNED", "EXECUTED"))
    result = repo.result()
    assert any("reads as a migration directory" in f["message"] for f in result["findings"])
    assert result["blocked"] is True


def test_a_second_directory_of_the_same_project_cannot_start_over(
    repo_factory: Callable[..., Repo],
) -> None:
    # The base leaves the project at PROPOSED (it still needs its tech_lead approval); a copy at
    # another path would be "new" and could start at PLANNED, which the example policy allows.
    repo = repo_factory(at("PROPOSED", "PROPOSED"))
    copy = repo.root / "teams" / "shop" / repo.migration.name
    shutil.copytree(repo.migration, copy)
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "[MIGRATION] UPDATE: a second home")

    result = repo.result()

    messages = [
        f["message"] for f in findings(result) if f["blocker"] == "SCHEMA_VALIDATION_FAILED"
    ]
    assert any("already holds this migration at" in m for m in messages), messages


# --- red team, round 2: what discovery's changed paths could miss -----------------------------


def test_a_migration_directory_below_a_linked_parent_is_a_finding(
    repo_factory: Callable[..., Repo],
) -> None:
    # The base holds the migration twice, under a/ and b/; the pull request turns a/ into a link
    # to b/. Git sees a/'s files deleted, so a/migration-pr-* is a changed directory, and it is
    # still a directory, but only through the link: it is reached through a link.
    repo = repo_factory(MERGED_AT_PLANNED)
    for parent in ("a", "b"):
        shutil.copytree(repo.migration, repo.root / parent / repo.migration.name)
    shutil.rmtree(repo.migration)
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base: the migration in two places")
    repo.base = git(repo.root, "rev-parse", "HEAD")
    shutil.rmtree(repo.root / "a")
    (repo.root / "a").symlink_to("b")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "[MIGRATION] UPDATE: a is b now")

    result = repo.result()

    assert result["migrations"] == []
    (finding,) = [f for f in result["findings"] if "link" in f["message"]]
    assert finding["blocker"] == "CI_FAILURE" and finding["check"] == "discovery"
    assert 'workspace/a"; links are refused' in finding["message"]
    assert result["blocked"] is True


def test_a_file_in_place_of_a_migration_directory_counts_as_its_removal(
    repo_factory: Callable[..., Repo],
) -> None:
    # Replacing a migration directory with a file removes the migration as surely as deleting
    # it: it is one of the migration directories the pull request changes, so beside a change
    # to another migration it makes two.
    repo = repo_factory(MERGED_AT_PLANNED)
    other = repo.root / "other" / "migration-pr-proj_other2026"
    shutil.copytree(BASES["proposed"], other)
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "base: a second migration")
    repo.base = git(repo.root, "rev-parse", "HEAD")
    shutil.rmtree(repo.migration)
    repo.migration.write_text("nothing to see\n")
    (other / "runbooks" / "extra_runbook.md").write_text("# extra\n")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "[MIGRATION] UPDATE: one file")

    result = repo.result("--allow-empty")

    messages = [f["message"] for f in result["findings"]]
    assert any("removes the migration directory" in m for m in messages), messages
    (finding,) = [f for f in result["findings"] if f["blocker"] == "POLICY_VIOLATION"]
    assert "one pull request carries one migration" in finding["message"]
    assert repo.migration.name in finding["message"]


def test_a_new_link_to_a_directory_of_migrations_is_a_finding(
    repo_factory: Callable[..., Repo],
) -> None:
    # The pull request changes no migration-pr-* path, only adds "current" -> the directory that
    # holds the migration: the migration would show at a second place, behind a link.
    repo = repo_factory(MERGED_AT_PLANNED)
    (repo.root / "current").symlink_to(repo.migration.parent.relative_to(repo.root))
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "a shortcut")

    result = repo.result()

    assert result["migrations"] == []
    (finding,) = [f for f in result["findings"] if "link" in f["message"]]
    assert (
        finding["blocker"] == "CI_FAILURE" and 'workspace/current" is a link' in finding["message"]
    )


def test_a_new_link_to_a_directory_without_migrations_is_fine(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory(MERGED_AT_PLANNED)
    (repo.root / "docs").mkdir()
    (repo.root / "docs/a.md").write_text("a\n")
    (repo.root / "latest-docs").symlink_to("docs")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "docs")

    result = repo.result()

    assert not [f for f in result["findings"] if "link" in f["message"]]
