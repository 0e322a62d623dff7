"""Release migration-checks: tag a commit whose reusable workflow calls the actions of this release.

    python scripts/release.py [--repo DIR] [--version X.Y.Z] [--push REMOTE] [--dry-run]

Why: .github/workflows/migration-pr-checks.yml calls the suite's own actions as
``uses: org/migration-checks/actions/stage-N@<sha> # vX.Y.Z``. A ``uses:`` cannot take an
expression, ``./`` resolves in the caller's checkout, and a called workflow cannot learn the
commit it was called at (``github.job_workflow_sha`` is missing from its github context,
actions/runner#2417), so the pins are written at release time. On main they hold the all-zero
placeholder.

What: P is HEAD (clean tree). R is a new commit whose only parent is P and whose tree is P's with
one file changed: in the workflow every ``org/migration-checks[/PATH]@<all zeros>`` pin becomes
``@P`` with the comment ``# vX.Y.Z``. R therefore has P's actions/, scripts/ and requirements/,
byte for byte, and a caller pinning R (``@vX.Y.Z``, ``@vX`` or R's SHA) runs the actions of R.
The annotated tag vX.Y.Z and the moving tag vX point at R; no branch moves and the work tree is
not touched (R is built in a temporary index).

Refuses, changing no branch or tag: a dirty work tree (untracked files count); an existing tag
vX.Y.Z (locally, or on REMOTE with --push); --version different from ``__version__`` at P; no
``## [X.Y.Z]`` section in P's CHANGELOG.md; a self-pin that is neither the placeholder nor P, a
pin naming a path without an action, or no self-pin at all; a diff P..R other than the workflow.
A failed push (one atomic push of both tags) puts the local tags back as they were. vX moves only
when X.Y.Z is the highest vX.*.* release (a fix of an older line leaves it).

Output: a human summary on standard error; on standard output only ``key=value`` lines
(``actions-commit``, ``released-commit``, ``tag``, ``major-tag``, ``major-tag-moved``,
``version``, ``pushed``, ``dry-run``), which a workflow step can append to ``$GITHUB_OUTPUT``.
With --dry-run R is created as an unreferenced commit (so it can be inspected with ``git show``)
but no tag is written and nothing is pushed. Exit status: 0 done, 1 refused, 2 bad arguments.

Standard library only; git does all the work.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WORKFLOW = ".github/workflows/migration-pr-checks.yml"
VERSION_FILE = "scripts/migration_checks/__init__.py"
CHANGELOG = "CHANGELOG.md"
SELF_REPO = "org/migration-checks"
PLACEHOLDER = "0" * 40

VERSION = re.compile(r"(?P<major>0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)")
VERSION_ASSIGNMENT = re.compile(r"""^__version__\s*=\s*["'](?P<version>[^"']+)["']\s*$""", re.M)
# A reference to the suite itself: org/migration-checks, an optional path, @ and a ref. The path
# and ref stop at whitespace, quotes and `#` (a YAML comment).
SELF_PIN = re.compile(
    rf"(?<![\w./-]){re.escape(SELF_REPO)}(?P<path>/[^@\s'\"#]*)?@(?P<ref>[^\s'\"#]*)"
)
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s")
# A YAML comment starts at a `#` that begins the line or follows whitespace.
COMMENT = re.compile(r"(?:^|\s)#")
FULL_SHA = re.compile(r"[0-9a-f]{40}")


class Refused(Exception):
    """The release cannot be made as asked; no branch or tag was changed."""


@dataclass(frozen=True, slots=True)
class Pin:
    line: int  # 1-based line number in the workflow
    path: str  # "" (the root action) or "actions/stage-1", ".github/workflows/x.yml", ...
    ref: str  # the ref found in the file


@dataclass(frozen=True, slots=True)
class Release:
    actions_commit: str  # P
    released_commit: str  # R
    tag: str
    major_tag: str
    major_tag_moved: bool
    version: str


def git(
    repo: Path,
    *args: str,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> bytes:
    """Run git in ``repo``; its standard output, or Refused carrying its error."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **env} if env else None,
        check=False,
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise Refused(f"git {' '.join(args)} failed: {message}")
    return done.stdout


