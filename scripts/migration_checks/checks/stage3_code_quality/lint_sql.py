"""Lint the SQL under ``code/`` (transforms, dbt models) with sqruff, or sqlfluff if the policy says.

SQL that does not parse in the target's dialect fails at run time, in the middle of a wave;
sqruff (sqlfluff's rules and codes, in Rust) parses every file in the migration's dialect and
applies its default rules. The engine is ``lint_sql.engine`` (``sqruff``, the default, or
``sqlfluff`` for teams that depend on its plugins). The dialect is, in order: the nearest
configuration's ``dialect``; the policy's ``lint_sql.dialect``; the target system of
``archetype_id`` (``oracle_to_snowflake``: snowflake; a lake target such as ``s3`` or ``hdfs``:
sparksql); the mapping's ``target.dialect`` (a sqlglot name, translated); else ``ansi``. dbt models (every
``.sql`` under ``code/dbt/``) are rendered with the jinja templater and dbt's builtins stubbed
(``ref``, ``source``, ``config``, ``var``, ``is_incremental``, ``this``): dbt itself is never run
and need not be installed; a configuration asking for the ``dbt`` templater gets that instead.
The configuration nearest to each file (``.sqruff``, or ``.sqlfluff`` for sqlfluff) is honoured,
except that jinja's ``library_path`` is always off (it would import the PR's Python into the
linter) and no path setting may leave the migration directory. Each violation is a finding at its
file, line and column with the rule code (``PRS`` for a parse error, ``TMP`` for a template that
does not render); rules the configuration lists under ``warnings`` are warnings.

Passes: ``SELECT order_id FROM orders`` in ``code/sql/``; a dbt model using ``{{ ref('stg') }}``
and ``{% if is_incremental() %}``.
Fails: ``select a,b from t`` (LT01, spacing after the comma); ``SELECT FROM WHERE`` (PRS);
``lint_sql.dialect: klingon``; the engine not installed.
"""

from __future__ import annotations

import configparser
import importlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.checks.stage3_code_quality import _tools
from migration_checks.checks.stage3_code_quality._tools import (
    ConfigFile,
    ConfigRefused,
    Job,
    Tool,
    Workspace,
)
from migration_checks.context import MigrationContext
from migration_checks.model import Location, Problem, Severity, Stage

ID = "lint_sql"
STAGE = Stage.CODE_QUALITY
BLOCKING = True
RAISES = (BlockerId.CI_FAILURE,)
POLICY = ("lint_sql", "code_quality")

SUFFIXES = (".sql",)
DBT_DIR = "code/dbt/"

# sqlglot dialect names (the mapping's target.dialect) -> sqruff/sqlfluff dialect names.
SQLGLOT_DIALECTS = {
    "athena": "athena",
    "bigquery": "bigquery",
    "clickhouse": "clickhouse",
    "databricks": "databricks",
    "doris": "doris",
    "duckdb": "duckdb",
    "exasol": "exasol",
    "hive": "hive",
    "materialize": "materialize",
    "mysql": "mysql",
    "oracle": "oracle",
    "postgres": "postgres",
    "presto": "trino",
    "redshift": "redshift",
    "snowflake": "snowflake",
    "spark": "sparksql",
    "spark2": "sparksql",
    "sqlite": "sqlite",
    "starrocks": "starrocks",
    "teradata": "teradata",
    "trino": "trino",
    "tsql": "tsql",
}
# Target systems of archetype_id (``{source}_to_{target}``) -> dialect names.
_SAME_NAME = (
    "athena",
    "bigquery",
    "clickhouse",
    "databricks",
    "db2",
    "duckdb",
    "exasol",
    "greenplum",
    "hive",
    "impala",
    "mariadb",
    "mysql",
    "oracle",
    "redshift",
    "snowflake",
    "sqlite",
    "teradata",
    "vertica",
)
_LAKES = (
    "s3",
    "hdfs",
    "gcs",
    "adls",
    "parquet",
    "delta",
    "iceberg",
    "lake",
    "datalake",
    "spark",
    "emr",
    "glue",
    "files",
)
SYSTEM_DIALECTS = {
    **dict.fromkeys(_LAKES, "sparksql"),
    **dict.fromkeys(("postgres", "postgresql", "pg", "aurora", "cockroachdb"), "postgres"),
    **dict.fromkeys(("sqlserver", "mssql", "azuresql", "synapse", "fabric"), "tsql"),
    **dict.fromkeys(("trino", "presto", "starburst"), "trino"),
    **{name: name for name in _SAME_NAME},
}
AUTO = "auto"


