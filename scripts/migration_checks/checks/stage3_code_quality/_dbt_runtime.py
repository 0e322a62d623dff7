"""dbt's Jinja context, stubbed, for the SQL linter's templater: this file runs inside it.

``lint_sql`` copies this module into its workspace as the package ``mc_dbt`` (``__init__.py``),
beside a ``project.json`` it wrote for one dbt project, and hands the package to the linter as its
jinja ``library_path`` (sqruff's and sqlfluff's jinja templaters import it and put every public
name of the package into the template's context). It is the suite's code, never the pull
request's; it imports only the standard library and Jinja, and exposes no module to templates (a
module reachable from a template is a way out of Jinja's sandbox).

What a model sees, the way dbt would give it, without running dbt or reaching a warehouse:

- the project's own macros (its ``macro-paths``, and generic tests), each file compiled once per
  linter process in a sandboxed Jinja environment, late-bound so that macros of different files
  call one another, with dbt's ``return()``;
- ``ref``, ``source``, ``this``, ``config``, ``is_incremental`` (true), ``var`` (the project's
  ``vars:`` defaults, else the call's default, else a placeholder), ``env_var``, ``target``,
  ``adapter`` (``dispatch`` searches the project's macros, then dbt's), ``execute`` (true),
  ``run_query``, ``statement``, ``log``, ``exceptions`` (never raising: values are unknown here),
  ``modules`` (``datetime``, ``re``, ``itertools`` as plain namespaces), ``fromjson``/``tojson``
  and the other helpers of dbt's context;
- dbt's cross-database macros (``dbt.date_trunc``, ``dbt.type_string``, ``dateadd`` unqualified,
  ...) rendered as the generic SQL dbt's default implementations write;
- every other name the project uses but nothing defines (a package's macros, ``dbt_utils.star``,
  ``fivetran_utils.union_data``): a placeholder that renders as an identifier, or as
  ``select * from <name>`` where ``project.json`` says the project uses it as a query.

Nothing here raises for a value it does not know: a placeholder can be called, indexed, iterated
(once), compared and added to. What still fails to render is the template's own error.
"""

from __future__ import annotations

import datetime as _datetime
import hashlib
import itertools as _itertools
import json
import re as _re
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

STATE_MODULE = "_migration_checks_dbt_state"


class Placeholder(str):
    """A value dbt would know and the suite does not: renders as ``name``; anything done with it
    gives another placeholder."""

    # Jinja's sandbox asks these of every callable; a placeholder must not answer with itself.
    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __new__(cls, name: str = "placeholder") -> Placeholder:
        return super().__new__(cls, _identifier(name))

    def __call__(self, *args: Any, **kwargs: Any) -> Placeholder:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name.startswith("is_"):
            return False
        return Placeholder(name)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int | slice):
            return str.__getitem__(self, key)
        return Placeholder(str(key))

    def __iter__(self) -> Iterator[Any]:
        yield Placeholder(str(self))

    def _same(self, *args: Any) -> Placeholder:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _same
    __mod__ = __rmod__ = __pow__ = __neg__ = __pos__ = _same

    def keys(self) -> list[Any]:
        return []

    def values(self) -> list[Any]:
        return [Placeholder(str(self))]

    def items(self) -> list[Any]:
        return []

    def get(self, key: Any, default: Any = None) -> Any:
        return default if default is not None else Placeholder(str(key))


class QueryPlaceholder(Placeholder):
    """A macro the project uses where a query stands: ``select * from <name>``."""

    # The SQL is linted, never run; the name is an identifier (``_identifier``).
    def __str__(self) -> str:
        return "select * from " + str.__str__(self)  # noqa: S608

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return str(self)


def _identifier(name: str) -> str:
    cleaned = _re.sub(r"\W+", "_", str(name)).strip("_")
    if not cleaned or cleaned[0].isdigit():
        cleaned = f"x_{cleaned}"
    return cleaned


class Relation:
    """``ref()``, ``source()``, ``this``: renders as an identifier; its parts are names too."""

    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __init__(self, identifier: str = "this_model") -> None:
        self.identifier = _identifier(identifier)
        self.name = self.identifier
        self.table = self.identifier
        self.schema = "analytics"
        self.database = "analytics"
        self.type = "table"

    def __str__(self) -> str:
        return self.identifier

    def __call__(self, *args: Any, **kwargs: Any) -> Relation:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name.startswith("is_"):
            return name == "is_table"
        return self

    def render(self) -> str:
        return self.identifier

    def include(self, *args: Any, **kwargs: Any) -> Relation:
        return self

    def incorporate(self, *args: Any, **kwargs: Any) -> Relation:
        return self


