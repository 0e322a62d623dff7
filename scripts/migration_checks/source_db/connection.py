"""Where the dry run connects, and the one read-only session it holds there.

The URL comes from ``configs/migration_config.yml``: ``source.url_ref`` names a secret of
``configs/secrets_refs.yml`` whose value reaches the job as the environment variable
``MIGRATION_SECRET_{NAME}``; a literal ``source.url`` may only name a credential-free local
file (``sqlite:///data/shop.sqlite``), relative to the migration directory and inside it. A
server comes only from a secret: host, port, database, user and TLS settings are never taken
from the pull request, which could otherwise point the job at a server of its choosing.

No text of a URL, a driver or SQLAlchemy reaches a message: drivers quote connection
parameters and values in their errors, so every failure is described by what kind of failure it
is (authentication, timeout, refused, ...) and where (``postgresql at host:port/database``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migration_checks.fs import UnsafePath, check_relative
from migration_checks.model import Location

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

    from migration_checks.context import MigrationContext
    from migration_checks.documents import Document
    from migration_checks.source_db.backends import Backend

SECRET_PREFIX = "MIGRATION_SECRET_"  # noqa: S105 (a variable name prefix)
SECRETS_BUNDLE = "MIGRATION_SECRETS"
_LOCAL_SCHEMES = ("sqlite:///", "duckdb:///")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_SERVER_BACKENDS = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}


class SourceError(Exception):
    """A failure to reach or read the source, in words that quote no URL, driver text or value."""

    def __init__(
        self, reason: str, location: Location | None = None, *, value_error: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location
        # The driver could not turn a value into Python: reading column by column finds which.
        self.value_error = value_error


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The resolved source: a server URL (from a secret) or a local file (from the config)."""

    backend: str  # "postgresql", "mysql", "sqlite"
    label: str  # for messages: never a user, a password or a query string
    location: Location  # the config line that names the source
    url: URL | None = None
    path: Path | None = None


def resolve(ctx: MigrationContext, config: Document) -> Endpoint:
    """The endpoint the config names, or ``SourceError`` saying what to fix."""
    source = config.data["source"]
    if "url_ref" in source:
        return _from_secret(ctx, config, source["url_ref"])
    return _from_literal(ctx, config, source["url"])


def _from_literal(ctx: MigrationContext, config: Document, url: str) -> Endpoint:
    location = config.at("/source/url")
    scheme = next((s for s in _LOCAL_SCHEMES if url.startswith(s)), None)
    if scheme is None:
        # Only a scheme is named back: whatever else the value holds may be a credential.
        named = _SCHEME.match(url)
        kind = named.group(1)[:20] if named else "unrecognised"
        raise SourceError(
            f'source.url is a "{kind}" URL: a literal url may only name a credential-free local '
            "file (sqlite:///path or duckdb:///path, relative to the migration directory); name "
            "a server with url_ref, a secret of configs/secrets_refs.yml",
            location,
        )
    rel = url[len(scheme) :]
    if any(c in rel for c in "?#") or rel.startswith("file:") or rel in ("", ":memory:"):
        raise SourceError(
            "source.url must be a plain file path after the scheme (no query, no URI form, not "
            ":memory:)",
            location,
        )
    try:
        check_relative(rel)
    except UnsafePath as exc:
        raise SourceError(f"source.url: {exc}", location) from None
    if ctx.tree.is_link(rel):
        raise SourceError(
            f"source.url names {rel}, which is or lies under a symbolic link; links are refused",
            location,
        )
    if rel not in ctx.tree.files:
        raise SourceError(
            f"source.url names {rel}, which is not a file of the migration directory", location
        )
    backend = scheme.split(":", 1)[0]
    if backend == "duckdb":
        raise SourceError(
            "source.url names a DuckDB file, which this installation of migration-checks "
            "cannot open (no DuckDB driver); use a SQLite file or a server",
            location,
        )
    path = ctx.root / rel
    # The listing was taken without following links; check again right before opening.
    if Path(os.path.realpath(path)) != path or not path.is_file():
        raise SourceError(f"source.url names {rel}, which is not a regular file inside the migration directory", location)  # fmt: skip
    return Endpoint(backend, f"sqlite file {rel}", location, path=path)


def _from_secret(ctx: MigrationContext, config: Document, name: str) -> Endpoint:
    location = config.at("/source/url_ref")
    refs = ctx.require("secrets_refs")
    if name not in refs.data["secrets"]:
        raise SourceError(
            f'source.url_ref names "{name}", which is not a secret of configs/secrets_refs.yml; '
            "add it there (as a vault:// reference) or correct the name",
            location,
        )
    variable = f"{SECRET_PREFIX}{name}"
    value = secret_value(name)
    if not value.strip():
        raise SourceError(_missing_secret(name, variable), location)
    from sqlalchemy.engine import make_url

    try:
        url = make_url(value.strip())
        scheme = url.get_backend_name()
    except Exception:  # never the text: it may quote the value
        raise SourceError(
            f"the value of {variable} is not a database URL: expected "
            "postgresql://user:password@host:port/database or mysql://user:password@host:port/database",
            location,
        ) from None
    backend = _SERVER_BACKENDS.get(scheme)
    if backend is None:
        what = "a local file" if scheme in ("sqlite", "duckdb") else f'"{scheme[:20]}"'
        raise SourceError(
            f"the value of {variable} names {what}: a secret names a PostgreSQL or MySQL/MariaDB "
            "server (postgresql://, mysql://); an embedded file goes in source.url",
            location,
        )
    driver = "postgresql+psycopg" if backend == "postgresql" else "mysql+pymysql"
    url = url.set(drivername=driver)
    return Endpoint(backend, _label(backend, url), location, url=url)


