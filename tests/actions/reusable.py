"""A user's repository calling the reusable workflow by tag, run by act on this host.

Two repositories are made, as on GitHub:

- the suite, ``org/migration-checks``: a copy of this checkout's files, committed, then released
  by scripts/release.py, which makes the release commit R (tagged vX.Y.Z and vX) whose workflow
  pins the suite's own actions to R's parent P;
- the caller, ``shop/migrations``: its base commit holds the policy, the pull request adds a
  migration (the bundled example, its approvals dated yesterday), and the commit act checks out
  is the merge commit GitHub makes for a pull request (first parent: the base). Its workflow is
  the README's caller snippet, character for character.

act resolves ``org/migration-checks/...@vX`` and ``...@P`` through ``--local-repository``, each to
a work tree of the suite checked out at that ref (act never reaches github.com); the log names
the ref each action came from. The gate talks to the fake GitHub REST server
(tests/github/fake_github.py), where the pull request is approved on its head. The three
GitHub-owned actions other than checkout map to tests/actions/stand_ins/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.actions.test_act import COPIED, ActRun, copy_suite, find_act
from tests.conftest import build_tree
from tests.gate.trees import BRANCH, load_records, save_records
from tests.github.fake_github import TOKEN, FakeGithub, FakePull

ROOT = Path(__file__).resolve().parents[2]
SUITE = "org/migration-checks"
CALLER = "shop/migrations"
PR_NUMBER = 7
STAND_INS = Path(__file__).parent / "stand_ins"
# The GitHub-owned actions the workflow uses besides actions/checkout, by the pin it uses.
_PINNED = re.compile(r"uses: (actions/(?:cache|setup-python|upload-artifact))@([0-9a-f]{40})")
IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *IDENTITY, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def caller_snippet() -> str:
    """The README's caller workflow, exactly as written there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text.split("<!-- caller-workflow:", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", after, re.DOTALL)
    assert match is not None, "README.md: no ```yaml block after the caller-workflow marker"
    return match.group(1)


@dataclass(frozen=True, slots=True)
class Release:
    """The suite, released: what a caller's ref resolves to."""

    repo: Path
    actions_commit: str  # P: the commit the release's workflow pins its actions to
    released_commit: str  # R: tagged vX.Y.Z and vX
    tag: str
    major_tag: str

    def worktree(self, ref: str, where: Path) -> Path:
        if not where.exists():
            git(self.repo, "worktree", "add", "-q", "--detach", str(where), ref)
        return where


def release_suite(tmp: Path) -> Release:
    repo = tmp / "migration-checks"
    copy_suite(repo, (*COPIED, "CHANGELOG.md", "pyproject.toml", "README.md"))
    (repo / ".github/workflows").mkdir(parents=True)
    shutil.copy2(
        ROOT / ".github/workflows/migration-pr-checks.yml",
        repo / ".github/workflows/migration-pr-checks.yml",
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the suite")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/release.py"), "--repo", str(repo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return Release(
        repo, said["actions-commit"], said["released-commit"], said["tag"], said["major-tag"]
    )


@dataclass(frozen=True, slots=True)
class Caller:
    repo: Path
    base: str  # the pull request's base commit
    head: str  # the pull request's head commit
    merge: str  # what GitHub checks out for a pull_request event


def yesterday() -> str:
    return (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_caller(
    tmp: Path,
    *,
    migrations: int = 1,
    mutations: Sequence[dict[str, Any]] = (),
    after_approval: Callable[[Path], None] | None = None,
) -> Caller:
    """The caller's repository: base = the policy; the pull request adds ``migrations`` copies of
    the example (the second and later under other names), its approvals dated yesterday (the gate
    judges their age by the real clock); checked out at the merge commit. ``after_approval``
    changes the migration once approved and signed, as an author could."""
    tree = build_tree(tmp / "tree", "shop", list(mutations))
    records = load_records(tree.migration)
    for record in records:
        record["approved_at"] = yesterday()
    save_records(tree.migration, records)  # and their digests of what they reviewed
    if after_approval is not None:
        after_approval(tree.migration)
    repo = tmp / "caller"
    (repo / ".github/workflows").mkdir(parents=True)
    (repo / ".github/workflows/migration-checks.yml").write_text(caller_snippet())
    (repo / "policy").mkdir()
    shutil.copy2(tree.policy, repo / "policy/policy.json")
    git(repo, "init", "-q", "-b", "main")
    # act names the repository (github.repository) after the origin remote.
    git(repo, "remote", "add", "origin", f"https://github.com/{CALLER}.git")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "policy and the caller workflow")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", BRANCH)
    shutil.copytree(tree.migration, repo / "migrations" / tree.migration.name, symlinks=True)
    for n in range(1, migrations):
        shutil.copytree(
            tree.migration, repo / "migrations" / f"migration-pr-proj_other{n:04d}", symlinks=True
        )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "[MIGRATION] PROPOSE: Initial sqlite-to-s3 migration")
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach", base)
    git(repo, "merge", "-q", "--no-ff", "-m", f"Merge {head} into {base}", head)
    return Caller(repo, base, head, git(repo, "rev-parse", "HEAD"))


