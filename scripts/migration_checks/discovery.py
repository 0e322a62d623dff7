"""Finding the migration PR directories (``migration-pr-*``) a run examines.

Without a base commit, every migration directory under the paths given is examined, and a path
given that is itself one is examined too (``check .`` run inside a migration directory, or
``check path/to/migration-pr-x``); a path spelled with ``..`` is named by the directory it
denotes, and refused when the ``..`` climbs out of a link. Nothing is skipped by name (a
directory whose name only reads as ``migration-pr-*``, in another case or with a look-alike
dash, is a blocking finding; a directory under ``node_modules/`` or ``.venv/`` is a directory
like any other), except git's own ``.git``, below which git never tracks a file. Migration
directories inside another one are examined too. Links are never followed, and a migration
directory reached through a link (the link's name, or the name it points to, is
``migration-pr-*``) is itself a blocking finding: what a link points to is not what the pull
request holds.

With a base commit (SPEC section 6.1), the directories examined are those the pull request
changes: every ``migration-pr-*`` directory of the repository that holds a changed path, wherever
it lies (the paths given name the repository). One pull request carries one migration: changing
more than one migration directory is a POLICY_VIOLATION that names them all. A migration
directory replaced by a file is removed like a deleted one; one reached through a linked parent
directory is a link finding; one whose path is not UTF-8 (git keeps any bytes) is a finding too,
since no report could name it.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from migration_checks.artifacts import MIGRATION_DIR_PREFIX
from migration_checks.blockers import BlockerId
from migration_checks.git_base import BaseCommit
from migration_checks.model import Finding, Severity, display_path, make_finding

CHECK = "discovery"
# git keeps its own files there and never tracks a path below a directory of that name.
_GIT_DIR = ".git"


@dataclass(slots=True)
class Discovery:
    """The directories to examine, and what discovery itself found wrong."""

    directories: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    changed_only: bool = False  # chosen from the pull request's changes (a base was given)


def is_migration_name(name: str) -> bool:
    return name.startswith(MIGRATION_DIR_PREFIX)


def looks_like_migration_name(name: str) -> bool:
    """A name that is not ``migration-pr-*`` but reads as one to a person or to another tool
    (another case, a Unicode dash or compatibility form, an invisible character): the pull
    request would carry a migration no check examines."""
    if is_migration_name(name):
        return False
    folded = unicodedata.normalize("NFKC", name).casefold()
    skeleton = "".join(
        "-" if unicodedata.category(c) == "Pd" else c
        for c in folded
        if unicodedata.category(c) not in ("Cf", "Mn")
    )
    return skeleton.startswith(MIGRATION_DIR_PREFIX)


def _shown(path: Path) -> str:
    """``display_path``, with any byte that is not UTF-8 (a name git keeps as given) escaped."""
    return _escaped(display_path(path))


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _is_utf8(path: Path) -> bool:
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_utf8_finding(path: Path) -> Finding:
    return make_finding(
        CHECK,
        None,
        f'the migration directory "{_shown(path)}" has a path that is not valid UTF-8, so no '
        "report, annotation or step output can name it and nothing there was examined: rename it",
    )


def _lookalike_finding(path: Path) -> Finding:
    return make_finding(
        CHECK,
        None,
        f'"{_shown(path)}" reads as a migration directory but is not named '
        f"{MIGRATION_DIR_PREFIX}* exactly, so no check examines it: rename it",
    )


def discover_all(roots: Sequence[Path], base: BaseCommit | None) -> Discovery:
    """What a run examines under ``roots``: every migration directory, or with ``base`` the ones
    the pull request changes."""
    if base is not None:
        return _changed(base)
    found = Discovery()
    for root in roots:
        _walk(root, found)
    found.directories = sorted(set(found.directories))
    return found


def discover(root: Path) -> list[Path]:
    """Every migration directory under ``root`` (``root`` itself when it is one), sorted."""
    found = Discovery()
    _walk(root, found)
    return sorted(set(found.directories))


def _walk(root: Path, found: Discovery) -> None:
    if ".." in root.parts or not root.name:
        # "." or "..": named by the directory it is, so ``check .`` run inside a migration
        # directory examines that directory. A ".." that climbs out of a link leads somewhere
        # else than its spelling says: refused, like the link itself.
        lexical = Path(os.path.normpath(root.absolute()))
        if lexical.resolve() != root.resolve():
            found.findings.append(_climbs_through_link_finding(root))
            return
        root = lexical
    if root.is_symlink():
        found.findings.append(_link_finding(root))
        return
    if is_migration_name(root.name) and root.is_dir():
        _add(found, root)
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                if _names_a_migration(entry):
                    found.findings.append(_link_finding(Path(entry.path)))
            elif entry.is_dir(follow_symlinks=False) and entry.name != _GIT_DIR:
                if is_migration_name(entry.name):
                    _add(found, Path(entry.path))
                elif looks_like_migration_name(entry.name):
                    found.findings.append(_lookalike_finding(Path(entry.path)))
                pending.append(Path(entry.path))


def _add(found: Discovery, directory: Path) -> None:
    if _is_utf8(directory):
        found.directories.append(directory)
    else:
        found.findings.append(_not_utf8_finding(directory))


def _names_a_migration(entry: os.DirEntry[str]) -> bool:
    if is_migration_name(entry.name):
        return True
    try:
        target = str(Path(entry.path).readlink())
    except OSError:
        return False
    return is_migration_name(PurePosixPath(target.rstrip("/")).name)


def _link_finding(link: Path) -> Finding:
    return make_finding(
        CHECK,
        None,
        f'"{_shown(link)}" is a link to a migration directory; links are refused, so '
        "nothing behind it was examined: put the migration-pr-* directory itself there",
    )


def _climbs_through_link_finding(path: Path) -> Finding:
    return make_finding(
        CHECK,
        None,
        f'"{_escaped(path.as_posix())}" climbs with ".." out of a directory that is a link, so it '
        "names another directory than it reads as; links are refused, so nothing there was "
        'examined: name the directory without ".."',
    )


def _below_link_finding(directory: Path, link: Path) -> Finding:
    return make_finding(
        CHECK,
        None,
        f'the migration directory "{_shown(directory)}" is reached through the link '
        f'"{_shown(link)}"; links are refused, so nothing behind it was examined: put the '
        "migration-pr-* directory itself there",
    )


def _linked_ancestor(root: Path, repo_path: str) -> Path | None:
    """The first directory above ``repo_path`` (below ``root``) that is a link, if any."""
    parts = repo_path.split("/")
    for depth in range(1, len(parts)):
        candidate = root.joinpath(*parts[:depth])
        if candidate.is_symlink():
            return candidate
    return None


def _changed(base: BaseCommit) -> Discovery:
    found = Discovery(changed_only=True)
    changed = base.changed_paths()
    for repo_path in _lookalike_paths(changed):
        found.findings.append(_lookalike_finding(base.root.joinpath(*repo_path.split("/"))))
    touched = []
    reported: set[Path] = set()  # links named by a finding already
    for repo_path in changed_migration_paths(changed):
        path = base.root.joinpath(*repo_path.split("/"))
        linked = _linked_ancestor(base.root, repo_path)
        if not _is_utf8(path):
            found.findings.append(_not_utf8_finding(path))
        elif path.is_symlink():
            found.findings.append(_link_finding(path))
        elif linked is not None and path.is_dir():
            found.findings.append(_below_link_finding(path, linked))
            reported.add(linked)
        elif path.is_dir():
            found.directories.append(path)
        elif not base.has_tree(repo_path):
            continue  # a file whose name starts like a migration directory's
        else:
            # Deleted, or replaced by a file: either way the migration is gone.
            found.findings.append(
                make_finding(
                    CHECK,
                    None,
                    f'the pull request removes the migration directory "{repo_path}"; there is '
                    "nothing left to examine there",
                    blocker=None,
                    severity=Severity.NOTICE,
                )
            )
        touched.append(repo_path)
    for repo_path in changed:
        link = base.root.joinpath(*repo_path.split("/"))
        if link not in reported and _links_to_migrations(base.root, link):
            found.findings.append(_link_finding(link))
    if len(touched) > 1:
        names = ", ".join(f'"{_escaped(p)}"' for p in touched)
        found.findings.append(
            make_finding(
                CHECK,
                None,
                f"one pull request carries one migration, this one changes {len(touched)} "
                f"migration directories: {names}; split it into one pull request each",
                blocker=BlockerId.POLICY_VIOLATION,
            )
        )
    found.directories.sort()
    return found


def _links_to_migrations(root: Path, path: Path) -> bool:
    """Whether ``path`` is a link (of any name) to a directory of the repository that holds
    migration directories: the migrations behind it would show at a second place."""
    if not path.is_symlink() or is_migration_name(path.name):
        return False  # a link named migration-pr-* is judged as a changed migration path
    try:
        target = path.resolve(strict=True)
        target.relative_to(root)
    except (OSError, RuntimeError, ValueError):
        return False
    return target.is_dir() and bool(discover(target))


def _lookalike_paths(paths: Iterable[str]) -> list[str]:
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        for depth, part in enumerate(parts[:-1], start=1):  # directories only
            if looks_like_migration_name(part):
                found.add("/".join(parts[:depth]))
    return sorted(found)


def changed_migration_paths(paths: Iterable[str]) -> list[str]:
    """The repository paths of the migration directories that hold one of ``paths`` (a path that
    is itself named ``migration-pr-*`` counts: it may be the directory, or a link to one)."""
    directories: set[str] = set()
    for path in paths:
        parts = path.split("/")
        for depth, part in enumerate(parts, start=1):
            if is_migration_name(part):
                directories.add("/".join(parts[:depth]))
    return sorted(directories)
