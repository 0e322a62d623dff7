"""dbt projects under ``code/``, as dbt reads them, for ``lint_sql``.

A dbt project is a directory holding ``dbt_project.yml``, anywhere under ``code/``; a SQL file
belongs to the nearest one above it. ``code/dbt/`` without a ``dbt_project.yml`` is a project too,
with dbt's default paths (the suite's earlier convention). For each project this module works
out, without running dbt:

- which files are **macro files**: ``.sql`` under its ``macro-paths`` (default ``macros``) or
  under ``<test-paths>/generic`` that define a ``{% macro %}``, ``{% test %}`` or
  ``{% materialization %}``, and lie under no ``model-paths``, ``analysis-paths``,
  ``test-paths`` or ``snapshot-paths``. dbt reads only their blocks, and their bodies are linted
  where a model expands them, so they are not linted as SQL of their own; a macro file whose
  Jinja does not parse is a finding (dbt could not parse the project). Every other ``.sql`` of the
  project (models, analyses, singular tests, snapshots, and files under no path, which is where a
  ``model-paths`` pointing elsewhere would put them) is templated and linted like a model: a
  ``dbt_project.yml`` cannot take SQL out of the check.
- its **paths**: every ``*-paths`` entry must stay inside ``code/`` (the part of the migration
  directory the linters see); one that is absolute or climbs out is refused, with a finding at
  its line, and left out.
- the **names** its SQL uses: its macros, ``var()`` defaults (``vars:``), the packages it declares
  in ``packages.yml`` or ``dependencies.yml``, and every name nothing defines. The last two are
  stubbed (``_dbt_runtime``), with one notice per project naming them.

Snapshot blocks (``{% snapshot name %}`` ... ``{% endsnapshot %}``) are turned into ``{% if 1 %}``
... ``{% endif %}`` in the linters' private copy, padded with a Jinja comment so that every
line and column stays where it was: the ``select`` inside is linted as dbt compiles it.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.checks.stage3_code_quality import _dbt_runtime, _tools
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.model import Location, Problem, Severity

PROJECT_FILE = "dbt_project.yml"
LEGACY_ROOT = "code/dbt"
PACKAGE_FILES = ("packages.yml", "dependencies.yml")
# dbt's resource paths and their defaults.
PATH_KEYS = {
    "model-paths": ("models",),
    "analysis-paths": ("analyses",),
    "test-paths": ("tests",),
    "snapshot-paths": ("snapshots",),
    "macro-paths": ("macros",),
    "seed-paths": ("seeds",),
}
COMPILED_KEYS = ("model-paths", "analysis-paths", "test-paths", "snapshot-paths")
# The linter's dialect -> dbt's adapter type (``target.type``, ``adapter.dispatch``).
ADAPTERS = {"sparksql": "spark", "tsql": "sqlserver", "ansi": "default"}

_BLOCK = re.compile(r"\{%-?\s*(?:macro|test|materialization)\s")
_SNAPSHOT = re.compile(r"\{%(-?)(\s*)snapshot\s+\w+(\s*)(-?)%\}")
_END_SNAPSHOT = re.compile(r"\{%(-?)(\s*)endsnapshot(\s*)(-?)%\}")
# A call of a macro in a template, ``{{ pkg.name(`` or ``{{ name(``.
_CALL = re.compile(r"\{\{-?\s*(?:return\s*\(\s*)?(?:(\w+)\.)?(\w+)\s*\(")
_MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(.*?%\}(.*?)\{%-?\s*endmacro", re.DOTALL)
_HIDDEN = re.compile(
    r"\{#.*?#\}|\{%.*?%\}|\{\{-?\s*config\s*\(.*?\)\s*-?\}\}|--[^\n]*|/\*.*?\*/", re.DOTALL
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_QUERY_WORDS = frozenset({"as", "in", "from", "join", "exists", "union", "all", "intersect"})
_QUERY_WORDS_BEFORE_PAREN = frozenset({"as", "in", "from", "join", "exists", ""})


@dataclass(slots=True)
class Project:
    """One dbt project: where it is and what dbt would find in it."""

    root: str  # PR-relative directory
    config: str | None  # its dbt_project.yml (None: the legacy code/dbt/)
    name: str = "dbt"
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # PR-relative
    vars: dict[str, Any] = field(default_factory=dict)
    packages: tuple[str, ...] = ()  # declared namespaces
    package_file: str | None = None
    problems: list[Problem] = field(default_factory=list)
    macro_files: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)

    def under(self, path: str, key: str) -> bool:
        return any(path == p or path.startswith(f"{p}/") for p in self.paths.get(key, ()))

    def is_macro_file(self, path: str, source: str) -> bool:
        generic = tuple(f"{t}/generic/" for t in self.paths.get("test-paths", ()))
        macro_place = self.under(path, "macro-paths") or path.startswith(generic)
        if not macro_place:
            return False
        compiled = any(self.under(path, key) for key in COMPILED_KEYS)
        if compiled and not path.startswith(generic):
            return False
        return _BLOCK.search(source) is not None


def find_projects(ctx: MigrationContext) -> list[Project]:
    """Every dbt project under code/, deepest first (so the first that holds a file owns it)."""
    projects = []
    roots = sorted(
        posixpath.dirname(p)
        for p in ctx.tree.files
        if p.startswith(f"{_tools.CODE_DIR}/") and posixpath.basename(p) == PROJECT_FILE
    )
    for root in roots:
        projects.append(_read_project(ctx, root))
    if LEGACY_ROOT not in roots:
        projects.append(_defaults(Project(LEGACY_ROOT, None)))
    projects.sort(key=lambda p: -p.root.count("/"))
    return projects


def owner(projects: Sequence[Project], path: str) -> Project | None:
    for project in projects:
        if path.startswith(f"{project.root}/"):
            return project
    return None


def _defaults(project: Project) -> Project:
    for key, default in PATH_KEYS.items():
        project.paths.setdefault(key, tuple(f"{project.root}/{d}" for d in default))
    return project


def _read_project(ctx: MigrationContext, root: str) -> Project:
    config = f"{root}/{PROJECT_FILE}"
    base = re.sub(r"\W", "_", posixpath.basename(root), flags=re.ASCII)
    project = Project(root, config, name=base if _NAME.match(base) else "project")
    document = ctx.parse(config)
    data = document.data if isinstance(document, Document) else None
    if isinstance(data, dict):
        name = data.get("name")
        if isinstance(name, str) and _NAME.match(name.strip()):
            project.name = name.strip()  # dbt's own rule; anything else is not echoed
        for key in PATH_KEYS:
            if key in data:
                project.paths[key] = tuple(_paths(project, document, key, data[key]))
        project.vars = _vars(data.get("vars"), project.name)
    _defaults(project)
    _read_packages(ctx, project)
    return project


def _paths(project: Project, document: Any, key: str, value: Any) -> Iterator[str]:
    values = value if isinstance(value, list) else [value]
    for index, item in enumerate(values):
        pointer = f"/{key}/{index}" if isinstance(value, list) else f"/{key}"
        if not isinstance(item, str) or not item.strip():
            continue
        text = item.strip().replace("\\", "/")
        resolved = posixpath.normpath(posixpath.join(project.root, text))
        if (
            text.startswith(("/", "~", "$"))
            or re.match(r"^[A-Za-z]:/", text)
            or not (resolved == _tools.CODE_DIR or resolved.startswith(f"{_tools.CODE_DIR}/"))
        ):
            location = document.at(pointer) if isinstance(document, Document) else None
            project.problems.append(
                Problem(
                    f'dbt project "{project.name}" sets {key} to "{_shown(text)}", a path '
                    f"outside code/; dbt paths must stay inside the migration directory's code/, "
                    "so it is left out",
                    BlockerId.CI_FAILURE,
                    location or Location(path=project.config or project.root),
                    Severity.ERROR,
                )
            )
            continue
        yield resolved


def _shown(text: str) -> str:
    return text if len(text) <= 80 and text.isprintable() else f"{text[:77]!r}…"


def _vars(value: Any, project_name: str) -> dict[str, Any]:
    """dbt_project.yml's ``vars``: the global ones and those scoped to this project."""
    if not isinstance(value, dict):
        return {}
    found: dict[str, Any] = {}
    scoped: dict[str, Any] = {}
    for key, item in value.items():
        if key == project_name and isinstance(item, dict):
            scoped.update(item)
        elif not isinstance(item, dict):
            found[str(key)] = item
        else:
            found[str(key)] = item  # a dict-valued var, or another package's scope
    found.update({str(k): v for k, v in scoped.items()})
    return found