def approve(fake: FakeGithub, caller: Caller) -> FakePull:
    """The pull request on the fake GitHub, approved on its head by the example's approvers."""
    pull = fake.pull(PR_NUMBER, author="author1", head_sha=caller.head, head_ref=BRANCH)
    pull.commit("[MIGRATION] PROPOSE: Initial sqlite-to-s3 migration for the shop")
    pull.review("jsmith")
    pull.review("lchen")
    fake.teams["shop/security"] = ["lchen"]
    return pull


def event(caller: Caller) -> dict[str, Any]:
    return {
        "action": "synchronize",
        "number": PR_NUMBER,
        "pull_request": {
            "number": PR_NUMBER,
            "base": {"sha": caller.base, "ref": "main"},
            "head": {"sha": caller.head, "ref": BRANCH},
        },
        "repository": {"full_name": CALLER, "name": "migrations", "owner": {"login": "shop"}},
    }


@dataclass(frozen=True, slots=True)
class WorkflowRun:
    run: ActRun
    seconds: float
    artifacts: Path

    @property
    def log(self) -> str:
        return self.run.log

    def job_result(self, job: str) -> str | None:
        """'succeeded' or 'failed': act's last word on a job (named by its `name:`)."""
        found = re.findall(rf"\[[^\]]*/{re.escape(job)}\s*\] 🏁  Job (succeeded|failed)", self.log)
        return found[-1] if found else None

    def ran(self, job: str) -> bool:
        return re.search(rf"\[[^\]]*/{re.escape(job)}\s*\] ⭐ Run Set up job", self.log) is not None

    def outputs(self, job: str) -> dict[str, str]:
        """The step outputs a job's steps set, as act logs them."""
        found = re.findall(
            rf"\[[^\]]*/{re.escape(job)}\s*\] +⚙  ::set-output:: ([\w-]+)=(.*)", self.log
        )
        return dict(found)

    def setup_seconds(self) -> dict[str, float]:
        """Each job's time in the actions' "Set up migration-checks" step."""
        times: dict[str, float] = {}
        pattern = re.compile(
            r"\[[^\]]*/(?P<job>[\w-]+)\s*\] +✅  Success - Main Set up migration-checks "
            r"\[(?P<value>[\d.]+)(?P<unit>ms|s|m)"
        )
        for match in pattern.finditer(self.log):
            value = float(match["value"]) * {"ms": 0.001, "s": 1.0, "m": 60.0}[match["unit"]]
            times[match["job"]] = value
        return times


def run_workflow(
    tmp: Path,
    release: Release,
    caller: Caller,
    fake: FakeGithub,
    tool_cache: Path,
    *,
    actions_dir: Path | None = None,
) -> WorkflowRun:
    """act runs the caller's workflow on a pull_request event; ``actions_dir`` replaces the
    work tree of P (to break an action on purpose)."""
    act = find_act()
    cache = tmp / "act-cache"
    cache.mkdir(exist_ok=True)
    if not (cache / "tool_cache").exists():
        (cache / "tool_cache").symlink_to(tool_cache, target_is_directory=True)
    artifacts = tmp / "artifacts"
    artifacts.mkdir(exist_ok=True)
    event_file = tmp / "event.json"
    event_file.write_text(json.dumps(event(caller)))
    at_tag = release.worktree(release.major_tag, tmp / "suite-at-major-tag")
    at_actions = actions_dir or release.worktree(release.actions_commit, tmp / "suite-at-P")
    workflow = (at_tag / ".github/workflows/migration-pr-checks.yml").read_text()
    repositories = [
        f"{SUITE}@{release.major_tag}={at_tag}",
        f"{SUITE}@{release.actions_commit}={at_actions}",
        *(
            f"{name}@{sha}={STAND_INS / name.split('/')[1]}"
            for name, sha in _PINNED.findall(workflow)
        ),
    ]
    outer = ("GITHUB_", "RUNNER_", "ACTIONS_", "MIGRATION_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(outer)}
    command = [
        act, "pull_request",
        "-e", str(event_file),
        "-C", str(caller.repo),
        "-W", str(caller.repo / ".github/workflows/migration-checks.yml"),
        "-P", "ubuntu-latest=-self-hosted",
        "--action-offline-mode",
        "--action-cache-path", str(cache),
        "--no-cache-server",
        "--env", f"GITHUB_API_URL={fake.base_url}",
        "--env", f"MC_TEST_ARTIFACTS={artifacts}",
        "-s", f"GITHUB_TOKEN={TOKEN}",
        *(arg for r in dict.fromkeys(repositories) for arg in ("--local-repository", r)),
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
        timeout=1500, check=False,
    )  # fmt: skip
    return WorkflowRun(
        ActRun(done.returncode, done.stdout + done.stderr), time.monotonic() - started, artifacts
    )
