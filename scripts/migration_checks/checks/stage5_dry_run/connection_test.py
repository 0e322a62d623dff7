"""Connect to the source database read-only, prove the session cannot write, and time it.

The source is ``source.url_ref`` of ``configs/migration_config.yml``, a secret of
``configs/secrets_refs.yml`` that reaches the job as ``MIGRATION_SECRET_{NAME}``, or a literal
``source.url`` naming a SQLite file inside the migration directory (the example's embedded
database). The session is read-only by construction (PostgreSQL
``default_transaction_read_only`` and READ ONLY transactions, MySQL ``START TRANSACTION READ
ONLY``, SQLite ``mode=ro``; ``migration_checks.source_db.backends``), and the check reads the
server's own flag to prove it. Connecting and every statement are limited by
``dry_run.timeout_seconds``, at most the policy's ``dry_run.max_timeout_seconds`` (default 60 s).
The notices give the server
version, the connect time and a round trip's latency, and where ``dry_run_result.json`` is
written. A failure names its kind and the host, port and database, never the URL, the user or
the password, and never the driver's text. The other dry-run checks are skipped when this one
fails.

Passes: ``source.url: sqlite:///data/shop.sqlite`` naming a file of the directory;
``url_ref: SOURCE_DB`` with ``MIGRATION_SECRET_SOURCE_DB`` set to a reachable PostgreSQL URL.
Fails: ``MIGRATION_SECRET_SOURCE_DB`` unset (on a pull request from a fork: secrets are not
passed there); a ``url_ref`` not in ``secrets_refs.yml``; a literal ``postgresql://`` URL;
``sqlite:///../other.sqlite``, an absolute path or a symbolic link; wrong credentials; an
unreachable host (within the timeout); a session that reports it can write.
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks import source_db
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Severity, Stage

ID = "connection_test"
STAGE = Stage.DRY_RUN
BLOCKING = True
RAISES = (BlockerId.CI_FAILURE,)
POLICY = ("dry_run",)


def check(ctx: MigrationContext) -> Iterator[Problem]:
    run = source_db.dry_run(ctx)
    yield from _check(run)


def _check(run: source_db.DryRun) -> Iterator[Problem]:
    config = run.config()  # Skip when the config is unusable: stage 1 reports it
    yield source_db.location_notice(run)
    if run.asked_timeout > run.max_timeout:
        yield Problem(
            f"dry_run.timeout_seconds asks for {run.asked_timeout:g} s; the policy allows at most "
            f"{run.max_timeout:g} s (dry_run.max_timeout_seconds), which the dry run uses",
            severity=Severity.NOTICE,
            location=config.at("/dry_run/timeout_seconds"),
        )
    connected = run.connect()
    if isinstance(connected, source_db.SourceError):
        yield Problem(connected.reason, BlockerId.CI_FAILURE, connected.location)
        return
    session = connected.session
    run.details[ID] = {
        "backend": session.backend.name,
        "server_version": session.server_version,
        "read_only": True,
        "connect_ms": round(session.connect_ms, 1),
        "round_trip_ms": round(connected.round_trip_ms, 2),
    }
    yield Problem(
        f"connected to the source ({session.endpoint.label}): {session.backend.title} "
        f"{session.server_version}; the session is read-only ({session.backend.proof}); connecting "
        f"took {session.connect_ms:.0f} ms, a round trip {connected.round_trip_ms:.1f} ms",
        severity=Severity.NOTICE,
        location=session.endpoint.location,
    )