class Column:
    """What ``adapter.get_columns_in_relation`` lists: one column of unknown name."""

    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __init__(self, name: str = "column_name") -> None:
        self.name = _identifier(name)
        self.column = self.name
        self.quoted = self.name
        self.data_type = "varchar"
        self.dtype = "varchar"

    def __str__(self) -> str:
        return self.name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name.startswith("is_"):
            return False
        return Placeholder(name)


class Namespace:
    """Attribute access by name: a package's macros, dbt's, or the project's own."""

    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __init__(self, name: str, lookup: Callable[[str], Any]) -> None:
        self._name = name
        self._lookup = lookup

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._lookup(name)

    def __str__(self) -> str:
        return self._name


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


def _return(value: Any = None) -> str:
    raise _Return(value)


class Macro:
    """A macro of the project, resolved when called (so files may call one another)."""

    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __init__(self, name: str, table: dict[str, Any]) -> None:
        self.name = name
        self._table = table

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        target = self._table.get(self.name)
        if target is None or target is self:
            return Placeholder(self.name)
        try:
            return target(*args, **kwargs)
        except _Return as returned:
            return returned.value

    def __str__(self) -> str:
        return self.name


# --- dbt's cross-database macros: the generic SQL of dbt's default implementations -----------


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _cast(field: Any, type_: Any) -> str:
    return f"cast({field} as {type_})"


def _listagg(
    measure: Any, delimiter_text: Any = "','", order_by_clause: Any = None, limit_num: Any = None
) -> str:
    order = f" within group ({order_by_clause})" if order_by_clause else ""
    return f"listagg({measure}, {delimiter_text}){order}"


CROSS_DATABASE: dict[str, Callable[..., Any]] = {
    "any_value": lambda expression: f"any_value({expression})",
    "array_append": lambda array, new_element: f"array_append({array}, {new_element})",
    "array_concat": lambda array_1, array_2: f"array_cat({array_1}, {array_2})",
    "array_construct": lambda inputs=(), data_type="varchar": (
        f"array_construct({', '.join(str(i) for i in _list(inputs))})"
    ),
    "bool_or": lambda expression: f"bool_or({expression})",
    "cast": _cast,
    "safe_cast": _cast,
    "cast_bool_to_text": lambda field: f"cast({field} as varchar)",
    "concat": lambda fields: f"concat({', '.join(str(f) for f in _list(fields))})",
    "current_timestamp": lambda: "current_timestamp",
    "current_timestamp_backcompat": lambda: "current_timestamp",
    "current_timestamp_in_utc_backcompat": lambda: "current_timestamp",
    "snapshot_get_time": lambda: "current_timestamp",
    "date": lambda year, month, day: (
        f"cast('{year:04}-{month:02}-{day:02}' as date)"
        if all(isinstance(v, int) for v in (year, month, day))
        else "cast(null as date)"
    ),
    "date_spine": lambda datepart, start_date, end_date: (
        "select cast(" + str(start_date) + " as date) as date_" + _identifier(str(datepart))
    ),
    "date_trunc": lambda datepart, date: f"date_trunc('{datepart}', {date})",
    "dateadd": lambda datepart, interval, from_date_or_timestamp: (
        f"dateadd({datepart}, {interval}, {from_date_or_timestamp})"
    ),
    "datediff": lambda first_date, second_date, datepart: (
        f"datediff({datepart}, {first_date}, {second_date})"
    ),
    "equals": lambda expr1, expr2: (
        f"(({expr1} = {expr2}) or ({expr1} is null and {expr2} is null))"
    ),
    "escape_single_quotes": lambda expression: str(expression).replace("'", "''"),
    "except": lambda: "except",
    "intersect": lambda: "intersect",
    "generate_series": lambda upper_bound: "select 1 as generated_number",
    "get_intervals_between": lambda start_date, end_date, datepart: 1,
    "hash": lambda field: f"md5(cast({field} as varchar))",
    "last_day": lambda date, datepart: f"cast(date_trunc('{datepart}', {date}) as date)",
    "length": lambda expression: f"length({expression})",
    "listagg": _listagg,
    "position": lambda substring_text, string_text: f"position({substring_text} in {string_text})",
    "replace": lambda field, old_chars, new_chars: f"replace({field}, {old_chars}, {new_chars})",
    "right": lambda string_text, length_expression: f"right({string_text}, {length_expression})",
    "split_part": lambda string_text, delimiter_text, part_number: (
        f"split_part({string_text}, {delimiter_text}, {part_number})"
    ),
    "string_literal": lambda value: f"'{value}'",
    "type_bigint": lambda: "bigint",
    "type_boolean": lambda: "boolean",
    "type_float": lambda: "float",
    "type_int": lambda: "integer",
    "type_numeric": lambda: "numeric(28, 6)",
    "type_string": lambda: "varchar",
    "type_timestamp": lambda: "timestamp",
    "type_json": lambda: "json",
}


