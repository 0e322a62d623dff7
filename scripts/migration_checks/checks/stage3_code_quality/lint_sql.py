"""Lint the SQL under ``code/`` (transforms, dbt models) with sqruff, or sqlfluff if the policy says.

SQL that does not parse in the target's dialect fails at run time, in the middle of a wave;
sqruff (sqlfluff's rules and codes, in Rust) parses every file in the migration's dialect. The
engine is ``lint_sql.engine`` (``sqruff``, the default, or ``sqlfluff``). The dialect is, in order:
the configuration's ``dialect``; the policy's ``lint_sql.dialect``; the target system of
``archetype_id`` (``oracle_to_snowflake``: snowflake; a lake such as ``s3`` or ``hdfs``: sparksql);
the mapping's ``target.dialect`` (a sqlglot name, translated); else ``ansi``.

**What blocks.** Without a user configuration, only what makes SQL wrong: a file that does not
template (``TMP``), lex or parse (``PRS``), and the ``ambiguous`` (AM) and ``references`` (RF) rule
groups, of the engine's core rules plus AM08 (a join without a condition is a cross join);
layout (LT), capitalisation (CP), aliasing (AL), convention (CV), structure (ST), jinja (JJ) and
tsql (TQ) findings are warnings. A linter's taste is the team's to choose; a migration gate blocks
on meaning. With a user configuration (``.sqlfluff``, ``.sqruff``, ``pyproject.toml``
``[tool.sqlfluff]``, ``setup.cfg``/``tox.ini`` ``[sqlfluff]``), the configuration decides, as for
``lint_yaml``: its rules run, and every violation blocks except those of the rules it lists under
``warnings``. It may lower or switch off any rule, but never a template, lexing or parse error:
``ignore = parsing,templating`` and ``warnings = PRS`` do not hide a model that dbt could not
compile. Configurations are scoped as sqlfluff scopes them: every one from the migration
directory down to the file's directory applies, the nearer winning key by key.

**dbt projects** are found by their ``dbt_project.yml``, anywhere under ``code/`` (``code/dbt/``
without one is a project with dbt's default paths), and templated the way dbt would, with dbt
itself never run and nothing downloaded (``_dbt``, ``_dbt_runtime``): the project's own macros
(``macro-paths``), dbt's builtins and cross-database macros (``dbt.date_trunc``,
``adapter.dispatch``), ``var()`` with the ``vars:`` of ``dbt_project.yml``, and placeholders for
the macros of packages it declares in ``packages.yml``/``dependencies.yml`` and any other name
nothing defines, named in one notice per project. Macro files (and generic tests) are not linted
as models; models, analyses, singular tests, snapshots, and any other ``.sql`` of the project
are, so no ``model-paths`` or ``seed-paths`` can take SQL out of the check. A ``*-paths`` entry
outside ``code/`` is refused (a finding at its line). A macro file whose Jinja does not parse is a
finding of its own; a macro that calls itself without end is the model's ``TMP``. SQL outside
any project is raw SQL unless a configuration chooses a templater.

**What a configuration may not do.** jinja's ``library_path`` from the pull request is always off
(it would import the PR's Python into the linter): the suite passes its own, the generated dbt
context. No path setting may leave the migration directory. The ``dbt`` templater is replaced by
``jinja`` with dbt's context stubbed. An inline ``-- sqlfluff:templater...`` line is refused (a
finding at its line; sqlfluff would apply it over every configuration). A configuration written
for sqlfluff that sqruff cannot honour (``[sqlfluff:templater:jinja:macros]``,
``[sqlfluff:templater:python:context]``) runs on sqlfluff when it is installed, with a notice;
else sqruff runs and a notice names what it ignored.

**Nothing takes a file out of the check.** A ``.sqlfluffignore`` or ``.sqruffignore`` under
``code/`` is not honoured (it is removed from the linters' private copy, the engines are told to
disregard ignore files, and a notice at the file says so); one at the migration directory's root
never reaches the linters. The settings that skip files are the suite's whatever a configuration
says: ``large_file_skip_byte_limit`` and ``large_file_skip_char_limit`` are 0 (no size limit)
and ``sql_file_exts`` always holds ``.sql``; a configuration that sets them otherwise gets a
notice at its line naming the override. ``max_parse_depth`` and its kin cannot hide a file: a
file beyond them is a parse error, which blocks.

**Inline noqa.** The engines run with ``--disable-noqa`` and the suite applies the directives
the file's author wrote as sqlfluff reads them: ``-- noqa`` and ``-- noqa: all`` (every rule on
that line), ``-- noqa: LT05, AL*`` (rules by code, glob, or, with sqlfluff, by name or group
such as ``layout.long_lines``, ``layout``), ``-- noqa: disable=...`` / ``enable=...`` (from that
line on), also in ``/* */`` comments. No directive silences a template, lexing or parse error
(``-- noqa: PRS`` and ``disable=all`` around SQL that does not parse leave it blocking, the
finding saying so), and a directive a template renders is not read. Without a user
configuration a noqa silences warnings only, not the suite's default blocking rules (AM, RF):
those are the suite's verdict on meaning, which a team changes in a configuration it commits
(``warnings = AM08``), where reviewers see it as one setting, not line by line.

**Branches.** Each model is rendered once, with the stubs' values: ``is_incremental()`` and
``execute`` are true, ``target.name`` is ``dev``, ``var()`` is the project's ``vars:`` or the
call's default, ``env_var()`` its default. The engines lint the branches that rendering does not
take as variants of the template, and report their rule violations, but no parse error in them:
SQL that does not parse inside ``{% if target.name == 'prod' %}``, ``{% if not
is_incremental() %}`` or ``{% if env_var('X', '') %}`` is not found (rendering every
combination of conditions would multiply the runs); such branches are the reviewers' to read.

Each violation is a finding at its file, line and column with the rule code. Violations inside
what a template produced are reported where the tag stands when no user configuration is given
(``ignore_templated_areas = False``); a configuration may say otherwise.

Passes: ``SELECT order_id FROM orders`` in ``code/sql/``; a dbt model using ``{{ ref('stg') }}``,
``{{ dbt_utils.star(ref('stg')) }}`` and ``{% if is_incremental() %}``, anywhere under ``code/``;
``select a,b from t`` (LT01, a warning).
Fails: ``SELECT FROM WHERE`` (PRS); ``from a inner join b`` without a condition (AM08);
``macro-paths: ['../../..']``; with ``rules = LT01`` in a ``.sqlfluff``, ``select a,b from t``;
``lint_sql.dialect: klingon``; the engine not installed.
"""

