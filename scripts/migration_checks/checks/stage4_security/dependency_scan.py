"""Audit the Python packages that ``code/`` pins against known vulnerabilities, with pip-audit.

The files audited are the requirements files under ``code/`` (``requirements*.txt``,
``constraints*.txt``, any ``.txt`` in a ``requirements/`` directory) and every
``pyproject.toml`` there (``[project] dependencies``, its optional dependencies and
``[dependency-groups]``). Each pinned requirement (``name==version``) is one package version
to audit; pip-audit's vulnerability service judges it: OSV online by default, PyPI with
``dependency_scan.service: pypi``, or a local directory of OSV records where the runner has no
internet (``MIGRATION_CHECKS_OSV_DIR``, or ``dependency_scan.osv_directory`` in the policy).
Nothing is installed and no resolver runs: a requirement that is not pinned has no version to
audit, so it is a warning saying to pin it, and its own dependencies are audited only where a
lock or a requirements file pins them too. A vulnerability the policy accepts
(``dependency_scan.ignore``, with a reason) is a notice instead of a failure.

Passes: no dependency file; every pinned version without a known vulnerability.
Fails: ``jinja2==2.10`` in ``code/requirements.txt`` (PYSEC-2019-217, fixed in 2.10.1); a
requirement line pip cannot parse; a ``pyproject.toml`` that is not TOML; the vulnerability
service unreachable (an error naming the service, with the offline setting to use).
"""

from __future__ import annotations

import re
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Location, Problem, Severity, Stage

if TYPE_CHECKING:
    from pip_audit._service import VulnerabilityResult

ID = "dependency_scan"
STAGE = Stage.SECURITY
BLOCKING = True
RAISES = (BlockerId.CI_FAILURE,)
POLICY = ("dependency_scan",)

_FAILURE = BlockerId.CI_FAILURE
_DESCRIPTION_CHARS = 160
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True, slots=True)
class _Pin:
    """One pinned requirement and where it is written."""

    name: str
    version: Version
    location: Location

    @property
    def spelled(self) -> str:
        return f"{self.name}=={self.version}"


def check(ctx: MigrationContext) -> Iterator[Problem]:
    pins: list[_Pin] = []
    for rel in _dependency_files(ctx):
        reader = (
            _read_pyproject if rel.rsplit("/", 1)[-1] == "pyproject.toml" else _read_requirements
        )
        yield from reader(ctx, rel, pins)
    if not pins:
        return
    settings = ctx.policy.setting("dependency_scan") or {}
    ignored = {entry["id"]: entry["reason"] for entry in settings.get("ignore", [])}
    # Imported here: requests and pip-audit are installed only for stage 4 (requirements/).
    from migration_checks.vulnerabilities import (
        OsvDirectoryError,
        ServiceUnavailable,
        choose_service,
    )

    with tempfile.TemporaryDirectory(prefix="mc-pip-audit-") as cache:
        try:
            choice = choose_service(
                settings.get("service", "osv"),
                settings.get("osv_directory"),
                int(settings.get("timeout_seconds", 30)),
                Path(cache),
            )
            found = choice.audit((pin.name, pin.version) for pin in pins)
        except OsvDirectoryError as error:
            yield _unavailable(pins[0], f"the local OSV directory cannot be used: {error}")
            return
        except ServiceUnavailable as error:
            yield _unavailable(pins[0], str(error))
            return
    for pin in pins:
        for vuln in found.get((canonicalize_name(pin.name), pin.version), []):
            yield _vulnerability(pin, vuln, ignored)


def _dependency_files(ctx: MigrationContext) -> list[str]:
    files = []
    for rel in ctx.tree.files:
        if not rel.startswith("code/"):
            continue
        parent, _, name = rel.rpartition("/")
        if name == "pyproject.toml" or (
            name.endswith(".txt")
            and (
                name.startswith(("requirements", "constraints"))
                or parent.rsplit("/", 1)[-1] == "requirements"
            )
        ):
            files.append(rel)
    return sorted(files)


def _text(ctx: MigrationContext, rel: str) -> str | Problem:
    try:
        return ctx.read_bytes(rel).decode("utf-8")
    except UnicodeDecodeError:
        return Problem(
            f"{rel} is not UTF-8 text; save it as UTF-8 so its requirements can be audited",
            _FAILURE,
            Location(path=rel),
        )


def _read_requirements(ctx: MigrationContext, rel: str, pins: list[_Pin]) -> Iterator[Problem]:
    text = _text(ctx, rel)
    if isinstance(text, Problem):
        yield text
        return
    # The parser reads files only; it runs on a private copy (includes are not followed: each
    # requirements file under code/ is audited on its own).
    from pip_requirements_parser import RequirementsFile  # with pip-audit, for stage 4 only

    with tempfile.TemporaryDirectory(prefix="mc-requirements-") as scratch:
        copy = Path(scratch) / "requirements.txt"
        copy.write_text(text, encoding="utf-8")
        parsed = RequirementsFile.from_file(str(copy), include_nested=False)
    for invalid in parsed.invalid_lines:
        line = invalid.requirement_line.line_number
        yield Problem(
            f"line {line} of {rel} is not a requirement pip can read: "
            f"{invalid.error_message.splitlines()[0]}; fix or remove it",
            _FAILURE,
            Location(path=rel, line=line, column=1),
        )
    for requirement in parsed.requirements:
        location = Location(path=rel, line=requirement.requirement_line.line_number, column=1)
        if requirement.is_url or requirement.is_editable or requirement.name is None:
            yield Problem(
                f'"{requirement.requirement_line.line.strip()[:80]}" installs from a URL or a '
                "local path: it has no released version to audit; pin a release from the index",
                location=location,
                severity=Severity.WARNING,
            )
            continue
        yield from _pin(requirement.name, requirement.specifier, requirement.marker, location, pins)


