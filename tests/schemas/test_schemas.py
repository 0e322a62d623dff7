"""The JSON Schemas under ``schemas/``: well-formed, compilable, as strict as SPEC sections 3-5.

Every artifact schema is exercised with one valid instance (``valid/<name>.json``) and mutations of
it, each of which must fail at the mutated field in both validators (python-jsonschema and
jsonschema-rs, the one the checks use). The seed's own JSON examples must validate verbatim.
"""

from __future__ import annotations

import copy
import json
import time
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
import referencing

SCHEMAS_DIR = Path(__file__).parents[2] / "schemas"
HERE = Path(__file__).parent
VALID_DIR = HERE / "valid"
SEED_DIR = HERE / "seed_examples"
ID_PREFIX = "https://migration-checks.dev/schemas/v1/"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

ARTIFACT_SCHEMAS = [
    "migration_metadata",
    "signed_plan",
    "profiling_report",
    "schema_mapping",
    "type_coercion_log",
    "manual_decisions",
    "migration_config",
    "recon_config",
    "secrets_refs",
    "recon_plan",
    "parallel_run",
    "evidence_links",
    "approval_records",
    "audit_log_excerpt",
    "waivers",
    "policy",
    "check_result",
]
ALL_SCHEMAS = [*ARTIFACT_SCHEMAS, "defs"]

# Seed section 6.2, in the seed's order.
BLOCKER_IDS = [
    "MISSING_METADATA",
    "UNSIGNED_PLAN",
    "POLICY_VERSION_MISMATCH",
    "UNRESOLVED_MANUAL_DECISIONS",
    "LOSSY_MAPPING_NO_APPROVAL",
    "PROFILING_INCOMPLETE",
    "POLICY_VIOLATION",
    "PII_NOT_ADDRESSED",
    "ENCRYPTION_UNMET",
    "CI_FAILURE",
    "RECON_CRITICAL",
    "RECON_MAJOR_UNACK",
    "EVIDENCE_INCOMPLETE",
    "SCHEMA_VALIDATION_FAILED",
    "SECRETS_EXPOSED",
]
STATES = ["PROPOSED", "PLANNED", "EXECUTED", "PARALLEL_VALIDATED", "CUTOVER_READY", "CUTOVER_DONE"]

# Objects deliberately left open (SPEC: free-form or extensible); every other object that lists
# ``properties`` must say ``additionalProperties`` so typos fail closed.
OPEN_OBJECTS = {
    ("signed_plan", "/properties/plan/properties/source"),
    ("signed_plan", "/properties/plan/properties/target"),
    ("migration_config", "/properties/source"),
}

DELETE = object()

# jsonschema keyword -> jsonschema-rs error kind class name(s)
RS_KINDS: dict[str, set[str]] = {
    "type": {"Type"},
    "required": {"Required"},
    "enum": {"Enum"},
    "const": {"Constant"},
    "additionalProperties": {"AdditionalProperties"},
    "pattern": {"Pattern"},
    "propertyNames": {"PropertyNames"},
    "oneOf": {"OneOfMultipleValid", "OneOfNotValid"},
    "anyOf": {"AnyOf"},
    "minimum": {"Minimum"},
    "maximum": {"Maximum"},
    "minItems": {"MinItems"},
    "minProperties": {"MinProperties"},
    "maxProperties": {"MaxProperties"},
    "uniqueItems": {"UniqueItems"},
    "exclusiveMinimum": {"ExclusiveMinimum"},
    "format": {"Format"},
}
# Keywords whose error sits on the object holding the mutated key ...
PARENT_KEYWORDS = {"required", "additionalProperties", "propertyNames", "oneOf", "maxProperties"}
# ... and whose message names that key.
NAMING_KEYWORDS = {"required", "additionalProperties", "propertyNames"}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def schema(name: str) -> dict[str, Any]:
    return load_json(SCHEMAS_DIR / f"{name}.schema.json")


def valid_instance(name: str) -> Any:
    return load_json(VALID_DIR / f"{name}.json")


@cache
def py_registry() -> referencing.Registry:
    resources = [
        (schema(n)["$id"], referencing.Resource.from_contents(schema(n))) for n in ALL_SCHEMAS
    ]
    return referencing.Registry().with_resources(resources)


@cache
def rs_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(schema(n)["$id"], schema(n)) for n in ALL_SCHEMAS])


@cache
def py_validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema(name), registry=py_registry(), format_checker=jsonschema.FormatChecker()
    )


