"""Canaries: two random secrets per test run, planted in every place a pull request can put one,
and looked for in every channel the suite writes to (research/reliability.md section 7, goal 2).

The canaries are made when this module is imported, so every run plants new ones and no test can
pass by knowing them:

- ``TOKEN`` is shaped like a real credential (a GitHub token, ``ghp_`` and 36 random characters):
  the secret scan finds it and redaction knows its shape, wherever it is;
- ``PLAIN`` looks like a human password (``Word-Word-1234``): no scanner or redaction can tell it
  from an identifier by its shape, so it is planted only where its *place* makes it a secret (a
  URL's password, ``password=``, a PEM body, a secret's value, a variable of the environment,
  fields of an approval record the gate never prints, a line a parser refused).

Each place is a mutation of the example tree (``PLACES``; a place names the check that must read
it, so a place the run never reaches fails the test instead of passing it silently). Channels:
stdout of ``check`` in each format (text, JSON, SARIF, Markdown and GitHub's workflow commands,
i.e. the annotations), the JSON result file, the job summary (``GITHUB_STEP_SUMMARY``), the step
outputs (``GITHUB_OUTPUT``), stderr and every log record, ``dry_run_result.json`` and the Parquet
samples of stage 5 (their bytes and every value they hold), and for the gate also the sticky
comment's body, the labels and every request body the fake GitHub server received, and
``merge-message``. Each channel is searched for the canary plain, base64 (standard, URL-safe,
unpadded), URL-encoded (``quote`` and ``quote_plus``), hex (both cases), and any 8-character
piece of it (``tests.gate.canary.leaks``).

**Where a canary is shown by design.** A name is shown where a finding points at it: a file
named after a token (``code/sql/ghp_….sql``), a key, a branch, a signing key id. The token is
still a secret there and redaction replaces it in every message and path (``[redacted]``); the
plain canary as a *name* is an identifier, not a secret, and is not planted in a name (a
file, a key, a login, a branch or a column would be shown by every linter the suite wraps).
A source row is data: the samples of stage 5 hold rows of the source by design (they stay on the
runner). A token in a row is still a secret, and is redacted in the sample; the plain canary is
planted in a column the mapping excludes, so the sample has no reason to hold it.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import sqlite3
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import Tree, build_tree, run_cli
from tests.gate.canary import encodings, everywhere, leaks
from tests.gate.trees import (
    BRANCH,
    NOW,
    PLAN,
    RECORDS,
    gate_tree,
    git_repo,
    load_records,
    save_records,
)
from tests.github.conftest import REPO, approved_pull
from tests.github.fake_github import TOKEN as GITHUB_TOKEN
from tests.github.fake_github import FakeGithub

_ALNUM = string.ascii_letters + string.digits
_CONSONANTS = "bcdfghjklmnprstvz"
_VOWELS = "aeiou"


def _word() -> str:
    syllables = "".join(secrets.choice(_CONSONANTS) + secrets.choice(_VOWELS) for _ in range(3))
    return syllables.capitalize()


TOKEN = "ghp_" + "".join(secrets.choice(_ALNUM) for _ in range(36))
PLAIN = f"{_word()}-{_word()}-{secrets.randbelow(9000) + 1000}"
CANARIES = {"token": TOKEN, "plain": PLAIN}


# --- places -------------------------------------------------------------------------------------

Plant = Callable[[Path, str], None]


@dataclass(frozen=True, slots=True)
class Place:
    """Where a canary goes: ``plant(root, canary)`` writes it into the migration directory
    ``root``; ``reach`` is (check, path) of a finding that proves the place was read (path None:
    the check ran, passed or failed); ``kinds`` are the canaries planted there."""

    plant: Plant
    reach: tuple[str, str | None]
    kinds: tuple[str, ...] = ("token", "plain")
    quoted: bool = False  # free text a finding quotes by design: the plain canary is "password=…"

    def secret(self, kind: str) -> str:
        canary = CANARIES[kind]
        return f"password={canary}" if self.quoted and kind == "plain" else canary


def _json(root: Path, rel: str, edit: Callable[[Any], None]) -> None:
    path = root / rel
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _append(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _replace(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _pem(canary: str) -> str:
    body = base64.b64encode(secrets.token_bytes(30)).decode() + canary
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"


def _metadata_value(root: Path, canary: str) -> None:
    _json(root, ".migration_metadata.json", lambda d: d.update(x_note=canary))


def _metadata_key(root: Path, canary: str) -> None:
    _json(root, ".migration_metadata.json", lambda d: d.update({canary: 1}))


def _yaml_syntax(root: Path, canary: str) -> None:
    _write(root, "code/dbt/models/broken.yml", f"version: 2\nmodels: [{{name: a, x: {canary}: b\n")


def _json_syntax(root: Path, canary: str) -> None:
    _write(root, "evidence/notes.json", f'{{"token": "{canary}",, "b": 1}}\n')


def _signing_key_id(root: Path, canary: str) -> None:
    _json(root, PLAN, lambda d: d["signature"].update(key_id=canary))


def _kms_key(root: Path, canary: str) -> None:
    def edit(plan: Any) -> None:
        plan["plan"]["target"]["encryption"]["kms_key_ref"] = (
            f"arn:aws:kms:eu-west-1:111122223333:key/{canary}"
        )

    _json(root, PLAN, edit)


def _evidence_userinfo(root: Path, canary: str) -> None:
    def edit(links: Any) -> None:
        links["artifacts"][3]["uri"] = f"https://loader:{canary}@wiki.example.com/x"

    _json(root, "evidence/evidence_links.json", edit)


def _evidence_path(root: Path, canary: str) -> None:
    def edit(links: Any) -> None:
        links["artifacts"].append(
            {"id": "x", "kind": "runbook", "path": f"../{canary}.json", "sha256": "0" * 64}
        )

    _json(root, "evidence/evidence_links.json", edit)


def _file_name(root: Path, canary: str) -> None:
    _write(root, f"evidence/{canary}.txt", _pem(secrets.token_hex(8)) + "\n")


def _decision(root: Path, canary: str) -> None:
    def edit(decisions: Any) -> None:
        decisions["decisions"].append(
            {"id": "dec_canary", "question": f"rotate {canary}?", "status": "unresolved"}
        )

    _json(root, "contracts/manual_decisions.json", edit)


def _coercion_reason(root: Path, canary: str) -> None:
    def edit(log: Any) -> None:
        log["coercions"][0]["reason"] = canary
        log["coercions"][0]["lossy"] = True
        log["coercions"][0]["approval"] = None

    _json(root, "contracts/type_coercion_log.json", edit)


def _profiling_category(root: Path, canary: str) -> None:
    def edit(report: Any) -> None:
        report["datasets"][0]["columns"][0]["pii_detected"] = canary

    _json(root, "evidence/profiling_report.json", edit)


def _mapping_pii(root: Path, canary: str) -> None:
    _replace(root, "contracts/schema_mapping.yml", "pii: name,", f"pii: {canary},")


def _refs_literal(root: Path, canary: str) -> None:
    _append(root, "configs/secrets_refs.yml", f'  SOURCE_PASSWORD: "{canary}"\n')


def _refs_query(root: Path, canary: str) -> None:
    _append(root, "configs/secrets_refs.yml", f'  VAULT_LOGIN: "vault://kv/db?token={canary}"\n')


def _refs_name(root: Path, canary: str) -> None:
    _append(root, "configs/secrets_refs.yml", f'  {canary}: "vault://kv/data/x#y"\n')


def _pem_block(root: Path, canary: str) -> None:
    pem = _pem(canary).replace("\n", "\n        ")
    _write(
        root,
        "code/dbt/models/sources.yml",
        f"version: 2\nsources:\n  - name: shop\n    meta:\n      tls_key: |\n        {pem}\n",
    )


def _python_constant(root: Path, canary: str) -> None:
    _write(root, "code/spark/settings.py", f'"""Settings."""\n\nDB_PASSWORD = "{canary}"\n')


def _sql_literal(root: Path, canary: str) -> None:
    _write(root, "code/sql/grants.sql", f"SELECT 'password={canary}' AS secret_value\n")


def _runbook_dsn(root: Path, canary: str) -> None:
    _write(root, "runbooks/connect.md", f"# Connect\n\n`psql postgres://app:{canary}@db/shop`\n")


def _requirements(root: Path, canary: str) -> None:
    _write(
        root,
        "code/requirements.txt",
        f"--index-url https://build:{canary}@pypi.example.com/simple\nrequests==2.32.3\n",
    )


def _requirements_git(root: Path, canary: str) -> None:
    _write(
        root,
        "code/airflow/requirements.txt",
        f"shop-utils @ git+https://{canary}@github.com/shop/utils.git@v1\n",
    )


def _dbt_var(root: Path, canary: str) -> None:
    _write(
        root,
        "code/dbt/dbt_project.yml",
        f"name: shop\nversion: '1.0'\nvars:\n  api_token: \"{canary}\"\n",
    )


def _dotenv(root: Path, canary: str) -> None:
    _write(root, "code/.env", f"DB_PASSWORD={canary}\n")


def _bearer(root: Path, canary: str) -> None:
    headers = {"headers": {"Authorization": f"Bearer {canary}", "password": canary}}
    _write(root, "evidence/request.json", json.dumps(headers, indent=2) + "\n")


def _yaml_key(root: Path, canary: str) -> None:
    _write(root, "code/dbt/models/keys.yml", f"version: 2\n{canary}: 1\n{canary}: 2\n")


def _recon_run(root: Path, canary: str) -> None:
    run = {
        "run_id": "run_001",
        "plan_id": "plan_shop2026",
        "started_at": "2026-11-01T00:00:00Z",
        "finished_at": "2026-11-01T01:00:00Z",
        "overall_severity": "MAJOR",
        "acknowledged": True,
        "acknowledgement": {"by": "dana.owner", "at": "2026-11-01T09:00:00Z", "reason": canary},
        "results": [
            {
                "check_id": "orders_total",
                "dataset": "orders",
                "source_value": 10000,
                "target_value": 10010,
                "difference": 10,
                "relative_difference": 0.001,
                "severity": "MAJOR",
            }
        ],
    }
    _write(root, "reconciliation/parallel_runs/run_001.json", json.dumps(run, indent=2))
    _append(root, "reconciliation/recon_summary.md", f"\nNote: {canary}\n")


def _recon_check_id(root: Path, canary: str) -> None:
    def edit(run: Any) -> None:
        run["results"][0]["check_id"] = canary

    _json(root, "reconciliation/parallel_runs/run_001.json", edit)


def _test_message(root: Path, canary: str) -> None:
    _write(
        root,
        "code/spark/test_canary.py",
        f'"""A test that fails."""\n\n\ndef test_secret() -> None:\n    assert 1 == 2, "{canary}"\n',
    )


def _sql_file_name(root: Path, canary: str) -> None:
    _write(root, f"code/sql/{canary}.sql", "SELEC 1 FROM\n")


def _source_rows(column: str, where: str) -> Plant:
    def plant(root: Path, canary: str) -> None:
        connection = sqlite3.connect(root / "data/shop.sqlite")
        try:
            connection.execute(f"UPDATE orders SET {column} = ? WHERE {where}", (canary,))
            connection.commit()
        finally:
            connection.close()

    return plant


TOKEN_ONLY = ("token",)
PLACES: dict[str, Place] = {
    "metadata value": Place(_metadata_value, ("schema_validation", ".migration_metadata.json")),
    "metadata key": Place(
        _metadata_key, ("schema_validation", ".migration_metadata.json"), TOKEN_ONLY
    ),
    "YAML syntax error line": Place(
        _yaml_syntax, ("json_yaml_syntax", "code/dbt/models/broken.yml")
    ),
    "JSON syntax error line": Place(_json_syntax, ("json_yaml_syntax", "evidence/notes.json")),
    "signing key id": Place(_signing_key_id, ("plan_signature", PLAN), TOKEN_ONLY),
    "plan kms_key_ref": Place(_kms_key, ("encryption_compliance", PLAN)),
    "evidence uri userinfo": Place(
        _evidence_userinfo, ("evidence_completeness", "evidence/evidence_links.json")
    ),
    "evidence path": Place(
        _evidence_path, ("evidence_completeness", "evidence/evidence_links.json"), TOKEN_ONLY
    ),
    "file name": Place(_file_name, ("secrets_scan", None), TOKEN_ONLY),
    "manual decision": Place(
        _decision, ("manual_decisions", "contracts/manual_decisions.json"), quoted=True
    ),
    "coercion reason": Place(
        _coercion_reason, ("lossy_mappings", "contracts/type_coercion_log.json")
    ),
    "profiling pii category": Place(_profiling_category, ("pii_handling", None), TOKEN_ONLY),
    "mapping pii category": Place(
        _mapping_pii, ("pii_handling", "contracts/schema_mapping.yml"), TOKEN_ONLY
    ),
    "secrets_refs literal": Place(
        _refs_literal, ("credential_validation", "configs/secrets_refs.yml")
    ),
    "secrets_refs query token": Place(
        _refs_query, ("credential_validation", "configs/secrets_refs.yml")
    ),
    "secrets_refs name": Place(
        _refs_name, ("credential_validation", "configs/secrets_refs.yml"), TOKEN_ONLY
    ),
    "PEM block": Place(_pem_block, ("secrets_scan", "code/dbt/models/sources.yml")),
    "Python constant": Place(_python_constant, ("secrets_scan", "code/spark/settings.py")),
    "SQL literal": Place(_sql_literal, ("secrets_scan", None)),
    "runbook DSN": Place(_runbook_dsn, ("secrets_scan", "runbooks/connect.md")),
    "requirements index URL": Place(_requirements, ("dependency_scan", None)),
    "requirements git URL": Place(_requirements_git, ("dependency_scan", None), TOKEN_ONLY),
    "dbt var": Place(_dbt_var, ("secrets_scan", "code/dbt/dbt_project.yml")),
    ".env file": Place(_dotenv, ("secrets_scan", "code/.env")),
    "Authorization header": Place(_bearer, ("secrets_scan", "evidence/request.json")),
    "YAML key": Place(_yaml_key, ("secrets_scan", None), TOKEN_ONLY),
    "recon note": Place(_recon_run, ("recon_severity", None)),
    "recon check id": Place(_recon_check_id, ("recon_severity", None), TOKEN_ONLY),
    "test assertion message": Place(_test_message, ("unit_tests", None), quoted=True),
    "SQL file name": Place(_sql_file_name, ("lint_sql", None), TOKEN_ONLY),
    # A token in a sampled column is a secret in a row: the sample writes it redacted. The plain
    # canary is data there; it goes to a column the mapping excludes, which no sample holds.
    "source row, sampled column": Place(
        _source_rows("status", "order_id IN (1, 2)"), ("extract_sample", None), TOKEN_ONLY
    ),
    "source row, excluded column": Place(
        _source_rows("internal_notes", "1 = 1"), ("extract_sample", None)
    ),
}

# Places outside the tree: the environment of the check process (the dry run's secret and a
# variable that only its name says is secret; Stage 3 refuses to run beside them and names them).
ENVIRONMENT_PLACES = ("MIGRATION_SECRET_SOURCE_DB", "DB_TOKEN")


def _environment(canary: str) -> dict[str, str]:
    return {
        "MIGRATION_SECRET_SOURCE_DB": f"postgresql://app:{canary}@127.0.0.1:9/shop",
        "DB_TOKEN": canary,
    }


# The dry run's connection, one tree each (stage 5 connects to one source): a secret named by
# url_ref in its own variable, the same in the MIGRATION_SECRETS bundle (beside a line that is
# not NAME=value), and a literal URL with a password in migration_config.yml.
def _url_ref(root: Path, canary: str) -> None:
    _replace(
        root,
        "configs/migration_config.yml",
        'url: "sqlite:///data/shop.sqlite"',
        "url_ref: SOURCE_DB",
    )
    _append(root, "configs/secrets_refs.yml", '  SOURCE_DB: "vault://kv/data/shop/db#url"\n')


CONNECTIONS: dict[str, tuple[Plant, Callable[[str], dict[str, str]]]] = {
    "dry-run secret variable": (
        _url_ref,
        lambda c: {"MIGRATION_SECRET_SOURCE_DB": f"postgresql://app:{c}@127.0.0.1:9/shop"},
    ),
    "MIGRATION_SECRETS bundle": (
        _url_ref,
        lambda c: {
            "MIGRATION_SECRETS": f"{c}\nSOURCE_DB=postgresql://app:{c}@127.0.0.1:9/shop?sslpassword={c}\n"
        },
    ),
    "DSN in migration_config.yml": (
        lambda root, c: _replace(
            root,
            "configs/migration_config.yml",
            'url: "sqlite:///data/shop.sqlite"',
            f'url: "postgresql://app:{c}@db.internal:5432/shop"',
        ),
        lambda c: {},
    ),
}


# --- the gate: approval records, commit messages, the branch ------------------------------------


def _records_everywhere(records: list[dict[str, Any]], kind: str) -> None:
    """The canary in every field of the records that keeps them valid (so they are judged):
    ids, approver, scope, comments, conditions, digest, reviewed artifacts, a role, a copied id.
    The plain canary is no approver id: a login is shown by design (gate/shown.py)."""
    canary = CANARIES[kind]
    everywhere(records, canary)
    if kind == "plain":
        records[0]["approver"]["id"] = records[2]["approver"]["id"] = "jsmith"
        records[1]["approver"]["id"] = "lchen"


def _records_invalid(records: list[dict[str, Any]], kind: str) -> None:
    """Every field a canary, the times and ids too: the file fails its schema."""
    canary = CANARIES[kind]
    for field in ("project_id", "plan_id", "transition", "approved_at", "expiry"):
        records[0][field] = canary
    records[1]["approved_at"] = f"2026-11-04T10:12:00{canary}"


RECORDS_PLACES = {
    "approval records, every field": _records_everywhere,
    "approval records, failing their schema": _records_invalid,
}


def _branch(kind: str) -> str:
    """The branch is a name, shown where it is wrong (the plain canary is not planted there)."""
    return f"{BRANCH}-{TOKEN}" if kind == "token" else BRANCH


def _commits(kind: str) -> list[str]:
    """A well-formed subject (never shown) and a malformed one (quoted: the plain canary is
    written after ``password=``)."""
    canary = CANARIES[kind]
    secret = canary if kind == "token" else f"password={canary}"
    return [
        f"[MIGRATION] UPDATE: rotate {canary}\n\nThe old one was {canary}.",
        f"wip {secret}",
    ]


# --- channels ------------------------------------------------------------------------------------

CHECK_FORMATS = ("text", "json", "sarif", "markdown", "github")
GATE_FORMATS = ("text", "json", "github", "markdown")
# The plain, base64 (3), URL-encoded (2) and hex (2) forms, and any 8-character piece.
FORMS = len(encodings(TOKEN)) + 1


def _written(prefix: str, done: Result, out: Path) -> dict[str, str]:
    channels = {f"{prefix} stdout": done.stdout, f"{prefix} stderr": done.stderr}
    for path in sorted(out.iterdir()):
        channels[f"{prefix} {path.name}"] = path.read_text(encoding="utf-8", errors="replace")
    return channels


def _dry_run_files() -> dict[str, str]:
    """dry_run_result.json and the samples: their bytes, and every value a sample holds."""
    import pyarrow.parquet as pq

    root = Path(os.environ["MIGRATION_CHECKS_DRY_RUN_DIR"])
    channels: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("latin-1")
        if path.suffix == ".parquet":
            text += json.dumps(pq.read_table(path).to_pylist(), default=str)
        channels[f"dry run {path.relative_to(root)}"] = text
    return channels


def _check(
    tree: Tree,
    stages: tuple[int, ...],
    env: dict[str, str],
    tmp: Path,
    name: str,
    formats: tuple[str, ...] = CHECK_FORMATS,
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """``check`` in each format: what each wrote, and each run's JSON result."""
    channels: dict[str, str] = {}
    results = []
    for fmt in formats:
        out = tmp / f"{name}-{fmt}"
        out.mkdir()
        done = run_cli(
            "check", str(tree.workspace), "--policy", str(tree.policy),
            *(a for s in stages for a in ("--stage", str(s))),
            "--format", fmt, "--result-file", str(out / "result.json"),
            env={
                **env,
                "GITHUB_STEP_SUMMARY": str(out / "summary.md"),
                "GITHUB_OUTPUT": str(out / "output"),
            },
        )  # fmt: skip
        assert done.exit_code == 1, done.output
        channels |= _written(f"{name} {fmt}", done, out)
        results.append(json.loads((out / "result.json").read_text(encoding="utf-8")))
    return channels, results


