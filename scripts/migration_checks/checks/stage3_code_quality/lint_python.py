"""Lint the Python code under ``code/`` (Airflow DAGs, Spark jobs, helpers) with ruff.

A DAG with an undefined name or a broken import fails at run time, in the scheduler, long after
review; ruff finds it in milliseconds. Each ``.py``/``.pyi`` file is linted with the ruff
configuration nearest to it inside the migration directory (``.ruff.toml``, ``ruff.toml``, or a
``pyproject.toml`` with ``[tool.ruff]``, from the file's directory up to the directory's root);
without one, with ruff's default rules. A configuration outside the migration directory (the
repository's, the user's) is never used: ruff runs ``--isolated`` or with the one file given.
Each violation is a finding at its file, line and column, naming the rule.

Passes: no ``code/`` Python file breaks a rule; ``import os`` unused but a ``code/ruff.toml``
that ignores F401.
Fails: ``import os`` unused in ``code/airflow/dags/load.py`` (F401); a syntax error; a
configuration that ``extend``s a file outside the directory; ruff not installed.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.checks.stage3_code_quality import _tools
from migration_checks.checks.stage3_code_quality._tools import (
    ConfigRefused,
    Job,
    Workspace,
)
from migration_checks.context import MigrationContext
from migration_checks.model import Location, Problem, Stage

ID = "lint_python"
STAGE = Stage.CODE_QUALITY
BLOCKING = True
RAISES = (BlockerId.CI_FAILURE,)
POLICY = ("code_quality",)

SUFFIXES = (".py", ".pyi")
CONFIG_NAMES = (".ruff.toml", "ruff.toml", "pyproject.toml")


def applies(ctx: MigrationContext) -> str | None:
    return _tools.no_code_files(ctx, SUFFIXES, "Python")


def _has_ruff_section(name: str, data: bytes) -> bool:
    if name != "pyproject.toml":
        return True
    try:
        tool = tomllib.loads(data.decode("utf-8-sig")).get("tool", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    return isinstance(tool, dict) and "ruff" in tool


def launch(ctx: MigrationContext, ws: Workspace) -> list[Job | Problem]:
    if applies(ctx) is not None:
        return []
    files, copy, started = ws.begin(ctx, SUFFIXES, _tools.RUFF, blocking=True)
    groups = _tools.group_by_config(
        ctx, ws, files, CONFIG_NAMES, blocking=True, accept=_has_ruff_section
    )
    started.extend(groups.problems)
    for config_path, members in groups.by_config.items():
        args = ["check", "--output-format", "json", "--no-cache", "--force-exclude", "--quiet"]
        if config_path is None:
            args.append("--isolated")
        else:
            config = groups.configs[config_path]
            try:
                data = _tools.load_toml(config)
                section = (
                    data.get("tool", {}).get("ruff", {})
                    if config.path.endswith("pyproject.toml")
                    else data
                )
                _tools.check_paths(config, _tools.toml_pairs(section))
            except ConfigRefused as exc:
                started.append(_tools.config_problem(str(exc), config.path, blocking=True))
                continue
            args += ["--config", config_path]
        started.extend(
            ws.start_batches(
                _tools.RUFF,
                ID,
                args,
                members,
                cwd=copy,
                copy=copy,
                blocking=True,
                group=(copy, config_path),
            )
        )
    return started


def check(ctx: MigrationContext) -> Iterator[Problem]:
    yield from _tools.results(ctx, ID, _read)


def _read(ws: Workspace, job: Job) -> Iterator[Problem]:
    outcome = job.wait()
    if outcome.problem is None and outcome.returncode in (0, 1):
        try:
            violations = json.loads(outcome.stdout or b"[]")
        except ValueError:
            violations = None
        if isinstance(violations, list):
            yield from _findings(ws, violations, job.group[0])
            return
    yield job.crash(outcome, blocking=True, config=job.group[1])


def _findings(ws: Workspace, violations: list[Any], copy: Path) -> Iterator[Problem]:
    scrub = ws.scrubber(copy)
    for violation in violations:
        if not isinstance(violation, dict):
            continue
        path = ws.pr_path(str(violation.get("filename", "")), copy, copy)
        where = violation.get("location") or {}
        code = violation.get("code") or "invalid-syntax"
        message = scrub(str(violation.get("message", ""))).rstrip(".")
        yield Problem(
            f"ruff {code}: {message}",
            BlockerId.CI_FAILURE,
            Location(
                path=path,
                line=_tools.positive_int(where.get("row")),
                column=_tools.positive_int(where.get("column")),
            )
            if path
            else None,
        )