@cache
def rs_validator(name: str) -> Any:
    return jsonschema_rs.validator_for(schema(name), registry=rs_registry(), validate_formats=True)


# python-jsonschema checks "date-time" only with rfc3339-validator installed; jsonschema-rs always.
PY_CHECKS_DATE_TIME = "date-time" in jsonschema.FormatChecker().checkers


def py_errors(name: str, instance: Any) -> list[jsonschema.ValidationError]:
    return list(py_validator(name).iter_errors(instance))


def rs_errors(name: str, instance: Any) -> list[Any]:
    return list(rs_validator(name).iter_errors(instance))


def assert_valid(name: str, instance: Any) -> None:
    py = [f"{list(e.absolute_path)}: {e.message}" for e in py_errors(name, instance)]
    rs = [f"{e.instance_path}: {e.message}" for e in rs_errors(name, instance)]
    assert py == [], py
    assert rs == [], rs


def mutate(instance: Any, path: tuple[str | int, ...], value: Any) -> Any:
    result = copy.deepcopy(instance)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return result


# ---------------------------------------------------------------------------------------------
# 1. Every schema is a valid 2020-12 schema with $id, title and description.


def test_schema_set_is_complete() -> None:
    on_disk = sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS_DIR.glob("*.schema.json"))
    assert on_disk == sorted(ALL_SCHEMAS)
    assert sorted(p.stem for p in VALID_DIR.glob("*.json")) == sorted(ARTIFACT_SCHEMAS)


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_schema_is_valid_2020_12(name: str) -> None:
    s = schema(name)
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["$schema"] == DRAFT_2020_12
    assert s["$id"] == f"{ID_PREFIX}{name}.schema.json"
    assert s["$id"].endswith(f"/{name}.schema.json")
    assert isinstance(s.get("title"), str) and s["title"]
    assert isinstance(s.get("description"), str) and s["description"]


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_schema_files_use_two_space_indentation(name: str) -> None:
    path = SCHEMAS_DIR / f"{name}.schema.json"
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(load_json(path), indent=2, ensure_ascii=False) + "\n"


