"""The baseline: the false positives audited in a detect-secrets baseline, read from the base
commit, and what makes an entry unusable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from migration_checks.documents import Document, DocumentError, parse_document
from migration_checks.fs import TooLarge, UnsafePath
from migration_checks.git_base import BaseError, BaseView
from migration_checks.model import Location, Severity
from migration_checks.pointers import pointer
from migration_checks.secret_detection.hits import Hit

if TYPE_CHECKING:
    from migration_checks.context import MigrationContext

DEFAULT_BASELINE = ".secrets.baseline"


_SHA1_HEX = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True, slots=True)
class BaselineProblem:
    message: str
    location: Location
    severity: Severity = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Baseline:
    """The entries of a detect-secrets baseline, by (file, type, hashed_secret).

    Only entries audited as false positives (``"is_secret": false``) suppress a finding; an entry
    not audited yet, or audited as a secret, does not (detect-secrets' own hook lets every
    listed entry pass; here an entry must have been looked at). Nor does an entry whose hash is
    of a text every secret of its type shares (``identifies``)."""

    path: str | None = None
    audited: frozenset[tuple[str, str, str]] = frozenset()
    listed: frozenset[tuple[str, str, str]] = frozenset()  # every well-formed entry
    problems: tuple[BaselineProblem, ...] = ()
    # The base commit (short SHA) it was read from; None: read from the work tree, unverified.
    commit: str | None = None

    def suppresses(self, hit: Hit) -> bool:
        return hit.identifies and (hit.path, hit.kind, hit.hashed_secret) in self.audited

    def lists(self, hit: Hit) -> bool:
        return (hit.path, hit.kind, hit.hashed_secret) in self.listed


def load_baseline(ctx: MigrationContext, name: str) -> Baseline:
    """The baseline at ``name`` (relative to the migration directory), read once per directory for
    both checks. With a base commit it is the base's (SPEC 6.1): the pull request's author writes
    the work tree, so a baseline added or changed there suppresses nothing until it is merged, and
    a notice says so. Without one, the work tree's (unverified; the gate needs a base). Its
    filenames are relative to the migration directory, as ``detect-secrets scan`` writes them when
    run there. Problems make entries unusable, never the run."""
    return ctx.derived(f"secret_detection.baseline:{name}", lambda c: _load_baseline(c, name))


def _load_baseline(ctx: MigrationContext, name: str) -> Baseline:
    if ctx.base is not None:
        return _base_baseline(ctx, ctx.base, name)
    if ctx.tree.is_link(name):
        return _unusable(
            name, "the baseline is a symbolic link; links are refused, so it suppresses nothing"
        )
    if name not in ctx.tree.files:
        return Baseline(name)
    try:
        raw = ctx.read_bytes(name)
    except (TooLarge, UnsafePath, OSError) as exc:
        return _unusable(name, f"the baseline cannot be read ({exc}); it suppresses nothing")
    return _parsed_baseline(ctx, name, raw, None)


def _base_baseline(ctx: MigrationContext, view: BaseView, name: str) -> Baseline:
    short = view.commit.short
    try:
        raw = view.read(name, ctx.limits.max_file_bytes)
    except BaseError as exc:  # fail closed: nothing is suppressed
        return _unusable(
            name,
            f"the baseline cannot be read from the base commit {short} ({exc}); it suppresses "
            "nothing",
            short,
        )
    found = Baseline(name, commit=short) if raw is None else _parsed_baseline(ctx, name, raw, short)
    return replace(found, problems=(*found.problems, *_pull_request_change(ctx, name, raw)))


def _pull_request_change(
    ctx: MigrationContext, name: str, base_raw: bytes | None
) -> tuple[BaselineProblem, ...]:
    """A notice when the work tree's baseline is not the base's: what the pull request writes
    there takes effect only once merged."""
    in_tree = name in ctx.tree.files or name in ctx.tree.special or ctx.tree.is_link(name)
    if not in_tree:
        if base_raw is None:
            return ()
        message = (
            f"the pull request removes {name}; the base commit's copy applies until it is merged"
        )
    else:
        if base_raw is not None:
            try:
                if ctx.read_bytes(name) == base_raw:
                    return ()
            except (TooLarge, UnsafePath, OSError):
                pass  # unreadable in the work tree: not the base's regular file
        verb = "adds" if base_raw is None else "changes"
        message = f"the pull request {verb} {name}; it suppresses nothing until it is merged"
    return (BaselineProblem(message, Location(path=name), Severity.NOTICE),)


def _unusable(name: str, message: str, commit: str | None = None) -> Baseline:
    return Baseline(name, problems=(BaselineProblem(message, Location(path=name)),), commit=commit)


def _parsed_baseline(ctx: MigrationContext, name: str, raw: bytes, commit: str | None) -> Baseline:
    where = "" if commit is None else f" at the base commit {commit}"
    try:
        document = parse_document(name, raw, "json", ctx.limits)
    except DocumentError as exc:
        return Baseline(
            name,
            problems=tuple(
                BaselineProblem(
                    f"the baseline{where} is not a detect-secrets baseline ({p.message}); it "
                    "suppresses nothing until it parses",
                    Location(path=name, line=p.line, column=p.column),
                )
                for p in exc.problems
            ),
            commit=commit,
        )
    return replace(_baseline_entries(name, document, where), commit=commit)


def _baseline_entries(name: str, document: Document, where: str) -> Baseline:
    problems: list[BaselineProblem] = []

    def problem(ptr: str, what: str) -> None:
        problems.append(
            BaselineProblem(
                f"{ptr or '/'}{where}: {what}; this entry suppresses nothing", document.at(ptr)
            )
        )

    results = document.data.get("results") if isinstance(document.data, dict) else None
    if not isinstance(results, dict):
        problem(
            "/results" if isinstance(document.data, dict) else "",
            (
                'expected an object "results" mapping file names to lists of entries, as '
                "detect-secrets writes it"
            ),
        )
        return Baseline(name, problems=tuple(problems))
    audited: set[tuple[str, str, str]] = set()
    listed: set[tuple[str, str, str]] = set()
    for filename, entries in results.items():
        file_ptr = pointer("results", filename)
        if not isinstance(entries, list):
            problem(file_ptr, "expected a list of entries")
            continue
        path = filename.replace("\\", "/").removeprefix("./")
        for i, entry in enumerate(entries):
            entry_ptr = pointer("results", filename, i)
            if not isinstance(entry, dict):
                problem(entry_ptr, "expected an object with type and hashed_secret")
                continue
            kind, hashed = entry.get("type"), entry.get("hashed_secret")
            verdict = entry.get("is_secret")
            if not isinstance(kind, str) or not kind:
                problem(f"{entry_ptr}/type", "expected the secret's type, a string")
            elif not isinstance(hashed, str) or not _SHA1_HEX.fullmatch(hashed):
                problem(
                    f"{entry_ptr}/hashed_secret",
                    "expected the secret's hashed_secret, 40 lower-case hex digits",
                )
            elif verdict is not None and not isinstance(verdict, bool):
                problem(f"{entry_ptr}/is_secret", "expected true, false or no is_secret")
            else:
                listed.add((path, kind, hashed))
                if verdict is False:
                    audited.add((path, kind, hashed))
    return Baseline(name, frozenset(audited), frozenset(listed), tuple(problems))