from __future__ import annotations

import configparser
import fnmatch
import importlib
import io
import json
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.checks.stage3_code_quality import _dbt, _tools
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
    plan = _Plan(ctx, ws, files, copy, engine, dialect)
    started.extend(plan.problems)
    for key, members in plan.groups.items():
        run_engine, text, library, configured, config_path = key
        config_file = ws.out(f"{run_engine.name}.ini")
        config_file.write_text(text, encoding="utf-8")
        args = ["lint", "--format", "json", "--ignore-local-config", "--nocolor"]
        args += ["--config", str(config_file), "--library-path", library or "none"]
        # Inline noqa is applied by the suite (``_Noqa``): never to a parse error.
        args.append("--disable-noqa")
        if run_engine.name == "sqruff":
            args += ["--parsing-errors", "--disregard-sqruffignores"]
        else:
            args += ["--disable-progress-bar", "--processes", "0", "--disregard-sqlfluffignores"]
        started.extend(
            ws.start_batches(
                run_engine.tool,
                ID,
                args,
                members,
                cwd=copy,
                copy=copy,
                blocking=True,
                group=_Run(
                    copy,
                    _warnings(text, run_engine),
                    config_path,
                    configured,
                    plan.template_lines,
                    plan.padded_lines,
                    plan.noqa,
                ),
            )
        )
    return started


@dataclass(frozen=True, slots=True)
class _Run:
    """What reading one run's report needs."""

    copy: Path
    warnings: frozenset[str]  # the rules the configuration makes warnings
    config_path: str | None  # the innermost user configuration (None: the suite's defaults)
    configured: bool
    template_lines: dict[str, int]  # where a template does not parse (the engine gives no line)
    padded_lines: dict[str, frozenset[int]]  # lines of rewritten snapshot tags
    noqa: dict[str, _Noqa]  # the inline noqa directives of each file


