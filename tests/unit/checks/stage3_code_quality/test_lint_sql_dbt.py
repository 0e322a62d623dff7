"""lint_sql on dbt projects: found by their dbt_project.yml, templated the way dbt would with its
context stubbed, blocking by default only on what makes SQL wrong.

Real material: the dbt project ``fixtures/dbt/jaffle_shop`` of the shared folder (Apache-2.0, see
its ``SOURCE.txt``; ``$MIGRATION_CHECKS_FIXTURES``, else ``$MIGRATION_CHECKS_SHARED/fixtures``),
never copied into the repository. Without it the tests that need it skip, or fail when
``MIGRATION_CHECKS_REQUIRE_SERVICES=1`` (as ``.ci/run`` sets it). The macro-heavy project
``tests/fixtures/dbt/stripe_shop`` was written for these tests (see its README).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from migration_checks.checks.stage3_code_quality import _dbt, lint_sql
from tests.conftest import REPO, SHARED, Tree

MakeTree = Callable[..., Tree]
REQUIRE = os.environ.get("MIGRATION_CHECKS_REQUIRE_SERVICES") == "1"
FIXTURES = Path(os.environ.get("MIGRATION_CHECKS_FIXTURES") or SHARED / "fixtures")
JAFFLE_SHOP = FIXTURES / "dbt" / "jaffle_shop"
STRIPE_SHOP = REPO / "tests" / "fixtures" / "dbt" / "stripe_shop"


def _jaffle() -> Path:
    if not (JAFFLE_SHOP / "dbt_project.yml").is_file():
        reason = f"the shared dbt fixture is missing ({JAFFLE_SHOP})"
        if REQUIRE:
            pytest.fail(f"{reason}; MIGRATION_CHECKS_REQUIRE_SERVICES=1 requires it", pytrace=False)
        pytest.skip(reason)
    return JAFFLE_SHOP


def _with_project(make_tree: MakeTree, source: Path, where: str, **files: str) -> Tree:
    tree = make_tree()
    target = tree.migration / where
    shutil.copytree(source, target, dirs_exist_ok=True)
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tree


def _findings(tree: Tree) -> list[dict[str, Any]]:
    (migration,) = tree.result(stages=(3,))["migrations"]
    return [f for f in migration["findings"] if f["check"] == "lint_sql"]


def _code(finding: dict[str, Any]) -> str:
    """The rule code of a linter's finding ("sqruff LT01: ..."), else "other"."""
    head = finding["message"].split(":", 1)[0].split()
    return head[1] if len(head) == 2 and head[0] in ("sqruff", "sqlfluff") else "other"


def _blocking(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in found if f["blocker"] is not None]


@pytest.mark.parametrize("where", ["code/dbt", "code/jaffle"])
def test_jaffle_shop_templates_and_parses_anywhere_under_code(
    make_tree: MakeTree, where: str
) -> None:
    found = _findings(_with_project(make_tree, _jaffle(), where))
    assert _blocking(found) == [], found
    codes = Counter(_code(f) for f in found)
    assert not codes.keys() & {"TMP", "PRS"}
    # jaffle_shop's layout (LT01, LT02, LT05) is reported, as warnings.
    assert all(f["severity"] == "warning" for f in found if _code(f).startswith("LT"))


def test_macro_heavy_project_templates_with_stubs(make_tree: MakeTree) -> None:
    found = _findings(_with_project(make_tree, STRIPE_SHOP, "code/stripe"))
    assert _blocking(found) == [], found
    assert not {_code(f) for f in found} & {"TMP", "PRS"}
    (notice,) = [f for f in found if f["severity"] == "notice"]
    assert notice["path"] == "code/stripe/dbt_project.yml"
    for name in (
        "dbt_utils.star",
        "dbt_utils.generate_surrogate_key",
        "fivetran_utils.union_data",
        "fivetran_utils.fill_staging_columns",
    ):
        assert name in notice["message"]
    # dbt's own macros are not stubs, and macro files are not linted as models.
    assert "date_trunc" not in notice["message"]
    assert not [f for f in found if "macros/" in (f["path"] or "")]


