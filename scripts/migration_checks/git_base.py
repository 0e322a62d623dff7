"""The pull request's base commit, read with git plumbing: where the trust anchors come from.

The pull request's author controls every byte of its head tree, so what decides a verdict is read
from the commit the pull request merges into (SPEC sections 2 and 6.1): the policy with its trusted
keys and roles, the secrets baseline, and the migration's previous state. Nothing here reads the
work tree's files; git answers from its object store.

A base given by name is resolved explicitly, because git's own lookup order lets a tag shadow a
branch (``main`` finds ``refs/tags/main`` before ``refs/heads/main``): every reference the name
could mean is listed, and two that name different commits are refused as ambiguous. The actions
pass full commit SHAs; a name given on the command line is reported with the commit it became.

A clone that lacks the base commit (a shallow checkout) is a configuration error that says to
fetch it, never a silent pass.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_SHORT_HEX = re.compile(r"[0-9a-fA-F]{4,39}")
_TIMEOUT = 60
_FETCH_HINT = (
    "fetch it (actions/checkout with fetch-depth: 2 on a pull request's merge commit, fetch-depth: 0 "
    "otherwise, or git fetch origin <sha>) and run again"
)


class BaseError(Exception):
    """The base commit cannot be used; the CLI exits 2 with this message."""


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            check=False,
            timeout=_TIMEOUT,
            # No prompt, no pager; paths are paths, never patterns (a directory of the pull
            # request named with "*" must not match another one's files at the base).
            env={
                **os.environ,
                "GIT_TERMINAL_PROMPT": "0",
                "GIT_PAGER": "cat",
                "GIT_LITERAL_PATHSPECS": "1",
                "LC_ALL": "C",
            },
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BaseError(f"cannot run git: {exc}") from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BaseError(f"git {args[0]} failed: {message[-1] if message else 'no message'}")
    return done


def repository_root(path: Path) -> Path:
    """The top of the git work tree that holds ``path``."""
    directory = path if path.is_dir() else path.parent
    done = _git(directory, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        raise BaseError(
            f'"{path}" is not inside a git checkout, so no base commit can be read there; run '
            "from the repository's checkout, or leave out --base"
        )
    return Path(os.fsdecode(done.stdout.rstrip(b"\n"))).resolve()


@dataclass(frozen=True, slots=True)
class BaseCommit:
    """One commit of the repository at ``root``, as the pull request's base."""

    root: Path
    sha: str
    given: str
    # The reference a name resolved to (None when a full SHA was given).
    reference: str | None = None
    _blobs: dict[str, bytes | None] = field(default_factory=dict, compare=False, repr=False)
    _trees: list[str] = field(default_factory=list, compare=False, repr=False)

    @property
    def short(self) -> str:
        return self.sha[:12]

    @property
    def resolution(self) -> str | None:
        """What the CLI tells when a name was given: which commit it became."""
        if self.reference is None:
            return None
        return f'base "{self.given}" is commit {self.short} ({self.reference})'

    def relative(self, path: Path) -> str | None:
        """``path`` (in the work tree) relative to the repository's top, or None outside it."""
        try:
            rel = path.resolve().relative_to(self.root)
        except ValueError:
            return None
        return rel.as_posix() if rel.parts else ""

    def relative_lexically(self, path: Path) -> str | None:
        """Like ``relative``, for an absolute, normalised path, without following any link."""
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return None
        return rel.as_posix() if rel.parts else None

    def read(self, repo_path: str, max_bytes: int) -> bytes | None:
        """The bytes of the regular file at ``repo_path`` in this commit; None when there is none.

        A link or a submodule at that path counts as no file: the base is read as data, and a link
        would make the reader leave the commit.
        """
        if repo_path not in self._blobs:
            self._blobs[repo_path] = self._read(repo_path, max_bytes)
        return self._blobs[repo_path]

    def _read(self, repo_path: str, max_bytes: int) -> bytes | None:
        listing = _git(self.root, "ls-tree", "-z", "--full-tree", self.sha, "--", repo_path)
        entries = [e for e in listing.stdout.split(b"\0") if e]
        if len(entries) != 1:
            return None
        info, _, name = entries[0].partition(b"\t")
        mode, kind, obj = info.split(b" ")
        if os.fsdecode(name) != repo_path or kind != b"blob" or mode not in (b"100644", b"100755"):
            return None
        size = int(_git(self.root, "cat-file", "-s", obj.decode()).stdout)
        if size > max_bytes:
            raise BaseError(
                f"{repo_path} at the base commit {self.short} is {size} bytes, over the limit of "
                f"{max_bytes} bytes"
            )
        return _git(self.root, "cat-file", "blob", obj.decode()).stdout

    def has_tree(self, repo_path: str) -> bool:
        """Whether ``repo_path`` is a directory in this commit."""
        done = _git(self.root, "cat-file", "-t", f"{self.sha}:{repo_path}", check=False)
        return done.returncode == 0 and done.stdout.strip() == b"tree"

    def directories_named(self, name: str) -> list[str]:
        """Every directory of this commit whose last component is ``name``, wherever it lies."""
        if not self._trees:
            listing = _git(self.root, "ls-tree", "-r", "-d", "-z", "--name-only", self.sha)
            self._trees.extend(os.fsdecode(p) for p in listing.stdout.split(b"\0") if p)
        return [p for p in self._trees if p.rsplit("/", 1)[-1] == name]

    def changed_paths(self) -> list[str]:
        """Every path the pull request changes: from where its branch left the base (the merge
        base of the base commit and HEAD) to the work tree, and the files git does not track yet
        (and does not ignore). Deleted paths are included."""
        head = _git(self.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        since = self.sha
        if head.returncode == 0:
            fork = _git(self.root, "merge-base", self.sha, "HEAD", check=False)
            if fork.returncode != 0:
                raise BaseError(
                    f"cannot find where HEAD left the base commit {self.short} (a shallow clone "
                    f"without the common history?): {_FETCH_HINT}"
                )
            since = fork.stdout.decode().strip()
        diff = _git(self.root, "diff", "--name-only", "-z", "--no-renames", since, "--")
        untracked = _git(self.root, "ls-files", "-z", "--others", "--exclude-standard")
        paths = {
            os.fsdecode(p) for p in (*diff.stdout.split(b"\0"), *untracked.stdout.split(b"\0"))
        }
        paths.discard("")
        return sorted(paths)


def resolve_base(given: str, where: Path) -> BaseCommit:
    """The commit ``given`` names in the repository holding ``where``.

    A full SHA must be a commit of this clone. A name is looked up in every place git would look
    (``refs/NAME``, tags, branches, remote branches, a remote's HEAD) and must name one commit.
    """
    root = repository_root(where)
    text = given.strip()
    if not text or text.startswith("-") or any(c.isspace() or c in "\0:^~" for c in text):
        raise BaseError(f'"{given}" is not a commit SHA or a reference name')
    if _FULL_SHA.fullmatch(text.lower()):
        sha = text.lower()
        _require_commit(root, sha, given)
        return BaseCommit(root, sha, given)
    found = _references(root, text)
    if _SHORT_HEX.fullmatch(text):
        done = _git(root, "rev-parse", "--verify", "--quiet", f"{text}^{{commit}}", check=False)
        if done.returncode == 0:
            found.append(("an abbreviated commit SHA", done.stdout.decode().strip()))
    commits = {sha for _, sha in found}
    if not found:
        raise BaseError(f'no commit named "{given}" in this clone: {_FETCH_HINT}')
    if len(commits) > 1:
        names = ", ".join(f"{ref} is {sha[:12]}" for ref, sha in found)
        raise BaseError(
            f'"{given}" is ambiguous ({names}): a tag can shadow a branch, so pass the full '
            "commit SHA (the actions pass github.event.pull_request.base.sha)"
        )
    reference, sha = found[0]
    return BaseCommit(root, sha, given, reference=reference)


def _require_commit(root: Path, sha: str, given: str) -> None:
    done = _git(root, "cat-file", "-t", sha, check=False)
    if done.returncode != 0:
        raise BaseError(
            f"the base commit {given} is not in this clone (a shallow clone?): {_FETCH_HINT}"
        )
    if done.stdout.strip() != b"commit":
        raise BaseError(f"{given} is a {done.stdout.decode().strip()}, not a commit")


def _references(root: Path, name: str) -> list[tuple[str, str]]:
    """(reference, commit) for every reference ``name`` could mean, as git's lookup order lists
    them (gitrevisions(7)); a reference that does not peel to a commit is left out."""
    if name.startswith("refs/"):
        candidates = [name]
    else:
        candidates = [
            f"refs/{name}",
            f"refs/tags/{name}",
            f"refs/heads/{name}",
            f"refs/remotes/{name}",
            f"refs/remotes/{name}/HEAD",
        ]
    found = []
    for candidate in candidates:
        if not _valid_ref_name(candidate):
            continue
        # show-ref --verify matches the full name exactly; rev-parse would search again from it.
        exact = _git(root, "show-ref", "--verify", "--hash", "--", candidate, check=False)
        if exact.returncode != 0:
            continue
        target = exact.stdout.decode().strip()
        done = _git(root, "rev-parse", "--verify", "--quiet", f"{target}^{{commit}}", check=False)
        if done.returncode == 0:
            found.append((candidate, done.stdout.decode().strip()))
    return found


def _valid_ref_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return all(part not in ("", ".", "..") and not part.endswith(".lock") for part in parts)


@dataclass(frozen=True, slots=True)
class BaseView:
    """One migration directory as the base commit has it (``path``: its repository path)."""

    commit: BaseCommit
    path: str

    def read(self, rel: str, max_bytes: int) -> bytes | None:
        """The bytes of ``rel`` (relative to the migration directory) at the base commit."""
        return self.commit.read(f"{self.path}/{rel}" if self.path else rel, max_bytes)

    def exists(self) -> bool:
        """Whether the migration directory exists at the base commit."""
        return self.commit.has_tree(self.path) if self.path else True


def view_of(commit: BaseCommit | None, directory: Path) -> BaseView | None:
    """The base's view of a migration directory of the work tree (None without a base)."""
    if commit is None:
        return None
    rel = commit.relative(directory)
    if rel is None:
        raise BaseError(f'"{directory}" is not inside the repository at {commit.root}')
    return BaseView(commit, rel)
