"""Running Stage 3's external tools on a private copy of ``code/``, never on the PR directory.

Every check of the stage shares one ``Workspace`` per migration directory: a temporary directory
holding a copy of the regular files under ``code/`` and of the tool configurations at the
directory's root, each read through the containment rules (``ctx.read_bytes``: no link followed,
nothing outside the directory, sizes capped). The tools see only that copy, so they never meet a
symbolic link, never read above the PR directory through a path it names, and never write into
it (no ``.pytest_cache``, ``__pycache__``, ``.mypy_cache`` or ``.ruff_cache`` there).

Two kinds of tool run here. The linters (ruff, sqruff or sqlfluff, yamllint) only read the PR's
files: sqlfluff's ``library_path`` is always off and its ``dbt`` templater is replaced, so no
Python of the PR is imported into it. The tools that run the PR's code are pytest (the tests and
their ``conftest.py``) and mypy when its configuration names ``plugins`` or a
``python_executable``. Those start only once every linter has finished and its output has been
read, and ``lint_yaml`` (which reads the PR directory itself) has read its files
(``start_pr_code``): the PR's code cannot rewrite what a linter reads or reports. The unit tests
get a second copy of their own.

Each tool is a subprocess in its own session with a clean environment (no variable of the
caller's: no ``MIGRATION_SECRET_*``, no ``GITHUB_TOKEN``), a timeout after which its whole
process group is killed, and its output in files of the workspace. After each run, whatever the
tool left behind outside its process group is killed too, and the check process cannot be read
by the PR's code (``_isolation``: non-dumpable, a child subreaper; Linux). The Python tools
(mypy, pytest) run in a throwaway venv of the workspace that reaches the suite's packages
through a ``.pth`` file, so what the PR's code writes into "its" ``sys.prefix``, site-packages
or ``bin`` is deleted with the workspace, and ``HOME``, ``TMPDIR`` and the caches are the
workspace's too. The linters' executables are found in the suite's venv, then ``PATH``; they run
no code of the PR. What this does not guarantee (the PR's code runs as the runner's user: files
that user can write elsewhere stay writable; ``code_quality.python``, an interpreter the policy
names, is the policy owner's to keep throwaway) is set out in ``_isolation``.

The first check of the stage that runs starts every linter the stage needs, so the slow ones run
side by side. A tool that is missing, crashes, times out or writes output that cannot be read
becomes one ``error`` finding naming the tool (and how to install it), never a traceback.
"""

from __future__ import annotations

import configparser
import contextlib
import functools
import importlib.util
import itertools
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.checks.stage3_code_quality import _isolation
from migration_checks.context import MigrationContext
from migration_checks.fs import TooLarge, UnsafePath
from migration_checks.model import Location, Problem, Severity

CODE_DIR = "code"
LINT_EXTRA = "pip install 'migration-checks[lint]'"
DEFAULT_TOOL_TIMEOUT = 300
# Tool output is read into memory to be parsed; more than this is refused as a crash.
MAX_OUTPUT_BYTES = 128 * 1024 * 1024
_MESSAGE_CHARS = 300

# Configuration files at the root of the migration directory that a tool may honour; files
# under code/ are all copied anyway.
ROOT_CONFIGS = frozenset(
    {
        ".ruff.toml",
        "ruff.toml",
        "pyproject.toml",
        ".sqruff",
        ".sqlfluff",
        "mypy.ini",
        ".mypy.ini",
        "setup.cfg",
        "pytest.ini",
        ".pytest.ini",
        "tox.ini",
    }
)


@dataclass(frozen=True, slots=True)
class Tool:
    """An external tool: an executable looked up by name, or a module run by an interpreter."""

    name: str
    install: str = LINT_EXTRA
    module: str | None = None


RUFF = Tool("ruff")
SQRUFF = Tool("sqruff")
SQLFLUFF = Tool("sqlfluff", install="pip install 'migration-checks[sqlfluff]'")
MYPY = Tool("mypy", module="mypy")
PYTEST = Tool("pytest", module="pytest")


