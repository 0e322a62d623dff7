"""The dry run's source database (stage 5): one read-only session per migration directory.

The four stage 5 checks share one ``DryRun`` per directory (``dry_run(ctx)``), kept on the
context: it resolves the source URL (``connection``), opens one read-only session with the
config's timeouts (``backends``), reads the catalog of the mapped datasets once (``catalog``)
and samples them (``sampling``). The runner closes the session when it is done with the
directory (``MigrationContext.on_close``).

When the stage is done, its outcomes (as the runner made them) make ``dry_run_result.json``
(``evidence``, taken by the stage's ``finish``; written by ``write_evidence`` when the runner is
done with the directory), in ``$MIGRATION_CHECKS_DRY_RUN_DIR/<migration directory>/`` (the stage 5 action sets it
under ``$RUNNER_TEMP``), else in a new ``mc-dry-run-*`` directory of the system's temporary
directory, removed when the process ends (also on an error): only a chosen directory keeps
them; the Parquet samples go to ``samples/`` beside it. The file holds the seed's
``success`` (every blocking check of the dry run passed) and, per check, its status, findings
and details (server version, latencies, sizes, rows sampled): never a URL, a credential or a
sampled value.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migration_checks import __version__
from migration_checks.context import MigrationContext, Skip
from migration_checks.model import CheckOutcome, Problem, Severity, Status, finding_record
from migration_checks.source_db.catalog import Catalog, match, split_name
from migration_checks.source_db.connection import Session, SourceError, connect, resolve

if TYPE_CHECKING:
    from migration_checks.documents import Document

__all__ = [
    "ENV_DIRECTORY",
    "Connected",
    "DryRun",
    "SourceError",
    "dry_run",
    "human_bytes",
    "location_notice",
    "output_root",
]

ENV_DIRECTORY = "MIGRATION_CHECKS_DRY_RUN_DIR"
RESULT_FILE = "dry_run_result.json"
SAMPLES = "samples"
DEFAULT_SAMPLE_ROWS = 100
MAX_SAMPLE_ROWS = 1000
DEFAULT_MAX_TIMEOUT = 60.0  # policy dry_run.max_timeout_seconds


@dataclass(frozen=True, slots=True)
class Connected:
    """An open session and what connecting showed about it."""

    session: Session
    round_trip_ms: float


def dry_run(ctx: MigrationContext) -> DryRun:
    """The directory's dry run, made on first use and closed with the directory."""
    return ctx.derived("source_db.dry_run", DryRun)