# (engine, configuration text, library path, whether a user configuration governs, its path)
_GroupKey = tuple[Engine, str, str | None, bool, str | None]


class _Plan:
    """Which files are linted how: the dbt project each belongs to, the configurations that
    govern it, the engine that can honour them; and the findings made before any tool runs."""

    def __init__(
        self,
        ctx: MigrationContext,
        ws: Workspace,
        files: list[str],
        copy: Path,
        engine: Engine,
        dialect: str,
    ) -> None:
        self.ctx, self.ws, self.copy, self.engine, self.dialect = ctx, ws, copy, engine, dialect
        self.groups: dict[_GroupKey, list[str]] = {}
        self.template_lines: dict[str, int] = {}
        self.padded_lines: dict[str, frozenset[int]] = {}
        self.noqa: dict[str, _Noqa] = {}
        self.problems: list[Job | Problem] = []
        self._overridden: set[tuple[str, str]] = set()
        self._drop_ignore_files(ws.code_files)
        self._chains: dict[str, list[_UserConfig]] = {}
        self._libraries: dict[str, str | None] = {}
        self.projects = _dbt.find_projects(ctx)
        for project in self.projects:
            self.problems.extend(project.problems)
        sources = {path: self._source(path) for path in files}
        for path, source in sources.items():
            found_noqa = _Noqa.scan(source)
            if found_noqa.directives:
                self.noqa[path] = found_noqa
        members: dict[str, list[str]] = {}
        outside: list[str] = []
        for path in files:
            found = _dbt.owner(self.projects, path)
            if found is None:
                outside.append(path)
                continue
            if found.is_macro_file(path, sources[path]):
                found.macro_files.append(path)
            else:
                found.models.append(path)
            members.setdefault(found.root, []).append(path)
        for project in self.projects:
            if not project.models:
                continue
            for path in project.models:
                if "snapshot" in sources[path]:
                    rewritten, lines = _dbt.rewrite_snapshots(sources[path])
                    if lines:
                        sources[path] = rewritten
                        self.padded_lines[path] = lines
                        (copy / path).write_text(rewritten, encoding="utf-8")
            library = self._library(project, {p: sources[p] for p in members[project.root]})
            for path in project.models:
                self._add(path, sources[path], project, library)
        for path in outside:
            self._add(path, sources[path], None, None)

    def _drop_ignore_files(self, code_files: list[str]) -> None:
        """An ignore file would take SQL out of the check: it is removed from the private copy
        (the engines are also told to disregard them), and a notice says so."""
        for rel in code_files:
            if posixpath.basename(rel) not in IGNORE_FILES:
                continue
            (self.copy / rel).unlink(missing_ok=True)
            self.problems.append(
                Problem(
                    f"{posixpath.basename(rel)} is not honoured: lint_sql lints every .sql file "
                    "under code/ (SQL that does not parse must not be hidden)",
                    location=Location(path=rel, line=1),
                    severity=Severity.NOTICE,
                )
            )

    def _source(self, path: str) -> str:
        return (self.copy / path).read_bytes().decode("utf-8", "replace")

    def _library(self, project: _dbt.Project, sources: dict[str, str]) -> str | None:
        names = _dbt.macro_names(sources[p] for p in project.macro_files)
        usage = _dbt.scan(project, sources, names)
        self.problems.extend(usage.problems)
        self.template_lines.update(usage.syntax_lines)
        notice = _dbt.notice(project, usage)
        if notice is not None:
            self.problems.append(notice)
        try:
            dialect = (
                self._merged(f"{project.root}/model.sql", project=True)[1]
                .get("", {})
                .get("dialect", self.dialect)
            )
        except ConfigRefused:
            dialect = self.dialect
        adapter = _dbt.ADAPTERS.get(dialect, dialect)
        path = _dbt.write_library(
            self.ws.out("dbt"), project, usage, copy=self.copy, adapter_type=adapter
        )
        return str(path)

    def _add(
        self, path: str, source: str, project: _dbt.Project | None, library: str | None
    ) -> None:
        refused = _inline_templater(path, source)
        if refused is not None:
            self.problems.append(refused)
            return
        try:
            chain, merged = self._merged(path, project=project is not None)
        except ConfigRefused as exc:
            self.problems.append(_tools.config_problem(str(exc), path, blocking=True))
            return
        engine = self.engine
        unsupported = _sqruff_cannot_honour(chain) if engine.name == "sqruff" else []
        if unsupported:
            where = chain[-1].config.path
            if _tools.locate(_tools.SQLFLUFF) is not None:
                engine = ENGINES["sqlfluff"]
                self.problems.append(
                    Problem(
                        f"runs on sqlfluff: sqruff cannot honour {', '.join(unsupported)}",
                        location=Location(path=where),
                        severity=Severity.NOTICE,
                    )
                )
            else:
                self.problems.append(
                    Problem(
                        f"sqruff ignored {', '.join(unsupported)}, which only sqlfluff honours "
                        f"(install it with `{_tools.SQLFLUFF.install}`)",
                        location=Location(path=where),
                        severity=Severity.NOTICE,
                    )
                )
        text = _render(engine, merged)
        config_path = chain[-1].config.path if chain else None
        key = (engine, text, library, bool(chain), config_path)
        self.groups.setdefault(key, []).append(path)

    def _merged(
        self, path: str, *, project: bool
    ) -> tuple[list[_UserConfig], dict[str, dict[str, str]]]:
        """The configurations that govern ``path`` (outermost first) and their merge over the
        suite's defaults, with the suite's rules applied (see the module's docstring)."""
        chain = self._chain(posixpath.dirname(path))
        merged: dict[str, dict[str, str]] = {
            "": {"dialect": self.dialect, "templater": "jinja" if project else "raw"},
            "templater:jinja": {"apply_dbt_builtins": "True"},
        }
        if not chain:
            merged[""]["rules"] = DEFAULT_RULES
            merged[""]["ignore_templated_areas"] = "False"
        for user in chain:
            for section, values in user.sections.items():
                merged.setdefault(section, {}).update(values)
        core = merged[""]
        templater = core.get("templater", "raw").strip()
        if templater == "dbt" or (project and templater in ("jinja", "")):
            core["templater"] = "jinja"  # dbt's context is stubbed; dbt never runs
        for section in merged:
            if section.startswith("templater:"):
                merged[section].pop("library_path", None)  # never the PR's Python
        if "ignore" in core:
            kept = [v.strip() for v in core["ignore"].split(",") if v.strip() not in _NEVER_IGNORED]
            core["ignore"] = ",".join(v for v in kept if v)
        self._force(chain, core)
        return chain, merged

    def _force(self, chain: list[_UserConfig], core: dict[str, str]) -> None:
        """The settings that would take a file out of the lint are the suite's (``FORCED``);
        a configuration that sets one otherwise gets a notice at its line, once."""
        for key, (value, allowed) in FORCED.items():
            for user in chain:
                given = user.sections.get("", {}).get(key)
                if given is None or allowed(given) or (user.config.path, key) in self._overridden:
                    continue
                self._overridden.add((user.config.path, key))
                self.problems.append(
                    Problem(
                        f'"{key} = {_shown(given)}" is overridden with "{value}": lint_sql '
                        "lints every .sql file, whatever its size (SQL that does not parse must "
                        "not be skipped)",
                        location=Location(path=user.config.path, line=_line_of(user.config, key)),
                        severity=Severity.NOTICE,
                    )
                )
            if key not in core or not allowed(core[key]):
                core[key] = value
        core.pop("disable_noqa_except", None)  # it would turn the engine's noqa back on
        core["disable_noqa"] = "True"

    def _chain(self, directory: str) -> list[_UserConfig]:
        if directory not in self._chains:
            parent = self._chain(posixpath.dirname(directory)) if directory not in ("", ".") else []
            own = []
            for name in CONFIG_NAMES:
                rel = f"{directory}/{name}" if directory not in ("", ".") else name
                found = self.ws.config_at(self.ctx, rel)
                if found is not None:
                    user = _user_config(found, self.copy)
                    if user is not None:
                        own.append(user)
            self._chains[directory] = [*parent, *own]
        return self._chains[directory]


