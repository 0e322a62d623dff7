"""Where dependency_scan learns about vulnerabilities: pip-audit's services, online or offline.

Online, pip-audit's own ``OsvService`` (api.osv.dev, the default) or ``PyPIService`` answer.
Offline runners, common in enterprises, point ``MIGRATION_CHECKS_OSV_DIR`` (or the policy's
``dependency_scan.osv_directory``) at a local copy of OSV records: the ``{ID}.json`` files of
osv.dev's export (``PyPI/all.zip`` unpacked) or the ``vulns/**/*.yaml`` of
pypa/advisory-database. That directory is plugged in *under* pip-audit's ``OsvService``, as a
``requests`` transport that answers its ``/v1/query`` request: pip-audit still builds the
request, parses the records, drops withdrawn ones and works out the fix versions, exactly as it
does online. What the transport adds is what the OSV server does: choosing the records that
affect one package version, by the record's ``versions`` list or its ECOSYSTEM ranges.

dependency_scan imports this module only when it has something to audit: requests and pip-audit
are not installed for the stages that do not need them (requirements/stage-4.in).
"""

from __future__ import annotations

import io
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pip_audit._service import (
    ConnectionError,
    OsvService,
    PyPIService,
    ResolvedDependency,
    ServiceError,
    VulnerabilityResult,
    VulnerabilityService,
)

from migration_checks.documents import DocumentError, Limits, format_of, parse_document

OSV_DIR_ENV = "MIGRATION_CHECKS_OSV_DIR"
SERVICES = ("osv", "pypi")
_LOCAL_URL = "https://local-osv.invalid/v1/query"  # never resolved: the transport answers it
_RECORD_LIMITS = Limits(max_file_bytes=4 * 1024 * 1024)


class OsvDirectoryError(Exception):
    """The local OSV directory cannot be used; the message says why."""


class ServiceUnavailable(Exception):
    """The service did not answer; the message names it and what to do offline."""


@dataclass(frozen=True, slots=True)
class ServiceChoice:
    service: VulnerabilityService
    description: str  # for messages: "OSV (api.osv.dev)", "the local OSV directory /opt/osv"

    def audit(
        self, pins: Iterable[tuple[str, Version]]
    ) -> dict[tuple[str, Version], list[VulnerabilityResult]]:
        """The vulnerabilities of each distinct (canonical name, version), one query each."""
        specs = {
            (canonicalize_name(name), version): ResolvedDependency(name=name, version=version)
            for name, version in pins
        }
        try:
            return {
                (spec.canonical_name, spec.version): vulns
                for spec, vulns in self.service.query_all(iter(specs.values()))
                if isinstance(spec, ResolvedDependency)
            }
        except (ServiceError, ConnectionError, requests.RequestException) as error:
            raise ServiceUnavailable(
                f"could not query {self.description} ({type(error).__name__}); on a runner "
                f"without internet, set {OSV_DIR_ENV} to a directory of OSV records"
            ) from None


def choose_service(
    name: str, osv_directory: str | None, timeout: int, cache_dir: Path
) -> ServiceChoice:
    """The service a scan queries: the local directory when one is given, else ``name`` online."""
    directory = os.environ.get(OSV_DIR_ENV) or osv_directory
    if directory:
        database = LocalOsvDatabase.load(Path(directory))
        service = OsvService(cache_dir=cache_dir, timeout=timeout, osv_url=_LOCAL_URL)
        service.session.mount(_LOCAL_URL.rsplit("/v1/", 1)[0], _LocalOsvTransport(database))
        return ServiceChoice(service, f"the local OSV directory {directory}")
    if name == "pypi":
        return ServiceChoice(PyPIService(cache_dir=cache_dir, timeout=timeout), "PyPI (pypi.org)")
    return ServiceChoice(OsvService(cache_dir=cache_dir, timeout=timeout), "OSV (api.osv.dev)")