# --- the rest of dbt's context ----------------------------------------------------------------


def _public(name: str) -> bool:
    """A name the project may add to the context: an identifier of its own, never one of the
    loader's or the templater's (``_...``, ``SQLFLUFF_JINJA_FILTERS``)."""
    return name.isidentifier() and not name.startswith("_") and name != "SQLFLUFF_JINJA_FILTERS"


class Config:
    """``config(...)`` renders nothing; ``config.get`` gives the default."""

    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return ""

    def get(self, name: Any, default: Any = None, validator: Any = None) -> Any:
        return default

    def require(self, name: Any, validator: Any = None) -> Any:
        return Placeholder(str(name))

    def set(self, *args: Any, **kwargs: Any) -> str:
        return ""


class Exceptions:
    """dbt's ``exceptions``: what would raise is silent here, since values are placeholders."""

    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: ""


class Adapter:
    """dbt's ``adapter``: ``dispatch`` finds the project's implementation, then dbt's."""

    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __init__(self, state: State) -> None:
        self._state = state

    def dispatch(self, macro_name: str, macro_namespace: Any = None, packages: Any = None) -> Any:
        return self._state.dispatch(str(macro_name), macro_namespace)

    def get_columns_in_relation(self, *args: Any, **kwargs: Any) -> list[Column]:
        return [Column()]

    def get_relation(self, *args: Any, **kwargs: Any) -> Relation:
        return Relation(str(kwargs.get("identifier") or (args[-1] if args else "relation")))

    def quote(self, identifier: Any) -> str:
        return f'"{identifier}"'

    def type(self) -> str:
        return self._state.adapter_type

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return Placeholder(name)


class Target:
    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __init__(self, adapter_type: str) -> None:
        self.type = adapter_type
        self.name = "dev"
        self.schema = "analytics"
        self.database = "analytics"
        self.dbname = "analytics"
        self.profile_name = "default"
        self.threads = 1
        self.project = "analytics"
        self.dataset = "analytics"
        self.catalog = "analytics"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return Placeholder(name)

    def get(self, key: Any, default: Any = None) -> Any:
        return getattr(self, str(key), default)


def _safe_namespace(name: str, **members: Any) -> Namespace:
    """A plain namespace of chosen callables: never a module (a module reaches ``sys``)."""
    return Namespace(name, lambda attr: members.get(attr, Placeholder(attr)))


def _chosen(module: types.ModuleType, *names: str) -> Namespace:
    return _safe_namespace(module.__name__, **{name: getattr(module, name) for name in names})


# dbt's ``modules``, as the few members a template uses (never the modules themselves).
_MODULE_MEMBERS: dict[str, Namespace] = {
    "datetime": _chosen(_datetime, "datetime", "date", "timedelta", "timezone", "time"),
    "re": _chosen(
        _re, "compile", "match", "search", "sub", "findall", "split", "escape", "fullmatch"
    ),
    "itertools": _chosen(
        _itertools, "chain", "product", "combinations", "permutations", "groupby", "islice"
    ),
}
_MODULES = Namespace("modules", lambda attr: _MODULE_MEMBERS.get(attr, Placeholder(attr)))


def _fromjson(value: Any, default: Any = None) -> Any:
    try:
        return json.loads(str(value))
    except ValueError:
        return default


def _fromyaml(value: Any, default: Any = None) -> Any:
    try:
        import yaml  # type: ignore[import-untyped]  # PyYAML ships no types

        return yaml.safe_load(str(value))
    except Exception:
        return default


def _tojson(value: Any, *args: Any, **kwargs: Any) -> str:
    try:
        return json.dumps(value, default=str, sort_keys=bool(kwargs.get("sort_keys")))
    except (TypeError, ValueError):
        return "null"


def _statement(*args: Any, caller: Any = None, **kwargs: Any) -> str:
    return ""


def _as_bool(value: Any) -> Any:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes")