# In each directory, in the order sqlfluff reads them (a later one wins), then sqruff's own.
CONFIG_NAMES = ("setup.cfg", "tox.ini", ".sqlfluff", "pyproject.toml", ".sqruff")
# Files that tell an engine to skip SQL files; never honoured.
IGNORE_FILES = frozenset({".sqlfluffignore", ".sqruffignore"})


def _no_limit(value: str) -> bool:
    try:
        return int(value.strip()) <= 0
    except ValueError:
        return value.strip().lower() in ("", "none")


def _has_sql(value: str) -> bool:
    return ".sql" in {v.strip().lower() for v in value.split(",")}


# Settings that would take files out of the lint: the suite's value, and which values are fine.
FORCED: dict[str, tuple[str, Callable[[str], bool]]] = {
    "large_file_skip_byte_limit": ("0", _no_limit),
    "large_file_skip_char_limit": ("0", _no_limit),
    "sql_file_exts": (".sql", _has_sql),
}


def _line_of(config: ConfigFile, key: str) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=:]")
    try:
        lines = config.text().splitlines()
    except ConfigRefused:
        return None
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), None)


def _shown(text: str) -> str:
    return text if len(text) <= 60 and text.isprintable() else f"{text[:57]!r}…"


# A user configuration may make rules warnings or switch them off; it cannot hide SQL that does
# not template, lex or parse (the gate's meaning).
_NEVER_IGNORED = frozenset({"parsing", "templating", "lexing"})
ALWAYS_BLOCKING = frozenset({"PRS", "TMP", "LXR"})
# Without a user configuration: the engine's core rules, and AM08 (a join without a condition is
# a cross join, whatever its author meant).
DEFAULT_RULES = "core,AM08"
# Without a user configuration: the rule groups that find SQL that means something else than it
# seems (ambiguous joins, columns, unions; references that do not resolve).
DEFAULT_BLOCKING_GROUPS = ("AM", "RF")
# What a configuration written for sqlfluff may hold that sqruff does not honour.
SQLFLUFF_ONLY_SECTIONS = ("templater:jinja:macros", "templater:python:context")


