"""What ``code/`` declares for its tests, installed with uv into a venv the tests run in.

**What is installed.** Every ``requirements*.txt`` under ``code/`` (at any depth), with the files
they include (``-r``) and the constraints they name (``-c``), and every ``pyproject.toml`` under
``code/``: its ``[project] dependencies``, the optional dependencies of an extra named ``test``,
``tests`` or ``testing``, and the dependency group (PEP 735) of one of those names or ``dev``
(what ``pip install -e '.[test]'`` or ``uv sync`` would add for the tests). The project itself
is not installed: pytest imports its modules from the copy of ``code/`` (a ``src`` layout sets
``pythonpath`` in its pytest configuration), so the cached venv never holds the PR's own code.
Requirements with a hash (``--hash=sha256:...``) or a file saying ``--require-hashes`` put the
whole install in hash-checking mode, all or nothing as pip does: every requirement, and every
package they pull in, must then be pinned with a hash. A local path (``./libs/util``, ``-e
./libs/util``, ``file:libs/util``) is installed from the copy of ``code/``, not editable (the
venv is cached and copied), and must lie under ``code/``.

**What is refused** (a blocking finding at the file and line; nothing is installed and the tests
do not run): anything that reads outside the PR directory or sends the runner elsewhere: an
include (``-r``, ``-c``) or a local path that is absolute, starts with ``~`` or climbs out of
``code/`` with ``..``; an absolute ``file:`` URL; an option that chooses where packages come from
(``--index-url``, ``--extra-index-url``, ``--find-links``, ``--no-index``, ``--trusted-host``:
the index is the runner's, below); an include fetched from a URL; ``${VARIABLE}`` (pip and uv
would expand it from their environment, which holds the index settings); a URL that carries a
user name or password (``secrets_scan`` reports the secret; nothing is fetched with it); options
that pass settings to build backends. The requirements uv reads are written by the suite from
what it parsed and accepted, never the PR's files themselves, and ``[tool.uv]`` settings of a
``pyproject.toml`` (sources, indexes) are not read.

**Where from.** The default index (PyPI), unless the check's environment sets
``UV_INDEX_URL``/``UV_DEFAULT_INDEX`` or ``PIP_INDEX_URL``, ``UV_EXTRA_INDEX_URL`` or
``PIP_EXTRA_INDEX_URL``, ``UV_FIND_LINKS`` or ``PIP_FIND_LINKS``; those, the proxy variables
and the TLS certificate variables (``SSL_CERT_FILE``, ``SSL_CERT_DIR``) are handed to uv, and
nothing else of the environment. An index URL with a password in it never reaches this point:
Stage 3 refuses to run beside one (``_isolation``). Messages are redacted all the same.

**Isolation.** uv may run PR-chosen code: a package without a wheel is built from its sdist by
its own build script. So the install is PR code: it runs only once the linters are done
(``_tools.start_pr_code``), in its own session, with the clean environment of every Stage 3
tool (its ``HOME`` and ``TMPDIR`` the workspace's), under the unit tests' timeout, and whatever
it leaves behind is killed (``_isolation``).

**The cache.** A venv is built once per *key*: the sha256 of what uv is given (the accepted
requirements and constraints, the hash mode, the local paths' file digests, the paths of the
declaring files and their bytes), the index settings, the interpreter (version, build,
platform, path) and uv's version. The tests never run in the cached venv: each run gets a fresh
copy of it in its workspace, deleted with it, so what a test writes into its ``site-packages``
reaches no later run. uv installs with ``--link-mode=copy``: no file of a venv is a hard link
into uv's cache, so writing through one cannot change what uv links into the next venv. After a
build, every entry of the venv is fingerprinted (path, type, mode, size, inode, change time:
the change time cannot be set back by a user who is not root); before each reuse the venv is
checked against that fingerprint and rebuilt, with a notice, if anything changed. Each build
has a uv cache of its own, deleted when the build ends (a test that runs later could otherwise
poison the archives the next build installs from).

Where the cache lives decides what that protects. By default it is a private directory of the
run (``mkdtemp``, mode 0700, deleted when the run ends), and the
fingerprints are kept in the check process's memory, which the PR's code cannot read
(``_isolation``: non-dumpable). Nothing survives the run, so nothing a PR's code writes there
can reach a later run; within the run (several migration directories, or several test runs), a
venv changed behind the suite's back is detected and rebuilt. ``MIGRATION_CHECKS_VENV_CACHE``
names a directory to keep the cache in across runs (a developer's machine, a self-hosted runner
that runs only trusted pull requests): then the fingerprints are stored beside the venvs, and
code of an earlier run that runs as the same user (a test, a build script) can rewrite a cached
venv *and* its fingerprint, or uv's cache, and so reach a later run. No check of the same user
can prevent that (see ``_isolation``); a persistent cache is for runners whose pull requests are
trusted, and an ephemeral runner (GitHub-hosted) has nothing to keep anyway.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import stat
import sys
import sysconfig
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from migration_checks.blockers import BlockerId
from migration_checks.checks.stage3_code_quality import _isolation, _tools
from migration_checks.context import MigrationContext
from migration_checks.fs import TooLarge, UnsafePath
from migration_checks.model import Location, Problem, Severity
from migration_checks.redaction import redact

UV = _tools.Tool("uv")
CACHE_VARIABLE = "MIGRATION_CHECKS_VENV_CACHE"
# Bumped when what a cached venv holds changes meaning.
_CACHE_FORMAT = 1
TEST_EXTRAS = ("test", "tests", "testing")
TEST_GROUPS = (*TEST_EXTRAS, "dev")
# Where uv looks for packages, and how it reaches them: handed to uv from the check's environment.
SOURCE_VARIABLES = (
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
)
_PIP_TO_UV = {
    "PIP_INDEX_URL": "UV_INDEX_URL",
    "PIP_EXTRA_INDEX_URL": "UV_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS": "UV_FIND_LINKS",
}
NETWORK_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "UV_NATIVE_TLS", "UV_SYSTEM_CERTS",
)  # fmt: skip
_REFUSED_OPTIONS = {
    "-i": "chooses the package index",
    "--index-url": "chooses the package index",
    "--extra-index-url": "adds a package index",
    "-f": "adds a place to find packages",
    "--find-links": "adds a place to find packages",
    "--no-index": "chooses where packages come from",
    "--trusted-host": "turns off TLS checks for a host",
}
_INCLUDE = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
_EDITABLE = ("-e", "--editable")
_BINARY = ("--only-binary", "--no-binary")
_FLAGS = {"--require-hashes", "--pre", "--prefer-binary"}
_VCS = ("git+", "hg+", "svn+", "bzr+")
_REMOTE_SCHEMES = frozenset({"http", "https", "ssh", "git"})
_HASH = re.compile(r"^(sha256|sha384|sha512|md5):[0-9a-fA-F]+$")
_BINARY_VALUE = re.compile(r"^(:all:|:none:|[A-Za-z0-9._-]+)(,(:all:|:none:|[A-Za-z0-9._-]+))*$")
_COMMENT = re.compile(r"(^|\s+)#.*$")
# The marks of uv's error tree (a cross, box-drawing arrows); with colour off, "error:" and "cause:".
_DECORATION = " \u00d7\u2570\u2500\u25b6\u251c\u2502"
_MODULE_ERROR = re.compile(r"No module named '([^']+)'")


@dataclass(frozen=True, slots=True)
class Declared:
    """One requirement as the PR wrote it: its canonical name (None for a bare path or URL)."""

    name: str | None
    location: Location


@dataclass(slots=True)
class Declarations:
    """What ``code/`` declares, parsed and checked; ``lines`` are what uv is given."""

    files: list[str] = field(default_factory=list)  # the declaring files found (PR paths)
    lines: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    require_hashes: bool = False
    declared: list[Declared] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # every file read (PR path -> sha256)
    problems: list[Problem] = field(default_factory=list)

    def suggestion(self) -> str:
        """Where a missing package should be declared."""
        for rel in self.files:
            if rel.endswith(".txt"):
                return rel
        if self.files:
            return f"the dependencies of {self.files[0]}"
        return f"{_tools.CODE_DIR}/requirements.txt"


def is_declaring_file(rel: str) -> bool:
    if not rel.startswith(f"{_tools.CODE_DIR}/"):
        return False
    name = PurePosixPath(rel).name
    return name == "pyproject.toml" or (name.startswith("requirements") and name.endswith(".txt"))


def declarations(ctx: MigrationContext, copy: Path) -> Declarations:
    """Read and check every declaring file of ``code/``; local paths point into ``copy``."""
    found = Declarations()
    found.files = sorted(
        p for p in [*ctx.tree.files, *ctx.tree.symlinks] if is_declaring_file(p)
    )  # a link is listed to be refused: what it points to is not what the PR holds
    for rel in found.files:
        if rel.endswith(".toml"):
            _read_pyproject(ctx, rel, copy, found)
        else:
            _Reader(ctx, copy, found).read(rel, constraint=False, chain=())
    return found


# --- requirements files --------------------------------------------------------------------------


def _refused(found: Declarations, message: str, rel: str, line: int | None = None) -> None:
    found.problems.append(
        Problem(redact(message), BlockerId.CI_FAILURE, Location(path=rel, line=line))
    )


def _file_text(ctx: MigrationContext, rel: str, found: Declarations) -> str | None:
    if ctx.tree.is_link(rel):
        _refused(found, f"{rel} is a symbolic link; links are refused", rel)
        return None
    try:
        data = ctx.read_bytes(rel)
    except (UnsafePath, TooLarge, OSError) as exc:
        _refused(found, f"{rel} cannot be read: {exc}", rel)
        return None
    found.digests[rel] = hashlib.sha256(data).hexdigest()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        _refused(found, f"{rel} is not UTF-8 text; save it as UTF-8", rel)
        return None


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each requirement line: continuations joined, comments cut."""
    start, parts = 0, list[str]()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not parts:
            start = number
        if raw.endswith("\\") and not _COMMENT.search(raw):
            parts.append(raw[:-1])
            continue
        parts.append(raw)
        line = _COMMENT.sub("", " ".join(parts)).strip()
        parts = []
        if line:
            yield start, line
    if parts:
        line = _COMMENT.sub("", " ".join(parts)).strip()
        if line:
            yield start, line