def _as_number(value: Any) -> Any:
    try:
        return int(str(value))
    except ValueError:
        try:
            return float(str(value))
        except ValueError:
            return value


def _as_native(value: Any) -> Any:
    text = str(value).strip()
    if text in ("None", "none", "null"):
        return None
    if text in ("True", "False", "true", "false"):
        return text.lower() == "true"
    return _as_number(text)


# dbt's Jinja filters; the templater adds them to its environment (``SQLFLUFF_JINJA_FILTERS``).
FILTERS: dict[str, Callable[..., Any]] = {
    "as_bool": _as_bool,
    "as_native": _as_native,
    "as_number": _as_number,
    "as_text": str,
}


# --- the project --------------------------------------------------------------------------------


class State:
    """One dbt project's context, made once per linter process."""

    def __init__(self, project: dict[str, Any], here: str) -> None:
        self.here = here
        self.name = str(project.get("name") or "project")
        self.adapter_type = str(project.get("adapter_type") or "postgres")
        self.vars: dict[str, Any] = dict(project.get("vars") or {})
        self.query_shaped = frozenset(project.get("query_shaped") or ())
        self.namespaces = frozenset(project.get("namespaces") or ())
        self.stubs = frozenset(project.get("stubs") or ())
        self.macros: dict[str, Any] = {}
        self.context = self._context()
        if here:
            self._load_macros(list(project.get("macro_files") or ()))

    # names -------------------------------------------------------------------------------
    def stub(self, name: str, namespace: str | None = None) -> Placeholder:
        key = f"{namespace}.{name}" if namespace else name
        label = f"{namespace}_{name}" if namespace else name
        return QueryPlaceholder(label) if key in self.query_shaped else Placeholder(label)

    def lookup(self, name: str) -> Any:
        """An unqualified name as dbt resolves it: the project's macros, then dbt's."""
        if name in self.macros:
            return Macro(name, self.macros)
        if name in CROSS_DATABASE:
            return CROSS_DATABASE[name]
        return None

    def dispatch(self, macro_name: str, namespace: Any) -> Any:
        for candidate in (f"{self.adapter_type}__{macro_name}", f"default__{macro_name}"):
            if candidate in self.macros:
                return Macro(candidate, self.macros)
        if namespace in (None, "dbt") and macro_name in CROSS_DATABASE:
            return CROSS_DATABASE[macro_name]
        if macro_name in self.macros:
            return Macro(macro_name, self.macros)
        return self.stub(macro_name, str(namespace) if namespace else None)

    def package(self, package: str) -> Namespace:
        def member(name: str) -> Any:
            if package == self.name:
                found = self.lookup(name)
                if found is not None:
                    return found
            if package in ("dbt", "dbt_utils") and name in CROSS_DATABASE:
                return CROSS_DATABASE[name]
            return self.stub(name, package)

        return Namespace(package, member)

    def var(self, name: Any, default: Any = None) -> Any:
        key = str(name)
        if key in self.vars:
            return self.vars[key]
        if default is not None:
            return default
        return Placeholder(key)

    def _context(self) -> dict[str, Any]:
        relation = Relation
        context: dict[str, Any] = {
            "ref": lambda *args, **kwargs: relation(str(args[-1]) if args else "ref"),
            "source": lambda source_name, table_name: relation(f"{source_name}_{table_name}"),
            "function": lambda *args, **kwargs: relation(str(args[-1]) if args else "function"),
            "metric": lambda *args, **kwargs: Placeholder("metric"),
            "this": Relation("this_model"),
            "model": Placeholder("model"),
            "config": Config(),
            "is_incremental": lambda: True,
            "should_full_refresh": lambda: False,
            "var": self.var,
            "env_var": lambda name, default=None: (
                default if default is not None else Placeholder(f"env_{name}")
            ),
            "target": Target(self.adapter_type),
            "adapter": Adapter(self),
            "api": Namespace("api", lambda attr: Namespace(attr, lambda _: relation)),
            "execute": True,
            "flags": Namespace("flags", lambda attr: False),
            "graph": {"nodes": {}, "sources": {}, "macros": {}, "exposures": {}, "metrics": {}},
            "selected_resources": [],
            "invocation_id": "00000000-0000-0000-0000-000000000000",
            "run_started_at": _datetime.datetime(2000, 1, 1, tzinfo=_datetime.UTC),
            "dbt_version": "1.9.0",
            "project_name": self.name,
            "database": "analytics",
            "schema": "analytics",
            "run_query": lambda *args, **kwargs: Placeholder("query_result"),
            "load_result": lambda *args, **kwargs: Placeholder("result"),
            "statement": _statement,
            "store_result": lambda *args, **kwargs: "",
            "store_raw_result": lambda *args, **kwargs: "",
            "log": lambda *args, **kwargs: "",
            "print": lambda *args, **kwargs: "",
            "exceptions": Exceptions(),
            "modules": _MODULES,
            "fromjson": _fromjson,
            "tojson": _tojson,
            "fromyaml": _fromyaml,
            "toyaml": lambda value, *args, **kwargs: _tojson(value),
            "local_md5": lambda value: hashlib.md5(
                str(value).encode(), usedforsecurity=False
            ).hexdigest(),
            "set": lambda value, default=None: set(value) if value is not None else default,
            "set_strict": set,
            "zip": lambda *args, default=None: zip(*args, strict=False),
            "zip_strict": lambda *args: zip(*args, strict=True),
            "try_or_compiler_error": lambda message, func, *args, **kwargs: func(*args, **kwargs),
            "return": _return,
            "doc": lambda *args: "",
            "dbt": self.package("dbt"),
        }
        context.update(CROSS_DATABASE)
        context["SQLFLUFF_JINJA_FILTERS"] = dict(FILTERS)
        for namespace in self.namespaces:
            if _public(namespace) and namespace not in context:
                context[namespace] = self.package(namespace)
        if _public(self.name):
            context.setdefault(self.name, self.package(self.name))
        for name in self.stubs:
            if _public(name):
                context.setdefault(name, self.stub(name))
        return context

    # macros ------------------------------------------------------------------------------
    def _load_macros(self, files: list[str]) -> None:
        from jinja2 import nodes

        env = environment()
        parsed = []
        for rel in files:
            try:
                source = (Path(self.here) / rel).read_text(encoding="utf-8", errors="replace")
                tree = env.parse(source)
            except Exception:  # noqa: S112 - the suite reports a macro file that does not parse
                continue
            names = [m.name for m in tree.find_all(nodes.Macro) if _public(m.name)]
            for name in names:
                self.context[name] = Macro(name, self.macros)
                self.macros.setdefault(name, None)
            parsed.append((source, names))
        for source, names in parsed:
            try:
                module = env.from_string(source, globals=self.context).make_module()
            except Exception:  # noqa: S112 - its macros stay placeholders
                continue
            for name in names:
                found = getattr(module, name, None)
                if found is not None:
                    self.macros[name] = found