@dataclass(frozen=True, slots=True)
class _UserConfig:
    config: ConfigFile
    sections: dict[str, dict[str, str]]  # "" for the core section, else e.g. "rules:LT05"
    sqlfluff: bool  # written for sqlfluff


def _user_config(config: ConfigFile, copy: Path) -> _UserConfig | None:
    """The SQL linter sections of a configuration file, or None when it has none."""
    name = posixpath.basename(config.path)
    sections: dict[str, dict[str, str]] = {}
    if name == "pyproject.toml":
        tool = _tools.load_toml(config).get("tool")
        table = tool.get("sqlfluff") if isinstance(tool, dict) else None
        if not isinstance(table, dict):
            return None
        _tools.check_paths(config, _tools.toml_pairs(table))
        _flatten(table, (), sections)
        sqlfluff = True
    else:
        parser = _tools.load_ini(config)
        owned = [s for s in parser.sections() if s.split(":", 1)[0] in ("sqlfluff", "sqruff")]
        if not owned:
            return None
        _tools.check_paths(config, ((k, v) for s in owned for k, v in parser.items(s, raw=True)))
        for section in owned:
            suffix = section.split(":", 1)[1] if ":" in section else ""
            sections.setdefault(suffix, {}).update(parser.items(section, raw=True))
        sqlfluff = name != ".sqruff"
    base = copy / config.directory if config.directory else copy
    for values in sections.values():
        for key, value in values.items():
            if _tools.is_path_key(key) and key != "library_path" and value.strip():
                values[key] = ",".join(
                    str(base / item.strip()) for item in value.split(",") if item.strip()
                )
    return _UserConfig(config, sections, sqlfluff)


