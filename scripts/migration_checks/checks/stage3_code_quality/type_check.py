"""Type-check the Python under ``code/`` with mypy; findings are warnings, never blockers.

Types catch the wrong column passed to a transform before it runs, but a migration's helper code
is often untyped and its dependencies (Airflow, PySpark) may not be installed where the checks
run, so this check informs rather than blocks. mypy runs once over every ``.py``/``.pyi`` file
under ``code/``, on a private copy, writing no cache, with the mypy configuration in ``code/``
or at the directory's root (``mypy.ini``, ``.mypy.ini``,
``pyproject.toml`` with ``[tool.mypy]``, ``setup.cfg`` with ``[mypy]``); without one, with mypy's
defaults and ``--ignore-missing-imports`` (the code's dependencies are usually absent). A
configuration naming ``plugins`` or a ``python_executable`` makes mypy run the PR's code: mypy then
starts with the unit tests, once the linters have finished (see ``_tools``). With
``code_quality.python`` set, imports resolve against that interpreter's packages. Each error is a
warning at its file, line and column with mypy's error code.

Passes: annotated helpers that agree with their callers; untyped code (mypy's defaults do not
check untyped functions).
Fails: ``mask_last4(42)`` where ``mask_last4(phone: str | None)``, a syntax error (warnings);
mypy not installed (an error, without a blocker).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from migration_checks.checks.stage3_code_quality import _tools
from migration_checks.checks.stage3_code_quality._tools import (
    ConfigFile,
    ConfigRefused,
    Job,
    Workspace,
)
from migration_checks.context import MigrationContext
from migration_checks.model import Location, Problem, Severity, Stage

ID = "type_check"
STAGE = Stage.CODE_QUALITY
BLOCKING = False
RAISES = ()
POLICY = ("code_quality",)

SUFFIXES = (".py", ".pyi")
CONFIG_NAMES = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")
# Settings with which mypy imports or executes a file of the PR.
_RUNS_CODE = frozenset({"plugins", "python_executable"})


def applies(ctx: MigrationContext) -> str | None:
    return _tools.no_code_files(ctx, SUFFIXES, "Python")


def _mypy_config(ctx: MigrationContext, ws: Workspace) -> ConfigFile | None:
    """The mypy configuration in code/, else at the directory's root; checked for paths."""
    for directory in (_tools.CODE_DIR, ""):
        for name in CONFIG_NAMES:
            config = ws.config_at(ctx, f"{directory}/{name}" if directory else name)
            if config is None:
                continue
            if name == "pyproject.toml":
                section = _tools.load_toml(config).get("tool", {}).get("mypy")
                if not isinstance(section, dict):
                    continue
                _tools.check_paths(config, _tools.toml_pairs(section))
                return config
            parser = _tools.load_ini(config)
            if name == "setup.cfg" and not parser.has_section("mypy"):
                continue
            _tools.check_paths(config, _tools.ini_pairs(parser))
            return config
    return None


def runs_pr_code(ctx: MigrationContext, ws: Workspace) -> bool:
    """Whether mypy would run code of the PR: a ``plugins`` module, a ``python_executable``."""
    try:
        config = _mypy_config(ctx, ws)
    except ConfigRefused:
        return False  # not run at all: launch reports why
    if config is None:
        return False
    if config.path.endswith("pyproject.toml"):
        keys = set(_tools.load_toml(config).get("tool", {}).get("mypy", {}))
    else:
        keys = {key for key, _ in _tools.ini_pairs(_tools.load_ini(config))}
    return bool({key.replace("-", "_") for key in keys} & _RUNS_CODE)


def launch(ctx: MigrationContext, ws: Workspace) -> list[Job | Problem]:
    if applies(ctx) is not None:
        return []
    files, copy, started = ws.begin(ctx, SUFFIXES, _tools.MYPY, blocking=False)
    try:
        config = _mypy_config(ctx, ws)
    except ConfigRefused as exc:
        return [*started, _tools.config_problem(str(exc), None, blocking=False)]
    # Each run starts cold, so a cache is never read again: /dev/null writes none (0.7 s saved on
    # the medium benchmark tree), and nothing at all is written.
    args = [
        "--output", "json", "--no-error-summary", "--hide-error-context", "--no-pretty",
        "--cache-dir", os.devnull,
    ]  # fmt: skip
    if config is None:
        args += ["--config-file", "", "--ignore-missing-imports"]
    else:
        args += ["--config-file", config.path]
    if ws.python:
        args += ["--python-executable", ws.python]
    started.extend(
        ws.start_batches(
            _tools.MYPY,
            ID,
            args,
            ws.readable(files),
            cwd=copy,
            copy=copy,
            blocking=False,
            group=copy,
        )
    )
    return started


def check(ctx: MigrationContext) -> Iterator[Problem]:
    _tools.start_pr_code(ctx, _tools.workspace(ctx))  # when mypy runs a plugin, it starts there
    yield from _tools.results(ctx, ID, _results)


def _results(ws: Workspace, job: Job) -> Iterator[Problem]:
    outcome = job.wait()
    copy: Path = job.group
    entries = []
    if outcome.problem is None and outcome.returncode in (0, 1, 2):
        for raw in outcome.stdout.splitlines():
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
    if (
        outcome.problem is not None
        or outcome.returncode not in (0, 1, 2)
        or (outcome.returncode != 0 and not entries)
    ):
        yield job.crash(outcome, blocking=False)
        return
    scrub = ws.scrubber(copy)
    for entry in entries:
        if entry.get("severity") == "note":
            continue
        path = ws.pr_path(str(entry.get("file", "")), copy, copy)
        column = entry.get("column")
        location = (
            Location(
                path=path,
                line=_tools.positive_int(entry.get("line")),
                # mypy's JSON columns are 0-based; -1 when it has none
                column=column + 1 if isinstance(column, int) and column >= 0 else None,
            )
            if path
            else None
        )
        message = scrub(str(entry.get("message", "")))
        yield Problem(
            f"mypy {entry.get('code') or 'error'}: {message}",
            location=location,
            severity=Severity.WARNING,
        )