def contained(base: str, value: str) -> str | None:
    """The PR path ``value`` names, relative to the directory ``base``, if it stays under
    ``code/``; None when it is absolute, home-relative, or climbs out."""
    value = value.replace("\\", "/")
    if not value or value.startswith(("/", "~", "$")) or re.match(r"^[A-Za-z]:", value):
        return None
    parts = [p for p in base.split("/") if p]
    for part in value.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    joined = "/".join(parts)
    return joined if joined == _tools.CODE_DIR or joined.startswith(f"{_tools.CODE_DIR}/") else None


class _Reader:
    """One requirements file and what it includes, as pip reads them."""

    def __init__(self, ctx: MigrationContext, copy: Path, found: Declarations) -> None:
        self.ctx, self.copy, self.found = ctx, copy, found

    def read(self, rel: str, *, constraint: bool, chain: tuple[str, ...]) -> None:
        if rel in chain:
            return  # an include cycle: pip reads each file once per chain as well
        text = _file_text(self.ctx, rel, self.found)
        if text is None:
            return
        for number, line in logical_lines(text):
            self._line(rel, number, line, constraint=constraint, chain=(*chain, rel))

    def _line(
        self, rel: str, number: int, line: str, *, constraint: bool, chain: tuple[str, ...]
    ) -> None:
        found = self.found
        if "${" in line:
            _refused(
                found,
                "requirement lines may not use ${VARIABLE}: pip and uv would fill it in from "
                "their environment; write the value itself",
                rel,
                number,
            )
            return
        if line.startswith("-"):
            self._option(rel, number, line, constraint=constraint, chain=chain)
            return
        pieces = re.split(r"\s+(?=--?[A-Za-z])", line, maxsplit=1)
        spec, rest = pieces[0], pieces[1] if len(pieces) > 1 else ""
        hashes: list[str] = []
        try:
            tokens = shlex.split(rest)
        except ValueError:
            tokens = ["?"]
        index = 0
        while index < len(tokens):
            token = tokens[index]
            name, eq, value = token.partition("=")
            if name == "--hash":
                if not eq and index + 1 < len(tokens):
                    index += 1
                    value = tokens[index]
                if not _HASH.match(value):
                    _refused(found, f'"{value[:80]}" is not a hash (algorithm:hex)', rel, number)
                    return
                hashes.append(value)
            else:
                _refused(
                    found,
                    f'the option "{name[:40]}" of a requirement is not supported here (it would '
                    "reach a build backend or change how the requirement installs); remove it",
                    rel,
                    number,
                )
                return
            index += 1
        if hashes:
            found.require_hashes = True
        self._requirement(rel, number, spec, hashes, constraint=constraint)

    def _option(
        self, rel: str, number: int, line: str, *, constraint: bool, chain: tuple[str, ...]
    ) -> None:
        found = self.found
        try:
            tokens = shlex.split(line)
        except ValueError:
            tokens = line.split()
        option, eq, value = tokens[0].partition("=")
        if not eq and len(tokens) > 1:
            value = tokens[1]
        elif not eq and option[:2] in ("-r", "-c", "-e", "-i", "-f") and len(option) > 2:
            option, value = option[:2], option[2:]
        if option in _REFUSED_OPTIONS:
            _refused(
                found,
                f'"{option}" {_REFUSED_OPTIONS[option]}; where packages come from is the '
                "runner's setting (UV_INDEX_URL, PIP_INDEX_URL, UV_FIND_LINKS), not the pull "
                "request's: remove it",
                rel,
                number,
            )
        elif option in _INCLUDE:
            self._include(
                rel, number, value, constraint=constraint or _INCLUDE[option], chain=chain
            )
        elif option in _EDITABLE:
            self._requirement(rel, number, value, [], constraint=constraint)
        elif option in _BINARY and _BINARY_VALUE.match(value):
            found.options.extend([option, value])
        elif option in _FLAGS:
            if option == "--require-hashes":
                found.require_hashes = True
            elif option == "--pre":
                found.options.append("--prerelease=allow")
        else:
            _refused(
                found,
                f'the option "{option[:40]}" is not supported in requirements files here; '
                "remove it",
                rel,
                number,
            )

    def _include(
        self, rel: str, number: int, value: str, *, constraint: bool, chain: tuple[str, ...]
    ) -> None:
        if "://" in value or value.startswith("file:"):
            _refused(
                self.found,
                f'"{value[:80]}" is included from a URL; only files under code/ can be included',
                rel,
                number,
            )
            return
        target = contained(str(PurePosixPath(rel).parent), value)
        if target is None:
            _refused(
                self.found,
                f'"{value[:80]}" is outside code/; a requirements file may include only files '
                "under code/ (nothing outside the pull request's directory is read)",
                rel,
                number,
            )
            return
        if target not in self.ctx.tree.files and not self.ctx.tree.is_link(target):
            _refused(self.found, f'"{value[:80]}" is included but does not exist', rel, number)
            return
        self.read(target, constraint=constraint, chain=chain)

    def _requirement(
        self, rel: str, number: int, spec: str, hashes: list[str], *, constraint: bool
    ) -> None:
        location = Location(path=rel, line=number)
        line = checked_requirement(spec, str(PurePosixPath(rel).parent), self.copy, self.ctx)
        if isinstance(line, Problem):
            _refused(self.found, line.message, rel, number)
            return
        text, name, local = line
        if local is not None:
            self.found.digests.update(_tree_digests(self.ctx, local))
        text = " ".join([text, *(f"--hash={h}" for h in hashes)])
        (self.found.constraints if constraint else self.found.lines).append(text)
        if not constraint:
            self.found.declared.append(Declared(name, location))