def environment() -> Any:
    from jinja2 import ChainableUndefined, nodes
    from jinja2.ext import Extension
    from jinja2.sandbox import SandboxedEnvironment

    class Blocks(Extension):
        """dbt's ``{% test %}`` and ``{% materialization %}`` blocks, read as macros."""

        tags = {"test", "materialization"}  # noqa: RUF012 - Jinja's interface

        def parse(self, parser: Any) -> Any:
            token = next(parser.stream)
            node = nodes.Macro(lineno=token.lineno)
            name = parser.parse_assign_target(name_only=True).name
            if token.value == "test":
                parser.parse_signature(node)
                node.name = f"test_{name}"
            else:
                while parser.stream.current.type != "block_end":
                    next(parser.stream)
                node.args, node.defaults = [], []
                node.name = f"materialization_{name}"
            node.body = parser.parse_statements((f"name:end{token.value}",), drop_needle=True)
            return node

    class Lenient(ChainableUndefined):
        """A name a macro uses that its caller's context would give: a placeholder too."""

        unsafe_callable = False
        alters_data = False

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return self

        def __str__(self) -> str:
            return _identifier(self._undefined_name or "undefined")

    env = SandboxedEnvironment(
        keep_trailing_newline=True,
        autoescape=False,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", Blocks],
        undefined=Lenient,
    )
    env.filters.update(FILTERS)
    return env


def load(here: str) -> dict[str, Any]:
    """The context for the project described by ``project.json`` in ``here``; made once per
    process and kept (the templater imports this package again for every file)."""
    path = str(Path(here) / "project.json")
    state_module = sys.modules.get(STATE_MODULE)
    if state_module is None:
        state_module = types.ModuleType(STATE_MODULE)
        state_module.states = {}  # type: ignore[attr-defined]
        sys.modules[STATE_MODULE] = state_module
    states: dict[str, State] = state_module.states
    if path not in states:
        states[path] = State(json.loads(Path(path).read_text(encoding="utf-8")), here)
    return states[path].context