def _flatten(
    table: dict[str, Any], parts: tuple[str, ...], into: dict[str, dict[str, str]]
) -> None:
    """``[tool.sqlfluff.X.Y]`` as sqlfluff reads it: ``core`` is the main section, and a rule's
    name under ``rules`` keeps its dots (``rules:capitalisation.keywords``)."""
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(value, (*parts, str(key)), into)
            continue
        if parts in ((), ("core",)):
            section = ""
        elif parts[0] == "rules" and len(parts) > 1:
            section = "rules:" + ".".join(parts[1:])
        else:
            section = ":".join(parts)
        text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
        into.setdefault(section, {})[str(key)] = text


def _sqruff_cannot_honour(chain: list[_UserConfig]) -> list[str]:
    found = []
    for user in chain:
        if not user.sqlfluff:
            continue
        for section in user.sections:
            if section.startswith(SQLFLUFF_ONLY_SECTIONS):
                found.append(f'"[sqlfluff:{section}]" in {user.config.path}')
    return found


def _render(engine: Engine, merged: dict[str, dict[str, str]]) -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    for section, values in merged.items():
        name = f"{engine.section}:{section}" if section else engine.section
        parser[name] = {k: v.replace("\n", "\n") for k, v in values.items()}
    buffer = io.StringIO()
    parser.write(buffer)
    return buffer.getvalue()


def _warnings(text: str, engine: Engine) -> frozenset[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    value = parser.get(engine.section, "warnings", fallback="")
    return frozenset(code.strip() for code in value.split(",") if code.strip())


_INLINE = re.compile(r"^--\s*(?:sqlfluff|sqruff)\s*:(.*)$", re.MULTILINE)


def _inline_templater(path: str, source: str) -> Problem | None:
    """sqlfluff applies ``-- sqlfluff:templater:...`` lines before templating, over any
    configuration (a ``library_path`` there would import the PR's Python): such a file is refused."""
    for match in _INLINE.finditer(source):
        setting = match.group(1).strip().lower()
        if setting.startswith("templater") or "path" in setting:
            line = source.count("\n", 0, match.start()) + 1
            return Problem(
                "inline templater configuration is refused (it could load code or files the "
                "suite has not vetted); set the templater in a .sqlfluff or .sqruff file",
                BlockerId.CI_FAILURE,
                Location(path=path, line=line, column=1),
                Severity.ERROR,
            )
    return None


# ``-- noqa``, ``-- noqa: LT05,AL*``, ``-- noqa: disable=all``, ``/* noqa: enable=LT05 */``:
# the last ``noqa`` of a comment, as sqlfluff reads it.
_NOQA = re.compile(
    r"(?:--|/\*)[^\n]*?(?<![\w.])noqa\b[ \t]*(?::[ \t]*([^\n]*?))?[ \t]*(?:\*/|$)", re.M
)


@dataclass(frozen=True, slots=True)
class _Directive:
    line: int
    action: str | None  # None: this line only; "disable" / "enable": from this line on
    rules: tuple[str, ...] | None  # None: every rule


@dataclass(frozen=True, slots=True)
class _Noqa:
    """The inline ``noqa`` directives a file's author wrote, applied by the suite as sqlfluff
    applies them (the engines run with ``--disable-noqa``), except that none silences a
    template, lexing or parse error: those the caller keeps. Directives a template produces are
    not read (the engine would read them in the rendered SQL)."""

    directives: tuple[_Directive, ...]

    @classmethod
    def scan(cls, source: str) -> _Noqa:
        found = []
        for match in _NOQA.finditer(source):
            line = source.count("\n", 0, match.start()) + 1
            body = (match.group(1) or "").strip()
            action: str | None = None
            if "=" in body:
                head, body = (part.strip() for part in body.split("=", 1))
                if head not in ("disable", "enable"):
                    continue  # malformed: silences nothing
                action = head
            rules = None if body in ("", "all") else tuple(r.strip() for r in body.split(","))
            found.append(_Directive(line, action, rules))
        return cls(tuple(found))

    def silences(self, line: int, code: str, name: str) -> bool:
        """Whether a directive covers a violation of ``code`` (rule ``name``) at ``line``."""
        disabled = False
        for directive in self.directives:
            if directive.action is None:
                if directive.line == line and _covers(directive.rules, code, name):
                    return True
            elif directive.line <= line and _covers(directive.rules, code, name):
                disabled = directive.action == "disable"
        return disabled


def _covers(rules: tuple[str, ...] | None, code: str, name: str) -> bool:
    if rules is None:
        return True
    group = name.split(".", 1)[0]
    return any(
        fnmatch.fnmatchcase(code, rule)
        or (name and (fnmatch.fnmatchcase(name, rule) or rule == group))
        for rule in rules
    )


def check(ctx: MigrationContext) -> Iterator[Problem]:
    yield from _tools.results(ctx, ID, _read)


def _read(ws: Workspace, job: Job) -> Iterator[Problem]:
    outcome = job.wait()
    run: _Run = job.group
    if outcome.problem is None and outcome.returncode in (0, 1):
        try:
            report = json.loads(outcome.stdout)
        except ValueError:
            report = None
        found = (_sqruff if job.tool is _tools.SQRUFF else _sqlfluff)(report)
        if found is not None:
            yield from _problems(ws, run, job.tool, found)
            return
    yield job.crash(outcome, blocking=True, config=run.config_path)


# (path as the tool names it, line, column, code, message, warning, rule name or "")
_Violation = tuple[str, int | None, int | None, str, str, bool, str]


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
                    "",
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
                    str(v.get("name") or ""),
                )
            )
    return found