def test_broken_model_and_ambiguous_join_block_layout_warns(make_tree: MakeTree) -> None:
    tree = _with_project(
        make_tree,
        STRIPE_SHOP,
        "code/stripe",
        **{
            "models/broken.sql": "SELECT FROM WHERE\n",
            "models/cross.sql": "select\n    a.id,\n    b.name\nfrom {{ ref('a') }} as a\n"
            "inner join {{ ref('b') }} as b\n",
            "models/spacing.sql": "select a,b from {{ ref('a') }}\n",
        },
    )
    found = _findings(tree)
    blocking = {(f["path"], _code(f)) for f in _blocking(found)}
    assert ("code/stripe/models/broken.sql", "PRS") in blocking
    assert ("code/stripe/models/cross.sql", "AM08") in blocking
    spacing = [f for f in found if f["path"] == "code/stripe/models/spacing.sql"]
    assert spacing and all(f["severity"] == "warning" for f in spacing)


def test_project_sqlfluff_config_decides_but_cannot_hide_parse_errors(
    make_tree: MakeTree,
) -> None:
    config = (
        "[sqlfluff]\ntemplater = dbt\ndialect = postgres\nrules = CP01, LT01\n"
        "ignore = parsing,templating\nwarnings = PRS, LT01\n\n"
        "[sqlfluff:templater:dbt]\nproject_dir = ./\n\n"
        "[sqlfluff:rules:capitalisation.keywords]\ncapitalisation_policy = upper\n"
    )
    tree = _with_project(
        make_tree,
        STRIPE_SHOP,
        "code/stripe",
        **{".sqlfluff": config, "models/broken.sql": "SELECT FROM WHERE\n"},
    )
    found = _findings(tree)
    codes = {(f["path"], _code(f), f["severity"]) for f in found}
    # The user's rules hold: CP01 (upper case) blocks, LT01 warns, LT02 is not run.
    assert ("code/stripe/models/marts/orders.sql", "CP01", "error") in codes
    assert not any(code == "LT01" and severity == "error" for _, code, severity in codes)
    assert not any(code == "LT02" for _, code, _ in codes)
    # ignore = parsing and warnings = PRS do not hide a model that does not parse.
    assert ("code/stripe/models/broken.sql", "PRS", "error") in codes


def test_nested_configs_merge_like_sqlfluff(make_tree: MakeTree) -> None:
    tree = _with_project(
        make_tree,
        STRIPE_SHOP,
        "code/stripe",
        **{
            ".sqlfluff": "[sqlfluff]\nrules = LT01\n",
            "models/.sqlfluff": "[sqlfluff]\nwarnings = LT01\n",
            "models/spacing.sql": "select a,b from {{ ref('a') }}\n",
            "analyses/spacing.sql": "select a,b from {{ ref('a') }}\n",
        },
    )
    found = {(f["path"], _code(f), f["severity"]) for f in _findings(tree)}
    assert ("code/stripe/models/spacing.sql", "LT01", "warning") in found
    assert ("code/stripe/analyses/spacing.sql", "LT01", "error") in found


