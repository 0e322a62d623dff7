"""The false-alarm families found by scanning real dbt packages, their CI, Airflow DAGs and
deployments (``secret_detection.ci_files``, and the SQL rules' prose and minified JavaScript):
each shape at its place is not reported, and a real credential written at the same place, or
the same shape elsewhere, still is (the near miss beside each)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from tests.unit.checks.stage4_security.test_secret_rules import scan

R = "Wq7vLp2xRz"  # a password


def _bytes(seed: str, count: int) -> bytes:
    out = b""
    while len(out) < count:
        out += hashlib.sha256(f"{seed}{len(out)}".encode()).digest()
    return out[:count]


HEX32 = _bytes("hex", 16).hex()  # an md5's width, as dbt's surrogate keys are
HEX40 = _bytes("hex40", 20).hex()
HEX16 = _bytes("hex16", 8).hex()
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _bytes("png", 300)).decode()
NOT_PNG = base64.b64encode(_bytes("data", 300)).decode()


def _b64_json(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


POWER_BI = _b64_json(
    {
        "k": "7f6b3daa-cfdf-4db1-9883-6e6f31b37c52",
        "t": "bb3c7ce5-2628-4c91-8cef-8017c6115978",
        "c": 6,
    }
)
PNG_BROKEN = "\n".join(PNG[i : i + 76] for i in range(0, len(PNG), 76))  # nbformat 3's lines
DNA = "ATGCAACAGCATTTTGAATTTGAATACCAGACCAAAGTGGATGGTGACCA"
NOT_DNA = DNA.replace("GTGGATGG", "GTG7ATGG")  # an AWS key id's shape: "ACCA", 16 of [A-Z0-9]


def notebook(source: list[str], outputs: list[dict[str, object]] | None = None) -> str:
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": outputs or []}
    return json.dumps({"cells": [cell], "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


GRAFANA = _b64_json({"k": _bytes("k", 16).hex(), "n": "ci", "id": 1}).rstrip("=")
HOOK = (
    "def get_ui_field_behaviour():\n"
    "    return {{\n"
    '        "{mapping}": {{\n'
    '            "password": "Astro Cloud API Token",\n'
    "        }},\n"
    "    }}\n"
)
RUST_CACHE = (
    "jobs:\n  b:\n    steps:\n      - uses: {uses}\n        with:\n          shared-key: {value}\n"
)
COLUMN_TYPES = (
    "seeds:\n  - name: provider\n    config:\n      column_types:\n        provider_credential: |\n"
    "          {value}\n"
)
JINJA_TYPE = '{%- if target.type in ("bigquery", "databricks") -%} string {%- else -%} varchar(95) {%- endif -%}'


WORKFLOW = ".github/workflows/ci.yml"
SERVICE = (
    "jobs:\n  test:\n    services:\n      postgres:\n        image: postgres:16\n        env:\n"
)
DAG = "dags/load.py"
K8S_SECRET = (
    "from airflow.providers.cncf.kubernetes.secret import Secret\n"
    "postgres_password_secret = Secret(\n"
    '    deploy_type="env",\n'
    '    deploy_target="POSTGRES_PASSWORD",\n'
    '    secret="{value}",\n'
    '    key="password",\n'
    ")\n"
)
GCLOUD = (
    "#!/bin/bash\n"
    "export CI_DBT_PASS=$(gcloud secrets versions access latest"
    ' --secret="{value}" --project="dbt-package-testing")\n'
)

# (family, path, text): nothing is reported.
NOT_FOUND = [
    ("user again: service", WORKFLOW, SERVICE + "          POSTGRES_USER: dbt\n          POSTGRES_PASSWORD: dbt\n"),
    ("user again: image default", WORKFLOW, SERVICE + "          POSTGRES_PASSWORD: postgres\n"),
    ("user again: circleci", ".circleci/config.yml", "jobs:\n  t:\n    docker:\n      - image: postgres:9.6\n        environment:\n          POSTGRES_USER: dbt\n          POSTGRES_PASSWORD: dbt\n"),
    ("user again: ini", "airflow/unit_tests.cfg", "[smtp]\nsmtp_user = airflow\nsmtp_password = airflow\n"),
    ("user again: mysql root", "docker-compose.yml", "services:\n  db:\n    environment:\n      MYSQL_ROOT_PASSWORD: root\n"),
    ("permissions", WORKFLOW, "permissions:\n  contents: read\n  id-token: write\n"),
    ("test double", WORKFLOW, "jobs:\n  t:\n    env:\n      DATABRICKS_TOKEN: mock\n"),
    ("context alternatives", WORKFLOW, "jobs:\n  t:\n    steps:\n      - with:\n          token: ${{ secrets.GATE_TOKEN || github.token }}\n"),
    ("password switch", WORKFLOW, SERVICE + '          MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1"\n'),
    ("env_var default named", "profiles.yml", "dev:\n  outputs:\n    pg:\n      password: \"{{ env_var('DBT_ENV_SECRET_POSTGRES_PASS', 'pass') }}\"\n      token: \"{{ env_var('DBT_ENV_SECRET_DATABRICKS_TOKEN', 'token') }}\"\n"),
    ("sample profile", "sample_profiles.yml", "default:\n  outputs:\n    dev:\n      user: [dev_username]\n      pass: [dev_password]\n"),
    ("google credentials file", WORKFLOW, "jobs:\n  t:\n    env:\n      GOOGLE_APPLICATION_CREDENTIALS: /tmp/google_credentials.json\n"),
    ("gcloud secret name", ".buildkite/hooks/pre-command", GCLOUD.format(value="CI_DBT_PASS")),
    ("kubernetes secret name", DAG, K8S_SECRET.format(value="postgres-secrets")),
    ("identified by: prose", "README.md", "Filtered events are identified by the `is_filtered_event` field.\n"),
    ("identified by: comment", "cache.py", "# the cache is identified by where it is used.\n"),
    ("quoted password", "docs/index.html", 'var user = t.val(); "password" === s || n.ngTrim && "false" === n.x;\n'),
    ("identified by: SQL comment", "models/prep.sql", "select iff(created_by_id = 'x', 'a', 'b') -- web subscriptions are identified by that created_by_id\nfrom s\n"),
    ("identified by: macro prose", "macros/ext.sql", "{#\n  Extension columns are identified by a prefix (default: 'x_').\n#}\n"),
    ("digest data in dbt SQL", "models/prep.sql", f"select * from s\nwhere id not in ('{HEX32}',\n  '{HEX32[::-1]}')\n"),
    ("digest under a plain key in dbt YAML", "models/unit.yml", f"given:\n  - rows:\n      - member_month_key: '{HEX32}'\n"),
    ("alembic revisions", "migrations/versions/6828cc5b1a4f_add_state.py", '"""add state\n\nRevision ID: 6828cc5b1a4f\nRevises: 53e97221d99f\n"""\n\nrevision = "6828cc5b1a4f"\ndown_revision = "53e97221d99f"\n'),
    ("notebook image", "analysis.ipynb", json.dumps({"outputs": [{"data": {"image/png": PNG + "\n"}}]}, indent=1)),
    ("notebook image, broken every 76", "analysis.ipynb", notebook([], [{"data": {"image/png": PNG_BROKEN}}])),
    ("notebook: DNA", "genome.ipynb", notebook([], [{"data": {"text/plain": [f"4  {DNA}...      3"]}}])),
    ("notebook: a cell reading the environment", "load.ipynb", notebook(['import os\n', 'password = os.environ["SNOWFLAKE_PASSWORD"]\n'])),
    ("power bi embed", "docs/dashboards.md", f"href: 'https://app.fabric.microsoft.com/view?r={POWER_BI}'\n"),
    ("codecov graph token", "README.md", "[![codecov](https://codecov.io/gh/o/r/branch/main/graph/badge.svg?token=MI4SSE50Q6)](https://codecov.io/gh/o/r)\n"),
    ("getter call", "guide.md", "password = os.environ['PASSWORD_AIRFLOW_INSTANCE']\n"),
    ("key as its value", "run.sh", 'export SALT_PASSWORD="SALT_PASSWORD"\n'),
    ("npm version ranges", "package-lock.json", '{"packages": {"node_modules/x": {"dependencies": {"js-tokens": "^4.0.0", "registry-auth-token": "^3.0.0 || ^4.0.0"}}}}\n'),
    ("cache key", WORKFLOW, RUST_CACHE.format(uses="Swatinem/rust-cache@v2", value="cargo-ci-tool")),
    ("dbt column types", "seeds/provider.yml", COLUMN_TYPES.format(value=JINJA_TYPE)),
    ("airflow form labels", "plugins/hooks/astro.py", HOOK.format(mapping="relabeling")),
    ("boolean", "README.md", "ALTER USER x SET MUST_CHANGE_PASSWORD=FALSE;\n"),
    ("minio defaults", "docker-compose.yml", "services:\n  minio:\n    environment:\n      MINIO_ACCESS_KEY: minio\n      MINIO_SECRET_KEY: minio123\n"),
    ("user again: e-mail", "docker-compose.yml", "services:\n  pgadmin:\n    environment:\n      PGADMIN_DEFAULT_EMAIL: admin@admin.com\n      PGADMIN_DEFAULT_PASSWORD: admin\n"),
    ("minified code between literals", "docs/index.html", '<script>e.prototype.toString=function(){return"Resolvable(token: "+(0,a.As)(this.token)+", requires: ["+t+"])"}</script>\n'),
    ("fetch credentials mode", "app.js", 'const r = await fetch(url, { cache: "no-store", credentials: "include" });\n'),
    ("context alternatives: empty fallback", WORKFLOW, "jobs:\n  t:\n    env:\n      CI_WAREHOUSE_SECRETS: ${{ secrets.CI_WAREHOUSE_SECRETS || '' }}\n"),
]  # fmt: skip

# (family, path, text): R is reported, on its line.
FOUND = [
    ("user again: other user", WORKFLOW, SERVICE + f"          POSTGRES_USER: dbt\n          POSTGRES_PASSWORD: dbt{R}\n"),
    ("user again: ini", "airflow/unit_tests.cfg", f"[smtp]\nsmtp_user = airflow\nsmtp_password = {R}\n"),
    ("user again: other image", WORKFLOW, SERVICE + f"          REDIS_PASSWORD: {R}\n"),
    ("permissions: not a level", WORKFLOW, f"permissions:\n  id-token: {R}\n"),
    ("test double: longer", WORKFLOW, f"jobs:\n  t:\n    env:\n      DATABRICKS_TOKEN: mock{R}\n"),
    ("context alternatives: literal fallback", WORKFLOW, f"jobs:\n  t:\n    steps:\n      - with:\n          token: ${{{{ secrets.GATE_TOKEN || '{R}' }}}}\n"),
    ("password switch: not a flag", WORKFLOW, SERVICE + f"          MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: {R}\n"),
    ("env_var default: literal", "profiles.yml", f"dev:\n  outputs:\n    pg:\n      password: \"{{{{ env_var('DBT_PASS', '{R}') }}}}\"\n"),
    ("sample profile: literal item", "sample_profiles.yml", f"default:\n  outputs:\n    dev:\n      pass: [{R}]\n"),
    ("google credentials: not a path", WORKFLOW, f"jobs:\n  t:\n    env:\n      GOOGLE_APPLICATION_CREDENTIALS: {R}\n"),
    ("gcloud: not a name", ".buildkite/hooks/pre-command", GCLOUD.format(value=R)),
    ("kubernetes secret: not a name", DAG, K8S_SECRET.format(value=R)),
    ("kubernetes secret: not in Secret(", DAG, f'conn = Connection(\n    secret="pg-{R.lower()}",\n)\n'),
    ("identified by: DDL", "runbook.md", f"ALTER USER app IDENTIFIED BY {R};\n"),
    ("identified by: end of statement", "job.py", f'SQL = """create user app\n  identified by {R};\n"""\n'),
    ("quoted password: keyword and value", "setup.md", f"CREATE SERVER s OPTIONS (user 'bob', \"password\" '{R}');\n"),
    ("identified by: SQL file, end of line", "grants.sql", f"CREATE USER app\n  identified by {R}\n  default tablespace users;\n"),
    ("digest under a credential key", "models/unit.yml", f"vars:\n  api_key: '{HEX32}'\n"),
    ("hex of another width in dbt SQL", "models/prep.sql", f"select * from s where id = '{HEX40}'\n"),
    ("notebook: not an image", "analysis.ipynb", json.dumps({"outputs": [{"data": {"image/png": NOT_PNG}}]}, indent=1)),
    ("alembic: another width", "migrations/versions/x.py", f'revision = "{HEX16}"\n'),
    ("notebook: a cell's password", "load.ipynb", notebook(['import snowflake.connector\n', f'conn = snowflake.connector.connect(user="etl", password="{R}")\n'])),
    ("notebook: a cell's DSN", "load.ipynb", notebook([f'conn = psycopg.connect("host=db port=5432 dbname=shop user=etl password={R}")\n'])),
    ("notebook: a printed password", "load.ipynb", notebook([], [{"name": "stdout", "text": [f'password="{R}"\n']}])),
    ("DNA with another letter", "genome.ipynb", notebook([], [{"data": {"text/plain": [f"4  {NOT_DNA}"]}}])),
    ("grafana key", "docs/grafana.md", f"key: {GRAFANA}\n"),
    ("codecov: not a graph token", "README.md", f"![c](https://codecov.io/gh/o/r/graph/badge.svg?token={R})\n"),
    ("codecov: a parameter after it", "README.md", f"![c](https://codecov.io/gh/o/r/graph/badge.svg?token=MI4SSE50Q6)](https://x.example/?password={R})\n"),
    ("getter with a literal default", "guide.md", f"password = os.environ.get('DB_PASSWORD', '{R}')\n"),
    ("key as value: another name", "run.sh", f'export SALT_PASSWORD="SALT_{R}"\n'),
    ("npm: not a version", "package.json", f'{{"dependencies": {{"registry-auth-token": "{R}"}}}}\n'),
    ("cache key: another action", WORKFLOW, RUST_CACHE.format(uses="some/deploy@v1", value=R.lower())),
    ("column types: not a type", "seeds/provider.yml", COLUMN_TYPES.replace("|\n          {value}", R)),
    ("form labels: another mapping", "plugins/hooks/astro.py", HOOK.format(mapping="extra").replace("Astro Cloud API Token", R)),
    ("boolean-like", "README.md", f"MUST_CHANGE_PASSWORD={R}\n"),
    ("minio: another value", "docker-compose.yml", f"services:\n  minio:\n    environment:\n      MINIO_SECRET_KEY: minio{R}\n"),
    ("user again: another e-mail", "docker-compose.yml", f"services:\n  pgadmin:\n    environment:\n      PGADMIN_DEFAULT_EMAIL: admin@admin.com\n      PGADMIN_DEFAULT_PASSWORD: admin{R}\n"),
    ("minified: in a Markdown file", "notes.md", f'token: " + Object(a.m)(this.{R}) + "\n'),
    ("fetch: another mode", "app.js", f'fetch(url, {{ credentials: "{R}" }})\n'),
]  # fmt: skip


@pytest.mark.parametrize(("family", "path", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_not_found(family: str, path: str, text: str) -> None:
    assert scan(path, text) == [], family


@pytest.mark.parametrize(("family", "path", "text"), FOUND, ids=[c[0] for c in FOUND])
def test_near_miss_found(family: str, path: str, text: str) -> None:
    tokens = (R, R.lower(), HEX32, HEX40, HEX16, NOT_PNG, PNG, GRAFANA, NOT_DNA)
    secret = next(t for t in tokens if t in text)
    line = text.count("\n", 0, text.index(secret)) + 1
    hits = scan(path, text)
    assert line in {hit.line for hit in hits}, (family, hits)
    assert all(secret not in repr(hit) for hit in hits)


def test_a_pathological_notebook_scans_in_linear_time() -> None:
    """A notebook's string lines are decoded and scanned once more (``notebooks``): a quarter
    megabyte of escaped quotes on one line, and of string lines each with a password, stay
    within the pathological test's alarm (a quadratic decoding would not)."""
    from tests.secrets_pathological import scan_once
    from tests.unit.test_secrets_pathological import ALARM_S, alarm

    one_line = '"' + '\\"password\\" = \\"x\\", ' * 10_000 + '"\n'
    many_lines = '    "password = \\"hunter2x\\"\\n",\n' * 7_500
    for text in (one_line, many_lines):
        with alarm(ALARM_S):
            scan_once("analysis.ipynb", text)