def checked_requirement(
    spec: str, base: str, copy: Path, ctx: MigrationContext
) -> tuple[str, str | None, str | None] | Problem:
    """``spec`` as the line uv is given, its canonical name and the PR path it installs from
    (a local path); or the Problem that refuses it."""
    try:
        requirement = Requirement(spec)
    except InvalidRequirement as error:
        requirement = None
        invalid = str(error)
    if requirement is not None:
        name = canonicalize_name(requirement.name)
        if requirement.url is None:
            return str(requirement), name, None
        where = _checked_location(requirement.url, base, copy, ctx)
        if isinstance(where, Problem):
            return where
        url, local = where
        requirement.url = url
        return str(requirement), name, local
    # A bare path or URL (``./libs/util``, ``https://host/pkg.whl``, ``git+https://...``).
    if " " in spec.strip() or not ("/" in spec or "://" in spec or spec.startswith(("file:", "."))):
        return Problem(f'"{spec[:80]}" is not a requirement pip can read: {invalid}')
    where = _checked_location(spec.strip(), base, copy, ctx)
    if isinstance(where, Problem):
        return where
    url, local = where
    return url, None, local


def _checked_location(
    value: str, base: str, copy: Path, ctx: MigrationContext
) -> tuple[str, str | None] | Problem:
    """A URL or local path that may be installed: (what uv is given, the PR path if local)."""
    vcs = value.startswith(_VCS)
    bare = value.split("+", 1)[1] if vcs else value
    if "://" in bare or bare.startswith("file:"):
        parts = urlsplit(bare)
        scheme = parts.scheme.lower()
        if scheme == "file":
            path = unquote(parts.path)
            if parts.netloc or path.startswith("/"):
                return Problem(
                    f'"{redact(value)[:80]}" is an absolute file: URL, outside the pull '
                    "request's directory; name a path under code/ relative to this file"
                )
            local = contained(base, path)
            if local is None:
                return _outside(value)
            return _local(local, copy, ctx, vcs_prefix=value[: len(value) - len(bare)])
        if scheme not in _REMOTE_SCHEMES:
            return Problem(f'"{redact(value)[:80]}" uses the URL scheme "{scheme}"; refused')
        if parts.password is not None or (parts.username not in (None, "git")):
            return Problem(
                "a requirement URL carries a user name or password; credentials do not "
                "belong in the pull request (secrets_scan reports it), and nothing is fetched "
                "with them"
            )
        return value, None
    if vcs:
        return Problem(f'"{redact(value)[:80]}" is not a URL')
    local = contained(base, value)
    if local is None:
        return _outside(value)
    return _local(local, copy, ctx)