def git_text(repo: Path, *args: str) -> str:
    return git(repo, *args).decode().strip()


def exists(repo: Path, ref: str) -> bool:
    done = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "-q", "--verify", ref],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


# --- the workflow ------------------------------------------------------------------------------


def split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of one YAML line; the comment keeps its leading whitespace and `#`."""
    match = COMMENT.search(line)
    if match is None:
        return line, ""
    return line[: match.start()], line[match.start() :]


def find_pins(text: str) -> list[Pin]:
    """Every reference to the suite outside YAML comments."""
    pins = []
    for number, line in enumerate(text.splitlines(), start=1):
        code, _ = split_comment(line)
        for match in SELF_PIN.finditer(code):
            path = (match["path"] or "").strip("/")
            pins.append(Pin(number, path, match["ref"]))
    return pins


def rewrite_workflow(text: str, actions_commit: str, version: str) -> str:
    """``text`` with every placeholder self-pin set to ``actions_commit`` and ``# v<version>``.

    A pin already at ``actions_commit`` is kept (so rewriting twice changes nothing); any other
    ref, or a file without a self-pin, is refused.
    """
    if not FULL_SHA.fullmatch(actions_commit):
        raise Refused(f"{actions_commit!r} is not a full commit SHA")
    pins = find_pins(text)
    if not pins:
        raise Refused(f"{WORKFLOW} holds no {SELF_REPO}...@<sha> pin: nothing to release")
    foreign = [pin for pin in pins if pin.ref not in (PLACEHOLDER, actions_commit)]
    if foreign:
        listed = "; ".join(f"line {p.line}: {SELF_REPO}/{p.path}@{p.ref}" for p in foreign)
        raise Refused(
            f"{WORKFLOW} pins the suite to something other than the all-zero placeholder "
            f"(or {actions_commit}): {listed}. On main every self-pin must be "
            f"@{PLACEHOLDER}; the release writes the commit."
        )
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        code, comment = split_comment(body)
        if not SELF_PIN.search(code):
            out.append(line)
            continue
        code = SELF_PIN.sub(
            lambda m: f"{SELF_REPO}{m['path'] or ''}@{actions_commit}",
            code,
        )
        if USES_LINE.match(code):
            comment = f" # v{version}"
            code = code.rstrip()
        out.append(code + comment + ending)
    return "".join(out)


def check_pin_targets(repo: Path, commit: str, pins: Sequence[Pin]) -> None:
    """Every pinned path names an action (or a workflow file) in ``commit``."""
    missing = []
    for pin in pins:
        if pin.path.endswith((".yml", ".yaml")):
            candidates = [pin.path]
        else:
            base = f"{pin.path}/" if pin.path else ""
            candidates = [f"{base}action.yml", f"{base}action.yaml"]
        if not any(exists(repo, f"{commit}:{candidate}") for candidate in candidates):
            missing.append(f"line {pin.line}: {SELF_REPO}/{pin.path}".rstrip("/"))
    if missing:
        raise Refused(f"{WORKFLOW} pins paths that hold no action at HEAD: {'; '.join(missing)}")


# --- checks on P ---------------------------------------------------------------------------------


def version_at(repo: Path, commit: str) -> str:
    try:
        source = git(repo, "cat-file", "blob", f"{commit}:{VERSION_FILE}").decode()
    except Refused as error:
        raise Refused(f"cannot read {VERSION_FILE} at HEAD: {error}") from None
    match = VERSION_ASSIGNMENT.search(source)
    if match is None:
        raise Refused(f"{VERSION_FILE} at HEAD has no __version__ = '...' line")
    return match["version"]


def changelog_has(repo: Path, commit: str, version: str) -> bool:
    if not exists(repo, f"{commit}:{CHANGELOG}"):
        return False
    text = git(repo, "cat-file", "blob", f"{commit}:{CHANGELOG}").decode()
    return re.search(rf"^## \[{re.escape(version)}\](?:\s|$)", text, re.M) is not None


def require_clean(repo: Path) -> None:
    status = git(repo, "status", "--porcelain=v1", "--untracked-files=all").decode()
    if status.strip():
        shown = "\n  ".join(status.splitlines()[:10])
        raise Refused(f"the work tree is not clean; commit or stash first:\n  {shown}")


def remote_has_tag(repo: Path, remote: str, tag: str) -> bool:
    return bool(git(repo, "ls-remote", "--tags", remote, f"refs/tags/{tag}").strip())


def should_move_major(repo: Path, major: str, version: str) -> bool:
    """Whether ``version`` is at least every existing release of its major line."""
    listed = git(repo, "tag", "--list", f"{major}.*").decode().split()

    def key(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))

    existing = [name[1:] for name in listed if VERSION.fullmatch(name[1:])]
    return all(key(other) <= key(version) for other in existing)


# --- making R ----------------------------------------------------------------------------------


def make_release_commit(repo: Path, parent: str, workflow: bytes, message: str) -> str:
    """A commit with ``parent``'s tree except the workflow; built in a private index."""
    (entry,) = git(repo, "ls-tree", parent, "--", WORKFLOW).decode().splitlines()
    mode = entry.split()[0]
    with tempfile.TemporaryDirectory(prefix="migration-checks-release-") as private:
        env = {"GIT_INDEX_FILE": str(Path(private) / "index")}
        git(repo, "read-tree", parent, env=env)
        blob = git(repo, "hash-object", "-w", "--no-filters", "--stdin", stdin=workflow)
        git(
            repo,
            "update-index",
            "--cacheinfo",
            f"{mode},{blob.decode().strip()},{WORKFLOW}",
            env=env,
        )
        tree = git(repo, "write-tree", env=env).decode().strip()
    return git(repo, "commit-tree", tree, "-p", parent, stdin=message.encode()).decode().strip()


