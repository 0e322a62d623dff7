"""Generate a synthetic, valid migration PR tree for the benchmark.

    python benchmarks/generate.py {small|medium|large} OUTDIR

writes ``OUTDIR/workspace/migration-pr-proj_bench{size}/`` (every artifact of SPEC section 3,
plus one runbook and one SQL transform per table) and ``OUTDIR/policy.json``, the bundled default
policy trusting the Ed25519 key that signed the plan. The key is generated per run and discarded;
everything else is seeded, so two runs differ only in the signature, its ``signed_at`` and the
digests that cover the signed plan (the approvals' ``sha256_reviewed``).

The tree passes Stage 1 with no blocking finding (``migration-checks check OUTDIR/workspace
--stage 1 --policy OUTDIR/policy.json`` exits 0). The policy sets ``runbooks.per_dataset`` so
that the per-dataset runbook requirement is exercised too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration_checks.signing import generate_private_key, public_key_base64, sign_plan

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POLICY = ROOT / "scripts" / "migration_checks" / "data" / "default_policy.json"

KEY_ID = "bench-planner"
ARCHETYPE = "postgres_to_s3"
POLICY_VERSION = "v2.1.0"
PLAN_VERSION = 2
CREATED_AT = "2026-10-05T09:00:00Z"
PROFILED_AT = "2026-10-04T22:00:00Z"
LOCATION = "s3://bench-lake/raw/erp/"


@dataclass(frozen=True, slots=True)
class Size:
    tables: int
    columns: int
    waves: int


SIZES: dict[str, Size] = {
    "small": Size(tables=10, columns=20, waves=3),
    "medium": Size(tables=500, columns=40, waves=5),
    "large": Size(tables=5_000, columns=50, waves=10),
}

SCHEMAS = ("public", "sales", "crm", "billing", "inventory", "logistics", "finance", "support")
NOUNS = (
    "orders", "order_items", "customers", "invoices", "payments", "shipments", "products",
    "suppliers", "accounts", "subscriptions", "refunds", "carts", "events", "sessions",
    "tickets", "contracts", "employees", "stores", "warehouses", "returns",
)  # fmt: skip
# Tables about people carry PII columns.
PERSON_NOUNS = frozenset({"customers", "accounts", "subscriptions", "tickets", "employees"})


@dataclass(frozen=True, slots=True)
class PiiKind:
    column: str
    category: str
    source_type: str
    target: str | None  # None: dropped (listed in the mapping's exclude)
    handling: str
    transform: str
    sql: str  # the SQL expression, with {c} for the column


PII_KINDS = (
    PiiKind("email", "email", "varchar(320)", "email_hash", "hash", "sha256", "SHA2(LOWER({c}), 256)"),
    PiiKind("phone", "phone", "varchar(32)", "phone_masked", "mask", "mask_last4",
            "CONCAT(REPEAT('*', GREATEST(LENGTH({c}) - 4, 0)), RIGHT({c}, 4))"),
    PiiKind("full_name", "name", "varchar(200)", "full_name_token", "tokenize", "tokenize",
            "SHA2(CONCAT('tok:', {c}), 256)"),
    PiiKind("ip_address", "ip_address", "varchar(45)", "ip_address_hash", "hash", "sha256",
            "SHA2({c}, 256)"),
    PiiKind("shipping_address", "address", "text", "shipping_address_masked", "mask", "mask",
            "REGEXP_REPLACE({c}, '[0-9]', '#')"),
    PiiKind("date_of_birth", "dob", "date", None, "drop", "drop", ""),
)  # fmt: skip

# Generic column names and the kind of type each gets.
GENERIC = (
    ("status", "varchar"), ("amount", "numeric"), ("currency_code", "char"),
    ("created_at", "timestamptz"), ("updated_at", "timestamptz"), ("is_active", "boolean"),
    ("quantity", "integer"), ("notes", "text"), ("region_code", "varchar"),
    ("unit_price", "numeric"), ("tax_rate", "scale_narrowing"), ("external_ref", "varchar"),
    ("customer_id", "bigint"), ("store_id", "integer"), ("sku", "varchar"),
    ("is_deleted", "boolean"), ("summary", "text"), ("score", "double"), ("total", "numeric"),
    ("row_version", "integer"), ("channel", "varchar"), ("shipped_at", "timestamptz"),
    ("category", "varchar"), ("discount_rate", "numeric"), ("weight_kg", "numeric"),
    ("is_verified", "boolean"), ("batch_no", "bigint"), ("remarks", "text"),
    ("supplier_id", "bigint"), ("due_at", "timestamptz"), ("priority", "integer"),
    ("source_system", "varchar"), ("net_amount", "numeric"), ("is_test", "boolean"),
    ("warehouse_id", "bigint"), ("closed_at", "timestamptz"), ("label", "varchar"),
    ("line_count", "integer"), ("fx_rate", "scale_narrowing"), ("payload", "text"),
    ("order_id", "bigint"), ("product_id", "bigint"), ("paid_at", "timestamptz"),
    ("is_refunded", "boolean"), ("country_code", "char"), ("postal_zone", "varchar"),
    ("cost", "numeric"), ("margin", "numeric"), ("units_shipped", "integer"),
    ("reason_code", "varchar"), ("approved_at", "timestamptz"), ("is_archived", "boolean"),
    ("tracking_ref", "varchar"), ("balance", "numeric"), ("attempts", "integer"),
    ("latency_ms", "double"), ("account_id", "bigint"), ("terms", "text"),
    ("valid_from", "timestamptz"), ("valid_to", "timestamptz"),
)  # fmt: skip

PHRASES = (
    "loaded nightly",
    "set by the app on insert",
    "mirrors the source column",
    "defaults before 2019",
    "owned by the domain team",
    "read by finance marts",
)


@dataclass(slots=True)
class Column:
    name: str
    source_type: str
    target_name: str
    target_type: str
    nullable: bool
    description: str
    pii: PiiKind | None = None
    lossy: bool = False
    reason: str = ""
    approval: dict[str, str] | None = None

    @property
    def excluded(self) -> bool:
        return self.pii is not None and self.pii.target is None

    @property
    def coerced(self) -> bool:
        return not self.excluded and self.source_type.lower() != self.target_type.lower()


@dataclass(slots=True)
class Table:
    source: str
    target: str
    wave: str
    row_count: int
    columns: list[Column] = field(default_factory=list)

    @property
    def pii(self) -> bool:
        return any(c.pii is not None for c in self.columns)


@dataclass(frozen=True, slots=True)
class Ids:
    size: str

    @property
    def project(self) -> str:
        return f"proj_bench{self.size}"

    @property
    def plan(self) -> str:
        return f"plan_bench{self.size}"

    @property
    def directory(self) -> str:
        return f"migration-pr-{self.project}"


# --- the synthetic schema --------------------------------------------------------------------


def _typed(kind: str, rng: random.Random) -> tuple[str, str, bool, str]:
    """(source type, target type, lossy, coercion reason) for a column kind."""
    if kind == "bigint":
        return "bigint", "bigint", False, ""
    if kind == "integer":
        return "integer", "int", False, "both are 32-bit signed integers"
    if kind == "varchar":
        n = rng.choice((16, 32, 64, 128, 255))
        return f"varchar({n})", "string", False, "Spark strings are unbounded"
    if kind == "char":
        return "char(3)", "string", False, "fixed-width code kept as an unbounded string"
    if kind == "text":
        return "text", "string", False, "Spark strings are unbounded"
    if kind == "numeric":
        p = rng.choice((10, 12, 18))
        s = rng.choice((2, 4))
        return f"numeric({p},{s})", f"decimal({p},{s})", False, "same precision and scale"
    if kind == "timestamptz":
        return (
            "timestamptz",
            "timestamp",
            False,
            "instants kept; the Spark session time zone is UTC",
        )
    if kind == "boolean":
        return "boolean", "boolean", False, ""
    if kind == "scale_narrowing" and rng.random() < 0.2:
        return (
            "numeric(38,12)",
            "decimal(38,6)",
            True,
            "scale 12 to 6; profiled values carry at most 6 decimals",
        )
    if kind == "scale_narrowing":
        return "numeric(18,6)", "decimal(18,6)", False, "same precision and scale"
    if kind == "double" and rng.random() < 0.2:
        return "double precision", "decimal(18,6)", True, "binary float to fixed scale 6"
    if kind == "double":
        return "double precision", "double", False, "both are IEEE 754 binary64"
    raise ValueError(kind)


def build_tables(size: Size, seed: str) -> list[Table]:
    rng = random.Random(seed)
    tables = []
    for i in range(size.tables):
        schema = SCHEMAS[i % len(SCHEMAS)]
        noun = rng.choice(NOUNS)
        name = f"{noun}_{i + 1:04d}"
        wave = f"wave_{i * size.waves // size.tables + 1}"
        table = Table(f"{schema}.{name}", f"{schema}_{name}", wave, rng.randint(1_000, 50_000_000))
        table.columns.append(
            Column("id", "bigint", "id", "bigint", False, f"Primary key of {schema}.{name}")
        )
        if noun in PERSON_NOUNS:
            for pii in rng.sample(PII_KINDS, rng.randint(2, 4)):
                table.columns.append(
                    Column(
                        pii.column,
                        pii.source_type,
                        pii.target or pii.column,
                        "string",
                        True,
                        f"Personal data ({pii.category}), handled by {pii.handling}",
                        pii=pii,
                    )
                )
        vocabulary = list(GENERIC)
        rng.shuffle(vocabulary)
        k = 0
        while len(table.columns) < size.columns:
            base, kind = vocabulary[k % len(vocabulary)]
            column = base if k < len(vocabulary) else f"{base}_{k // len(vocabulary) + 1}"
            k += 1
            source_type, target_type, lossy, reason = _typed(kind, rng)
            approval = None
            if lossy:
                # Scale narrowing was settled by a manual decision, float-to-decimal by the data owner.
                approval = (
                    {"decision_id": "dec_001"}
                    if kind == "scale_narrowing"
                    else {"approval_id": "appr_bench01"}
                )
            words = column.replace("_", " ")
            table.columns.append(
                Column(
                    column,
                    source_type,
                    column,
                    target_type,
                    rng.random() < 0.4,
                    f"{words.capitalize()}, {rng.choice(PHRASES)}",
                    lossy=lossy,
                    reason=reason,
                    approval=approval,
                )
            )
        tables.append(table)
    return tables


# --- writing -----------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_json(path: Path, data: object) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_records(path: Path, head: dict[str, Any], key: str, records: Iterable[object]) -> None:
    """A JSON object whose list ``key`` (last) holds one compact record per line."""
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    body = ",\n".join(f"    {json.dumps(r, ensure_ascii=False)}" for r in records)
    lines.append(f"  {json.dumps(key)}: [\n{body}\n  ]" if body else f"  {json.dumps(key)}: []")
    lines.append("}")
    write_text(path, "\n".join(lines) + "\n")


def _quote(value: str) -> str:
    return json.dumps(value) if any(ch in value for ch in "(), :#") else value


def mapping_yaml(ids: Ids, tables: list[Table]) -> str:
    out = [
        f"# Source -> target mapping for {ids.plan} (PostgreSQL -> Parquet on S3, Spark types).",
        "version: 1",
        "source: { system: postgres, dialect: postgres }",
        "target: { system: s3, format: parquet, dialect: spark }",
        "datasets:",
    ]
    for table in tables:
        out += [f"  - source: {table.source}", f"    target: {table.target}", "    columns:"]
        for c in table.columns:
            if c.excluded:
                continue
            head = (
                f"      - {{ source: {{ name: {c.name}, type: {_quote(c.source_type)} }}, "
                f"target: {{ name: {c.target_name}, type: {_quote(c.target_type)} }}, "
                f"nullable: {'true' if c.nullable else 'false'}"
            )
            if c.pii is not None:
                out.append(head + ",")
                out.append(
                    f"          pii: {c.pii.category}, transform: {c.pii.transform}, "
                    f"description: {json.dumps(c.description)} }}"
                )
            else:
                out.append(f"{head}, description: {json.dumps(c.description)} }}")
        excluded = [c.name for c in table.columns if c.excluded]
        if excluded:
            out.append(f"    exclude: [{', '.join(excluded)}]")
    return "\n".join(out) + "\n"


def transform_sql(ids: Ids, table: Table) -> str:
    lines = []
    for c in table.columns:
        if c.excluded:
            continue
        if c.pii is not None:
            expression = c.pii.sql.format(c=c.name)
        else:
            expression = f"CAST({c.name} AS {c.target_type.upper()})"
        lines.append(f"    {expression} AS {c.target_name}")
    return (
        f"-- {table.source} -> {table.target} ({table.wave}) for {ids.plan}.\n"
        "-- Generated from contracts/schema_mapping.yml; PII columns are transformed before landing.\n"
        "SELECT\n" + ",\n".join(lines) + f"\nFROM {table.source}\n"
        "WHERE _replicated_at <= TIMESTAMP '2026-10-04 22:00:00'\n"
    )


def runbook(table: Table) -> str:
    return (
        f"# Runbook — {table.target}\n\n"
        "1. Confirm the plan signature and approvals (`migration-checks check` and the gate are green).\n"
        f"2. Run {table.wave}, which holds `{table.source}` (see `configs/migration_config.yml`).\n"
        f"3. Transform with `code/sql/transforms/{table.target}.sql`; compare the reconciliation "
        f"checks for `{table.source}` in `configs/recon_config.yml`.\n"
        f"4. Roll back by deleting `{LOCATION}{table.target}/`; the source is never written to.\n"
    )


def recon_checks(tables: list[Table]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    for table in tables:
        checks.append({"id": f"{table.target}_rows", "dataset": table.source, "type": "row_count"})
        numeric = next((c for c in table.columns if c.source_type.startswith("numeric(")), None)
        if numeric is not None:
            checks.append(
                {
                    "id": f"{table.target}_{numeric.name}_sum",
                    "dataset": table.source,
                    "type": "column_sum",
                    "column": numeric.name,
                }
            )
    return checks


def manifest_digest(root: Path, paths: list[str]) -> str:
    lines = "".join(f"{sha256_file(root / p)}  {p}\n" for p in sorted(paths))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


# (approval_id, login, name, role, approved_at)
APPROVERS = (
    ("appr_bench01", "jsmith", "Jo Smith", "data_owner", "2026-10-06T10:12:00Z"),
    ("appr_bench02", "lchen", "Lin Chen", "security", "2026-10-06T11:02:00Z"),
)

DECISIONS = [
    {
        "id": "dec_001",
        "question": "May numeric(38,12) rates (tax_rate, fx_rate) narrow to decimal(38,6)?",
        "status": "resolved",
        "resolution": "Yes: profiling shows at most six significant decimals in every rate column.",
        "resolved_by": "jsmith",
        "resolved_at": "2026-10-05T14:05:00Z",
    },
    {
        "id": "dec_002",
        "question": "Are timestamptz columns landed as Spark timestamps in UTC?",
        "status": "resolved",
        "resolution": "Yes: the writer runs with spark.sql.session.timeZone=UTC.",
        "resolved_by": "akumar",
        "resolved_at": "2026-10-05T15:40:00Z",
    },
]


def generate(size_name: str, outdir: Path) -> Path:
    """Write the tree and the policy under ``outdir``; return the migration directory."""
    ids = Ids(size_name)
    tables = build_tables(SIZES[size_name], seed=f"migration-checks-bench-{size_name}")
    root = outdir / "workspace" / ids.directory
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    waves = sorted({t.wave for t in tables}, key=lambda w: int(w.split("_")[1]))
    write_metadata(root, ids)
    write_contracts(root, ids, tables)
    write_configs(root, ids, tables, waves)
    write_reconciliation(root, ids, tables)
    for table in tables:
        write_text(root / "runbooks" / f"{table.target}_runbook.md", runbook(table))
        write_text(
            root / "code" / "sql" / "transforms" / f"{table.target}.sql", transform_sql(ids, table)
        )
    write_python(root, ids, tables, waves)
    # Order matters from here: the plan records the profiling report's digest, the approvals and
    # the evidence links record the digests of the files written before them.
    profiling = write_profiling(root, ids, tables, seed=f"profile-{size_name}")
    write_audit_log(root, ids, len(tables))
    key = generate_private_key()  # per run; only its public half is kept, in the policy
    plan = build_plan(ids, tables, sha256_file(profiling))
    write_json(root / "plans" / f"signed_plan_{ids.plan}.json", sign_plan(plan, key, KEY_ID))
    write_plan_summary(root, ids, tables, waves)
    write_approvals(root, ids, tables, waves)
    write_evidence_links(root)
    write_policy(outdir / "policy.json", public_key_base64(key))
    return root


# --- Python under code/ (Stage 3: lint_python, type_check, unit_tests) -------------------------

TRANSFORMS_PY = '''"""The mapping's column transforms, as plain functions the Spark job applies per row."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable


