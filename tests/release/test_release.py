"""scripts/release.py: release commit R (child of P) pins the workflow's own actions to P.

Every test builds a real git repository in a temporary directory holding the suite's real
reusable workflow and actions/ (copied from this checkout, so new jobs and pins are covered as they
appear), a version file and a CHANGELOG, and runs the script as a release manager would.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from tests.github.test_workflow import SELF_USES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts/release.py"
WORKFLOW = ".github/workflows/migration-pr-checks.yml"
ZERO = "0" * 40
FOREIGN = "1234567890abcdef1234567890abcdef12345678"


@cache
def release_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_release", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user or system git configuration (signing, hooks, default branch) leaks in."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Release Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "release@example.invalid")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout.strip()


def changelog(*versions: str) -> str:
    sections = "".join(
        f"## [{v}] - 2026-01-0{i + 1}\n\n- Release {v}.\n\n" for i, v in enumerate(versions)
    )
    return f"# Changelog\n\n## [Unreleased]\n\n{sections}"


def set_version(repo: Path, version: str, *, with_changelog: bool = True) -> None:
    """Bump __version__, the pins' comments and (optionally) the CHANGELOG, as main would."""
    (repo / "scripts/migration_checks/__init__.py").write_text(
        f'"""migration-checks."""\n\n__version__ = "{version}"\n'
    )
    workflow = repo / WORKFLOW
    workflow.write_text(re.sub(r"(@0{40}) # v\S+", rf"\1 # v{version}", workflow.read_text()))
    if with_changelog:
        log = repo / "CHANGELOG.md"
        old = log.read_text() if log.exists() else changelog()
        log.write_text(
            old.replace("## [Unreleased]\n\n", f"## [Unreleased]\n\n## [{version}]\n\n- More.\n\n")
        )


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def suite(tmp_path: Path) -> Iterator[Path]:
    """A scratch copy of the suite at version 1.0.0, on branch main, one commit."""
    repo = tmp_path / "suite"
    (repo / ".github/workflows").mkdir(parents=True)
    shutil.copy(ROOT / WORKFLOW, repo / WORKFLOW)
    shutil.copytree(ROOT / "actions", repo / "actions")
    (repo / "scripts/migration_checks").mkdir(parents=True)
    (repo / "CHANGELOG.md").write_text(changelog())
    set_version(repo, "1.0.0")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "the suite")
    yield repo


def run_release(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--repo", str(repo), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def released(repo: Path, *args: str) -> dict[str, str]:
    done = run_release(repo, *args)
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in done.stdout.splitlines())


def refused(repo: Path, *args: str) -> str:
    done = run_release(repo, *args)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert "refused" in done.stderr
    return done.stderr


def blob(repo: Path, spec: str) -> str:
    return git(repo, "cat-file", "blob", spec)


def tags(repo: Path) -> dict[str, str]:
    names = git(repo, "tag", "--list").split()
    return {name: git(repo, "rev-parse", f"{name}^{{commit}}") for name in names}


# --- one release -------------------------------------------------------------------------------


def test_release_commit_pins_the_workflow_to_its_parent(suite: Path) -> None:
    p = git(suite, "rev-parse", "HEAD")
    before = (suite / WORKFLOW).read_text()
    assert ZERO in before

    out = released(suite)

    assert out["actions-commit"] == p
    r = out["released-commit"]
    assert r != p
    assert out == {
        "actions-commit": p,
        "released-commit": r,
        "tag": "v1.0.0",
        "major-tag": "v1",
        "major-tag-moved": "true",
        "version": "1.0.0",
        "pushed": "",
        "dry-run": "false",
    }
    # R is a child of P and differs from it only in the workflow ...
    assert git(suite, "rev-list", "--parents", "-n", "1", r).split() == [r, p]
    assert git(suite, "diff", "--name-only", p, r).splitlines() == [WORKFLOW]
    for tree in ("actions", "scripts"):
        assert git(suite, "rev-parse", f"{p}:{tree}") == git(suite, "rev-parse", f"{r}:{tree}")
    # ... where every placeholder became P, and nothing else changed.
    after = blob(suite, f"{r}:{WORKFLOW}")
    assert ZERO not in after
    assert after == before.replace(ZERO, p).rstrip("\n")
    pins = SELF_USES.findall(after)
    assert len(pins) == before.count(f"@{ZERO}") >= 7
    assert {(sha, version) for _, sha, version in pins} == {(p, "v1.0.0")}
    assert git(suite, "log", "-1", "--format=%s", r) == "Release v1.0.0"