def verify_release_commit(repo: Path, parent: str, commit: str) -> None:
    parents = git_text(repo, "rev-list", "--parents", "-n", "1", commit).split()[1:]
    if parents != [parent]:
        raise Refused(f"{commit} should have the one parent {parent}, has {parents}")
    changed = git(repo, "diff", "--name-only", "--no-renames", "-z", parent, commit).decode()
    names = [name for name in changed.split("\0") if name]
    if names != [WORKFLOW]:
        raise Refused(f"git diff {parent} {commit} should name only {WORKFLOW}, names {names}")
    text = git(repo, "cat-file", "blob", f"{commit}:{WORKFLOW}").decode()
    refs = {pin.ref for pin in find_pins(text)}
    if refs != {parent}:
        raise Refused(f"{commit}'s workflow should pin only {parent}, pins {sorted(refs)}")


# --- the whole release -------------------------------------------------------------------------


def release(repo: Path, version: str | None, push: str | None, dry_run: bool) -> Release:
    repo = Path(git_text(repo, "rev-parse", "--show-toplevel"))
    require_clean(repo)
    parent = git_text(repo, "rev-parse", "--verify", "HEAD^{commit}")

    declared = version_at(repo, parent)
    version = version or declared
    if version.startswith("v"):
        version = version[1:]
    version_match = VERSION.fullmatch(version)
    if version_match is None:
        raise Refused(f"version {version!r} is not X.Y.Z")
    if version != declared:
        raise Refused(
            f"--version {version} differs from __version__ {declared!r} in {VERSION_FILE}: "
            f"the package built from the tag would say {declared}. Set __version__ (and the pins' "
            f"'# v' comments in {WORKFLOW}) to {version} on main first."
        )
    tag = f"v{version}"
    major = f"v{version_match['major']}"
    if exists(repo, f"refs/tags/{tag}"):
        raise Refused(f"tag {tag} exists already (releases are never re-tagged)")
    if push and remote_has_tag(repo, push, tag):
        raise Refused(f"tag {tag} exists already on {push}")
    if not changelog_has(repo, parent, version):
        raise Refused(f"{CHANGELOG} at HEAD has no '## [{version}]' section")

    text = git(repo, "cat-file", "blob", f"{parent}:{WORKFLOW}").decode()
    check_pin_targets(repo, parent, find_pins(text))
    rewritten = rewrite_workflow(text, parent, version).encode()
    message = (
        f"Release {tag}\n\n"
        f"{WORKFLOW} pins the suite's own actions to {parent},\n"
        f"this commit's parent, whose actions/, scripts/ and requirements/ it shares.\n\n"
        f"Actions-Commit: {parent}\n"
    )
    commit = make_release_commit(repo, parent, rewritten, message)
    verify_release_commit(repo, parent, commit)

    move_major = should_move_major(repo, major, version)
    if not dry_run:
        tag_release(repo, tag, major if move_major else None, parent, commit, push)
    return Release(parent, commit, tag, major, move_major, version)