def _reached(results: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    """(check, path) of every finding, and (check, None) of every check that ran."""
    found: set[tuple[str, str | None]] = set()
    for result in results:
        for migration in result["migrations"]:
            found |= {(f["check"], f.get("path")) for f in migration["findings"]}
            found |= {
                (c["id"], None) for c in migration["checks"] if c["status"] in ("passed", "failed")
            }
    return found


def _hits(kind: str, channels: dict[str, str]) -> list[str]:
    canary = CANARIES[kind]
    return [
        f"{name}: {leaks(canary, text)[:3]}"
        for name, text in channels.items()
        if leaks(canary, text)
    ]


# --- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(CANARIES))
def test_no_canary_planted_in_the_tree_or_the_environment_reaches_any_channel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """Stages 1-6 over a tree holding the canary in every place of ``PLACES``, in every format,
    with the environment holding it too (so Stage 3 refuses to run and names the variables);
    then Stage 3 alone, without the secret variables, so the pull request's test runs and fails."""
    caplog.set_level(logging.DEBUG)
    tree = build_tree(tmp_path / "tree")
    planted = [name for name, place in PLACES.items() if kind in place.kinds]
    for name in planted:
        PLACES[name].plant(tree.migration, PLACES[name].secret(kind))
    canary = CANARIES[kind]
    assert (
        sum(
            canary in p.name or canary.encode() in p.read_bytes()
            for p in tree.migration.rglob("*")
            if p.is_file()
        )
        >= 20
    )

    channels, results = _check(
        tree, (1, 2, 3, 4, 5, 6), _environment(canary), tmp_path, "all stages"
    )
    refused = [
        f["message"]
        for r in results
        for m in r["migrations"]
        for f in m["findings"]
        if "stage 3 refused" in f["message"]
    ]
    assert refused and all(v in refused[0] for v in ENVIRONMENT_PLACES), refused
    # Stage 3 takes seconds (it runs the PR's tests): github (annotations, summary, outputs,
    # result file) and SARIF; the other formats render the same messages in the run above.
    code, code_results = _check(tree, (3,), {}, tmp_path, "stage 3", ("github", "sarif"))
    channels |= code | _dry_run_files()
    channels["logs"] = caplog.text

    missing = {name: PLACES[name].reach for name in planted}
    reached = _reached(results + code_results)
    missing = {name: reach for name, reach in missing.items() if reach not in reached}
    assert not missing, f"places no check read: {missing}"
    hits = _hits(kind, channels)
    places = len(planted) + len(ENVIRONMENT_PLACES)
    print(f"{kind}: {places} places x {len(channels)} channels x {FORMS} forms: {len(hits)} hits")
    assert not hits, hits


@pytest.mark.parametrize("kind", sorted(CANARIES))
@pytest.mark.parametrize("connection", sorted(CONNECTIONS))
def test_the_dry_run_never_shows_the_secret_it_connects_with(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, connection: str, kind: str
) -> None:
    """The connection is refused (nothing listens on port 9), or the URL is refused before any
    connection: the finding says so with the URL's password redacted, in every channel."""
    caplog.set_level(logging.DEBUG)
    plant, environment = CONNECTIONS[connection]
    tree = build_tree(tmp_path / "tree")
    plant(tree.migration, CANARIES[kind])
    channels, results = _check(tree, (5,), environment(CANARIES[kind]), tmp_path, connection)
    channels |= _dry_run_files()
    channels["logs"] = caplog.text
    assert ("connection_test", "configs/migration_config.yml") in _reached(results) or (
        "connection_test",
        None,
    ) in _reached(results)
    failed = [
        c for m in results[0]["migrations"] for c in m["checks"] if c["id"] == "connection_test"
    ]
    assert failed[0]["status"] == "failed", failed
    hits = _hits(kind, channels)
    print(
        f"{kind} {connection}: 1 place x {len(channels)} channels x {FORMS} forms: {len(hits)} hits"
    )
    assert not hits, hits


def _gate_tree(tmp: Path, kind: str, records_place: str) -> Tree:
    def factory(base: str = "shop", mutations: Any = None, **kwargs: Any) -> Tree:
        return build_tree(tmp, base, mutations, **kwargs)

    tree = gate_tree(factory)
    records = load_records(tree.migration)
    RECORDS_PLACES[records_place](records, kind)
    save_records(tree.migration, records, rehash=False)  # a canary stays in sha256_reviewed
    git_repo(tree.workspace, _commits(kind), branch=_branch(kind))
    return tree


@pytest.mark.parametrize("kind", sorted(CANARIES))
@pytest.mark.parametrize("records_place", sorted(RECORDS_PLACES))
def test_the_gate_never_shows_a_canary_offline_or_on_github(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, records_place: str, kind: str
) -> None:
    """``gate`` offline (git gives the commits and the branch) in every format, ``merge-message``,
    and ``gate`` on the fake GitHub (which gives them too): the sticky comment it posts, the
    labels it sets and every request body it sends are channels as well."""
    caplog.set_level(logging.DEBUG)
    tree = _gate_tree(tmp_path / "tree", kind, records_place)
    assert CANARIES[kind] in (tree.migration / RECORDS).read_text(encoding="utf-8")
    gate = (
        "gate",
        str(tree.workspace),
        "--policy",
        str(tree.policy),
        "--now",
        NOW,
        "--base",
        "main",
    )
    channels: dict[str, str] = {}
    for fmt in GATE_FORMATS:
        out = tmp_path / f"gate-{fmt}"
        out.mkdir()
        done = run_cli(
            *gate, "--format", fmt, "--result-file", str(out / "result.json"),
            env={"GITHUB_TOKEN": "", "GITHUB_STEP_SUMMARY": str(out / "summary.md"),
                 "GITHUB_OUTPUT": str(out / "output")},
        )  # fmt: skip
        assert done.exit_code == 1, done.output
        channels |= _written(f"gate {fmt}", done, out)
    merge = run_cli("merge-message", str(tree.workspace), "--policy", str(tree.policy),
                    "--now", NOW, "--base", "main")  # fmt: skip
    channels["merge-message stdout"] = merge.stdout
    channels["merge-message stderr"] = merge.stderr

    fake = FakeGithub(repo=REPO)
    fake.start()
    try:
        pull = approved_pull(fake, labels=["migration/proposed"])
        pull.head_ref = _branch(kind)
        for message in _commits(kind):
            pull.commit(message)
        out = tmp_path / "gate-online"
        out.mkdir()
        done = run_cli(
            *gate, "--repo", REPO, "--pr", "7", "--format", "github",
            "--result-file", str(out / "result.json"),
            env={"GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_API_URL": fake.base_url,
                 "GITHUB_STEP_SUMMARY": str(out / "summary.md"),
                 "GITHUB_OUTPUT": str(out / "output")},
        )  # fmt: skip
        assert done.exit_code in (0, 1), done.output
        channels |= _written("gate on GitHub", done, out)
        (comment,) = pull.comments
        channels["PR comment"] = comment["body"]
        channels["labels"] = json.dumps(pull.labels)
        channels["requests to GitHub"] = json.dumps([r.body for r in fake.requests])
    finally:
        fake.stop()
    channels["logs"] = caplog.text
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    on_records = [
        f for m in result["result"]["migrations"] for f in m["findings"] if f["path"] == RECORDS
    ]
    assert on_records, "the records were not judged"
    hits = _hits(kind, channels)
    print(
        f"{kind} {records_place}: 1 place x {len(channels)} channels x {FORMS} forms: {len(hits)} hits"
    )
    assert not hits, hits


def test_a_sample_replaces_credentials_in_text_and_keeps_other_values() -> None:
    """The regression test of the samples' redaction (``sampling.without_credentials``)."""
    import pyarrow as pa

    from migration_checks.source_db import sampling

    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    values = [
        TOKEN, f"see postgres://app:{PLAIN}@db/x", f"password={PLAIN}", "shipped", digest, None,
        "".join(chr(ord(c) + 0xFEE0) for c in "ghp_") + TOKEN[4:],  # in fullwidth letters
    ]  # fmt: skip
    kept, changed = sampling.without_credentials(pa.array(values))
    assert changed == 4
    assert kept.to_pylist() == [
        "[redacted]", "see postgres://app:[redacted]@db/x", "password=[redacted]", "shipped",
        digest, None, "[redacted]",
    ]  # fmt: skip
    numbers = pa.array([1, 2])
    assert sampling.without_credentials(numbers) == (numbers, 0)