class LocalOsvDatabase:
    """OSV records of the PyPI ecosystem, indexed by canonical package name."""

    def __init__(self, by_package: Mapping[str, list[dict[str, Any]]]) -> None:
        self._by_package = by_package

    @classmethod
    def load(cls, directory: Path) -> LocalOsvDatabase:
        if not directory.is_dir():
            raise OsvDirectoryError(f"{directory} is not a directory")
        by_package: dict[str, list[dict[str, Any]]] = defaultdict(list)
        count = 0
        for path in sorted(_record_files(directory)):
            record = _read_record(path)
            count += 1
            names = {
                canonicalize_name(affected["package"]["name"])
                for affected in record.get("affected", [])
                if _is_pypi(affected)
            }
            for name in names:
                by_package[name].append(record)
        if count == 0:
            raise OsvDirectoryError(f"{directory} holds no OSV record (*.json, *.yaml)")
        return cls(by_package)

    def affecting(self, package: str, version: Version) -> list[dict[str, Any]]:
        name = canonicalize_name(package)
        return [
            record
            for record in self._by_package.get(name, [])
            if any(
                _is_pypi(affected)
                and canonicalize_name(affected["package"]["name"]) == name
                and _affects(affected, version)
                for affected in record.get("affected", [])
            )
        ]


def _record_files(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*"):
        if path.suffix in {".json", ".yaml", ".yml"} and path.is_file():
            yield path


def _read_record(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > _RECORD_LIMITS.max_file_bytes:
            raise OsvDirectoryError(f"{path} is larger than {_RECORD_LIMITS.max_file_bytes} bytes")
        fmt = format_of(path.name) or "json"
        record = parse_document(path.name, path.read_bytes(), fmt, _RECORD_LIMITS).data
    except OSError as error:
        raise OsvDirectoryError(f"{path} cannot be read: {error.strerror}") from None
    except DocumentError as error:
        raise OsvDirectoryError(f"{path} is not a readable OSV record: {error}") from None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise OsvDirectoryError(f"{path} is not an OSV record (no id)")
    return record


def _is_pypi(affected: Any) -> bool:
    package = affected.get("package") if isinstance(affected, dict) else None
    return isinstance(package, dict) and package.get("ecosystem") == "PyPI"


def _version(text: Any) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _affects(affected: dict[str, Any], version: Version) -> bool:
    """The OSV rule: listed in ``versions``, or inside an ECOSYSTEM range's events."""
    if any(_version(listed) == version for listed in affected.get("versions", [])):
        return True
    return any(
        _in_range(span.get("events", []), version)
        for span in affected.get("ranges", [])
        if span.get("type") == "ECOSYSTEM"
    )


def _in_range(events: list[dict[str, str]], version: Version) -> bool:
    # The OSV schema's evaluation: walk the events in version order; "introduced" opens the
    # range, "fixed" closes it before its own version, "last_affected" closes it after.
    def order(event: dict[str, str]) -> Version:
        value = next(iter(event.values()), "0")
        return Version("0") if value == "0" else (_version(value) or Version("0"))

    affected = False
    for event in sorted(events, key=order):
        if "introduced" in event:
            start = event["introduced"]
            if start == "0" or ((bound := _version(start)) is not None and bound <= version):
                affected = True
        elif "fixed" in event:
            bound = _version(event["fixed"])
            if bound is not None and bound <= version:
                affected = False
        elif "last_affected" in event:
            bound = _version(event["last_affected"])
            if bound is not None and bound < version:
                affected = False
    return affected


class _LocalOsvTransport(requests.adapters.BaseAdapter):
    """Answers ``POST /v1/query`` ({package: {name, ecosystem}, version}) from the database."""

    def __init__(self, database: LocalOsvDatabase) -> None:
        super().__init__()
        self._database = database

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **_kwargs: Any
    ) -> requests.Response:
        body = request.body
        query = json.loads(body) if isinstance(body, bytes | str) else {}
        version = _version(query.get("version"))
        records = (
            self._database.affecting(query["package"]["name"], version)
            if version is not None and query.get("package", {}).get("ecosystem") == "PyPI"
            else []
        )
        response = requests.Response()
        response.status_code = 200
        response.url = request.url or _LOCAL_URL
        response.request = request
        response.headers["Content-Type"] = "application/json"
        response.raw = io.BytesIO(json.dumps({"vulns": records} if records else {}).encode())
        return response

    def close(self) -> None:
        """Nothing to release: the database lives in memory."""