@dataclass(frozen=True, slots=True)
class Engine:
    tool: Tool
    section: str  # the configuration's main section
    config_name: str

    @property
    def name(self) -> str:
        return self.tool.name


ENGINES = {
    "sqruff": Engine(_tools.SQRUFF, "sqruff", ".sqruff"),
    "sqlfluff": Engine(_tools.SQLFLUFF, "sqlfluff", ".sqlfluff"),
}


def applies(ctx: MigrationContext) -> str | None:
    return _tools.no_code_files(ctx, SUFFIXES, "SQL")


def dialect_for(ctx: MigrationContext) -> tuple[str, str]:
    """The default dialect and where it comes from (for messages)."""
    configured = ctx.policy.setting("lint_sql", "dialect")
    if isinstance(configured, str) and configured and configured != AUTO:
        return configured, "the policy's lint_sql.dialect"
    # The archetype first: the metadata is small, the mapping may be megabytes to parse.
    archetype = ctx.data("metadata", "/archetype_id")
    if isinstance(archetype, str) and "_to_" in archetype:
        system = archetype.rsplit("_to_", 1)[1].lower()
        if system in SYSTEM_DIALECTS:
            return SYSTEM_DIALECTS[system], "the archetype's target"
    mapping = ctx.document("mapping")
    target = mapping.get("/target/dialect") if mapping is not None else None
    if isinstance(target, str) and target.lower() in SQLGLOT_DIALECTS:
        return SQLGLOT_DIALECTS[target.lower()], "the mapping's target.dialect"
    return "ansi", "no dialect could be told from the plan"


def known_dialects(engine: Engine) -> frozenset[str] | None:
    """The engine's dialects when it can say cheaply (sqruff can, in process); else None."""
    if engine.name != "sqruff":
        return None
    try:
        sqruff = importlib.import_module("sqruff")
        return frozenset(str(d) for d in sqruff.DialectKind.available())
    except (ImportError, AttributeError):
        return None


def launch(ctx: MigrationContext, ws: Workspace) -> list[Job | Problem]:
    if applies(ctx) is not None:
        return []
    engine = ENGINES[ctx.policy.setting("lint_sql", "engine") or "sqruff"]
    dialect, origin = dialect_for(ctx)
    known = known_dialects(engine)
    if known is not None and dialect not in known:
        return [
            Problem(
                f'{engine.name} has no dialect "{dialect}" (from {origin}); '
                f"known: {', '.join(sorted(known))}",
                BlockerId.CI_FAILURE,
                severity=Severity.ERROR,
            )
        ]
    files, copy, started = ws.begin(ctx, SUFFIXES, engine.tool, blocking=True)
    groups = _tools.group_by_config(ctx, ws, files, (engine.config_name,), blocking=True)
    started.extend(groups.problems)
    for config_path, members in groups.by_config.items():
        config = groups.configs.get(config_path) if config_path else None
        for dbt in (True, False):
            chosen = [p for p in members if p.startswith(DBT_DIR) == dbt]
            if not chosen:
                continue
            try:
                text, warnings = merged_config(engine, config, dialect=dialect, dbt=dbt)
            except ConfigRefused as exc:
                started.append(_tools.config_problem(str(exc), config_path, blocking=True))
                break
            config_file = ws.out(f"{engine.name}.ini")
            config_file.write_text(text, encoding="utf-8")
            args = ["lint", "--format", "json", "--ignore-local-config", "--nocolor"]
            args += ["--config", str(config_file), "--library-path", "none"]
            if engine.name == "sqruff":
                args.append("--parsing-errors")
            else:
                args += ["--disable-progress-bar", "--processes", "0"]
            started.extend(
                ws.start_batches(
                    engine.tool,
                    ID,
                    args,
                    chosen,
                    cwd=copy,
                    copy=copy,
                    blocking=True,
                    group=(copy, warnings, config_path),
                )
            )
    return started