def _read_packages(ctx: MigrationContext, project: Project) -> None:
    names: list[str] = []
    for file_name in PACKAGE_FILES:
        path = f"{project.root}/{file_name}"
        document = ctx.parse(path)
        if not isinstance(document, Document):
            continue
        project.package_file = project.package_file or path
        entries = document.data.get("packages") if isinstance(document.data, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                names.extend(_namespaces(entry))
    project.packages = tuple(dict.fromkeys(names))


def _namespaces(entry: dict[str, Any]) -> Iterator[str]:
    """The macro namespaces a packages.yml entry may bring (the package's project name is only
    known once installed; the usual spellings of it)."""
    for key in ("package", "git", "local", "tarball", "private"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            base = value.strip().rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
            base = base.replace("-", "_").lower()
            if base:
                yield base
                for prefix in ("dbt_",):
                    if base.startswith(prefix) and len(base) > len(prefix):
                        yield base[len(prefix) :]


# --- the copy ---------------------------------------------------------------------------------


def rewrite_snapshots(source: str) -> tuple[str, frozenset[int]]:
    """Snapshot blocks as ``if`` blocks, each tag as long as before (the padding is spaces inside
    the tag), so every line and column stays; and the lines rewritten."""
    lines: set[int] = set()

    def rewrite(keyword: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            head, lead, trail, tail = match.groups()
            text = f"{{%{head}{lead}{keyword}"
            end = f"{trail}{tail}%}}"
            lines.add(source.count("\n", 0, match.start()) + 1)
            return text + " " * (len(match.group(0)) - len(text) - len(end)) + end

        return replace

    text = _END_SNAPSHOT.sub(rewrite("endif"), _SNAPSHOT.sub(rewrite("if 1"), source))
    return text, frozenset(lines)


# --- what the SQL uses --------------------------------------------------------------------------


@dataclass(slots=True)
class Usage:
    """What a project's templates name that neither it nor dbt defines."""

    namespaces: dict[str, set[str]] = field(default_factory=dict)  # namespace -> members
    names: set[str] = field(default_factory=set)  # bare names
    query_shaped: set[str] = field(default_factory=set)  # "ns.name" or "name"
    problems: list[Problem] = field(default_factory=list)
    syntax_lines: dict[str, int] = field(default_factory=dict)  # a model whose Jinja is invalid
    # Namespaces only macro bodies use: given a namespace, not named in the notice.
    quiet_namespaces: dict[str, set[str]] = field(default_factory=dict)


def scan(project: Project, sources: dict[str, str], macro_names: set[str]) -> Usage:
    """Parse every template of the project (no rendering: nothing of the PR runs here)."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    env = _dbt_runtime.environment()
    known = known_names(project) | macro_names
    usage = Usage()
    for path, source in sources.items():
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as exc:
            if path in project.macro_files:
                usage.problems.append(
                    Problem(
                        f"the macro file is not valid Jinja, so dbt cannot parse the project: "
                        f"{_tools.first_line(str(exc.message or exc))}",
                        BlockerId.CI_FAILURE,
                        Location(path=path, line=exc.lineno or None),
                        Severity.ERROR,
                    )
                )
            elif exc.lineno:
                usage.syntax_lines[path] = exc.lineno
            continue  # a model's template error is the linter's finding (TMP)
        except (RecursionError, MemoryError):
            usage.problems.append(
                Problem(
                    "the template nests too deeply to be parsed",
                    BlockerId.CI_FAILURE,
                    Location(path=path),
                    Severity.ERROR,
                )
            )
            continue
        undeclared = meta.find_undeclared_variables(tree) - known
        if not undeclared:
            continue
        macro_file = path in project.macro_files
        namespaces = usage.quiet_namespaces if macro_file else usage.namespaces
        for node in tree.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name in undeclared:
                namespaces.setdefault(node.node.name, set()).add(node.attr)
        if macro_file:
            continue  # a name a macro's body uses may be set where the macro is called
        for name in undeclared:
            if name not in usage.namespaces:
                usage.names.add(name)
    _query_shapes(project, sources, macro_names, known, usage)
    return usage


def _query_shapes(
    project: Project, sources: dict[str, str], own: set[str], known: set[str], usage: Usage
) -> None:
    """Which stubbed macros stand where a query stands: called so in a model, or as the body of
    one of the project's macros that a model calls so."""
    stubbed = set(usage.names) | set(usage.namespaces) | set(usage.quiet_namespaces)
    candidates = stubbed | own | {project.name}
    own_query: set[str] = set()

    def note(found: Iterable[str]) -> None:
        for key in found:
            namespace, _, name = key.rpartition(".")
            if namespace in ("", project.name) and name in own:
                own_query.add(name)
            elif (namespace or name) in stubbed:
                usage.query_shaped.add(key)

    for path, source in sources.items():
        if path not in project.macro_files:
            note(_query_calls(source, candidates))
    bodies = {
        match.group(1): match.group(2)
        for path in project.macro_files
        for match in _MACRO.finditer(sources.get(path, ""))
    }
    done: set[str] = set()
    while own_query - done:
        name = next(iter(own_query - done))
        done.add(name)
        if name in bodies:
            note(_query_calls(bodies[name], candidates))


def known_names(project: Project) -> set[str]:
    state = _dbt_runtime.State({"name": project.name}, "")
    jinja = set(_dbt_runtime.environment().globals)
    return set(state.context) | jinja | {"caller", "varargs", "kwargs", "loop", "self"}


def _query_calls(source: str, candidates: set[str]) -> Iterator[str]:
    """Calls of stubbed macros standing where a query stands: the file's start, ``as (``,
    ``from (``, ``union all`` ... (so that their stub renders ``select * from <name>``)."""
    visible = _HIDDEN.sub(lambda m: " " * len(m.group(0)), source)
    for match in _CALL.finditer(visible):
        namespace, name = match.groups()
        if (namespace or name) not in candidates:
            continue
        before = visible[: match.start()].rstrip()
        if before.endswith(";"):
            before = ""
        if before.endswith("("):
            word = re.search(r"(\w*)\s*$", before[:-1])
            if word is None or word.group(1).lower() not in _QUERY_WORDS_BEFORE_PAREN:
                continue
        elif before:
            word = re.search(r"(\w+)$", before)
            if word is None or word.group(1).lower() not in _QUERY_WORDS:
                continue
        yield f"{namespace}.{name}" if namespace else name


def macro_names(sources: Iterable[str]) -> set[str]:
    """The names of the macros (and generic tests) the files define."""
    from jinja2 import TemplateSyntaxError, nodes

    env = _dbt_runtime.environment()
    names: set[str] = set()
    for source in sources:
        try:
            names.update(m.name for m in env.parse(source).find_all(nodes.Macro))
        except (TemplateSyntaxError, RecursionError, MemoryError):
            continue
    return names


def notice(project: Project, usage: Usage) -> Problem | None:
    """The one notice of a project naming what was stubbed."""
    stubbed = _stubbed(usage)
    if not stubbed and not usage.names:
        return None
    parts = []
    declared = [ns for ns in sorted(stubbed) if ns in project.packages]
    other = [ns for ns in sorted(stubbed) if ns not in project.packages]
    if declared:
        parts.append("macros of its packages, not installed here: " + _members(stubbed, declared))
    if other:
        parts.append(
            "macros of packages it does not declare in packages.yml (dbt may get them through "
            "another package): " + _members(stubbed, other)
        )
    if usage.names:
        parts.append(
            "names nothing in the project or dbt defines: " + ", ".join(sorted(usage.names))
        )
    return Problem(
        f'dbt project "{project.name}" is templated with stubs for '
        + "; ".join(parts)
        + " (dbt is not run and nothing is downloaded: the stubs render as placeholders)",
        None,
        Location(path=project.config or project.root),
        Severity.NOTICE,
    )


NOTICE_NAMES = 40


def _members(found: dict[str, set[str]], namespaces: list[str]) -> str:
    return _listed([f"{ns}.{member}" for ns in namespaces for member in sorted(found[ns])])


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:NOTICE_NAMES])
    return shown if len(names) <= NOTICE_NAMES else f"{shown} and {len(names) - NOTICE_NAMES} more"


def _stubbed(usage: Usage) -> dict[str, set[str]]:
    """Namespaced names the runtime stubs (dbt_utils' cross-database macros are dbt's)."""
    found = {}
    for namespace, members in usage.namespaces.items():
        left = {
            m
            for m in members
            if not (namespace == "dbt_utils" and m in _dbt_runtime.CROSS_DATABASE)
        }
        if left:
            found[namespace] = left
    return found


def write_library(
    directory: Path, project: Project, usage: Usage, *, copy: Path, adapter_type: str
) -> Path:
    """The package the linter imports as jinja ``library_path`` for this project."""
    package = directory / "mc_dbt"
    package.mkdir(parents=True)
    runtime = directory / "runtime"
    runtime.mkdir()
    source = Path(_dbt_runtime.__file__).read_text(encoding="utf-8")
    (runtime / "runtime.py").write_text(source, encoding="utf-8")
    data = {
        "name": project.name,
        "adapter_type": adapter_type,
        "vars": project.vars,
        "namespaces": sorted(
            set(usage.namespaces) | set(usage.quiet_namespaces) | set(project.packages)
        ),
        "stubs": sorted(usage.names),
        "query_shaped": sorted(usage.query_shaped),
        "macro_files": [str(copy / m) for m in project.macro_files],
    }
    (package / "project.json").write_text(json.dumps(data, default=str), encoding="utf-8")
    (package / "__init__.py").write_text(_LOADER, encoding="utf-8")
    return package


# The package's __init__: it leaves no name of its own in the template's context (the templater
# exports every public name of the package; a module among them would be a way out of the
# sandbox), only the context the runtime builds.
_LOADER = '''"""dbt's context, stubbed (written by migration-checks; see _dbt_runtime)."""


def _context():
    import importlib.util
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    name = "_migration_checks_dbt_runtime"
    module = sys.modules.get(name)
    if module is None:
        path = os.path.join(os.path.dirname(here), "runtime", "runtime.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module.load(here)


globals().update(_context())
del _context
'''