def test_tags_point_at_the_release_commit_and_main_stays(suite: Path) -> None:
    p = git(suite, "rev-parse", "HEAD")
    out = released(suite)
    r = out["released-commit"]
    assert tags(suite) == {"v1.0.0": r, "v1": r}
    assert git(suite, "cat-file", "-t", "refs/tags/v1.0.0") == "tag"  # annotated
    assert p in git(suite, "cat-file", "tag", "refs/tags/v1.0.0")
    # The branch, HEAD, the index and the work tree are as they were.
    assert git(suite, "symbolic-ref", "HEAD") == "refs/heads/main"
    assert git(suite, "rev-parse", "main") == p
    assert git(suite, "status", "--porcelain", "--untracked-files=all") == ""
    assert ZERO in (suite / WORKFLOW).read_text()
    assert git(suite, "branch", "--contains", r) == ""  # R is on no branch


def test_major_tag_moves_on_the_next_release_only_forward(suite: Path) -> None:
    first = released(suite)["released-commit"]
    set_version(suite, "1.1.0")
    p2 = commit_all(suite, "work for 1.1.0")

    second = released(suite)
    r2 = second["released-commit"]
    assert second["actions-commit"] == p2
    assert tags(suite) == {"v1.0.0": first, "v1.1.0": r2, "v1": r2}
    assert SELF_USES.findall(blob(suite, f"{r2}:{WORKFLOW}"))[0][1:] == (p2, "v1.1.0")

    # A fix of the older line gets its tag; v1 stays on the newest release.
    git(suite, "checkout", "-q", "-b", "fix-1.0", "v1.0.0~1")
    set_version(suite, "1.0.1")
    commit_all(suite, "fix for 1.0.1")
    fix = released(suite)
    assert fix["major-tag-moved"] == "false"
    assert tags(suite) == {
        "v1.0.0": first,
        "v1.0.1": fix["released-commit"],
        "v1.1.0": r2,
        "v1": r2,
    }

    # A new major line gets its own moving tag.
    git(suite, "checkout", "-q", "main")
    set_version(suite, "2.0.0")
    commit_all(suite, "2.0.0")
    assert released(suite)["major-tag"] == "v2"
    assert tags(suite)["v1"] == r2


def test_every_placeholder_pin_is_rewritten_whatever_its_path(suite: Path) -> None:
    # A new action, the root action and another reusable workflow: any path of the suite.
    (suite / "actions/another").mkdir()
    (suite / "actions/another/action.yml").write_text("name: discover\n")
    (suite / "action.yml").write_text("name: all\n")
    workflow = suite / WORKFLOW
    extra = (
        "\n  discover:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: org/migration-checks/actions/another@{ZERO} # v1.0.0\n"
        f"      - uses: org/migration-checks@{ZERO} # v1.0.0\n"
        f"  nested:\n    uses: org/migration-checks/{WORKFLOW}@{ZERO} # v1.0.0\n"
    )
    workflow.write_text(workflow.read_text() + extra)
    p = commit_all(suite, "more pins")
    r = released(suite)["released-commit"]
    after = blob(suite, f"{r}:{WORKFLOW}")
    assert ZERO not in after
    assert f"uses: org/migration-checks/actions/another@{p} # v1.0.0" in after
    assert f"uses: org/migration-checks@{p} # v1.0.0" in after
    assert f"uses: org/migration-checks/{WORKFLOW}@{p} # v1.0.0" in after