def search_path() -> str:
    """Where executables are looked for: the suite's own environment first, then PATH."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)])


def module_available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def locate(tool: Tool) -> list[str] | None:
    """The command that runs ``tool``, or None when it is not installed."""
    if tool.module is not None:
        return [sys.executable, "-m", tool.module] if module_available(tool.module) else None
    found = shutil.which(tool.name, path=search_path())
    return [found] if found else None


def first_line(text: str, limit: int = _MESSAGE_CHARS, *, last: bool = False) -> str:
    """The first (or last) non-blank line of a tool's text, trimmed: never a whole traceback."""
    lines = text.splitlines()
    for line in reversed(lines) if last else lines:
        line = " ".join(line.split())
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def tool_problem(
    tool: Tool, text: str, *, blocking: bool, location: Location | None = None
) -> Problem:
    """The one finding for a tool that could not give a verdict."""
    return Problem(
        f"{tool.name} {text}",
        BlockerId.CI_FAILURE if blocking else None,
        location,
        Severity.ERROR,
    )


def missing_problem(tool: Tool, check_id: str, *, blocking: bool, detail: str = "") -> Problem:
    where = detail or f"looked in {Path(sys.executable).parent} and PATH"
    return tool_problem(
        tool,
        f"is not installed ({where}), so {check_id} cannot run; install the tools with "
        f"`{tool.install}`",
        blocking=blocking,
    )


# --- processes ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    """What a finished tool left: its exit status and output, or why there is none."""

    returncode: int | None
    stdout: bytes
    stderr: str
    problem: str | None = None  # a timeout or too much output, in words
    timed_out: bool = False