_TEMPLATE_REASON = re.compile(r"value: (\w+)\(\\*([\"'])(.+?)\\*\2\), traceback", re.DOTALL)
_JINJA_SYNTAX = (
    "Failed to parse Jinja syntax. Correct the syntax or select an alternative templater. Error: "
)


def _template_error(message: str) -> str:
    """sqruff wraps a template error in its own Rust and Python error chains; keep the reason."""
    found = _TEMPLATE_REASON.search(message)
    if found is None:
        return "the file could not be templated: jinja error"
    kind, reason = found.group(1), found.group(3)
    if kind == "RecursionError":
        reason = "macros call themselves without end (maximum recursion depth exceeded)"
    elif reason.startswith(_JINJA_SYNTAX):
        reason = "invalid Jinja: " + reason.removeprefix(_JINJA_SYNTAX)
    elif kind not in ("SQLTemplaterError", "ValueError"):
        reason = f"{kind}: {reason}"
    return f"the file could not be templated: {_tools.first_line(reason)}"


def blocks(code: str, *, warning: bool, warnings: frozenset[str], configured: bool) -> bool:
    """Whether a violation blocks: SQL that does not template, lex or parse always; with a user
    configuration, what it does not make a warning; without one, the AM and RF rule groups."""
    if code in ALWAYS_BLOCKING:
        return True
    if warning or code in warnings:
        return False
    return configured or code.startswith(DEFAULT_BLOCKING_GROUPS)


def _problems(ws: Workspace, run: _Run, tool: Tool, found: list[_Violation]) -> Iterator[Problem]:
    scrub = ws.scrubber(run.copy)
    for reported, line, column, code, message, warning, name in found:
        path = ws.pr_path(reported, run.copy, run.copy)
        if path is not None and code == "JJ01" and line in run.padded_lines.get(path, ()):
            continue  # the padding of a rewritten snapshot tag is the suite's, not the author's
        if path is not None and code == "TMP" and line is None:
            line = run.template_lines.get(path)
        blocking = blocks(code, warning=warning, warnings=run.warnings, configured=run.configured)
        noqa = run.noqa.get(path) if path is not None and line is not None else None
        text = scrub(message).rstrip(".")
        if noqa is not None and line is not None and noqa.silences(line, code, name):
            if code in ALWAYS_BLOCKING:
                text += " (a noqa cannot silence SQL that does not template, lex or parse)"
            elif blocking and not run.configured:
                text += (
                    " (a noqa does not silence the suite's default blocking rules; a team "
                    "configuration can make this rule a warning)"
                )
            else:
                continue
        yield Problem(
            f"{tool.name} {code}: {text}",
            BlockerId.CI_FAILURE if blocking else None,
            Location(path=path, line=line, column=column) if path else None,
            Severity.ERROR if blocking else Severity.WARNING,
        )