def _outside(value: str) -> Problem:
    return Problem(
        f'"{redact(value)[:80]}" is outside code/; a local requirement must be a path under '
        "code/ (nothing outside the pull request's directory is read)"
    )


def _local(
    local: str, copy: Path, ctx: MigrationContext, vcs_prefix: str = ""
) -> tuple[str, str | None] | Problem:
    if not any(p == local or p.startswith(f"{local}/") for p in ctx.tree.files):
        return Problem(f'"{local}" does not exist in the pull request (a link is not followed)')
    target = copy.joinpath(*local.split("/"))
    if vcs_prefix:
        return f"{vcs_prefix}{target.as_uri()}", local
    return str(target), local


def _tree_digests(ctx: MigrationContext, local: str) -> dict[str, str]:
    """The digests of the files a local requirement installs: part of the cache key."""
    digests = {}
    for rel in sorted(ctx.tree.files):
        if rel == local or rel.startswith(f"{local}/"):
            try:
                digests[rel] = hashlib.sha256(ctx.read_bytes(rel)).hexdigest()
            except (UnsafePath, TooLarge, OSError):
                digests[rel] = "unreadable"
    return digests


# --- pyproject.toml ------------------------------------------------------------------------------


def _read_pyproject(ctx: MigrationContext, rel: str, copy: Path, found: Declarations) -> None:
    text = _file_text(ctx, rel, found)
    if text is None:
        return
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = re.search(r"line (\d+)", str(exc))
        _refused(
            found,
            f"{rel} is not valid TOML: {_tools.first_line(str(exc))}",
            rel,
            int(position[1]) if position else None,
        )
        return
    base = str(PurePosixPath(rel).parent)
    searched = 0
    for spec in pyproject_requirements(data):
        line, searched = _line_of(text, spec, searched)
        result = checked_requirement(spec, base, copy, ctx)
        if isinstance(result, Problem):
            _refused(found, result.message, rel, line)
            continue
        requirement, name, local = result
        if local is not None:
            found.digests.update(_tree_digests(ctx, local))
        found.lines.append(requirement)
        found.declared.append(Declared(name, Location(path=rel, line=line)))


