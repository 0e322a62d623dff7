"""Run the tests under ``code/`` with pytest; every failing test blocks, at its file and line.

A transform whose test fails will corrupt data at scale; the test is the cheapest place to learn
it. The tests (``test_*.py``, ``*_test.py``) run in a subprocess, on a private copy of ``code/``
(nothing is written into the PR directory: no cache, no bytecode), once the stage's linters have
finished (a test cannot rewrite what they read), with a clean environment (no secret of the job
reaches the PR's code; with a secret in the check's own environment Stage 3 does not run at
all), and are killed, with their children and whatever they left behind, after
``unit_tests.timeout_seconds`` (default 600). A pytest configuration in ``code/`` or at the
directory's root (``pytest.ini``, ``pyproject.toml`` with ``[tool.pytest.ini_options]``,
``tox.ini``, ``setup.cfg``) is honoured and sets the root; without one, the root is ``code/``.

The tests run with their own dependencies: what ``code/`` declares (``requirements*.txt``, hash-
checked when hashes are given, all or nothing as pip does; a ``pyproject.toml``'s dependencies
and its ``test``/``tests``/``testing`` extra or dependency group, or ``dev`` group) is installed
with uv into a throwaway venv, cached by what it was built from (with the Python version and
platform) and copied for each run, and pytest is reachable there without the suite's other
packages. The install runs PR-chosen code (sdists' build scripts), so it runs as the tests do:
after the linters, in a clean environment, under the same timeout. Packages come from the
default index, or the one the check's environment names (``UV_INDEX_URL``, ``PIP_INDEX_URL``,
``UV_FIND_LINKS``...), never one a requirements file names. ``MIGRATION_CHECKS_VENV_CACHE`` keeps
the cache across runs (for trusted runners only: see ``_dependencies``). When the policy names
``code_quality.python`` (an environment with the code's dependencies), nothing is installed.

Results are read from pytest's JUnit XML: each failure or error is a finding at the test's file
and line with the test's name and the first line of its failure (never the traceback); a test
module that imports a package nothing installed provides is a finding at that import saying
which declaring file to add it to; another module that cannot be imported is a finding at the
module. A run that times out is a finding at the test that was running. No tests collected is
a notice. An install that fails (a package not found, a hash mismatch, a build failure) is a
finding at the requirement uv names, and a requirements line that would read outside ``code/``
or fetch from elsewhere (``-r ../x``, ``-e /abs``, ``--index-url``, an absolute ``file:`` URL,
``${VARIABLE}``, credentials in a URL) is refused at its line; then no test runs.

Passes: ``code/spark/test_transforms.py`` whose tests pass; tests that import ``pandas`` with
``pandas==2.2.3`` in ``code/requirements.txt``.
Fails: ``assert mask("1234") == "**34"`` failing; a test module importing a package that
``code/`` does not declare; ``tinydep==1.0 --hash=sha256:<wrong>``; ``-r ../../../etc/x``; a
test that sleeps past the timeout; the interpreter, pytest or uv missing.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.parsers import expat

from migration_checks.blockers import BlockerId
from migration_checks.checks.stage3_code_quality import _dependencies, _tools
from migration_checks.checks.stage3_code_quality._dependencies import TestEnv
from migration_checks.checks.stage3_code_quality._tools import Job, Workspace
from migration_checks.context import MigrationContext
from migration_checks.model import Location, Problem, Severity, Stage

ID = "unit_tests"
STAGE = Stage.CODE_QUALITY
BLOCKING = True
RAISES = (BlockerId.CI_FAILURE,)
POLICY = ("unit_tests", "code_quality")

DEFAULT_TIMEOUT = 600
MAX_REPORT_BYTES = 32 * 1024 * 1024
CONFIG_NAMES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
_SECTIONS = {
    "pyproject.toml": "[tool.pytest.ini_options]",
    "tox.ini": "[pytest]",
    "setup.cfg": "[tool:pytest]",
}
_MISSING_PYTEST = 97
# Run in the tests' interpreter: pytest, or a distinct exit status when it is not installed there.
_BOOTSTRAP = (
    "import importlib.util, sys\n"
    f"if importlib.util.find_spec('pytest') is None: sys.exit({_MISSING_PYTEST})\n"
    "import pytest\n"
    "sys.exit(pytest.console_main())\n"
)
# A plugin of ours that records the test about to run, so a run killed by the timeout can say
# which test hung (pytest writes its JUnit report only at the end).
_PROGRESS_PLUGIN = '''"""migration-checks: record each test as it starts."""
import json
import os


def pytest_runtest_logstart(nodeid, location):
    with open(os.environ["MC_PYTEST_PROGRESS"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"file": location[0], "line": location[1], "name": nodeid}) + "\\n")
'''


def is_test_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def applies(ctx: MigrationContext) -> str | None:
    if any(p.startswith("code/") and is_test_file(p) for p in ctx.tree.files):
        return None
    return "no test files (test_*.py, *_test.py) under code/"


@dataclass(frozen=True, slots=True)
class Run:
    """How to read a pytest run back: its root (PR-relative) and its report files."""

    root: str
    report: Path
    progress: Path
    timeout: int
    env: TestEnv | None = None  # the environment the suite made (None: the policy's python)


def _pytest_config(ctx: MigrationContext, ws: Workspace) -> _tools.ConfigFile | None:
    """The pytest configuration in code/, else at the directory's root, else None."""
    for directory in (_tools.CODE_DIR, ""):
        for name in CONFIG_NAMES:
            config = ws.config_at(ctx, f"{directory}/{name}" if directory else name)
            if config is not None and _is_pytest_config(name, config.data):
                return config
    return None


