"""One migration directory as the checks see it: its files, its parsed artifacts and the policy.

Each artifact is read and parsed at most once and shared by every check. A check asks for what
it needs with ``require``; when the input is missing, unreadable, did not parse or did not pass
its schema, ``require`` raises ``Skip`` and the check is reported as skipped with that reason,
because another check has already reported the cause.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from migration_checks import artifacts
from migration_checks.artifacts import BY_NAME, Artifact
from migration_checks.documents import (
    Document,
    DocumentError,
    ParseProblem,
    format_of,
    load_document,
)
from migration_checks.fs import TreeListing, UnsafePath, list_tree, read_contained, sha256_contained
from migration_checks.git_base import BaseView
from migration_checks.policy import Policy
from migration_checks.validation import PLACEHOLDER, SchemaProblem, validate, validate_filled


class Skip(Exception):
    """Raised by a check whose inputs are unusable; ``after_failure`` when another check reported why."""

    def __init__(self, reason: str, *, after_failure: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_failure = after_failure


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A file that exists in the listing but must not or cannot be read."""

    path: str
    reason: str


ParseOutcome = Document | DocumentError | Unreadable | None  # None: the file does not exist
T = TypeVar("T")


class MigrationContext:
    def __init__(
        self, root: Path, display_path: str, policy: Policy, base: BaseView | None = None
    ) -> None:
        self.root = root
        self.display_path = display_path
        self.policy = policy
        # The migration directory at the pull request's base commit: its previous state and the
        # secrets baseline come from there (SPEC 6.1). None when no base was given.
        self.base = base
        self.limits = policy.limits
        self.tree: TreeListing = list_tree(root, self.limits.max_files)
        self._parsed: dict[str, ParseOutcome] = {}
        self._schema_problems: dict[str, list[SchemaProblem]] = {}
        self._derived: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []

    @property
    def dir_name(self) -> str:
        return self.root.name

    def derived(self, key: str, compute: Callable[[MigrationContext], T]) -> T:
        """What several checks derive from the same inputs, computed once per directory."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        return cast("T", self._derived[key])

    def on_close(self, close: Callable[[], None]) -> None:
        """Have the runner call ``close`` when it is done with this directory (a database
        session that the checks share, say)."""
        self._closers.append(close)

    def close(self) -> None:
        """Release what the checks opened, latest first; a failing closer stops no other."""
        while self._closers:
            with contextlib.suppress(Exception):
                self._closers.pop()()

    # parsing ------------------------------------------------------------------------------
    def parse(self, rel: str) -> ParseOutcome:
        if rel not in self._parsed:
            self._parsed[rel] = self._parse(rel)
        return self._parsed[rel]

    def _parse(self, rel: str) -> ParseOutcome:
        if self.tree.is_link(rel):
            return Unreadable(rel, "is a symbolic link; links are refused")
        if rel in self.tree.special:
            return Unreadable(rel, "is not a regular file")
        if rel not in self.tree.files:
            return None
        try:
            return load_document(
                self.root,
                rel,
                self.limits,
                plain_data=self.is_artifact(rel),
                exact_numbers=self.is_parallel_run(rel),
            )
        except DocumentError as exc:
            return exc
        except UnsafePath as exc:
            return Unreadable(rel, str(exc))
        except FileNotFoundError:
            return None
        except OSError as exc:
            return Unreadable(rel, f"cannot be read ({exc.strerror or exc})")

    def is_artifact(self, rel: str) -> bool:
        """Artifacts must be plain data; other JSON and YAML files (say, in code/) need only parse."""
        return rel in self._artifact_paths() or self.is_parallel_run(rel)

    def is_parallel_run(self, rel: str) -> bool:
        """A parallel run report. Its numbers are read exactly (integers ``int``, others
        ``Decimal``), as reconciliation compares them exactly (SPEC 6.1)."""
        return rel.startswith(f"{artifacts.PARALLEL_RUNS_DIR}/") and rel in self.derived(
            "parallel_run_set", lambda ctx: frozenset(ctx.parallel_run_paths())
        )

    def _artifact_paths(self) -> set[str]:
        # Only what is known without parsing, so that deciding how to parse never parses.
        fixed = {a.path for a in artifacts.ARTIFACTS if "{" not in a.path}
        fixed.add(artifacts.DECISIONS_ALIAS)
        candidates = self.signed_plan_candidates()
        fixed.update(candidates)
        for plan_path in candidates:
            plan = self._parsed.get(plan_path)
            report = plan.get("/plan/profiling/report") if isinstance(plan, Document) else None
            if isinstance(report, str):
                fixed.add(report)
        return fixed

    def json_yaml_files(self) -> list[str]:
        """Every JSON and YAML file in the directory, artifacts first.

        The metadata and the plan are parsed first: the plan names the profiling report's path,
        which decides how strictly that file is read.
        """
        self.document("signed_plan")
        known = [p for p in self._artifact_paths() if p in self.tree.files]
        known.extend(self.parallel_run_paths())
        others = [p for p in self.tree.files if format_of(p) is not None and p not in known]
        return sorted(set(known)) + sorted(others)

    def read_bytes(self, rel: str) -> bytes:
        """A file's bytes, under the containment rules and the size limit."""
        return read_contained(self.root, rel, self.limits.max_file_bytes)

    def sha256(self, rel: str) -> str:
        return sha256_contained(self.root, rel)

    @property
    def files_parsed(self) -> int:
        return sum(
            1 for outcome in self._parsed.values() if isinstance(outcome, Document | DocumentError)
        )

    # artifacts ----------------------------------------------------------------------------
    def artifact_path(self, name: str) -> str | None:
        """Where artifact ``name`` is in this directory, or would be; None when it cannot be told."""
        if name == "signed_plan":
            return self.signed_plan_path()
        if name == "decisions":
            if (
                artifacts.DECISIONS_ALIAS in self.tree.files
                and artifacts.DECISIONS.path not in self.tree.files
            ):
                return artifacts.DECISIONS_ALIAS
            return artifacts.DECISIONS.path
        if name == "profiling_report":
            plan = self.document("signed_plan")
            report = plan.get("/plan/profiling/report") if plan is not None else None
            return report if isinstance(report, str) else artifacts.PROFILING_REPORT.path
        return BY_NAME[name].path

    def signed_plan_path(self) -> str | None:
        metadata = self.document("metadata")
        plan_id = metadata.get("/plan_id") if metadata is not None else None
        if isinstance(plan_id, str):
            expected = f"plans/{artifacts.SIGNED_PLAN_PREFIX}{plan_id}.json"
            if expected in self.tree.files or self.tree.is_link(expected):
                return expected
        candidates = self.signed_plan_candidates()
        return candidates[0] if len(candidates) == 1 else None

    def signed_plan_candidates(self) -> list[str]:
        names = self.tree.glob("plans", artifacts.SIGNED_PLAN_PREFIX, ".json")
        names.extend(
            link
            for link in self.tree.symlinks
            if link.startswith(f"plans/{artifacts.SIGNED_PLAN_PREFIX}")
        )
        return sorted(set(names))

    def parallel_run_paths(self) -> list[str]:
        """Parallel run reports, oldest first (by run number)."""
        return list(self.derived("parallel_run_paths", _parallel_run_paths))

    def document(self, name: str) -> Document | None:
        """Artifact ``name`` if it parsed (whatever its schema says), else None."""
        path = self._path_of(name)
        outcome = self.parse(path) if path is not None else None
        return outcome if isinstance(outcome, Document) else None

    def _path_of(self, name: str) -> str | None:
        # The plan's own location must not depend on itself (profiling report -> plan -> metadata).
        if name in ("metadata", "signed_plan"):
            return BY_NAME["metadata"].path if name == "metadata" else self.signed_plan_path()
        return self.artifact_path(name)

    def schema_problems(self, name: str) -> list[SchemaProblem]:
        if name not in self._schema_problems:
            document = self.document(name)
            self._schema_problems[name] = (
                validate_filled(BY_NAME[name].schema, document.data) if document is not None else []
            )
        return self._schema_problems[name]

    def run_schema_problems(self, path: str) -> list[SchemaProblem]:
        if path not in self._schema_problems:
            outcome = self.parse(path)
            self._schema_problems[path] = (
                validate(artifacts.PARALLEL_RUN_SCHEMA, outcome.data)
                if isinstance(outcome, Document)
                else []
            )
        return self._schema_problems[path]

    def require(self, name: str) -> Document:
        """Artifact ``name``, parsed and valid against its schema, or ``Skip`` saying why not."""
        path = self._path_of(name)
        if path is None:
            raise Skip(f"{_describe(BY_NAME[name])} could not be located")
        outcome = self.parse(path)
        if outcome is None:
            raise Skip(f"{path} is missing")
        if isinstance(outcome, Unreadable):
            raise Skip(f"{path} cannot be read")
        if isinstance(outcome, DocumentError):
            raise Skip(f"{path} did not parse")
        problems = self.schema_problems(name)
        if any(problem.placeholder for problem in problems):
            raise Skip(f'{path} still holds the template placeholder "{PLACEHOLDER}"')
        if problems:
            raise Skip(f"{path} failed schema validation")
        return outcome

    def usable(self, name: str) -> Document | None:
        """Like ``require``, but None instead of ``Skip``: for an input a check can do without."""
        try:
            return self.require(name)
        except Skip:
            return None

    def data(self, name: str, ptr: str, default: Any = None) -> Any:
        """A value of a parsed artifact, whatever its validity; for labelling results."""
        document = self.document(name)
        return document.get(ptr, default) if document is not None else default

    def parse_problems(self, rel: str) -> list[ParseProblem]:
        outcome = self.parse(rel)
        return outcome.problems if isinstance(outcome, DocumentError) else []


def _parallel_run_paths(ctx: MigrationContext) -> tuple[str, ...]:
    runs = []
    for path in ctx.tree.glob(artifacts.PARALLEL_RUNS_DIR, "run_", ".json"):
        match = artifacts.PARALLEL_RUN_NAME.match(path.rsplit("/", 1)[-1])
        if match:
            runs.append((int(match.group(1)), path))
    return tuple(path for _, path in sorted(runs))


def _describe(artifact: Artifact) -> str:
    return artifact.path.replace("{plan_id}", "*")