def tag_release(
    repo: Path, tag: str, major: str | None, parent: str, commit: str, push: str | None
) -> None:
    """Tag ``commit``, move ``major`` to it, push both; after a failed push, put the tags back."""
    previous_major = (
        git_text(repo, "rev-parse", "--verify", f"refs/tags/{major}")
        if major and exists(repo, f"refs/tags/{major}")
        else None
    )
    message = f"migration-checks {tag}\n\nActions-Commit: {parent}\n"
    git(repo, "tag", "-a", tag, "-m", message, commit)
    if major:
        git(repo, "tag", "-f", major, commit)
    if not push:
        return
    refspecs = [f"refs/tags/{tag}:refs/tags/{tag}"]
    if major:
        refspecs.append(f"+refs/tags/{major}:refs/tags/{major}")
    try:
        git(repo, "push", "--atomic", push, *refspecs)
    except Refused as error:
        git(repo, "tag", "-d", tag)
        if major and previous_major:
            git(repo, "update-ref", f"refs/tags/{major}", previous_major)
        elif major:
            git(repo, "tag", "-d", major)
        raise Refused(f"{error}; the local tags are as they were") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="release.py",
        description="Tag a release commit whose reusable workflow pins this release's actions.",
    )
    parser.add_argument("--repo", type=Path, default=Path(), help="the repository (default: .)")
    parser.add_argument(
        "--version", help="X.Y.Z; default and only accepted value: __version__ at HEAD"
    )
    parser.add_argument("--push", metavar="REMOTE", help="push vX.Y.Z and vX to REMOTE")
    parser.add_argument(
        "--dry-run", action="store_true", help="make R but write no tag and push nothing"
    )
    args = parser.parse_args(argv)
    try:
        done = release(args.repo, args.version, args.push, args.dry_run)
    except Refused as error:
        print(f"release.py: refused: {error}", file=sys.stderr)
        return 1

    pushed = args.push if args.push and not args.dry_run else ""
    verb = "would tag" if args.dry_run else "tagged"
    major_note = (
        f"{done.major_tag} -> {done.released_commit}"
        if done.major_tag_moved
        else f"{done.major_tag} stays (a newer {done.major_tag}.* release exists)"
    )
    summary = [
        f"actions commit (P): {done.actions_commit}",
        f"release commit (R): {done.released_commit} (child of P; only {WORKFLOW} differs)",
        f"{verb}: {done.tag} -> {done.released_commit}; {major_note}",
    ]
    if pushed:
        summary.append(
            f"pushed {done.tag}{' and ' + done.major_tag if done.major_tag_moved else ''} to {pushed}"
        )
    print("\n".join(summary), file=sys.stderr)
    outputs = {
        "actions-commit": done.actions_commit,
        "released-commit": done.released_commit,
        "tag": done.tag,
        "major-tag": done.major_tag,
        "major-tag-moved": str(done.major_tag_moved).lower(),
        "version": done.version,
        "pushed": pushed,
        "dry-run": str(args.dry_run).lower(),
    }
    print("\n".join(f"{key}={value}" for key, value in outputs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