def _walk(node: Any, pointer: str = "") -> Any:
    """Yield (pointer, node) for every dict in a schema."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{i}")


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_every_property_and_definition_is_described(name: str) -> None:
    # The docs and the README policy reference are generated from these descriptions.
    undescribed = [
        f"{pointer}/{key}"
        for pointer, node in _walk(schema(name))
        if pointer.endswith(("/properties", "/$defs"))
        and "/if/" not in pointer
        and "/then/" not in pointer
        for key, sub in node.items()
        if not (isinstance(sub, dict) and sub.get("description"))
    ]
    assert undescribed == []


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_objects_with_properties_fail_closed(name: str) -> None:
    open_objects = {
        (name, pointer)
        for pointer, node in _walk(schema(name))
        if "properties" in node
        and "additionalProperties" not in node
        and "/if" not in pointer
        and "/then" not in pointer
    }
    assert open_objects == {o for o in OPEN_OBJECTS if o[0] == name}


def test_shared_enumerations() -> None:
    defs = schema("defs")["$defs"]
    assert defs["blocker_id"]["enum"] == BLOCKER_IDS
    assert defs["state"]["enum"] == STATES


@pytest.mark.parametrize("name", ARTIFACT_SCHEMAS)
def test_shared_definitions_are_referenced_not_copied(name: str) -> None:
    # State and blocker lists live only in defs.schema.json, so they cannot drift apart.
    constraints = json.dumps(
        [
            [node.get("enum"), node.get("pattern"), node.get("const")]
            for _, node in _walk(schema(name))
        ]
    )
    assert "MISSING_METADATA" not in constraints
    assert "PARALLEL_VALIDATED" not in constraints


# ---------------------------------------------------------------------------------------------
# 2. Every schema compiles in both validators, with defs.schema.json resolved through a registry.


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_schema_compiles_in_jsonschema_rs(name: str) -> None:
    validator = rs_validator(name)
    assert validator.is_valid(valid_instance(name)) if name != "defs" else validator.is_valid({})


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_schema_refs_resolve_in_python_jsonschema(name: str) -> None:
    resolver = py_registry().resolver(base_uri=schema(name)["$id"])
    refs = [node["$ref"] for _, node in _walk(schema(name)) if isinstance(node.get("$ref"), str)]
    for ref in refs:
        assert resolver.lookup(ref).contents is not None, ref
    if name != "defs":
        assert_valid(name, valid_instance(name))


def test_unknown_ref_is_a_compile_error_in_jsonschema_rs() -> None:
    broken = {**schema("recon_plan"), "$id": f"{ID_PREFIX}broken.schema.json"}
    broken["properties"] = {"plan_id": {"$ref": "defs.schema.json#/$defs/no_such_def"}}
    with pytest.raises(
        (jsonschema_rs.ReferencingError, jsonschema_rs.ValidationError), match="no_such_def"
    ):
        jsonschema_rs.validator_for(broken, registry=rs_registry(), validate_formats=True)


# ---------------------------------------------------------------------------------------------
# 3. The seed's JSON examples validate verbatim.


def test_seed_metadata_example_validates() -> None:
    # Seed 6.1 "PR Metadata File": the `.migration_metadata.json` example, copied byte for byte.
    assert_valid("migration_metadata", load_json(SEED_DIR / "migration_metadata.json"))


def test_seed_approval_record_example_validates() -> None:
    # Seed 6.4 "Approval Record Format": the record example, copied byte for byte, as one
    # element of `approvals`.
    record = load_json(SEED_DIR / "approval_record.json")
    assert record["sha256_reviewed"] == "abc123def456789..."
    assert_valid("approval_records", {"approvals": [record]})


# ---------------------------------------------------------------------------------------------
# 4. One valid instance per artifact; mutations fail at the mutated field.


@pytest.mark.parametrize("name", ARTIFACT_SCHEMAS)
def test_valid_instance(name: str) -> None:
    assert_valid(name, valid_instance(name))


def m(
    name: str,
    keyword: str,
    path: tuple[str | int, ...],
    value: Any = DELETE,
    at: tuple[str | int, ...] | None = None,
) -> Any:
    """A mutation: set (or delete) ``path``; the error is expected ``at`` that path, or at its
    parent for keywords that report on the enclosing object."""
    if at is None:
        at = path[:-1] if keyword in PARENT_KEYWORDS else path
    named = str(path[-1]) if keyword in NAMING_KEYWORDS and at == path[:-1] else None
    return pytest.param(
        name, keyword, path, value, at, named, id=f"{name}-{keyword}-{'/'.join(map(str, path))}"
    )


MUTATIONS = [
    # migration_metadata
    m("migration_metadata", "type", ("plan_version",), "3"),
    m("migration_metadata", "minimum", ("plan_version",), 0),
    m("migration_metadata", "required", ("created_by",)),
    m("migration_metadata", "enum", ("state",), "DRAFT"),
    m("migration_metadata", "enum", ("target_state",), "executed"),
    m("migration_metadata", "enum", ("required_approvals", 1, "status"), "maybe"),
    m("migration_metadata", "enum", ("blockers", 0), "NOT_A_BLOCKER"),
    m("migration_metadata", "pattern", ("ci_checks_required", 0), "File Structure"),
    m("migration_metadata", "pattern", ("project_id",), "abc123def456"),
    m("migration_metadata", "pattern", ("policy_version",), "2.1.0"),
    m("migration_metadata", "additionalProperties", ("plan_verison",), 3),
    # signed_plan
    m("signed_plan", "type", ("plan", "plan_version"), "3"),
    m("signed_plan", "type", ("signature", "value"), 42),
    m("signed_plan", "required", ("plan", "profiling")),
    m("signed_plan", "required", ("plan", "datasets", 0, "target")),
    m("signed_plan", "required", ("plan", "datasets", 0, "pii", 0, "handling")),
    m("signed_plan", "minItems", ("plan", "datasets"), []),
    m("signed_plan", "pattern", ("plan", "profiling", "sha256"), "<hex>"),
    m("signed_plan", "pattern", ("plan", "plan_id"), "789xyz"),
    m("signed_plan", "additionalProperties", ("plan", "signer"), "me"),
    m("signed_plan", "additionalProperties", ("signature", "keyid"), "planner-2026"),
    m("signed_plan", "additionalProperties", ("plan", "target", "encryption", "at_rst"), "SSE-KMS"),
    # profiling_report
    m("profiling_report", "type", ("datasets", 0, "row_count"), "120000"),
    m("profiling_report", "type", ("datasets", 0, "columns", 1, "pii_detected"), False),
    m("profiling_report", "required", ("datasets", 0, "columns", 1, "pii_detected")),
    m("profiling_report", "maximum", ("datasets", 0, "columns", 1, "null_fraction"), 1.5),
    m("profiling_report", "minimum", ("datasets", 0, "columns", 0, "distinct_count"), -1),
    m("profiling_report", "additionalProperties", ("datasets", 0, "rows"), 1),
    # schema_mapping
    m("schema_mapping", "type", ("datasets", 0, "columns", 0, "nullable"), "no"),
    m("schema_mapping", "required", ("target", "dialect")),
    m("schema_mapping", "required", ("datasets", 0, "columns", 1, "source", "type")),
    m("schema_mapping", "const", ("version",), 2),
    m(
        "schema_mapping",
        "additionalProperties",
        ("datasets", 0, "columns", 0, "target", "nmae"),
        "x",
    ),
    # type_coercion_log
    m("type_coercion_log", "type", ("coercions", 0, "lossy"), "false"),
    m("type_coercion_log", "type", ("coercions", 1, "approval"), "dec_001"),
    m("type_coercion_log", "required", ("coercions", 0, "approval")),
    m(
        "type_coercion_log",
        "additionalProperties",
        ("coercions", 0, "approval"),
        {"approved_by": "x"},
        at=("coercions", 0, "approval"),
    ),
    m("type_coercion_log", "maxProperties", ("coercions", 2, "approval", "decision_id"), "dec_001"),
    m("type_coercion_log", "minProperties", ("coercions", 2, "approval"), {}),
    # manual_decisions
    m("manual_decisions", "type", ("decisions", 0, "id"), 1),
    m("manual_decisions", "type", ("decisions", 0, "resolution"), None),
    m("manual_decisions", "required", ("decisions", 1, "question")),
    m("manual_decisions", "required", ("decisions", 0, "resolved_by")),
    m("manual_decisions", "enum", ("decisions", 0, "status"), "done"),
    m("manual_decisions", "additionalProperties", ("decisions", 1, "owner"), "x"),
    # migration_config
    m("migration_config", "type", ("execution", "batch_size"), "10000"),
    m("migration_config", "type", ("target",), "s3"),
    m("migration_config", "required", ("dry_run", "timeout_seconds")),
    m("migration_config", "required", ("execution",)),
    m("migration_config", "maximum", ("dry_run", "sample_rows"), 5000),
    m("migration_config", "oneOf", ("source", "url"), "sqlite:///fixtures/shop.db"),
    m("migration_config", "oneOf", ("source", "url_ref")),
    m("migration_config", "pattern", ("archetype_id",), "postgres-to-s3"),
    m("migration_config", "additionalProperties", ("execution", "parralelism"), 2),
    # recon_config
    m("recon_config", "type", ("parallel_runs", "required"), "3"),
    m("recon_config", "required", ("checks", 0, "tolerance")),
    m("recon_config", "enum", ("checks", 0, "type"), "row_counts"),
    m("recon_config", "minimum", ("checks", 1, "tolerance", "relative"), -0.1),
    m("recon_config", "additionalProperties", ("checks", 1, "tolerance", "rel"), 0.1),
    # secrets_refs
    m("secrets_refs", "type", ("secrets", "SOURCE_DB_URL"), 42),
    m("secrets_refs", "required", ("secrets",)),
    m("secrets_refs", "propertyNames", ("secrets", "source_db_url"), "vault://kv/x#y"),
    m("secrets_refs", "additionalProperties", ("secret",), {}),
    # recon_plan
    m("recon_plan", "type", ("checks", 0, "dataset"), 3),
    m("recon_plan", "required", ("plan_id",)),
    m("recon_plan", "enum", ("checks", 1, "type"), "sum"),
    m("recon_plan", "additionalProperties", ("checks", 0, "tolerance"), {}),
    # parallel_run
    m("parallel_run", "type", ("acknowledged",), "yes"),
    m("parallel_run", "type", ("results", 0, "source_value"), "120000"),
    m("parallel_run", "required", ("results", 0, "severity")),
    m("parallel_run", "required", ("acknowledgement", "reason")),
    m("parallel_run", "enum", ("overall_severity",), "WARN"),
    m("parallel_run", "enum", ("results", 1, "severity"), "OK"),
    m("parallel_run", "additionalProperties", ("results", 1, "note"), "x"),
    # evidence_links
    m("evidence_links", "type", ("artifacts", 0, "sha256"), 123),
    m("evidence_links", "required", ("artifacts", 0, "kind")),
    m("evidence_links", "pattern", ("artifacts", 0, "sha256"), "ABC123"),
    m("evidence_links", "oneOf", ("artifacts", 0, "uri"), "https://example.com/x"),
    m("evidence_links", "oneOf", ("artifacts", 1, "uri")),
    m("evidence_links", "additionalProperties", ("artifacts", 0, "sha1"), "x"),
    # approval_records
    m("approval_records", "type", ("approvals", 0, "artifacts_reviewed"), "plans/x.json"),
    m("approval_records", "type", ("approvals", 0, "expiry"), 30),
    m("approval_records", "required", ("approvals", 0, "approver", "role")),
    m("approval_records", "required", ("approvals", 0, "sha256_reviewed")),
    m("approval_records", "pattern", ("approvals", 0, "transition"), "planned->executed"),
    m("approval_records", "pattern", ("approvals", 0, "plan_id"), "789xyz"),
    m("approval_records", "additionalProperties", ("approvals", 0, "approver", "team"), "x"),
    # audit_log_excerpt
    m("audit_log_excerpt", "type", ("entries", 0, "actor"), None),
    m("audit_log_excerpt", "required", ("entries", 1, "target")),
    m("audit_log_excerpt", "additionalProperties", ("entries", 0, "detail"), "x"),
    # waivers
    m("waivers", "type", ("waivers", 0, "reason"), 5),
    m("waivers", "required", ("waivers", 0, "expires_at")),
    m("waivers", "enum", ("waivers", 0, "blocker"), "NOT_A_BLOCKER"),
    m("waivers", "pattern", ("waivers", 0, "id"), "W-01"),
    m("waivers", "pattern", ("waivers", 0, "pointer"), "/checks/0~2"),
    m("waivers", "pattern", ("waivers", 0, "reason"), "two\nlines"),
    m("waivers", "pattern", ("waivers", 0, "requested_by"), "-author"),
    m("waivers", "additionalProperties", ("waivers", 0, "scope"), "x"),
    # policy
    m("policy", "type", ("parallel_runs", "min_required"), "3"),
    m("policy", "enum", ("enforcement", "lint_sql", "mode"), "warn"),
    m("policy", "enum", ("waivers", "never", 0), "NOT_A_BLOCKER"),
    m("policy", "maximum", ("waivers", "max_days"), 400),
    m("policy", "type", ("pii", "categories"), "email"),
    m("policy", "required", ("policy_version",)),
    m("policy", "required", ("signing", "trusted_keys", 0, "public_key")),
    m("policy", "required", ("rules", 0, "query")),
    m("policy", "enum", ("rules", 0, "blocker"), "NOT_A_BLOCKER"),
    m("policy", "enum", ("rules", 0, "severity"), "fatal"),
    m("policy", "const", ("signing", "trusted_keys", 0, "algorithm"), "rsa"),
    m("policy", "pattern", ("rules", 0, "id"), "Max-Datasets"),
    m("policy", "propertyNames", ("approvals", "transitions", "PLANED_to_EXECUTED"), ["qa"]),
    m("policy", "propertyNames", ("tolerances", "row_counts"), {"max_relative": 0}),
    m("policy", "minimum", ("limits", "max_depth"), 4),
    m("policy", "minimum", ("limits", "max_file_bytes"), 100),
    m("policy", "exclusiveMinimum", ("reconciliation", "critical_relative"), 0),
    m("policy", "additionalProperties", ("aprovals",), {}),
    m("policy", "additionalProperties", ("labels", "blocker"), "blocked"),
    m("policy", "additionalProperties", ("limits", "max_bytes"), 1024),
    # check_result
    m("check_result", "type", ("blocked",), "true"),
    m("check_result", "type", ("migrations", 0, "findings", 0, "line"), "12"),
    m("check_result", "required", ("migrations", 0, "checks", 1, "reason")),
    m("check_result", "required", ("examined", "checks_errored")),
    m("check_result", "required", ("migrations", 0, "findings", 1, "resolution")),
    m("check_result", "enum", ("migrations", 0, "checks", 0, "status"), "ok"),
    m("check_result", "enum", ("migrations", 0, "findings", 0, "severity"), "fatal"),
    m("check_result", "enum", ("migrations", 0, "blockers", 0), "NOT_A_BLOCKER"),
    m("check_result", "anyOf", ("migrations", 0, "findings", 0, "blocker"), "NOT_A_BLOCKER"),
    m("check_result", "const", ("schema_version",), "v2"),
    m("check_result", "enum", ("migrations", 0, "findings", 2, "waiver", "status"), "granted"),
    m("check_result", "required", ("migrations", 0, "findings", 3, "enforcement", "blocks_from")),
    m("check_result", "maximum", ("stages", 0), 7),
    m("check_result", "uniqueItems", ("blockers",), ["UNSIGNED_PLAN", "UNSIGNED_PLAN"]),
    m("check_result", "additionalProperties", ("migrations", 0, "findings", 1, "hint"), "x"),
]


@pytest.mark.parametrize(("name", "keyword", "path", "value", "at", "named"), MUTATIONS)
def test_mutation_fails_at_mutated_field(
    name: str,
    keyword: str,
    path: tuple[str | int, ...],
    value: Any,
    at: tuple[str | int, ...],
    named: str | None,
) -> None:
    instance = mutate(valid_instance(name), path, value)
    expected = list(at)

    py = py_errors(name, instance)
    assert py, "python-jsonschema accepted the mutation"
    for error in py:
        assert list(error.absolute_path) == expected, error.message
        if keyword == "propertyNames":
            assert "propertyNames" in error.absolute_schema_path
        else:
            assert error.validator == keyword, error.message
        if named:
            assert named in error.message

    rs = rs_errors(name, instance)
    assert rs, "jsonschema-rs accepted the mutation"
    for error in rs:
        assert list(error.instance_path) == expected, error.message
        assert type(error.kind).__name__ in RS_KINDS[keyword], error.message
        if named:
            assert named in error.message


def test_every_artifact_schema_has_mutations() -> None:
    kinds: dict[str, set[str]] = {}
    for param in MUTATIONS:
        kinds.setdefault(param.values[0], set()).add(param.values[1])
    enum_refs = tuple(
        f"defs.schema.json#/$defs/{key}"
        for key, d in schema("defs")["$defs"].items()
        if "enum" in d
    )
    for name in ARTIFACT_SCHEMAS:
        nodes = [node for pointer, node in _walk(schema(name)) if "/if/" not in pointer]
        assert {"type", "required"} <= kinds[name], name
        if any("enum" in node or node.get("$ref", "").endswith(enum_refs) for node in nodes):
            assert kinds[name] & {"enum", "anyOf"}, name
        if any("const" in node for node in nodes):
            assert "const" in kinds[name], name


# Keys of each valid instance whose deletion still validates (indices written as *); deleting any
# other key must fail. Exactly-one-of keys (migration_config source url_ref/url, evidence path/uri,
# coercion approval decision_id/approval_id) and the resolution fields of a resolved decision count
# as required here. The policy is the other way round: only the keys listed are required.
OPTIONAL_KEYS: dict[str, set[str]] = {
    "migration_metadata": set(),
    "signed_plan": {
        "signature",
        "signature/algorithm",
        "signature/key_id",
        "signature/signed_at",
        "signature/value",
        "plan/datasets/*/pii",
        "plan/datasets/*/wave",
        "plan/source/database",
        "plan/target/encryption",
        "plan/target/encryption/at_rest",
        "plan/target/encryption/in_transit",
        "plan/target/encryption/kms_key_ref",
        "plan/target/format",
        "plan/target/location",
    },
    "profiling_report": set(),
    "schema_mapping": {
        "target/format",
        "datasets/*/exclude",
        "datasets/*/columns/*/nullable",
        "datasets/*/columns/*/pii",
        "datasets/*/columns/*/transform",
    },
    "type_coercion_log": set(),
    "manual_decisions": set(),
    "migration_config": {
        "source/system",
        "target/location",
        "target/system",
        "execution/waves",
        "dry_run/sample_rows",
        "dry_run/target_capacity_bytes",
    },
    "recon_config": {
        "parallel_runs/max_interval_hours",
        "checks/*/column",
        "checks/*/tolerance/absolute",
        "checks/*/tolerance/relative",
    },
    "secrets_refs": {"secrets/SOURCE_DB_URL", "secrets/TARGET_KMS_KEY"},
    "recon_plan": {"checks/*/column"},
    "parallel_run": {"acknowledgement"},
    "evidence_links": set(),
    "approval_records": {
        "approvals/*/approver/email",
        "approvals/*/approver/name",
        "approvals/*/comments",
        "approvals/*/conditions",
        "approvals/*/expiry",
        "approvals/*/scope",
        "approvals/*/scope/tables",
        "approvals/*/scope/wave",
    },
    "audit_log_excerpt": {"entries/*/details", "entries/*/details/key_id"},
    "check_result": {
        "migrations/*/findings/*/pointer",
        "migrations/*/findings/*/waiver",
        "migrations/*/findings/*/enforcement",
    },
    "waivers": {"waivers/*/pointer"},
}
POLICY_REQUIRED_KEYS = {
    "policy_version",
    "enforcement/lint_sql/mode",
    "enforcement/lint_sql/until",
    "rules/*/id",
    "rules/*/query",
    "signing/trusted_keys/*/algorithm",
    "signing/trusted_keys/*/key_id",
    "signing/trusted_keys/*/public_key",
}


def _key_paths(node: Any, path: tuple[str | int, ...] = ()) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _key_paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _key_paths(value, (*path, i))


@pytest.mark.parametrize("name", ARTIFACT_SCHEMAS)
def test_required_keys_match_spec(name: str) -> None:
    instance = valid_instance(name)
    required: set[str] = set()
    optional: set[str] = set()
    for path in _key_paths(instance):
        general = "/".join("*" if isinstance(step, int) else step for step in path)
        deleted = mutate(instance, path, DELETE)
        (optional if rs_validator(name).is_valid(deleted) else required).add(general)
    if name == "policy":
        assert required == POLICY_REQUIRED_KEYS
    else:
        assert optional - required == OPTIONAL_KEYS[name]
        assert OPTIONAL_KEYS[name] <= optional


DATE_TIME_MUTATIONS = [
    ("migration_metadata", ("created_at",)),
    ("signed_plan", ("plan", "created_at")),
    ("profiling_report", ("generated_at",)),
    ("manual_decisions", ("decisions", 0, "resolved_at")),
    ("parallel_run", ("started_at",)),
    ("parallel_run", ("acknowledgement", "at")),
    ("approval_records", ("approvals", 0, "approved_at")),
    ("approval_records", ("approvals", 0, "expiry")),
    ("audit_log_excerpt", ("entries", 0, "timestamp")),
    ("waivers", ("waivers", 0, "expires_at")),
]


@pytest.mark.parametrize(("name", "path"), DATE_TIME_MUTATIONS)
@pytest.mark.parametrize("value", ["2026-01-05 14:30", "yesterday", "2026-01-05T14:30:00"])
def test_date_time_format_is_checked(name: str, path: tuple[str | int, ...], value: str) -> None:
    instance = mutate(valid_instance(name), path, value)
    rs = rs_errors(name, instance)
    assert [(list(e.instance_path), type(e.kind).__name__) for e in rs] == [(list(path), "Format")]
    if PY_CHECKS_DATE_TIME:
        py = py_errors(name, instance)
        assert [(list(e.absolute_path), e.validator) for e in py] == [(list(path), "format")]


# ---------------------------------------------------------------------------------------------
# 5. One problem, one blocker (SPEC section 5): values owned by a dedicated check pass the schema.


def test_signed_plan_without_signature_validates() -> None:
    plan = valid_instance("signed_plan")
    del plan["signature"]
    assert_valid("signed_plan", plan)


@pytest.mark.parametrize(
    "signature",
    [
        {},
        {
            "algorithm": "rsa-pss",
            "key_id": "unknown",
            "signed_at": "last week",
            "value": "not base64!",
        },
    ],
)
def test_malformed_signature_is_left_to_plan_signature(signature: dict[str, str]) -> None:
    plan = valid_instance("signed_plan")
    plan["signature"] = signature
    assert_valid("signed_plan", plan)


@pytest.mark.parametrize("value", ["S3cr3t", "postgres://admin:hunter2@db:5432/shop", ""])
def test_secret_values_are_plain_strings(value: str) -> None:
    assert_valid("secrets_refs", {"secrets": {"SOURCE_DB_URL": value}})


def test_pii_and_encryption_values_are_left_to_the_policy() -> None:
    plan = valid_instance("signed_plan")
    plan["plan"]["datasets"][0]["pii"][0].update(category="whatever", handling="shred")
    plan["plan"]["target"]["encryption"] = {
        "at_rest": "ROT13",
        "kms_key_ref": "",
        "in_transit": "SSLv3",
    }
    assert_valid("signed_plan", plan)
    mapping = valid_instance("schema_mapping")
    mapping["datasets"][0]["columns"][1]["pii"] = "whatever"
    assert_valid("schema_mapping", mapping)
    report = valid_instance("profiling_report")
    report["datasets"][0]["columns"][1]["pii_detected"] = "whatever"
    assert_valid("profiling_report", report)


@pytest.mark.parametrize(
    ("state", "target_state"),
    [("PROPOSED", "EXECUTED"), ("CUTOVER_DONE", "PROPOSED"), ("PLANNED", "CUTOVER_DONE")],
)
def test_state_transition_is_not_judged_by_the_schema(state: str, target_state: str) -> None:
    metadata = valid_instance("migration_metadata")
    metadata.update(state=state, target_state=target_state)
    assert_valid("migration_metadata", metadata)


def test_sha256_reviewed_is_a_plain_string() -> None:
    records = valid_instance("approval_records")
    records["approvals"][0]["sha256_reviewed"] = "abc"
    assert_valid("approval_records", records)
    records["approvals"][0]["sha256_reviewed"] = ""
    assert rs_errors("approval_records", records)


def test_ci_checks_required_is_not_an_enum() -> None:
    metadata = valid_instance("migration_metadata")
    metadata["ci_checks_required"] = ["validate_schema_mapping", "my_custom_check", "stage_4"]
    assert_valid("migration_metadata", metadata)


def test_literal_url_and_unknown_url_ref_are_left_to_the_checks() -> None:
    config = valid_instance("migration_config")
    config["source"] = {"url": "postgres://admin:hunter2@db/shop"}
    assert_valid("migration_config", config)
    config["source"] = {"url_ref": "not a secret name"}
    assert_valid("migration_config", config)


def test_evidence_paths_are_left_to_evidence_completeness() -> None:
    links = valid_instance("evidence_links")
    links["artifacts"][0]["path"] = "../../etc/passwd"
    assert_valid("evidence_links", links)


# ---------------------------------------------------------------------------------------------
# 6. The CLI's JSON result.


def test_check_result_example_validates() -> None:
    result = valid_instance("check_result")
    findings = result["migrations"][0]["findings"]
    assert len(result["migrations"]) == 1
    assert len(result["migrations"][0]["checks"]) == 2
    assert [f["blocker"] for f in findings] == ["UNSIGNED_PLAN", None, None, None]
    # A waived finding and one of a check in evaluate mode keep their blocker aside.
    assert findings[2]["waiver"]["blocker"] == "POLICY_VIOLATION"
    assert findings[3]["enforcement"]["blocker"] == "CI_FAILURE"
    assert_valid("check_result", result)


def test_check_result_finding_with_unknown_blocker_fails() -> None:
    result = valid_instance("check_result")
    result["migrations"][0]["findings"][0]["blocker"] = "NOT_A_BLOCKER"
    pointer = ["migrations", 0, "findings", 0, "blocker"]
    assert [list(e.absolute_path) for e in py_errors("check_result", result)] == [pointer]
    assert [list(e.instance_path) for e in rs_errors("check_result", result)] == [pointer]


def test_check_result_run_level_finding_and_empty_run() -> None:
    result = {
        "schema_version": "v1",
        "tool": {"name": "migration-checks", "version": "1.0.0"},
        "policy_version": None,
        "stages": [1, 2, 3, 4, 5, 6],
        "examined": {
            "roots": ["."],
            "migrations": 0,
            "files_parsed": 0,
            "checks_run": 0,
            "checks_passed": 0,
            "checks_failed": 0,
            "checks_skipped": 0,
            "checks_errored": 0,
            "checks_not_applicable": 0,
        },
        "findings": [
            {
                "check": "discovery",
                "stage": None,
                "blocker": None,
                "severity": "warning",
                "message": 'no migration-pr-* directory under "."',
                "path": None,
                "line": None,
                "column": None,
                "resolution": None,
            }
        ],
        "migrations": [],
        "blockers": [],
        "blocked": False,
    }
    assert_valid("check_result", result)


# ---------------------------------------------------------------------------------------------
# Scale: SPEC's largest mapping (5,000 datasets x 50 columns) stays cheap to validate.


def test_large_schema_mapping_validates_quickly() -> None:
    columns = [
        {
            "source": {"name": f"c{i}", "type": "bigint"},
            "target": {"name": f"c{i}", "type": "bigint"},
        }
        for i in range(50)
    ]
    mapping = {
        "version": 1,
        "source": {"system": "postgres", "dialect": "postgres"},
        "target": {"system": "s3", "format": "parquet", "dialect": "spark"},
        "datasets": [
            {"source": f"public.t{n}", "target": f"t{n}", "columns": copy.deepcopy(columns)}
            for n in range(5000)
        ],
    }
    validator = rs_validator("schema_mapping")
    start = time.perf_counter()
    assert validator.is_valid(mapping)
    assert time.perf_counter() - start < 2
    mapping["datasets"][4999]["columns"][49]["nullable"] = "no"
    errors = rs_errors("schema_mapping", mapping)
    assert [e.instance_path for e in errors] == [["datasets", 4999, "columns", 49, "nullable"]]