def _is_pytest_config(name: str, data: bytes) -> bool:
    if name in ("pytest.ini", ".pytest.ini"):
        return True
    text = data.decode("utf-8", "replace")
    if name == "pyproject.toml":
        try:
            return "pytest" in tomllib.loads(text).get("tool", {})
        except tomllib.TOMLDecodeError:
            return False
    return _SECTIONS[name] in text


def launch(ctx: MigrationContext, ws: Workspace) -> list[Job | Problem]:
    if applies(ctx) is not None:
        return []
    copy = ws.copy(ctx, "tests")
    try:
        config = _pytest_config(ctx, ws)
    except _tools.ConfigRefused as exc:
        return [_tools.config_problem(str(exc), None, blocking=True)]
    if config is not None:
        root = config.directory
        config_arg = str(copy / config.path)
    else:
        root = _tools.CODE_DIR
        empty = ws.out("pytest.ini")
        empty.write_text("[pytest]\n", encoding="utf-8")
        config_arg = str(empty)
    plugin_dir = ws.out("plugin")
    plugin_dir.mkdir()
    (plugin_dir / "mc_pytest_progress.py").write_text(_PROGRESS_PLUGIN, encoding="utf-8")
    report, progress = ws.out("junit.xml"), ws.out("progress.jsonl")
    setting = ctx.policy.setting("unit_tests", "timeout_seconds")
    timeout = _tools.positive_int(setting) or DEFAULT_TIMEOUT
    cwd = copy / root if root else copy
    notes: list[Job | Problem] = []
    env: TestEnv | None = None
    if ws.python:
        python = ws.python  # the policy's environment, with the code's dependencies
    else:
        prepared = _dependencies.prepare(ctx, ws, copy, ID, timeout)
        if prepared.env is None:
            return list(prepared.problems)  # refused, or the install failed: no test can run
        notes.extend(prepared.problems)
        env = prepared.env
        python = env.python
    args = [
        "-p", "no:cacheprovider", "-p", "mc_pytest_progress",
        "-c", config_arg, "--rootdir", str(cwd),
        "-o", "junit_family=xunit1", f"--junitxml={report}",
        "--continue-on-collection-errors", "-q", "--color=no",
    ]  # fmt: skip
    return [
        *notes,
        ws.start(
            _tools.PYTEST,
            ID,
            args,
            cwd=cwd,
            copy=copy,
            blocking=True,
            group=Run(root, report, progress, timeout, env),
            command=[python, "-B", "-c", _BOOTSTRAP],
            timeout=timeout,
            env={"PYTHONPATH": str(plugin_dir), "MC_PYTEST_PROGRESS": str(progress)},
        ),
    ]


def check(ctx: MigrationContext) -> Iterator[Problem]:
    # The linters are done with their copy before the PR's code runs.
    _tools.start_pr_code(ctx, _tools.workspace(ctx))
    yield from _tools.results(ctx, ID, _results)


def _results(ws: Workspace, job: Job) -> Iterator[Problem]:
    run: Run = job.group
    outcome = job.wait()
    if outcome.timed_out:
        yield _hung(run)
        return
    if outcome.returncode == _MISSING_PYTEST:
        yield _tools.missing_problem(
            _tools.PYTEST, ID, blocking=True, detail=f"not importable by {ws.python or 'the suite'}"
        )
        return
    if outcome.returncode == 5:
        yield Problem("pytest collected no tests", severity=Severity.NOTICE)
        return
    report = read_report(run.report)
    if outcome.returncode not in (0, 1) or report is None:
        yield job.crash(
            outcome, blocking=True, what="gave no readable test report" if report is None else ""
        )
        return
    failed = 0
    for case in report.failed:
        failed += 1
        yield _undeclared_problem(case, run, ws) or _case_problem(case, run.root, job.scrub)
    if outcome.returncode == 1 and not failed:
        yield Problem(
            "pytest reported failing tests (exit status 1) but its report names none",
            BlockerId.CI_FAILURE,
        )


def _hung(run: Run) -> Problem:
    message = f"tests did not finish within {run.timeout} s and were stopped"
    last = _last_progress(run.progress)
    if last is None:
        return Problem(message, BlockerId.CI_FAILURE, Location(path=run.root or "."))
    file, line, name = last
    name = name.split("::", 1)[1] if "::" in name else name
    return Problem(
        f'test "{name}" did not finish within {run.timeout} s and was stopped (raise '
        "unit_tests.timeout_seconds if it is only slow)",
        BlockerId.CI_FAILURE,
        Location(path=_pr_path(file, run.root), line=line + 1 if line is not None else None),
    )