def pyproject_requirements(data: Mapping[str, Any]) -> Iterator[str]:
    """The requirement strings a test run of this project needs: its dependencies, its test
    extra and its test (or dev) dependency group, with the groups it includes."""
    project = data.get("project")
    project = project if isinstance(project, dict) else {}
    lists: list[Any] = [project.get("dependencies", [])]
    extras = project.get("optional-dependencies")
    if isinstance(extras, dict):
        lists.extend(extras.get(name, []) for name in TEST_EXTRAS)
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        lists.extend(_group(groups, name, ()) for name in TEST_GROUPS if name in groups)
    seen: set[str] = set()
    for entries in lists:
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, str) and entry not in seen:
                seen.add(entry)
                yield entry


def _group(groups: Mapping[str, Any], name: str, chain: tuple[str, ...]) -> list[Any]:
    entries = groups.get(name)
    if name in chain or not isinstance(entries, list):
        return []
    out: list[Any] = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            out.extend(_group(groups, entry["include-group"], (*chain, name)))
        else:
            out.append(entry)
    return out


def _line_of(text: str, spec: str, start: int) -> tuple[int | None, int]:
    for quote in ('"', "'"):
        index = text.find(f"{quote}{spec}{quote}", start)
        if index < 0:
            index = text.find(f"{quote}{spec}{quote}")
        if index >= 0:
            return text.count("\n", 0, index) + 1, index + 1
    return None, start