def test_hostile_project_settings(make_tree: MakeTree) -> None:
    project = (STRIPE_SHOP / "dbt_project.yml").read_text(encoding="utf-8")
    project = project.replace(
        'macro-paths: ["macros"]', 'macro-paths: ["macros", "../../..", "/etc"]'
    )
    # Nothing left where dbt looks for models, the models claimed as seeds.
    project = project.replace('model-paths: ["models"]', 'model-paths: ["nowhere"]')
    project = project.replace('seed-paths: ["seeds"]', 'seed-paths: ["models"]')
    tree = _with_project(
        make_tree,
        STRIPE_SHOP,
        "code/stripe",
        **{
            "dbt_project.yml": project,
            "models/broken.sql": "SELECT FROM WHERE\n",
            "models/deep.sql": "select {{ countdown(100000) }} 1 as x\n",
            "models/inline.sql": "-- sqlfluff:templater:jinja:library_path:code\nselect 1\n",
        },
    )
    found = _findings(tree)
    refused = [f for f in found if "a path outside code/" in f["message"]]
    assert {f["path"] for f in refused} == {"code/stripe/dbt_project.yml"}
    assert len(refused) == 2 and all(f["line"] and f["blocker"] for f in refused)
    blocking = {(f["path"], _code(f)) for f in _blocking(found)}
    # model-paths pointing away does not take SQL out of the check.
    assert ("code/stripe/models/broken.sql", "PRS") in blocking
    # A macro calling itself without end is the template's error, not a crash.
    (deep,) = [f for f in found if f["path"] == "code/stripe/models/deep.sql"]
    assert _code(deep) == "TMP" and "without end" in deep["message"]
    (inline,) = [f for f in found if f["path"] == "code/stripe/models/inline.sql"]
    assert inline["line"] == 1 and "inline templater configuration is refused" in inline["message"]


def test_macro_file_with_invalid_jinja_is_its_own_finding(make_tree: MakeTree) -> None:
    tree = _with_project(
        make_tree,
        STRIPE_SHOP,
        "code/stripe",
        **{"macros/broken.sql": "{% macro broken() %}\n{% if %}\n{% endmacro %}\n"},
    )
    found = _findings(tree)
    broken = [f for f in found if f["path"] == "code/stripe/macros/broken.sql"]
    assert [f["line"] for f in broken] == [2]
    assert "macro file is not valid Jinja" in broken[0]["message"]


def test_sqlfluff_only_config_runs_on_sqlfluff(make_tree: MakeTree) -> None:
    if lint_sql._tools.locate(lint_sql._tools.SQLFLUFF) is None:
        pytest.skip("sqlfluff is not installed")
    tree = make_tree(
        mutations=[
            {
                "write": {
                    "file": "code/sql/.sqlfluff",
                    "content": "[sqlfluff]\ntemplater = jinja\n\n[sqlfluff:templater:jinja:macros]\n"
                    "a = {% macro total() %}sum(amount){% endmacro %}\n",
                }
            },
            {
                "write": {
                    "file": "code/sql/totals.sql",
                    "content": "select {{ total() }} as total_amount\nfrom orders\n",
                }
            },
        ]
    )
    found = _findings(tree)
    assert any("runs on sqlfluff" in f["message"] for f in found), found
    assert _blocking(found) == []


def test_legacy_code_dbt_without_project_file_is_templated(make_tree: MakeTree) -> None:
    tree = make_tree(
        mutations=[
            {
                "write": {
                    "file": "code/dbt/models/orders.sql",
                    "content": "{{ config(materialized='view') }}\n\nselect order_id\n"
                    "from {{ ref('stg_orders') }}\n"
                    "where order_date > {{ dbt.dateadd('day', -1, 'current_date') }}\n",
                }
            }
        ]
    )
    assert _blocking(_findings(tree)) == []


def test_snapshot_tags_keep_every_position() -> None:
    source = "{% snapshot orders_snapshot %}\nselect 1\n{%- endsnapshot -%}\n"
    rewritten, lines = _dbt.rewrite_snapshots(source)
    assert lines == {1, 3}
    assert [len(line) for line in rewritten.splitlines()] == [
        len(line) for line in source.splitlines()
    ]
    assert rewritten.startswith("{% if 1") and "{%- endif" in rewritten


@pytest.mark.parametrize(
    ("source", "query"),
    [
        ("{{ config(x=1) }}\n{{ pkg.union_data(t='a') }}\n", True),
        ("with a as (\n  {{ pkg.union_data() }}\n)\nselect * from a\n", True),
        ("-- depends_on: {{ ref('x') }}\n{{ pkg.union_data() }}\n", True),
        ("select {{ pkg.union_data() }} as x\n", False),
        ("select coalesce({{ pkg.union_data() }}, 0) as x\n", False),
    ],
)
def test_query_shaped_calls(source: str, query: bool) -> None:
    assert (list(_dbt._query_calls(source, {"pkg"})) == ["pkg.union_data"]) is query