def _last_progress(path: Path) -> tuple[str, int | None, str] | None:
    data, _ = _tools.read_bounded(path, 4 * 1024 * 1024)
    for raw in reversed(data.splitlines()):
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            line = entry.get("line")
            return (
                entry["file"],
                line if isinstance(line, int) and line >= 0 else None,
                _tools.first_line(str(entry.get("name", "")), 200),
            )
    return None


def _pr_path(file: str, root: str) -> str:
    joined = PurePosixPath(root, file) if root else PurePosixPath(file)
    return str(joined)


# --- the JUnit report ------------------------------------------------------------------------------


@dataclass(slots=True)
class Case:
    name: str
    classname: str
    file: str | None
    line: int | None  # as pytest writes it: 0-based
    kind: str = ""  # failure | error
    message: str = ""
    text: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    failed: list[Case] = field(default_factory=list)


class _Refused(Exception):
    pass


def read_report(path: Path) -> Report | None:
    """The failed cases of a JUnit XML report, or None when it is missing or not readable.

    The report is written by a process that ran the PR's code, so it is read as hostile input:
    bounded in size, no DTD (so no entity of any kind), a streaming parse that keeps only what
    a finding needs.
    """
    data, too_large = _tools.read_bounded(path, MAX_REPORT_BYTES)
    if not data or too_large:
        return None
    report = Report()
    current: list[Case | None] = [None]
    in_result = [False]

    def refuse(*_: Any) -> None:
        raise _Refused

    def refuse_entity(*_: Any) -> int:
        raise _Refused

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "testcase":
            current[0] = Case(
                name=attrs.get("name", ""),
                classname=attrs.get("classname", ""),
                file=attrs.get("file"),
                line=_int(attrs.get("line")),
            )
        elif name in ("failure", "error") and current[0] is not None and not current[0].kind:
            current[0].kind = name
            current[0].message = attrs.get("message", "")
            in_result[0] = True

    def end(name: str) -> None:
        if name == "testcase" and current[0] is not None:
            if current[0].kind:
                report.failed.append(current[0])
            current[0] = None
        elif name in ("failure", "error"):
            in_result[0] = False

    def chars(text: str) -> None:
        case = current[0]
        if in_result[0] and case is not None and sum(map(len, case.text)) < 64 * 1024:
            case.text.append(text)

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Refused, RecursionError, ValueError):
        return None
    return report


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _case_problem(case: Case, root: str, scrub: Callable[[str], str]) -> Problem:
    label = case.name
    if case.file:
        module = case.file.removesuffix(".py").replace("/", ".")
        if case.classname.startswith(f"{module}.") and case.classname != module:
            label = f"{case.classname[len(module) + 1 :]}::{case.name}"
    location = (
        Location(
            path=_pr_path(case.file, root),
            line=case.line + 1 if case.line is not None else None,
        )
        if case.file
        else Location(path=root or ".")
    )
    if case.message == "collection failure":
        reason = scrub(_exception_line("".join(case.text))) or "it cannot be imported"
        return Problem(
            f"test module could not be collected: {reason}", BlockerId.CI_FAILURE, location
        )
    reason = scrub(_tools.first_line(case.message) or _exception_line("".join(case.text)))
    what = "failed" if case.kind == "failure" else "errored"
    return Problem(
        f'test "{label}" {what}' + (f": {reason}" if reason else ""),
        BlockerId.CI_FAILURE,
        location,
    )


def _undeclared_problem(case: Case, run: Run, ws: Workspace) -> Problem | None:
    """A test module that cannot be collected because it imports a package that code/ does not
    declare (nothing installed provides it, and it is no module of code/): said so, at the line
    of the test module that imports it."""
    if run.env is None or case.message != "collection failure" or not case.file:
        return None
    text = "".join(case.text)
    module = _dependencies.undeclared_module(_exception_line(text))
    if module is None or run.env.provides(module):
        return None
    if _dependencies.is_local_module(ws.code_files, module):
        return None
    line = _import_line(text, case.file)
    return Problem(
        f'tests import "{module}", which code/ does not declare: add the package that provides '
        f"it to {run.env.declarations.suggestion()}",
        BlockerId.CI_FAILURE,
        Location(path=_pr_path(case.file, run.root), line=line),
    )


def _import_line(text: str, file: str) -> int | None:
    """The line of ``file`` that pytest's import traceback shows (``file:line: in <module>``)."""
    line = None
    for raw in text.splitlines():
        path, _, rest = raw.strip().rpartition(": in <module>")[0].rpartition(":")
        if rest.isdigit() and (path == file or path.endswith(f"/{file}")):
            line = int(rest)
    return line


def _exception_line(text: str) -> str:
    """The last ``E   `` line of pytest's report: the exception, without the traceback."""
    for line in reversed(text.splitlines()):
        if line.startswith("E "):
            return _tools.first_line(line[1:])
    return ""