# --- the venv: built once per key, checked before each use, copied for each run ------------------


@dataclass(frozen=True, slots=True)
class TestEnv:
    """The interpreter the tests run in, and what can be imported there."""

    python: str
    installed: bool  # the suite installed what code/ declares (else: nothing was declared)
    declarations: Declarations
    site_packages: tuple[Path, ...] = ()

    def provides(self, module: str) -> bool:
        """Whether the top-level ``module`` can be imported in this environment."""
        if module in sys.stdlib_module_names or module in sys.builtin_module_names:
            return True
        for directory in self.site_packages:
            if (directory / module).is_dir() or (directory / f"{module}.py").exists():
                return True
            if any(directory.glob(f"{module}.*.so")) or any(directory.glob(f"{module}.*.pyd")):
                return True
        return False


_built: dict[str, dict[str, list[Any]]] = {}  # key -> fingerprint, for the venvs of this run
_run_cache: Path | None = None


def cache_root() -> tuple[Path, bool]:
    """The cache directory, and whether it is kept across runs (see the docstring)."""
    global _run_cache
    configured = os.environ.get(CACHE_VARIABLE, "").strip()
    if configured:
        root = Path(configured).expanduser().absolute()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return root, True
    if _run_cache is None or not _run_cache.is_dir():
        _run_cache = Path(tempfile.mkdtemp(prefix="mc-test-venvs-"))
        atexit.register(shutil.rmtree, _run_cache, ignore_errors=True)
    return _run_cache, False


def source_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of the check's environment handed to uv (where packages come from)."""
    env: dict[str, str] = {}
    for name in (*SOURCE_VARIABLES, *NETWORK_VARIABLES):
        value = environ.get(name, "")
        if value:
            target = _PIP_TO_UV.get(name, name)
            env.setdefault(target, value)  # a UV_ variable wins over pip's
    return env