def sha256(value: str | None) -> str | None:
    """e-mail and IP address: the hex SHA-256 of the trimmed, lower-cased value."""
    if value is None:
        return None
    return hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()


def mask_last4(value: str | None) -> str | None:
    """phone: every character but the last four replaced by "*"."""
    if value is None:
        return None
    return "*" * max(len(value) - 4, 0) + value[-4:]


def tokenize(value: str | None) -> str | None:
    """full name: a stable token, the SHA-256 of "tok:" and the value."""
    if value is None:
        return None
    return hashlib.sha256(f"tok:{value}".encode()).hexdigest()


def mask(value: str | None) -> str | None:
    """shipping address: digits replaced by "#"."""
    if value is None:
        return None
    return re.sub(r"[0-9]", "#", value)


TRANSFORMS: dict[str, Callable[[str | None], str | None]] = {
    "sha256": sha256,
    "mask_last4": mask_last4,
    "tokenize": tokenize,
    "mask": mask,
}


def apply(transform: str, value: str | None) -> str | None:
    """The transform the mapping names for a column, applied to one value."""
    return TRANSFORMS[transform](value)
'''

TEST_TRANSFORMS_PY = '''"""Unit tests of the column transforms (Stage 3's unit_tests runs them)."""

from __future__ import annotations