def merged_config(
    engine: Engine, config: ConfigFile | None, *, dialect: str, dbt: bool
) -> tuple[str, frozenset[str]]:
    """Our defaults overlaid by the user's configuration; and the rules it makes warnings."""
    section = engine.section
    merged = configparser.ConfigParser(interpolation=None)
    merged.optionxform = str  # type: ignore[assignment,method-assign]
    merged[section] = {"dialect": dialect, "templater": "jinja" if dbt else "raw"}
    if config is not None:
        user = _tools.load_ini(config)
        _tools.check_paths(config, _tools.ini_pairs(user))
        for name in user.sections():
            if not merged.has_section(name):
                merged.add_section(name)
            for key, value in user.items(name, raw=True):
                merged[name][key] = value
    if merged[section].get("templater", "raw").strip() == "dbt":
        merged[section]["templater"] = "jinja"  # dbt's builtins are stubbed; dbt never runs
    jinja = f"{section}:templater:jinja"
    if not merged.has_section(jinja):
        merged.add_section(jinja)
    merged[jinja].setdefault("apply_dbt_builtins", "True")
    merged[jinja].pop("library_path", None)
    buffer = io.StringIO()
    merged.write(buffer)
    warnings = frozenset(
        code.strip() for code in merged[section].get("warnings", "").split(",") if code.strip()
    )
    return buffer.getvalue(), warnings


def check(ctx: MigrationContext) -> Iterator[Problem]:
    yield from _tools.results(ctx, ID, _read)


def _read(ws: Workspace, job: Job) -> Iterator[Problem]:
    outcome = job.wait()
    copy, warnings, config_path = job.group
    if outcome.problem is None and outcome.returncode in (0, 1):
        try:
            report = json.loads(outcome.stdout)
        except ValueError:
            report = None
        found = (_sqruff if job.tool is _tools.SQRUFF else _sqlfluff)(report)
        if found is not None:
            yield from _problems(ws, copy, warnings, job.tool, found)
            return
    yield job.crash(outcome, blocking=True, config=config_path)


# (path as the tool names it, line, column, code, message, warning)
_Violation = tuple[str, int | None, int | None, str, str, bool]


def _sqruff(report: Any) -> list[_Violation] | None:
    if not isinstance(report, dict):
        return None
    found = []
    for path, violations in report.items():
        for v in violations if isinstance(violations, list) else []:
            if not isinstance(v, dict):
                continue
            start = (v.get("range") or {}).get("start") or {}
            code = v.get("code") or "PRS"
            message = str(v.get("message", ""))
            if code == "TMP":
                message = _template_error(message)
            found.append(
                (
                    str(path),
                    _tools.positive_int(start.get("line")),
                    _tools.positive_int(start.get("character")),
                    str(code),
                    message,
                    False,
                )
            )
    return found


def _sqlfluff(report: Any) -> list[_Violation] | None:
    if not isinstance(report, list):
        return None
    found = []
    for entry in report:
        if not isinstance(entry, dict):
            continue
        for v in entry.get("violations") or []:
            if not isinstance(v, dict):
                continue
            found.append(
                (
                    str(entry.get("filepath", "")),
                    _tools.positive_int(v.get("start_line_no")),
                    _tools.positive_int(v.get("start_line_pos")),
                    str(v.get("code") or "PRS"),
                    str(v.get("description", "")),
                    v.get("warning") is True,
                )
            )
    return found


_TEMPLATE_REASON = re.compile(r'\w+Error\(\\*"(.+?)\\*"\)')


def _template_error(message: str) -> str:
    """sqruff wraps a template error in its own Rust and Python error chains; keep the reason."""
    reason = _TEMPLATE_REASON.search(message)
    return f"the file could not be templated: {reason.group(1) if reason else 'jinja error'}"


def _problems(
    ws: Workspace, copy: Path, warnings: frozenset[str], tool: Tool, found: list[_Violation]
) -> Iterator[Problem]:
    scrub = ws.scrubber(copy)
    for reported, line, column, code, message, warning in found:
        path = ws.pr_path(reported, copy, copy)
        as_warning = warning or code in warnings
        yield Problem(
            f"{tool.name} {code}: {scrub(message).rstrip('.')}",
            None if as_warning else BlockerId.CI_FAILURE,
            Location(path=path, line=line, column=column) if path else None,
            Severity.WARNING if as_warning else Severity.ERROR,
        )