def _read_pyproject(ctx: MigrationContext, rel: str, pins: list[_Pin]) -> Iterator[Problem]:
    text = _text(ctx, rel)
    if isinstance(text, Problem):
        yield text
        return
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's TOMLDecodeError carries its position only in the message.
        position = _TOML_POSITION.search(str(error))
        line, column = (int(position[1]), int(position[2])) if position else (None, None)
        if "(at end of document)" in str(error):
            line = text.rstrip("\n").count("\n") + 1
        reason = _TOML_POSITION.sub("", str(error)).replace("(at end of document)", "").strip()
        yield Problem(
            f"{rel} is not valid TOML: {reason}",
            _FAILURE,
            Location(path=rel, line=line, column=column),
        )
        return
    searched_from = 0
    for spelled in _pyproject_requirements(data):
        location, searched_from = _locate(text, spelled, rel, searched_from)
        try:
            requirement = Requirement(spelled)
        except InvalidRequirement as error:
            yield Problem(
                f'"{spelled[:80]}" in {rel} is not a valid requirement: {error}',
                _FAILURE,
                location,
            )
            continue
        if requirement.url:
            yield Problem(
                f'"{requirement.name}" installs from a URL: it has no released version to audit',
                location=location,
                severity=Severity.WARNING,
            )
            continue
        yield from _pin(requirement.name, requirement.specifier, requirement.marker, location, pins)


def _pyproject_requirements(data: dict[str, Any]) -> Iterator[str]:
    project = data["project"] if isinstance(data.get("project"), dict) else {}
    groups: list[Any] = [project.get("dependencies", [])]
    for table in (project.get("optional-dependencies"), data.get("dependency-groups")):
        if isinstance(table, dict):
            groups.extend(table.values())
    for group in groups:
        if isinstance(group, list):
            # A dependency group may also hold {include-group = "..."} tables: not requirements.
            yield from (entry for entry in group if isinstance(entry, str))


def _locate(text: str, spelled: str, rel: str, start: int) -> tuple[Location, int]:
    """Where a requirement string is quoted in the file, searching on from the previous one."""
    for quote in ('"', "'"):
        index = text.find(f"{quote}{spelled}{quote}", start)
        if index < 0:
            index = text.find(f"{quote}{spelled}{quote}")
        if index >= 0:
            line = text.count("\n", 0, index) + 1
            column = index - (text.rfind("\n", 0, index) + 1) + 2
            return Location(path=rel, line=line, column=column), index + 1
    return Location(path=rel), start


def _pin(
    name: str,
    specifier: SpecifierSet,
    marker: Marker | None,
    location: Location,
    pins: list[_Pin],
) -> Iterator[Problem]:
    if marker is not None and not marker.evaluate():
        return  # not installed on this platform and Python, as pip-audit decides
    exact = [s for s in specifier if s.operator in {"==", "==="} and "*" not in s.version]
    if len(exact) == 1 and len(specifier) == 1:
        try:
            pins.append(_Pin(name, Version(exact[0].version), location))
        except InvalidVersion:
            pass
        else:
            return
    spelled = f"{name}{specifier}" if str(specifier) else name
    yield Problem(
        f'"{spelled}" is not pinned to one version, so no version of it can be audited; pin it '
        f"(name==version), in a requirements or lock file beside it if not here",
        location=location,
        severity=Severity.WARNING,
    )


def _vulnerability(pin: _Pin, vuln: VulnerabilityResult, ignored: dict[str, str]) -> Problem:
    ids = [vuln.id, *sorted(a for a in vuln.aliases if a != vuln.id)]
    named = f"{ids[0]} ({', '.join(ids[1:])})" if len(ids) > 1 else ids[0]
    description = " ".join(vuln.description.split())
    if len(description) > _DESCRIPTION_CHARS:
        description = description[: _DESCRIPTION_CHARS - 1] + "…"
    accepted = next((ignored[i] for i in ids if i in ignored), None)
    if accepted is not None:
        return Problem(
            f"{pin.spelled} is affected by {named}, accepted by the policy's "
            f'dependency_scan.ignore: "{accepted}"',
            location=pin.location,
            severity=Severity.NOTICE,
        )
    fixes = ", ".join(str(v) for v in vuln.fix_versions)
    remedy = f"upgrade to {fixes}" if fixes else "no fixed version is known: replace the package"
    return Problem(
        f"{pin.spelled} is affected by {named}: {description}; {remedy}, or accept the risk "
        "under dependency_scan.ignore in the policy with a reason",
        _FAILURE,
        pin.location,
    )


def _unavailable(first: _Pin, message: str) -> Problem:
    return Problem(message, _FAILURE, Location(path=first.location.path), Severity.ERROR)