def test_dry_run_makes_r_but_no_tag(suite: Path) -> None:
    p = git(suite, "rev-parse", "HEAD")
    out = released(suite, "--dry-run")
    assert out["dry-run"] == "true"
    assert tags(suite) == {}
    r = out["released-commit"]
    assert git(suite, "diff", "--name-only", p, r) == WORKFLOW
    assert git(suite, "rev-parse", "main") == p


def test_push_sends_both_tags_and_moves_the_major_tag(suite: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(suite, "remote", "add", "origin", str(remote))
    first = released(suite, "--push", "origin")
    assert first["pushed"] == "origin"
    assert tags(remote) == {"v1.0.0": first["released-commit"], "v1": first["released-commit"]}
    assert git(remote, "for-each-ref", "refs/heads") == ""  # no branch is pushed

    set_version(suite, "1.1.0")
    commit_all(suite, "1.1.0")
    second = released(suite, "--push", "origin")["released-commit"]
    assert tags(remote)["v1"] == second
    assert tags(remote)["v1.1.0"] == second

    # A tag that exists only on the remote is refused before anything is written.
    git(suite, "tag", "-d", "v1.1.0")
    assert "exists already on origin" in refused(suite, "--push", "origin")


def test_a_failed_push_puts_the_local_tags_back(suite: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(suite, "remote", "add", "origin", str(remote))
    first = released(suite, "--push", "origin")["released-commit"]
    hook = remote / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho no tags today >&2\nexit 1\n")
    hook.chmod(0o755)
    set_version(suite, "1.1.0")
    commit_all(suite, "1.1.0")
    message = refused(suite, "--push", "origin")
    assert "no tags today" in message and "local tags are as they were" in message
    assert tags(suite) == {"v1.0.0": first, "v1": first}
    assert tags(remote) == {"v1.0.0": first, "v1": first}
    hook.unlink()
    second = released(suite, "--push", "origin")["released-commit"]
    assert tags(remote) == {"v1.0.0": first, "v1.1.0": second, "v1": second}


# --- refusals ----------------------------------------------------------------------------------


def assert_nothing_written(repo: Path, expected_tags: dict[str, str] | None = None) -> None:
    assert tags(repo) == (expected_tags or {})


def test_refuses_a_dirty_work_tree(suite: Path) -> None:
    (suite / "actions/stage-1/action.yml").write_text("changed\n")
    assert "not clean" in refused(suite)
    git(suite, "checkout", "--", "actions")
    (suite / "untracked.txt").write_text("x\n")
    assert "untracked.txt" in refused(suite)
    (suite / "untracked.txt").unlink()
    assert_nothing_written(suite)
    released(suite)


def test_refuses_an_existing_tag(suite: Path) -> None:
    git(suite, "tag", "v1.0.0")
    p = git(suite, "rev-parse", "HEAD")
    assert "tag v1.0.0 exists already" in refused(suite)
    assert_nothing_written(suite, {"v1.0.0": p})


def test_refuses_without_a_changelog_section(suite: Path) -> None:
    (suite / "CHANGELOG.md").write_text(changelog("0.9.0"))
    commit_all(suite, "no 1.0.0 section")
    assert "'## [1.0.0]'" in refused(suite)
    (suite / "CHANGELOG.md").write_text("# Changelog\n\n## [1.0.0-rc1]\n\n## 1.0.0\n")
    commit_all(suite, "near misses")
    refused(suite)
    (suite / "CHANGELOG.md").unlink()
    commit_all(suite, "no changelog at all")
    refused(suite)
    assert_nothing_written(suite)


def test_refuses_a_version_other_than_the_packages(suite: Path) -> None:
    assert "differs from __version__" in refused(suite, "--version", "1.2.0")
    assert "not X.Y.Z" in refused(suite, "--version", "1.0")
    assert released(suite, "--version", "v1.0.0")["tag"] == "v1.0.0"


@pytest.mark.parametrize(
    "replacement",
    [f"@{FOREIGN} # v1.0.0", "@v1 # v1.0.0", "@main # v1.0.0"],
    ids=["other-sha", "tag", "branch"],
)
def test_refuses_a_pin_that_is_not_the_placeholder(suite: Path, replacement: str) -> None:
    workflow = suite / WORKFLOW
    text = workflow.read_text()
    workflow.write_text(text.replace(f"@{ZERO} # v1.0.0", replacement, 1))
    commit_all(suite, "a foreign pin")
    message = refused(suite)
    assert "other than the all-zero placeholder" in message
    assert replacement.split(" ")[0] in message
    assert_nothing_written(suite)


def test_refuses_a_pin_to_a_path_without_an_action(suite: Path) -> None:
    workflow = suite / WORKFLOW
    workflow.write_text(
        workflow.read_text()
        + f"\n  ghost:\n    steps:\n      - uses: org/migration-checks/actions/ghost@{ZERO} # v1.0.0\n"
    )
    commit_all(suite, "a pin to nothing")
    assert "actions/ghost" in refused(suite)


def test_refuses_a_workflow_without_self_pins(suite: Path) -> None:
    workflow = suite / WORKFLOW
    workflow.write_text(workflow.read_text().replace("org/migration-checks/", "elsewhere/x/"))
    commit_all(suite, "no self pins")
    assert "holds no org/migration-checks" in refused(suite)


# --- the rewrite itself ------------------------------------------------------------------------


def test_rewrite_is_idempotent_and_keeps_comments_and_line_endings() -> None:
    rewrite = release_module().rewrite_workflow
    p = "a" * 40
    text = (
        "# uses: org/migration-checks/.github/workflows/x.yml@<sha>  # v0.1.0\r\n"
        f"      - uses: org/migration-checks/actions/stage-1@{ZERO}  # v0.0.9\r\n"
        f"      - uses: 'org/migration-checks/actions/gate@{ZERO}'\r\n"
        "      - uses: myorg/migration-checks/actions/x@main # v1.0.0\r\n"
        "        run: echo ok # org/migration-checks@whatever\r\n"
    )
    once = rewrite(text, p, "1.2.3")
    assert once == (
        "# uses: org/migration-checks/.github/workflows/x.yml@<sha>  # v0.1.0\r\n"
        f"      - uses: org/migration-checks/actions/stage-1@{p} # v1.2.3\r\n"
        f"      - uses: 'org/migration-checks/actions/gate@{p}' # v1.2.3\r\n"
        "      - uses: myorg/migration-checks/actions/x@main # v1.0.0\r\n"
        "        run: echo ok # org/migration-checks@whatever\r\n"
    )
    assert rewrite(once, p, "1.2.3") == once
    with pytest.raises(release_module().Refused, match="other than"):
        rewrite(once, "b" * 40, "1.2.3")  # P's pins are foreign to any other commit


# --- this checkout -----------------------------------------------------------------------------


def test_this_checkout_is_releasable(tmp_path: Path) -> None:
    """A copy of every tracked file of this checkout releases its own __version__ (dry run):
    the CHANGELOG has the section, every pin is the placeholder and names an action."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    copy = tmp_path / "copy"
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    git(copy, "init", "-q", "-b", "main")
    p = commit_all(copy, "this checkout")
    version = release_module().version_at(copy, p)
    out = released(copy, "--dry-run")
    assert out["version"] == version
    assert out["tag"] == f"v{version}"
    assert out["major-tag"] == f"v{version.split('.')[0]}"
    assert git(copy, "diff", "--name-only", p, out["released-commit"]) == WORKFLOW