def _label(backend: str, url: URL) -> str:
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    database = f"/{url.database}" if url.database else ""
    return f"{backend} at {host}{port}{database}"


def secret_value(name: str) -> str:
    """Secret ``name``: ``MIGRATION_SECRET_{NAME}``, or else its ``NAME=value`` line in
    ``MIGRATION_SECRETS``, the one secret the reusable workflow takes (a workflow_call declares
    its secrets by name, and the names here are the pull request's); empty when neither has it."""
    direct = os.environ.get(f"{SECRET_PREFIX}{name}", "")
    if direct.strip():
        return direct
    for line in os.environ.get(SECRETS_BUNDLE, "").splitlines():
        key, separator, value = line.partition("=")
        if separator and key.strip() == name:
            return value.strip()
    return ""


def _missing_secret(name: str, variable: str) -> str:
    message = (
        f'the source database URL is not available: secret "{name}" (source.url_ref) reaches '
        f"the job as the environment variable {variable}, which is not set (nor a {name}= line "
        f"of {SECRETS_BUNDLE})"
    )
    if from_fork():
        return (
            f"{message}. This pull request comes from a fork, and GitHub does not pass secrets "
            "to workflows that pull requests from forks trigger, so the dry run cannot connect "
            "here: a maintainer runs it from a branch of this repository (or a workflow_dispatch "
            "run with the secret)"
        )
    return (
        f"{message}; set it to the URL (postgresql://… or mysql://…), e.g. in the workflow: "
        f"env: {{{variable}: ${{{{ secrets.{name} }}}}}}"
    )


def from_fork() -> bool:
    """Whether this job runs for a pull request from a fork (GitHub passes it no secrets)."""
    if os.environ.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_review"):
        return False
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return False
    try:
        with Path(path).open("rb") as handle:
            event = json.loads(handle.read(16 << 20))
        pull = event["pull_request"]
        head, base = pull["head"]["repo"], pull["base"]["repo"]
        return bool(head.get("fork")) or head.get("full_name") != base.get("full_name")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


class Session:
    """One connection to the source, read-only by construction, shared by the stage 5 checks."""

    def __init__(self, endpoint: Endpoint, backend: Backend, timeout: float) -> None:
        self.endpoint = endpoint
        self.backend = backend
        self.timeout = timeout
        self._engine: Engine | None = None
        self._connection: Connection | None = None
        self.connect_ms = 0.0
        self.server_version = ""
        self.default_schema: str | None = None

    def open(self) -> None:
        started = time.perf_counter()
        try:
            self._engine = self.backend.engine(self.endpoint, self.timeout)
            self._connection = self.backend.connect(self._engine)
        except SourceError:
            raise
        except Exception as exc:
            raise SourceError(
                f"cannot connect to the source ({self.endpoint.label}): "
                f"{self.backend.describe(exc, self.timeout)}",
                self.endpoint.location,
            ) from None
        self.connect_ms = (time.perf_counter() - started) * 1000
        with self.read("identify the server") as connection:
            self.server_version = self.backend.version(connection)
            self.default_schema = self.backend.default_schema(connection)

    @contextlib.contextmanager
    def read(self, step: str) -> Iterator[Connection]:
        """A read-only transaction for one step, rolled back at its end; failures become
        ``SourceError``s naming the step, never quoting the driver."""
        connection = self._connection
        if connection is None:
            raise SourceError(f"cannot {step}: the source is not connected")
        try:
            transaction = self.backend.begin(connection, self.timeout)
            try:
                yield connection
            finally:
                transaction.rollback()
        except SourceError:
            raise
        except Exception as exc:
            original = getattr(exc, "orig", None) or exc
            raise SourceError(
                f"cannot {step} ({self.endpoint.label}): {self.backend.describe(exc, self.timeout)}",
                self.endpoint.location,
                value_error=isinstance(original, ValueError | OverflowError | NotImplementedError)
                or type(original).__name__ == "DataError",
            ) from None

    def round_trip_ms(self) -> float:
        with self.read("measure the round trip") as connection:
            started = time.perf_counter()
            connection.exec_driver_sql("SELECT 1").all()
            return (time.perf_counter() - started) * 1000

    def read_only(self) -> bool:
        with self.read("prove the session is read-only") as connection:
            return self.backend.read_only(connection)

    def close(self) -> None:
        for closer in (self._connection, self._engine):
            if closer is not None:
                with contextlib.suppress(Exception):
                    if hasattr(closer, "dispose"):
                        closer.dispose()
                    else:
                        closer.close()
        self._connection = self._engine = None


def connect(endpoint: Endpoint, timeout: float) -> Session:
    """A session on ``endpoint``, connected, read-only, with ``timeout`` on connecting and on
    every statement; ``SourceError`` when it cannot be had."""
    from migration_checks.source_db.backends import for_endpoint

    session = Session(endpoint, for_endpoint(endpoint), timeout)
    try:
        session.open()
    except BaseException:
        session.close()
        raise
    return session