def cache_key(found: Declarations, sources: Mapping[str, str], python: str, uv: str) -> str:
    material = {
        "format": _CACHE_FORMAT,
        "python": [sys.version, sys.implementation.cache_tag, python],
        "platform": [sysconfig.get_platform(), platform.machine()],
        "uv": _file_identity(uv),
        "sources": {k: v for k, v in sorted(sources.items()) if k.startswith("UV_")},
        "lines": found.lines,
        "constraints": found.constraints,
        "options": found.options,
        "require_hashes": found.require_hashes,
        "files": sorted(found.digests.items()),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _file_identity(path: str) -> list[Any]:
    try:
        info = Path(path).stat()
    except OSError:
        return [path]
    return [path, info.st_size, info.st_mtime_ns]


def fingerprint(root: Path) -> dict[str, list[Any]]:
    """Every entry below ``root``: type, mode, size, inode, change time, link target."""
    entries: dict[str, list[Any]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            info = path.lstat()
            target = str(path.readlink()) if stat.S_ISLNK(info.st_mode) else None
            entries[path.relative_to(root).as_posix()] = [
                info.st_mode,
                info.st_size if not stat.S_ISDIR(info.st_mode) else 0,
                info.st_ino,
                info.st_ctime_ns,
                target,
            ]
    return entries


def _stored_fingerprint(entry: Path, key: str, persistent: bool) -> dict[str, list[Any]] | None:
    if key in _built:
        return _built[key]
    if not persistent:
        return None
    try:
        data = json.loads((entry.parent / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(slots=True)
class Prepared:
    """The result of preparing the tests' environment: the env, or the problems instead."""

    env: TestEnv | None = None
    problems: list[Problem] = field(default_factory=list)


def prepare(
    ctx: MigrationContext, ws: _tools.Workspace, copy: Path, check_id: str, timeout: int
) -> Prepared:
    """The interpreter the tests run in, with what ``code/`` declares installed."""
    found = declarations(ctx, copy)
    overlay = pytest_overlay(ws.root / "pytest")
    if found.problems:
        return Prepared(problems=found.problems)
    if not found.lines:
        python = _isolation.throwaway_interpreter(ws.root / "testenv", [str(overlay)])
        return Prepared(TestEnv(python, False, found, (_site_packages(ws.root / "testenv"),)))
    located = _tools.locate(UV)
    if located is None:
        text = (
            f"is not installed (looked in {Path(sys.executable).parent} and PATH), so "
            f"{check_id} cannot install what code/ declares; install it with `{UV.install}`"
        )
        return Prepared(problems=[_tools.tool_problem(UV, text, blocking=True)])
    uv = located[0]
    base = str(Path(getattr(sys, "_base_executable", sys.executable)))
    sources = source_environment(os.environ)
    root, persistent = cache_root()
    key = cache_key(found, sources, base, uv)
    entry = root / key
    prepared = Prepared()
    if entry.is_dir():
        expected = _stored_fingerprint(entry, key, persistent)
        if expected is not None and fingerprint(entry) == expected:
            return _use(entry, ws, overlay, found, prepared)
        if expected is not None:
            prepared.problems.append(
                Problem(
                    "the cached test environment for these requirements changed after it was "
                    "built (something wrote into it); it was built again",
                    severity=Severity.NOTICE,
                )
            )
        shutil.rmtree(entry, ignore_errors=True)  # changed, or of unknown origin
    uv_cache = root / "uv-cache" if persistent else None
    failure = _build(ws, copy, found, sources, uv, base, root, key, check_id, timeout, uv_cache)
    if failure is not None:
        prepared.problems.extend(failure)
        return prepared
    _built[key] = fingerprint(entry)
    if persistent:
        (root / f"{key}.json").write_text(json.dumps(_built[key]), encoding="utf-8")
    return _use(entry, ws, overlay, found, prepared)


def _use(
    entry: Path, ws: _tools.Workspace, overlay: Path, found: Declarations, prepared: Prepared
) -> Prepared:
    """A fresh copy of the cached venv, in the workspace, that also reaches pytest."""
    target = ws.root / "testenv"
    shutil.copytree(entry, target, symlinks=True)
    packages = _site_packages(target)
    # After the declared packages on sys.path: a pytest that code/ declares wins.
    (packages / "migration_checks_pytest.pth").write_text(f"{overlay}\n", encoding="utf-8")
    prepared.env = TestEnv(str(target / "bin" / "python"), True, found, (packages, overlay))
    return prepared


def _site_packages(venv: Path) -> Path:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return venv / "lib" / version / "site-packages"


def _build(
    ws: _tools.Workspace,
    copy: Path,
    found: Declarations,
    sources: Mapping[str, str],
    uv: str,
    base: str,
    root: Path,
    key: str,
    check_id: str,
    timeout: int,
    uv_cache: Path | None,
) -> list[Problem] | None:
    """Build the venv of ``key``; uv's cache is ``uv_cache`` (a persistent cache's), else one
    of this build only, deleted with it: a test that runs after the build could otherwise write
    into the archives uv installs the next venv from."""
    staging = Path(tempfile.mkdtemp(prefix=f".build-{key[:12]}-", dir=root))
    venv = staging / "venv"
    requirements, constraints = ws.out("requirements.txt"), ws.out("constraints.txt")
    requirements.write_text("\n".join(found.lines) + "\n", encoding="utf-8")
    constraints.write_text("\n".join(found.constraints) + "\n", encoding="utf-8")
    env = {
        **sources,
        "UV_CACHE_DIR": str(uv_cache or staging / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
    }
    install = [
        "pip", "install", "--no-config", "--python", str(venv / "bin" / "python"),
        "--link-mode=copy", "-r", str(requirements),
        *(["-c", str(constraints)] if found.constraints else []),
        *(["--require-hashes"] if found.require_hashes else []), *found.options,
    ]  # fmt: skip
    steps = (
        ["venv", "--no-config", "--quiet", "--relocatable", "--python", base, str(venv)],
        install,
    )
    scrub_roots = (f"{staging.as_posix()}/", f"{root.as_posix()}/")
    try:
        for args in steps:
            job = ws.start(
                UV, check_id, args, cwd=copy, copy=copy, blocking=True, command=[uv],
                timeout=timeout, env=env,
            )  # fmt: skip
            if job.failure is not None:
                return [job.failure]
            outcome = job.wait()
            if outcome.returncode != 0:
                text = outcome.stderr
                for prefix in scrub_roots:
                    text = text.replace(prefix, "")
                return [install_problem(text, outcome.problem, found)]
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(root / key)
        venv.rename(root / key)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return None


# --- uv's errors ---------------------------------------------------------------------------------

_NAME_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def install_problem(stderr: str, problem: str | None, found: Declarations) -> Problem:
    """One finding for a failed install, at the requirement uv names when it names one."""
    summary = f"did not finish: {problem}" if problem is not None else _summary(stderr)
    declared = {d.name: d for d in found.declared if d.name is not None}
    text = "\n".join(line for line in stderr.splitlines() if not line.startswith("Using Python"))
    # What uv quotes (`x==1`) names a package surely; any other word may be one.
    words = [*re.findall(r"`([^`]+)`", text), text]
    location: Location | None = next(
        (
            declared[name].location
            for span in words
            for token in _NAME_TOKEN.findall(span)
            if (name := canonicalize_name(token.rstrip("._-"))) in declared
        ),
        None,
    )
    if location is None and found.files:
        location = Location(
            path=found.declared[0].location.path if found.declared else found.files[0]
        )
    return Problem(
        redact(f"installing what code/ declares for its tests {summary}"),
        BlockerId.CI_FAILURE,
        location,
        Severity.ERROR,
    )


def _summary(stderr: str) -> str:
    """uv's error in one line: the first error with its last cause (``Failed to download
    `x==1` (Hash mismatch for `x==1`)``), or for a failed resolution uv's reason."""
    lines = [
        line.strip(_DECORATION)
        for line in stderr.splitlines()
        if line.strip() and not line.startswith("Using Python")
    ]
    lines = [line for line in lines if not line.lower().startswith(("hint:", "warning:"))]
    plain = [re.sub(r"^(error|cause|caused by):\s*", "", line, flags=re.I) for line in lines]
    if not plain:
        return "failed"
    causes = [p for line, p in zip(lines, plain, strict=True) if line.lower().startswith("cause")]
    verdict = plain[0]
    if verdict.startswith("No solution found") and causes:
        verdict = causes[-1]  # "Because x was not found ... and you require x==1, ..."
    elif causes and causes[-1] != verdict:
        verdict = f"{verdict} ({causes[-1]})"
    chosen = _tools.first_line(verdict).rstrip(".")
    return f"failed: {chosen}" if chosen else "failed"


def undeclared_module(text: str) -> str | None:
    """The top-level module a collection error says is missing, if it says so."""
    found = _MODULE_ERROR.search(text)
    return found[1].split(".", 1)[0] if found else None


def is_local_module(files: Iterable[str], module: str) -> bool:
    """Whether ``code/`` holds a module or package of that name (an import path problem)."""
    for rel in files:
        parts = PurePosixPath(rel).parts
        if parts[-1] == f"{module}.py" or module in parts[:-1]:
            return True
    return False


# --- pytest, reachable from a venv that holds nothing else of the suite --------------------------


def pytest_overlay(directory: Path) -> Path:
    """A directory of links to pytest and what it needs, in the suite's environment: the tests
    reach pytest without the suite's other packages (a test that imports one of them without
    declaring it fails, as it would in the project's own CI)."""
    if directory.is_dir():
        return directory
    directory.mkdir(parents=True)
    for top in sorted(_pytest_closure()):
        source = Path(top)
        link = directory / source.name
        if source.exists() and not link.exists():
            link.symlink_to(source, target_is_directory=source.is_dir())
    return directory


def _pytest_closure() -> set[str]:
    from importlib import metadata

    wanted, seen, paths = ["pytest"], set[str](), set[str]()
    while wanted:
        name = canonicalize_name(wanted.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for spelled in dist.requires or []:
            with contextlib.suppress(InvalidRequirement):
                requirement = Requirement(spelled)
                if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                    wanted.append(requirement.name)
        for file in dist.files or []:
            parts = PurePosixPath(str(file)).parts
            if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith(".data"):
                continue
            paths.add(str(dist.locate_file(parts[0])))
    return paths