def test_runtime_context_reaches_no_module() -> None:
    """A module reachable from a template is a way out of Jinja's sandbox (``re.enum.sys``)."""
    import types

    from migration_checks.checks.stage3_code_quality import _dbt_runtime

    context = _dbt_runtime.State(
        {"name": "_context", "namespaces": ["SQLFLUFF_JINJA_FILTERS", "pkg"]}, ""
    ).context
    assert not any(isinstance(v, types.ModuleType) for v in context.values())
    assert isinstance(context["modules"].re.enum, _dbt_runtime.Placeholder)
    assert "_context" not in context and isinstance(context["SQLFLUFF_JINJA_FILTERS"], dict)
    assert str(context["pkg"].union_data(table_identifier="x")) == "pkg_union_data"


# --- SQL that does not parse cannot be hidden from the check ----------------------------------

BROKEN = "SELECT FROM WHERE\n"


def _sql_tree(make_tree: MakeTree, files: dict[str, str]) -> Tree:
    return make_tree(
        mutations=[{"write": {"file": rel, "content": text}} for rel, text in files.items()]
    )


def _parse_errors(found: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    return [f for f in _blocking(found) if f["path"] == path and _code(f) in ("PRS", "TMP")]


@pytest.mark.parametrize("name", [".sqlfluffignore", ".sqruffignore"])
@pytest.mark.parametrize("where", ["code/sql", "code"])
def test_ignore_files_do_not_hide_sql(make_tree: MakeTree, name: str, where: str) -> None:
    ignored = "bad.sql" if where == "code/sql" else "sql/bad.sql\n*.sql\n"
    tree = _sql_tree(make_tree, {"code/sql/bad.sql": BROKEN, f"{where}/{name}": ignored})
    found = _findings(tree)
    assert _parse_errors(found, "code/sql/bad.sql"), found
    (notice,) = [f for f in found if f["path"] == f"{where}/{name}"]
    assert notice["severity"] == "notice" and "not honoured" in notice["message"]


def test_ignore_file_in_a_dbt_project_does_not_hide_models(make_tree: MakeTree) -> None:
    tree = _with_project(
        make_tree,
        STRIPE_SHOP,
        "code/stripe",
        **{"models/broken.sql": BROKEN, ".sqlfluffignore": "models/\n"},
    )
    assert _parse_errors(_findings(tree), "code/stripe/models/broken.sql")


_SKIPPING = {
    "large_file_skip_byte_limit": "1",
    "large_file_skip_char_limit": "1",
    "sql_file_exts": ".nothing",
}


@pytest.mark.parametrize("key", sorted(_SKIPPING))
@pytest.mark.parametrize(
    ("name", "template"),
    [
        (".sqlfluff", "[sqlfluff]\ndialect = ansi\n{key} = {value}\n"),
        (".sqruff", "[sqruff]\ndialect = ansi\n{key} = {value}\n"),
        ("pyproject.toml", '[tool.sqlfluff.core]\ndialect = "ansi"\n{key} = "{value}"\n'),
        ("tox.ini", "[tox]\nenvlist = py\n\n[sqlfluff]\n{key} = {value}\n"),
        ("setup.cfg", "[sqlfluff]\n{key} = {value}\n"),
    ],
)
def test_config_cannot_skip_files(make_tree: MakeTree, key: str, name: str, template: str) -> None:
    config = template.format(key=key, value=_SKIPPING[key])
    tree = _sql_tree(make_tree, {"code/sql/bad.sql": BROKEN, f"code/sql/{name}": config})
    found = _findings(tree)
    assert _parse_errors(found, "code/sql/bad.sql"), found
    (notice,) = [f for f in found if f["path"] == f"code/sql/{name}"]
    assert notice["severity"] == "notice" and key in notice["message"]
    line = config.splitlines().index(next(x for x in config.splitlines() if x.startswith(key)))
    assert notice["line"] == line + 1


@pytest.mark.parametrize(
    "source",
    [
        "SELECT FROM WHERE -- noqa\n",
        "SELECT FROM WHERE -- noqa: all\n",
        "SELECT FROM WHERE -- noqa: PRS\n",
        "SELECT FROM WHERE -- noqa: P*,LT01\n",
        "SELECT FROM WHERE /* noqa */\n",
        "-- noqa: disable=all\nSELECT FROM WHERE\n-- noqa: enable=all\n",
        "{% set q = '-- noqa' %}\nSELECT FROM WHERE {{ q }}\n",
    ],
)
@pytest.mark.parametrize("engine", ["sqruff", "sqlfluff"])
def test_noqa_cannot_hide_a_parse_error(make_tree: MakeTree, source: str, engine: str) -> None:
    if engine == "sqlfluff" and lint_sql._tools.locate(lint_sql._tools.SQLFLUFF) is None:
        pytest.skip("sqlfluff is not installed")
    tree = make_tree(
        mutations=[
            {"write": {"file": "code/sql/.sqlfluff", "content": "[sqlfluff]\ntemplater = jinja\n"}},
            {"write": {"file": "code/sql/bad.sql", "content": source}},
        ],
        policy={"/lint_sql": {"engine": engine}},
    )
    found = _findings(tree)
    assert _parse_errors(found, "code/sql/bad.sql"), found


def test_noqa_silences_the_rules_it_names(make_tree: MakeTree) -> None:
    tree = _sql_tree(
        make_tree,
        {
            "code/sql/.sqruff": "[sqruff]\nrules = LT01, CP01\n",
            "code/sql/named.sql": "select a,b from orders -- noqa: LT01\n",
            "code/sql/bare.sql": "select a,b from orders -- noqa\n",
            "code/sql/glob.sql": "select a,b from orders -- noqa: LT*\n",
            "code/sql/other.sql": "select a,b from orders -- noqa: CP01\n",
            "code/sql/range.sql": "-- noqa: disable=all\nselect a,b from orders;\n"
            "-- noqa: enable=all\nselect c,d from orders;\n",
        },
    )
    found = {(f["path"], f["line"], _code(f)) for f in _blocking(_findings(tree))}
    assert found == {("code/sql/other.sql", 1, "LT01"), ("code/sql/range.sql", 4, "LT01")}


def test_noqa_silences_a_default_blocking_rule_only_under_a_team_config(
    make_tree: MakeTree,
) -> None:
    cross = "select\n    t1.a,\n    t2.b\nfrom t1\ninner join t2 -- noqa: AM08\n"
    default = _findings(_sql_tree(make_tree, {"code/sql/cross.sql": cross}))
    assert [(f["line"], _code(f)) for f in _blocking(default)] == [(5, "AM08")]
    assert "noqa" in _blocking(default)[0]["message"]
    configured = _findings(
        _sql_tree(
            make_tree,
            {"code/sql/cross.sql": cross, "code/sql/.sqruff": "[sqruff]\nrules = AM08\n"},
        )
    )
    assert _blocking(configured) == []


@pytest.mark.xfail(
    strict=True,
    reason="a known limit (see lint_sql's docstring): the engines lint other branches as "
    "variants but report no parse error in them; the stubs render one way",
)
@pytest.mark.parametrize("condition", ["target.name == 'prod'", "not is_incremental()"])
def test_branches_the_stubs_do_not_take_are_not_parsed(make_tree: MakeTree, condition: str) -> None:
    model = (
        f"select order_id from {{{{ ref('stg') }}}}\n{{% if {condition} %}}\n"
        "where SELECT FROM WHERE\n{% endif %}\n"
    )
    tree = _with_project(make_tree, STRIPE_SHOP, "code/stripe", **{"models/branch.sql": model})
    assert _parse_errors(_findings(tree), "code/stripe/models/branch.sql")