class DryRun:
    def __init__(self, ctx: MigrationContext) -> None:
        self.ctx = ctx
        self._connected: Connected | SourceError | None = None
        self._catalog: Catalog | SourceError | None = None
        self.details: dict[str, dict[str, Any]] = {}
        self._directory: Path | None = None
        ctx.on_close(self.close)

    # inputs ---------------------------------------------------------------------------------
    def config(self) -> Document:
        return self.ctx.require("migration_config")

    def mapping(self) -> Document:
        return self.ctx.require("mapping")

    @property
    def sample_rows(self) -> int:
        rows = self.config().data["dry_run"].get("sample_rows", DEFAULT_SAMPLE_ROWS)
        return min(int(rows), MAX_SAMPLE_ROWS)

    @property
    def asked_timeout(self) -> float:
        return float(self.config().data["dry_run"]["timeout_seconds"])

    @property
    def max_timeout(self) -> float:
        """The policy's cap: the pull request chooses how long to hold the source, up to this."""
        limit = self.ctx.policy.setting("dry_run", "max_timeout_seconds")
        return float(limit) if limit is not None else DEFAULT_MAX_TIMEOUT

    @property
    def timeout(self) -> float:
        return min(self.asked_timeout, self.max_timeout)

    # the session ----------------------------------------------------------------------------
    def connect(self) -> Connected | SourceError:
        """Connect once: the session, proven read-only, or why there is none."""
        if self._connected is None:
            config = self.config()
            session: Session | None = None
            try:
                session = connect(resolve(self.ctx, config), self.timeout)
                if not session.read_only():
                    raise SourceError(
                        f"the session on the source ({session.endpoint.label}) is not read-only "
                        "although it was opened so; the dry run refuses to read through it",
                        session.endpoint.location,
                    )
                self._connected = Connected(session, session.round_trip_ms())
            except SourceError as error:
                if session is not None:
                    session.close()
                self._connected = error
        return self._connected

    def session(self) -> Session:
        """The connected session, or ``Skip``: connection_test reports why there is none."""
        connected = self.connect()
        if isinstance(connected, SourceError):
            raise Skip("the source database could not be used; connection_test says why")
        return connected.session

    def catalog_or_error(self) -> Catalog | SourceError:
        """The relation each mapped dataset names, read once for every check."""
        if self._catalog is None:
            session = self.session()
            wanted = [split_name(d["source"]) for d in self.mapping().data["datasets"]]
            try:
                with session.read("read the catalog") as connection:
                    candidates = session.backend.relations(
                        connection, wanted, session.default_schema
                    )
                self._catalog = Catalog(
                    {i: match(w, session.default_schema, candidates) for i, w in enumerate(wanted)}
                )
            except SourceError as error:
                self._catalog = error
        return self._catalog

    def catalog(self) -> Catalog:
        catalog = self.catalog_or_error()
        if isinstance(catalog, SourceError):
            raise Skip("the source's catalog could not be read; schema_compatibility says why")
        return catalog

    def close(self) -> None:
        if isinstance(self._connected, Connected):
            self._connected.session.close()
        self._connected = None

    # the evidence ---------------------------------------------------------------------------
    @property
    def directory(self) -> Path:
        if self._directory is None:
            name = re.sub(r"[^A-Za-z0-9._-]", "_", self.ctx.dir_name)[:120] or "migration"
            self._directory = output_root() / name
            self._directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self._directory

    @property
    def result_path(self) -> Path:
        return self.directory / RESULT_FILE

    def samples_directory(self) -> Path:
        """Where this run's Parquet samples go, emptied of an earlier run's."""
        samples = self.directory / SAMPLES
        samples.mkdir(exist_ok=True, mode=0o700)
        for stale in samples.glob("*.parquet"):
            with contextlib.suppress(OSError):
                stale.unlink()
        return samples

    def evidence(self, outcomes: Sequence[CheckOutcome]) -> dict[str, Any]:
        """What ``dry_run_result.json`` holds: the runner's outcomes of the stage (statuses,
        findings, severities as the runner stamped them), the details the checks noted and the
        session's (taken while it is open)."""
        metadata = self.ctx.document("metadata")
        connected = self._connected
        source = None
        if isinstance(connected, Connected):
            session = connected.session
            source = {
                "backend": session.backend.name,
                "location": session.endpoint.label,
                "server_version": session.server_version,
                "read_only": True,
                "connect_ms": round(session.connect_ms, 1),
                "round_trip_ms": round(connected.round_trip_ms, 2),
            }
        checks = {
            outcome.check_id: {
                "status": str(outcome.status),
                "blocking": outcome.blocking,
                "reason": outcome.reason,
                "findings": [finding_record(finding) for finding in outcome.findings],
                "details": self.details.get(outcome.check_id, {}),
            }
            for outcome in outcomes
        }
        return {
            "schema_version": "v1",
            "tool": {"name": "migration-checks", "version": __version__},
            "migration": self.ctx.display_path,
            "project_id": metadata.get("/project_id") if metadata else None,
            "plan_id": metadata.get("/plan_id") if metadata else None,
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "success": all(
                outcome.status is Status.PASSED for outcome in outcomes if outcome.blocking
            ),
            "source": source,
            "checks": checks,
        }

    def write_evidence(self, evidence: dict[str, Any]) -> None:
        """Write ``dry_run_result.json``."""
        directory = self.directory
        if directory.is_symlink() or not directory.is_dir():
            raise OSError(f"{directory} is no longer the directory the dry run made")
        # A new file of a random name, never one a process of the run could have planted (a link
        # to elsewhere), renamed over the result.
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{RESULT_FILE}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(evidence, indent=2, ensure_ascii=False) + "\n")
        Path(temporary).replace(self.result_path)


def output_root() -> Path:
    """``$MIGRATION_CHECKS_DRY_RUN_DIR``, else one new temporary directory per process."""
    chosen = os.environ.get(ENV_DIRECTORY, "").strip()
    return Path(chosen).resolve() if chosen else _temporary_root()


@cache
def _temporary_root() -> Path:
    """A new ``mc-dry-run-*`` directory, removed when this process ends, however it ends short
    of being killed (a forked worker, which inherits the hook, leaves it to its parent)."""
    root = Path(tempfile.mkdtemp(prefix="mc-dry-run-"))
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(root, ignore_errors=True)

    atexit.register(remove)
    return root


def is_temporary(directory: Path) -> bool:
    """Whether ``directory`` lies in the temporary root, which the end of the process removes."""
    return not os.environ.get(ENV_DIRECTORY, "").strip() and _temporary_root() in directory.parents


def location_notice(run: DryRun) -> Problem:
    """Where the evidence goes (a notice), or why it cannot go there (a warning)."""
    try:
        directory = run.directory
    except OSError as error:
        return Problem(
            f"the dry-run evidence cannot be written under {output_root()}: "
            f"{error.strerror or type(error).__name__}; set {ENV_DIRECTORY} to a writable directory",
            severity=Severity.WARNING,
        )
    if is_temporary(directory):
        return Problem(
            f"the dry-run result ({RESULT_FILE}) and the Parquet samples are written to a "
            f"temporary directory, removed when the run ends: set {ENV_DIRECTORY} to a "
            "directory to keep them",
            severity=Severity.NOTICE,
        )
    return Problem(
        f"the dry-run result goes to {directory / RESULT_FILE} and the Parquet samples to "
        f"{directory / SAMPLES}/ (set {ENV_DIRECTORY} to choose the directory)",
        severity=Severity.NOTICE,
    )


def human_bytes(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"