@dataclass(slots=True)
class Job:
    """One run of a tool, started in the background; ``wait`` collects it once."""

    tool: Tool
    group: Any = None  # what the launching check needs to read the result (files, base dir)
    process: subprocess.Popen[bytes] | None = None
    failure: Problem | None = None  # set when the tool could not even start
    started: float = 0.0
    timeout: float = 0.0
    stdout_path: Path | None = None
    stderr_path: Path | None = None
    scrub: Callable[[str], str] = str
    _outcome: Outcome | None = None

    def wait(self) -> Outcome:
        if self._outcome is not None:
            return self._outcome
        process = self.process
        assert process is not None, "a job that failed to start has nothing to wait for"
        remaining = max(0.0, self.started + self.timeout - time.monotonic())
        timed_out = False
        try:
            process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            timed_out = True
        # The whole session goes: a tool (or a test) may have started children of its own.
        _kill_group(process)
        process.wait()
        _isolation.tool_reaped(process.pid)
        _isolation.kill_strays()  # and what left its session: a double fork, a setsid
        stdout, too_large = read_bounded(self.stdout_path, MAX_OUTPUT_BYTES)
        stderr, _ = read_bounded(self.stderr_path, 64 * 1024)
        problem = None
        if timed_out:
            problem = f"did not finish within {self.timeout:g} s and was stopped"
        elif too_large:
            problem = f"wrote more than {MAX_OUTPUT_BYTES} bytes of output"
        self._outcome = Outcome(
            None if timed_out else process.returncode,
            stdout,
            self.scrub(stderr.decode("utf-8", "replace")),
            problem,
            timed_out,
        )
        return self._outcome

    def crash(
        self, outcome: Outcome, *, blocking: bool, what: str = "", config: str | None = None
    ) -> Problem:
        """The finding for a run that gave no usable result."""
        if outcome.problem is not None:
            text = outcome.problem
        else:
            text = f"failed (exit status {outcome.returncode})"
            if what:
                text = f"{what} (exit status {outcome.returncode})"
            # The last line: a traceback's exception, a tool's final cause.
            detail = first_line(outcome.stderr, last=True)
            if detail:
                text = f"{text}: {detail}"
        # A run with a configuration most often fails on it: point there.
        location = Location(path=config) if config else None
        return tool_problem(self.tool, text, blocking=blocking, location=location)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def read_bounded(path: Path | None, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of a file a tool wrote, and whether there was more.

    The file may have been replaced by the PR's code (the unit tests run it): a link, a FIFO
    that would block the open, a device. Only a regular file is read.
    """
    if path is None:
        return b"", False
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError:
        return b"", False
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return b"", False
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    return data[:limit], len(data) > limit


# --- the workspace -----------------------------------------------------------------------------


class ConfigRefused(Exception):
    """A configuration file the suite will not hand to a tool; the message says why."""


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """A tool configuration found in the PR directory: its PR-relative path and its bytes."""

    path: str
    data: bytes

    @property
    def directory(self) -> str:
        parent = str(PurePosixPath(self.path).parent)
        return "" if parent == "." else parent

    def text(self) -> str:
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigRefused(f"{self.path} is not UTF-8 text") from None


Launcher = Callable[[MigrationContext, "Workspace"], list["Job | Problem"]]


class Workspace:
    """The private copies of ``code/`` a migration directory's Stage 3 tools run on."""

    def __init__(self, ctx: MigrationContext) -> None:
        # Nothing here may refer to ctx: the workspace lives exactly as long as the context.
        self.root = Path(tempfile.mkdtemp(prefix="mc-stage3-"))
        for sub in ("home", "tmp", "out"):
            (self.root / sub).mkdir()
        self._processes: list[subprocess.Popen[bytes]] = []
        self._finalizer = weakref.finalize(ctx, _cleanup, self.root, self._processes)
        ctx.on_close(self.close)  # the tools are gone when the runner is done with the directory
        self.timeout = (
            positive_int(
                ctx.policy.setting("code_quality", "timeout_seconds"), DEFAULT_TOOL_TIMEOUT
            )
            or DEFAULT_TOOL_TIMEOUT
        )
        self.python: str | None = ctx.policy.setting("code_quality", "python") or None
        self.code_files = sorted(p for p in ctx.tree.files if p.startswith(f"{CODE_DIR}/"))
        self._copyable = [*self.code_files, *sorted(p for p in ctx.tree.files if p in ROOT_CONFIGS)]
        self._copies: dict[str, Path] = {}
        self.unreadable: dict[str, str] = {}  # PR path -> why it was not copied
        self._configs: dict[str, ConfigFile | None] = {}
        self._started: dict[str, list[Job | Problem] | BaseException] = {}
        self._counter = itertools.count(1)
        self._interpreter: str | None = None
        self.pr_code_started = False

    # files -------------------------------------------------------------------------------
    def copy(self, ctx: MigrationContext, name: str) -> Path:
        """A copy (``name``: "lint" or "tests") of the code files and root configurations."""
        target = self.root / name
        if name in self._copies:
            return target
        target.mkdir()
        for rel in self._copyable:
            try:
                data = ctx.read_bytes(rel)
            except (UnsafePath, TooLarge) as exc:
                self.unreadable[rel] = str(exc)
                continue
            except OSError as exc:
                self.unreadable[rel] = f"cannot be read ({exc.strerror or exc})"
                continue
            dest = target.joinpath(*rel.split("/"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        self._copies[name] = target
        return target

    def files(self, suffixes: Sequence[str], under: str = CODE_DIR) -> list[str]:
        """Code files (PR-relative) whose names end with one of ``suffixes``."""
        prefix = f"{under}/"
        return [
            p
            for p in self.code_files
            if p.startswith(prefix) and p.lower().endswith(tuple(suffixes))
        ]

    def begin(
        self, ctx: MigrationContext, suffixes: Sequence[str], tool: Tool, *, blocking: bool
    ) -> tuple[list[str], Path, list[Job | Problem]]:
        """A linter's start: its files that could be copied, the copy, and the problems so far
        (a file not copied is a finding: it was not examined)."""
        files = self.files(suffixes)
        copy = self.copy(ctx, "lint")
        problems: list[Job | Problem] = list(
            self.unreadable_problems(files, tool, blocking=blocking)
        )
        return self.readable(files), copy, problems

    def unreadable_problems(
        self, paths: Iterable[str], tool: Tool, *, blocking: bool
    ) -> Iterator[Problem]:
        for path in paths:
            if path in self.unreadable:
                yield Problem(
                    f"{tool.name} did not examine this file: {self.unreadable[path]}",
                    BlockerId.CI_FAILURE if blocking else None,
                    Location(path=path),
                    Severity.ERROR,
                )

    def readable(self, paths: Iterable[str]) -> list[str]:
        return [p for p in paths if p not in self.unreadable]

    def pr_path(self, reported: str, base: Path, copy: Path) -> str | None:
        """The PR-relative path of a file a tool names (absolute, or relative to ``base``)."""
        path = Path(reported)
        if not path.is_absolute():
            path = base / path
        try:
            rel = PurePosixPath(os.path.normpath(path).replace(os.sep, "/")).relative_to(
                PurePosixPath(copy.as_posix())
            )
        except ValueError:
            return None
        text = str(rel)
        return text if text in self._copyable else None

    def scrubber(self, copy: Path) -> Callable[[str], str]:
        """Removes the workspace's paths from a tool's text, leaving PR-relative ones."""
        prefixes = (f"{copy.as_posix()}/", f"{self.root.as_posix()}/")

        def scrub(text: str) -> str:
            for prefix in prefixes:
                text = text.replace(prefix, "")
            return text

        return scrub

    # configuration -------------------------------------------------------------------------
    def nearest_config(
        self,
        ctx: MigrationContext,
        rel: str,
        names: Sequence[str],
        accept: Callable[[str, bytes], bool] | None = None,
    ) -> ConfigFile | None:
        """The configuration nearest to ``rel``, from its directory up to the PR directory.

        In each directory ``names`` are tried in order; ``accept(name, data)`` can pass over a
        file that holds no section for the tool (a ``pyproject.toml`` without ``[tool.ruff]``).
        A configuration that is a symbolic link is refused (``ConfigRefused``): the files it
        governs cannot be linted as their authors meant.
        """
        directory = PurePosixPath(rel).parent
        while True:
            for name in names:
                candidate = name if str(directory) == "." else f"{directory}/{name}"
                found = self.config_at(ctx, candidate)
                if found is not None and (accept is None or accept(name, found.data)):
                    return found
            if str(directory) == ".":
                return None
            directory = directory.parent

    def config_at(self, ctx: MigrationContext, rel: str) -> ConfigFile | None:
        """The configuration file at ``rel`` if it is a regular file; a link is refused."""
        if rel not in self._configs:
            if ctx.tree.is_link(rel):
                raise ConfigRefused(f"{rel} is a symbolic link; links are refused")
            found = None
            if rel in ctx.tree.files:
                try:
                    found = ConfigFile(rel, ctx.read_bytes(rel))
                except (UnsafePath, TooLarge, OSError) as exc:
                    raise ConfigRefused(f"{rel} cannot be read: {exc}") from None
            self._configs[rel] = found
        return self._configs[rel]

    # processes -----------------------------------------------------------------------------
    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """A clean environment: nothing of the caller's, so no secret reaches a tool."""
        env = {
            "PATH": os.pathsep.join(
                [str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]
            ),
            "HOME": str(self.root / "home"),
            "TMPDIR": str(self.root / "tmp"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONIOENCODING": "utf-8",
            "NO_COLOR": "1",
        }
        env.update(extra or {})
        return env

    def interpreter(self) -> str:
        """The suite's Python, run from a throwaway venv of the workspace (see the docstring)."""
        if self._interpreter is None:
            self._interpreter = _isolation.throwaway_interpreter(self.root / "python")
        return self._interpreter

    def command(self, tool: Tool) -> list[str] | None:
        """The command that runs ``tool`` here, or None when it is not installed."""
        if tool.module is not None and module_available(tool.module):
            return [self.interpreter(), "-m", tool.module]
        return locate(tool)

    def out(self, name: str) -> Path:
        return self.root / "out" / f"{next(self._counter)}-{name}"

    def start(
        self,
        tool: Tool,
        check_id: str,
        args: Sequence[str],
        *,
        cwd: Path,
        copy: Path,
        blocking: bool,
        group: Any = None,
        command: Sequence[str] | None = None,
        timeout: float | None = None,
        env: dict[str, str] | None = None,
    ) -> Job:
        """Start ``tool`` with ``args`` in the background; a job that failed to start says why."""
        base = list(command) if command is not None else self.command(tool)
        if base is None:
            return Job(tool, group, failure=missing_problem(tool, check_id, blocking=blocking))
        stdout_path, stderr_path = self.out(f"{tool.name}.out"), self.out(f"{tool.name}.err")
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            try:
                process = subprocess.Popen(
                    [*base, *args],
                    cwd=cwd,
                    env=self.environment(env),
                    stdin=subprocess.DEVNULL,
                    stdout=stdout,
                    stderr=stderr,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                detail = f"{base[0]}: {exc.strerror or exc}"
                return Job(
                    tool,
                    group,
                    failure=missing_problem(tool, check_id, blocking=blocking, detail=detail),
                )
        self._processes.append(process)
        _isolation.tool_started(process.pid)
        return Job(
            tool,
            group,
            process=process,
            started=time.monotonic(),
            timeout=timeout or self.timeout,
            stdout_path=stdout_path,
            stderr_path=stderr_path,
            scrub=self.scrubber(copy),
        )

    def start_batches(
        self, tool: Tool, check_id: str, args: Sequence[str], files: Sequence[str], **how: Any
    ) -> list[Job]:
        """``tool args -- files`` in as many runs as the command line's length asks for."""
        return [
            self.start(tool, check_id, [*args, "--", *batch], **how) for batch in batches(files)
        ]

    def launch(self, check_id: str, launcher: Callable[[], list[Job | Problem]]) -> None:
        try:
            self._started[check_id] = launcher()
        except Exception as exc:  # re-raised in the check itself, where the runner reports it
            self._started[check_id] = exc

    def settle(self) -> None:
        """Wait until every tool started so far has finished (each result is kept)."""
        for started in self._started.values():
            if isinstance(started, list):
                for item in started:
                    if isinstance(item, Job) and item.process is not None:
                        item.wait()

    def launched(self, check_id: str) -> bool:
        return check_id in self._started

    def pending(self, check_id: str) -> Iterator[Job | Problem]:
        """What the stage started for ``check_id``: jobs to wait for, and the problems found
        before any tool ran (a refused configuration, a tool that is missing: once each)."""
        found = self._started.get(check_id, [])
        if isinstance(found, BaseException):
            raise found
        seen: set[str] = set()
        for item in found:
            problem = item if isinstance(item, Problem) else item.failure
            if problem is None:
                yield item
            elif problem.message not in seen:
                seen.add(problem.message)
                yield problem

    def close(self) -> None:
        self._finalizer()


def positive_int(value: Any, default: int | None = None) -> int | None:
    """``value`` if it is a positive integer (not a bool), else ``default``."""
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )


def _cleanup(root: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            _kill_group(process)
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
        if process.returncode is not None:
            _isolation.tool_reaped(process.pid)
    _isolation.kill_strays()
    shutil.rmtree(root, ignore_errors=True)


def no_code_files(ctx: MigrationContext, suffixes: Sequence[str], what: str) -> str | None:
    """For ``applies``: why a check has nothing to do, or None when code/ holds such files."""
    prefix = f"{CODE_DIR}/"
    if any(p.startswith(prefix) and p.lower().endswith(tuple(suffixes)) for p in ctx.tree.files):
        return None
    return f"no {what} files under {prefix}"


def results(
    ctx: MigrationContext, check_id: str, read: Callable[[Workspace, Job], Iterable[Problem]]
) -> Iterator[Problem]:
    """A check's findings: what was found before its tools ran, then each run, read by ``read``."""
    ws = workspace(ctx)
    for item in ws.pending(check_id):
        if isinstance(item, Problem):
            yield item
        else:
            yield from read(ws, item)


def workspace(ctx: MigrationContext) -> Workspace:
    """The stage's workspace for this migration directory; made, and every tool started, once."""
    return ctx.derived("stage3_code_quality.workspace", _open)


def _open(ctx: MigrationContext) -> Workspace:
    _isolation.confine()  # before the stage's first tool starts
    ws = Workspace(ctx)
    # Imported here: the checks import this module. The slowest tools start first. The tools
    # that run the PR's code are not among them: they must not be running while the linters
    # read their copy (a test could rewrite it); ``start_pr_code`` starts them.
    from migration_checks.checks.stage3_code_quality import lint_python, lint_sql, type_check

    for module in (type_check, lint_sql, lint_python):
        if module is type_check and type_check.runs_pr_code(ctx, ws):
            continue
        launcher: Launcher = module.launch
        ws.launch(module.ID, functools.partial(launcher, ctx, ws))
    return ws


def start_pr_code(ctx: MigrationContext, ws: Workspace) -> None:
    """Start the tools that run the PR's code, once, when nothing else of the stage reads.

    Every linter has finished and its output is kept (``settle``), and ``lint_yaml``, which
    reads the PR directory itself, has read it; then pytest, and mypy when it runs a plugin, start.
    """
    if ws.pr_code_started:
        return
    ws.pr_code_started = True
    ws.settle()
    from migration_checks.checks.stage3_code_quality import lint_yaml, type_check, unit_tests

    lint_yaml.read_before_pr_code(ctx)
    for module in (type_check, unit_tests):
        if not ws.launched(module.ID):
            launcher: Launcher = module.launch
            ws.launch(module.ID, functools.partial(launcher, ctx, ws))


# --- configuration files -----------------------------------------------------------------------

# Configuration keys whose values are paths a tool reads, writes or runs. Such a value must stay
# inside the PR directory: absolute, home-relative or climbing out with "..", it is refused.
_PATH_KEYS = frozenset({"extend", "plugins", "files", "library_path", "cache-dir"})
_PATH_KEY_SUFFIXES = ("_path", "_dir", "_report", "_xml", "_executable", "-dir", "-path")


def is_path_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _PATH_KEYS or lowered.endswith(_PATH_KEY_SUFFIXES)


def escapes(value: str) -> bool:
    """Whether a path value could point outside the directory it is written in."""
    for item in re.split(r"[,:\n]", value) if not _DRIVE.match(value) else [value]:
        item = item.strip().strip("\"'")
        if not item:
            continue
        if item.startswith(("/", "~", "$", "\\")) or _DRIVE.match(item):
            return True
        if ".." in PurePosixPath(item.replace("\\", "/")).parts:
            return True
    return False


_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def check_paths(config: ConfigFile, pairs: Iterable[tuple[str, Any]]) -> None:
    """Refuse a configuration with a path-valued setting that leaves the PR directory."""
    for key, value in pairs:
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and is_path_key(key) and escapes(item):
                raise ConfigRefused(
                    f'{config.path} sets "{key}" to a path outside the migration directory; '
                    "tools may read only the directory's own files"
                )


def toml_pairs(data: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of a TOML document, nested tables included."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, dict):
                    stack.append(value)
                elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
                    stack.extend(v for v in value if isinstance(v, dict))
                else:
                    yield str(key), value


def load_toml(config: ConfigFile) -> dict[str, Any]:
    try:
        return tomllib.loads(config.text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigRefused(f"{config.path} is not valid TOML: {first_line(str(exc))}") from None


def load_ini(config: ConfigFile) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(config.text(), source=config.path)
    except configparser.Error as exc:
        raise ConfigRefused(
            f"{config.path} is not a valid INI file: {first_line(str(exc))}"
        ) from None
    return parser


def ini_pairs(parser: configparser.ConfigParser) -> Iterator[tuple[str, str]]:
    for section in parser.sections():
        yield from parser.items(section, raw=True)


def config_problem(message: str, path: str | None, *, blocking: bool) -> Problem:
    return Problem(
        message,
        BlockerId.CI_FAILURE if blocking else None,
        Location(path=path) if path else None,
        Severity.ERROR,
    )


@dataclass(slots=True)
class Groups:
    """Files grouped by the configuration that governs them (None: the suite's defaults)."""

    by_config: dict[str | None, list[str]] = field(default_factory=dict)
    configs: dict[str, ConfigFile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def group_by_config(
    ctx: MigrationContext,
    ws: Workspace,
    files: Iterable[str],
    names: Sequence[str],
    *,
    blocking: bool,
    accept: Callable[[str, bytes], bool] | None = None,
) -> Groups:
    groups = Groups()
    refused: set[str] = set()
    for rel in files:
        try:
            config = ws.nearest_config(ctx, rel, names, accept)
        except ConfigRefused as exc:
            message = str(exc)
            if message not in refused:
                refused.add(message)
                groups.problems.append(config_problem(message, rel, blocking=blocking))
            continue
        key = config.path if config is not None else None
        if config is not None:
            groups.configs[config.path] = config
        groups.by_config.setdefault(key, []).append(rel)
    return groups


def batches(items: Sequence[str], size: int = 2000) -> Iterator[list[str]]:
    """Command lines stay well below the system's argument limit."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