import pytest
from transforms import TRANSFORMS, apply, mask, mask_last4, sha256, tokenize


def test_sha256_ignores_case_and_spaces() -> None:
    assert sha256(" A@Example.com ") == sha256("a@example.com")


def test_mask_last4_keeps_four() -> None:
    assert mask_last4("+351211234567") == "*********4567"
    assert mask_last4("12") == "12"


def test_tokenize_is_stable() -> None:
    assert tokenize("Ana Okafor") == tokenize("Ana Okafor") != tokenize("Ana  Okafor")


def test_mask_hides_digits() -> None:
    assert mask("12 Rua Moreau") == "## Rua Moreau"


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_keeps_null(name: str) -> None:
    assert apply(name, None) is None
'''


def columns_py(ids: Ids, tables: list[Table]) -> str:
    """A generated module: every target table with its landed columns, in mapping order."""
    lines = [
        f'"""Target tables of {ids.plan} and their columns, generated from the mapping."""',
        "",
        "from __future__ import annotations",
        "",
        "COLUMNS: dict[str, tuple[str, ...]] = {",
    ]
    for table in tables:
        names = ", ".join(json.dumps(c.target_name) for c in table.columns if not c.excluded)
        lines.append(f"    {json.dumps(table.target)}: ({names},),")
    lines += [
        "}",
        "",
        "",
        "def columns(table: str) -> tuple[str, ...]:",
        "    return COLUMNS[table]",
        "",
    ]
    return "\n".join(lines)


def dag_py(ids: Ids, waves: list[str]) -> str:
    """An Airflow DAG running the waves one after the other."""
    tasks = "\n".join(
        f'    {w} = BashOperator(task_id="{w}", bash_command=f"migrate run --plan {{PLAN}} --wave {w}")'
        for w in waves
    )
    return (
        f'"""Airflow DAG for {ids.plan}: the waves in order."""\n\n'
        "from __future__ import annotations\n\n"
        "from datetime import datetime\n\n"
        "from airflow import DAG\n"
        "from airflow.operators.bash import BashOperator\n\n"
        f'PLAN = "{ids.plan}"\n\n'
        "with DAG(\n"
        f'    dag_id="{ids.project}",\n'
        "    start_date=datetime(2026, 10, 6),\n"
        "    schedule=None,\n"
        "    catchup=False,\n"
        ") as dag:\n"
        f"{tasks}\n"
        f"    {' >> '.join(waves)}\n"
    )


def write_python(root: Path, ids: Ids, tables: list[Table], waves: list[str]) -> None:
    write_text(root / "code" / "airflow" / "dags" / f"{ids.plan}.py", dag_py(ids, waves))
    write_text(root / "code" / "spark" / "transforms.py", TRANSFORMS_PY)
    write_text(root / "code" / "spark" / "test_transforms.py", TEST_TRANSFORMS_PY)
    write_text(root / "code" / "spark" / "columns.py", columns_py(ids, tables))


def write_metadata(root: Path, ids: Ids) -> None:
    write_json(
        root / ".migration_metadata.json",
        {
            "schema_version": "v1.0.0",
            "project_id": ids.project,
            "plan_id": ids.plan,
            "plan_version": PLAN_VERSION,
            "archetype_id": ARCHETYPE,
            "created_at": CREATED_AT,
            "created_by": "migration-copilot-agent",
            "state": "PLANNED",
            "target_state": "EXECUTED",
            "policy_version": POLICY_VERSION,
            "rulebook_version": "v1.5.0",
            "required_approvals": [
                {"role": "data_owner", "status": "approved"},
                {"role": "security", "status": "approved"},
            ],
            "ci_checks_required": ["stage_1_structural"],
            "blockers": [],
        },
    )


def write_contracts(root: Path, ids: Ids, tables: list[Table]) -> None:
    write_text(root / "contracts" / "schema_mapping.yml", mapping_yaml(ids, tables))
    coercions = [
        {
            "dataset": t.source,
            "column": c.name,
            "from_type": c.source_type,
            "to_type": c.target_type,
            "lossy": c.lossy,
            "reason": c.reason,
            "approval": c.approval,
        }
        for t in tables
        for c in t.columns
        if c.coerced
    ]
    write_records(root / "contracts" / "type_coercion_log.json", {}, "coercions", coercions)
    write_json(root / "contracts" / "manual_decisions.json", {"decisions": DECISIONS})


def write_configs(root: Path, ids: Ids, tables: list[Table], waves: list[str]) -> None:
    wave_lines = "".join(
        f"    - id: {w}\n      datasets: [{', '.join(t.source for t in tables if t.wave == w)}]\n"
        for w in waves
    )
    write_text(
        root / "configs" / "migration_config.yml",
        f"project_id: {ids.project}\narchetype_id: {ARCHETYPE}\n"
        "source:\n  system: postgres\n  url_ref: SOURCE_DB_URL\n"
        f"target:\n  system: s3\n  location: {LOCATION}\n  format: parquet\n"
        "  kms_key_ref: TARGET_KMS_KEY\n"
        f"execution:\n  batch_size: 50000\n  parallelism: 4\n  waves:\n{wave_lines}"
        "dry_run:\n  sample_rows: 100\n  timeout_seconds: 60\n  target_capacity_bytes: 1099511627776\n",
    )
    lines = []
    for check in recon_checks(tables):
        column = f"column: {check['column']}, " if "column" in check else ""
        relative = "0.0001" if column else "0.0"
        lines.append(
            f"  - {{ id: {check['id']}, dataset: {check['dataset']}, type: {check['type']}, "
            f"{column}tolerance: {{ relative: {relative} }} }}\n"
        )
    write_text(
        root / "configs" / "recon_config.yml",
        "parallel_runs:\n  required: 3\n  max_interval_hours: 24\nchecks:\n" + "".join(lines),
    )
    write_text(
        root / "configs" / "secrets_refs.yml",
        "secrets:\n"
        '  SOURCE_DB_URL: "vault://kv/data/erp/replica#url"\n'
        '  TARGET_KMS_KEY: "vault://kv/data/bench-lake/kms#key_arn"\n'
        '  TARGET_WRITER: "vault://kv/data/bench-lake/writer#credentials"\n',
    )


def write_reconciliation(root: Path, ids: Ids, tables: list[Table]) -> None:
    checks = recon_checks(tables)
    write_records(
        root / "reconciliation" / "recon_plan.json", {"plan_id": ids.plan}, "checks", checks
    )
    write_text(
        root / "reconciliation" / "recon_summary.md",
        f"# Reconciliation — {ids.plan}\n\n"
        f"Every one of the {len(tables)} datasets has a row-count check that must match exactly; "
        "tables with a decimal amount also compare its sum within 0.01 %. Three consecutive passing "
        "runs, at most 24 hours apart, are required before PARALLEL_VALIDATED.\n",
    )


def write_profiling(root: Path, ids: Ids, tables: list[Table], seed: str) -> Path:
    rng = random.Random(seed)
    datasets = []
    for t in tables:
        columns = [
            {
                "name": c.name,
                "type": c.source_type,
                "null_fraction": round(rng.random() * 0.3, 4) if c.nullable else 0.0,
                "distinct_count": t.row_count if c.name == "id" else rng.randint(1, t.row_count),
                "pii_detected": c.pii.category if c.pii else None,
            }
            for c in t.columns
        ]
        datasets.append({"name": t.source, "row_count": t.row_count, "columns": columns})
    path = root / "evidence" / "profiling_report.json"
    write_json(path, {"plan_id": ids.plan, "generated_at": PROFILED_AT, "datasets": datasets})
    return path


def write_audit_log(root: Path, ids: Ids, datasets: int) -> None:
    def entry(at: str, actor: str, action: str, target: str, **details: object) -> dict[str, Any]:
        record: dict[str, Any] = {"timestamp": at, "actor": actor, "action": action}
        record["target"] = target
        if details:
            record["details"] = details
        return record

    entries = [
        entry(CREATED_AT, "migration-copilot-agent", "plan.created", ids.plan,
              plan_version=PLAN_VERSION, datasets=datasets),
        entry(PROFILED_AT, "profiler", "profiling.completed", "evidence/profiling_report.json"),
        *(entry(d["resolved_at"], d["resolved_by"], "decision.resolved", d["id"]) for d in DECISIONS),
        *(entry(at, login, "approval.recorded", approval_id)
          for approval_id, login, _, _, at in APPROVERS),
    ]  # fmt: skip
    write_records(root / "evidence" / "audit_log_excerpt.json", {}, "entries", entries)


def build_plan(ids: Ids, tables: list[Table], profiling_sha256: str) -> dict[str, Any]:
    """The signed-plan document, before signing."""
    datasets = [
        {
            "name": t.source,
            "target": t.target,
            "wave": t.wave,
            "pii": [
                {"column": c.name, "category": c.pii.category, "handling": c.pii.handling}
                for c in t.columns
                if c.pii is not None
            ],
        }
        for t in tables
    ]
    return {
        "schema_version": "v1.0.0",
        "plan": {
            "plan_id": ids.plan,
            "project_id": ids.project,
            "plan_version": PLAN_VERSION,
            "archetype_id": ARCHETYPE,
            "policy_version": POLICY_VERSION,
            "created_at": CREATED_AT,
            "description": f"Synthetic benchmark plan: {len(tables)} ERP tables to the lake as Parquet.",
            "source": {"system": "postgres", "database": "erp"},
            "target": {
                "system": "s3",
                "location": LOCATION,
                "format": "parquet",
                "encryption": {
                    "at_rest": "SSE-KMS",
                    "kms_key_ref": "TARGET_KMS_KEY",
                    "in_transit": "TLS1.2",
                },
            },
            "datasets": datasets,
            "profiling": {"report": "evidence/profiling_report.json", "sha256": profiling_sha256},
        },
    }


def write_plan_summary(root: Path, ids: Ids, tables: list[Table], waves: list[str]) -> None:
    rows = []
    for w in waves:
        in_wave = [t for t in tables if t.wave == w]
        rows.append(f"| {w} | {len(in_wave)} | {sum(bool(t.pii) for t in in_wave)} |\n")
    write_text(
        root / "plans" / "plan_summary.md",
        f"# Plan {ids.plan} (version {PLAN_VERSION}) — {ids.project}\n\n"
        f"Moves {len(tables)} tables of the ERP PostgreSQL database to `{LOCATION}` as Parquet, "
        "encrypted with SSE-KMS, in the waves below. PII is hashed, masked, tokenized or dropped "
        "as listed in the signed plan.\n\n"
        f"| wave | datasets | with PII |\n|---|---|---|\n{''.join(rows)}\n"
        "Lossy coercions: numeric(38,12) rates narrow to decimal(38,6) (decision dec_001); "
        "some double precision columns become decimal(18,6) (approval appr_bench01).\n",
    )


def write_approvals(root: Path, ids: Ids, tables: list[Table], waves: list[str]) -> None:
    plan_file = f"plans/signed_plan_{ids.plan}.json"
    reviewed = {
        "data_owner": [
            plan_file,
            "contracts/schema_mapping.yml",
            "contracts/type_coercion_log.json",
            "contracts/manual_decisions.json",
            "reconciliation/recon_summary.md",
        ],
        "security": [
            plan_file,
            "contracts/schema_mapping.yml",
            "configs/secrets_refs.yml",
            "configs/migration_config.yml",
        ],
    }
    approvals = []
    for approval_id, login, name, role, at in APPROVERS:
        approvals.append(
            {
                "approval_id": approval_id,
                "project_id": ids.project,
                "plan_id": ids.plan,
                "transition": "PLANNED_to_EXECUTED",
                "approver": {
                    "id": login,
                    "name": name,
                    "role": role,
                    "email": f"{login}@example.com",
                },
                "approved_at": at,
                # The data owner approves every table, security the tables with PII.
                "scope": {
                    "tables": [t.target for t in tables if role == "data_owner" or t.pii],
                    "wave": waves[0],
                },
                "sha256_reviewed": manifest_digest(root, reviewed[role]),
                "artifacts_reviewed": reviewed[role],
                "comments": f"Reviewed as {role}; approved for execution.",
                "conditions": [],
                "expiry": None,
            }
        )
    write_json(root / "evidence" / "approval_records.json", {"approvals": approvals})


def write_evidence_links(root: Path) -> None:
    links = [
        ("profiling", "profiling_report", "evidence/profiling_report.json"),
        ("audit", "audit_log", "evidence/audit_log_excerpt.json"),
        ("decisions", "manual_decisions", "contracts/manual_decisions.json"),
        ("mapping", "schema_mapping", "contracts/schema_mapping.yml"),
    ]
    artifacts = [
        {"id": i, "kind": k, "path": p, "sha256": sha256_file(root / p)} for i, k, p in links
    ]
    write_json(root / "evidence" / "evidence_links.json", {"artifacts": artifacts})


def write_policy(path: Path, public_key: str) -> None:
    """The bundled default policy, trusting ``public_key``, asking for one runbook per dataset
    and reading files of up to 256 MiB and 50 million values."""
    policy = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    policy["signing"]["trusted_keys"] = [
        {"key_id": KEY_ID, "algorithm": "ed25519", "public_key": public_key}
    ]
    policy["runbooks"]["per_dataset"] = True
    # The large tree's mapping is over the default limits (8 MiB, a million values): a team
    # with 5,000 tables raises them in its policy, as this one does.
    policy.setdefault("limits", {}).update(
        {"max_file_bytes": 256 * 1024 * 1024, "max_values": 50_000_000}
    )
    write_json(path, policy)


def count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("size", choices=sorted(SIZES, key=lambda s: SIZES[s].tables))
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)
    root = generate(args.size, args.outdir)
    mapping = root / "contracts" / "schema_mapping.yml"
    size = mapping.stat().st_size
    print(f"{root}: {count_files(root)} files")
    print(f"{mapping}: {size:,} bytes ({size / 1e6:.2f} MB)")
    print(f"policy: {args.outdir / 'policy.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
