"""Write ``secrets_migration.jsonl``: labelled secret and non-secret cases shaped like what a data
migration repository holds, one family of cases per kind of secret or of false alarm.

    python benchmarks/corpora/build_secrets_migration.py          # rewrite the corpus
    python benchmarks/corpora/build_secrets_migration.py --check  # exit 1 if it is stale

This file is the corpus's source: edit the cases here and rewrite the JSONL (a test fails when the
two differ). Every case was written for this project. No credential in it is real or was ever
issued: passwords are made up, and token bodies are drawn from a seeded pseudo-random generator
(``fake``), in each vendor's documented shape, so that detectors see what they would see in a
leak; none is a vendor's documentation example (those are placeholders, and detectors rightly let
them pass).

One JSON object per line:

- ``id``: unique, ``<family>:<slug>``;
- ``family``: ``pos:...`` for secrets, ``neg:...`` for what is not one;
- ``label``: ``"secret"`` or ``"not_secret"``;
- ``filename``: the path the case's file has in the migration directory (its type matters);
- ``line``: for a secret, the 1-based line of the file it is on (where a multi-line secret starts:
  a PEM block's ``-----BEGIN`` line); ``other_lines``: other lines of the same secret, where
  finding it counts too (an AWS key pair's key ID);
- ``encoding``: absent when ``text`` is the file's text (written as UTF-8); ``"base64"`` when
  ``text`` is the file's bytes in base64 (UTF-16 with a BOM, a stray non-UTF-8 byte);
- ``text``: the file's content;
- ``why``: one line saying why it is (not) a secret.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import random
import string
import sys
import textwrap
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent / "secrets_migration.jsonl"

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
LOWER_DIGITS = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"

CASES: list[dict[str, object]] = []


def rng(salt: str) -> random.Random:
    return random.Random(f"secrets-migration:{salt}")


def fake(alphabet: str, n: int, salt: str) -> str:
    """``n`` characters of ``alphabet``, the same for the same salt on every run."""
    r = rng(salt)
    return "".join(r.choice(alphabet) for _ in range(n))


def fake_bytes(n: int, salt: str) -> bytes:
    return rng(salt).randbytes(n)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(payload: dict[str, object], salt: str, alg: str = "HS256") -> str:
    header = {"alg": alg, "typ": "JWT"}
    signature_bytes = 256 if alg.startswith("RS") else 32
    return ".".join(
        [
            b64url(json.dumps(header, separators=(",", ":")).encode()),
            b64url(json.dumps(payload, separators=(",", ":")).encode()),
            b64url(fake_bytes(signature_bytes, salt)),
        ]
    )


_DER_HEADS = {
    "RSA PRIVATE KEY": bytes.fromhex("308204a40201000282010100"),
    "PRIVATE KEY": bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8"),
    "EC PRIVATE KEY": bytes.fromhex("307702010104"),
    "OPENSSH PRIVATE KEY": b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none",
}
_DER_SIZES = {
    "RSA PRIVATE KEY": 1190,
    "PRIVATE KEY": 1218,
    "EC PRIVATE KEY": 115,
    "OPENSSH PRIVATE KEY": 360,
}


def pem_body(kind: str, salt: str, width: int = 64) -> list[str]:
    """The base64 lines of a fake private key of ``kind``: a plausible DER (or OpenSSH) head,
    then seeded random bytes."""
    head = _DER_HEADS[kind]
    data = base64.b64encode(head + fake_bytes(_DER_SIZES[kind] - len(head), salt)).decode()
    return [data[i : i + width] for i in range(0, len(data), width)]


def pem(kind: str, salt: str, width: int = 64) -> str:
    body = "\n".join(pem_body(kind, salt, width))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


def ed25519_ssh(salt: str) -> str:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + fake_bytes(32, salt)
    return "ssh-ed25519 " + base64.b64encode(blob).decode()


def sha(kind: str, salt: str) -> str:
    return hashlib.new(kind, salt.encode()).hexdigest()


def t(text: str) -> str:
    """A case's text written indented in this file: dedented, without the first newline."""
    return textwrap.dedent(text).lstrip("\n")


def _line_of(text: str, at: str, case_id: str) -> int:
    offset = text.find(at)
    if offset < 0:
        raise SystemExit(f"{case_id}: {at!r} is not in the text")
    return text.count("\n", 0, offset) + 1


def _add(record: dict[str, object]) -> None:
    if any(c["id"] == record["id"] for c in CASES):
        raise SystemExit(f"duplicate id {record['id']}")
    CASES.append(record)


def pos(
    family: str,
    slug: str,
    filename: str,
    text: str,
    at: str,
    why: str,
    *,
    also: tuple[str, ...] = (),
) -> None:
    """A secret: ``at`` is text on the secret's line (its first occurrence counts); ``also``,
    text on other lines of the same secret."""
    case_id = f"pos:{family}:{slug}"
    record: dict[str, object] = {
        "id": case_id,
        "family": f"pos:{family}",
        "label": "secret",
        "filename": filename,
        "line": _line_of(text, at, case_id),
    }
    if also:
        record["other_lines"] = [_line_of(text, a, case_id) for a in also]
    record |= {"text": text, "why": why}
    _add(record)


def pos_bytes(
    family: str, slug: str, filename: str, raw: bytes, codec: str, at: str, why: str
) -> None:
    """A secret in a file whose bytes are not plain UTF-8; ``codec`` reads them as a person
    would (to place ``at``)."""
    case_id = f"pos:{family}:{slug}"
    text = raw.decode(codec)
    _add(
        {
            "id": case_id,
            "family": f"pos:{family}",
            "label": "secret",
            "filename": filename,
            "line": _line_of(text.removeprefix("\ufeff"), at, case_id),
            "encoding": "base64",
            "text": base64.b64encode(raw).decode(),
            "why": why,
        }
    )


def neg(family: str, slug: str, filename: str, text: str, why: str) -> None:
    _add(
        {
            "id": f"neg:{family}:{slug}",
            "family": f"neg:{family}",
            "label": "not_secret",
            "filename": filename,
            "text": text,
            "why": why,
        }
    )


# =================================================================================================
# POSITIVES
# =================================================================================================

# --- libpq key=value connection strings with a password (psycopg, dblink, pg_dump, psql) --------

pos(
    "libpq_dsn",
    "psycopg2-connect",
    "code/etl/extract_orders.py",
    t("""
    import psycopg2

    SOURCE = (
        "host=pg-replica.internal port=5432 dbname=shop "
        "user=etl_reader password=Hx7#pLq2vZ sslmode=require"
    )


    def connect():
        return psycopg2.connect(SOURCE)
    """),
    "password=Hx7#pLq2vZ",
    "a libpq key=value DSN in code with a literal password",
)
pos(
    "libpq_dsn",
    "dblink-query",
    "code/sql/transforms/load_legacy_orders.sql",
    t("""
    INSERT INTO staging.legacy_orders (id, customer_id, total)
    SELECT id, customer_id, total
    FROM dblink(
        'host=10.20.0.14 dbname=legacy user=migrator password=OldSh0p-2019',
        'SELECT id, customer_id, total FROM orders WHERE created_at < now()'
    ) AS t(id bigint, customer_id bigint, total numeric(12, 2));
    """),
    "password=OldSh0p-2019",
    "dblink() with a connection string that carries the password",
)
pos(
    "libpq_dsn",
    "dblink-connect-quoted",
    "code/sql/fdw/connect_crm.sql",
    t("""
    -- one named connection for the whole session
    SELECT dblink_connect(
        'legacy_crm',
        'hostaddr=10.0.3.7 port=5433 dbname=crm user=crm_ro password=''cRm!ro#88'''
    );
    SELECT * FROM dblink('legacy_crm', 'SELECT id, email FROM contacts') AS c(id int, email text);
    """),
    "password=''cRm!ro#88''",
    "dblink_connect with a quoted password ('' inside a SQL literal)",
)
pos(
    "libpq_dsn",
    "airflow-split-string",
    "code/airflow/dags/copy_ledger.py",
    t("""
    from datetime import datetime

    from airflow import DAG
    from airflow.operators.python import PythonOperator

    LEDGER_DSN = (
        "host=ledger-db.prod.internal "
        "dbname=ledger "
        "user=ledger_sync "
        "password=Vw2x9LmQ4r "
        "connect_timeout=10"
    )


    def copy_ledger():
        import psycopg2

        with psycopg2.connect(LEDGER_DSN) as conn:
            conn.cursor().execute("CALL ledger.copy_month()")


    with DAG("copy_ledger", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
        PythonOperator(task_id="copy", python_callable=copy_ledger)
    """),
    "password=Vw2x9LmQ4r",
    "an Airflow DAG building a DSN from string pieces, one of them the password",
)
pos(
    "libpq_dsn",
    "pg-dump-shell",
    "code/scripts/dump_source.sh",
    t("""
    #!/usr/bin/env bash
    set -euo pipefail
    pg_dump "host=db.old.example.net dbname=shop user=backup password=b4ckup_N0v" \\
      --format=custom --file=shop.dump --schema=public
    """),
    "password=b4ckup_N0v",
    "pg_dump given a conninfo string with the password in a shell script",
)
pos(
    "libpq_dsn",
    "env-quoted-value",
    "code/.env",
    t("""
    LEGACY_HOST=inv-pg.internal
    LEGACY_DSN="dbname=inventory host=inv-pg.internal user=inv_etl password='Tq 7 lime Rx'"
    BATCH_SIZE=5000
    """),
    "password='Tq 7 lime Rx'",
    "a DSN in .env whose password is single-quoted with spaces (libpq quoting)",
)
pos(
    "libpq_dsn",
    "yaml-config",
    "code/etl/config.yaml",
    t("""
    source:
      kind: postgres
      dsn: "host=pg-01.billing.internal port=5432 dbname=billing user=billing_ro password=Pz8kT3wq sslmode=verify-full"
      tables: [invoices, invoice_lines, payments]
    target:
      kind: delta
      path: s3://lake-bronze/billing/
    """),
    "password=Pz8kT3wq",
    "a YAML value holding a libpq DSN with a password (the key is dsn, not password)",
)
pos(
    "libpq_dsn",
    "runbook-psql",
    "runbooks/cutover.md",
    t("""
    # Cut-over

    1. Stop the writers.
    2. Check the row counts on the old primary:

       ```sh
       psql 'host=10.4.0.21 user=postgres password=Cut0ver!Night dbname=shop' -c 'select count(*) from orders'
       ```

    3. Start the copy job.
    """),
    "password=Cut0ver!Night",
    "a runbook's psql command with a conninfo string holding the superuser's password",
)
pos(
    "libpq_dsn",
    "fstring-dsn",
    "code/spark/read_source.py",
    t("""
    def source_dsn(host: str) -> str:
        return f"host={host} port=5432 dbname=shop user=spark_ro password=Rk4!zw8Qm application_name=spark"
    """),
    "password=Rk4!zw8Qm",
    "an f-string DSN whose host is a variable but whose password is literal",
)

# --- SQL that creates a user with a password ---------------------------------------------------

pos(
    "sql_create_user",
    "pg-with-password",
    "code/sql/migrations/V12__create_etl_user.sql",
    t("""
    CREATE USER etl_loader WITH PASSWORD 'Lq8#vR2mZx';
    GRANT CONNECT ON DATABASE shop TO etl_loader;
    GRANT USAGE ON SCHEMA staging TO etl_loader;
    """),
    "Lq8#vR2mZx",
    "PostgreSQL CREATE USER ... WITH PASSWORD with a literal",
)
pos(
    "sql_create_user",
    "pg-role-login",
    "code/sql/roles.sql",
    t("""
    -- reporting reads the marts only
    CREATE ROLE reporting LOGIN PASSWORD 'rep0rting-2024' VALID UNTIL '2026-01-01';
    GRANT SELECT ON ALL TABLES IN SCHEMA marts TO reporting;
    """),
    "rep0rting-2024",
    "CREATE ROLE ... LOGIN PASSWORD with a literal",
)
pos(
    "sql_create_user",
    "mysql-identified-by",
    "code/sql/mysql/001_users.sql",
    t("""
    CREATE USER 'migrator'@'%' IDENTIFIED BY 'Mg7$kd93Lw';
    GRANT SELECT, LOCK TABLES, SHOW VIEW ON shop.* TO 'migrator'@'%';
    FLUSH PRIVILEGES;
    """),
    "IDENTIFIED BY 'Mg7$kd93Lw'",
    "MySQL CREATE USER ... IDENTIFIED BY with a literal",
)
pos(
    "sql_create_user",
    "oracle-identified-by",
    "code/sql/oracle/create_stage_owner.sql",
    t("""
    CREATE USER stage_owner IDENTIFIED BY "St4ge_0wner#1"
      DEFAULT TABLESPACE users
      QUOTA UNLIMITED ON users;
    GRANT CREATE SESSION, CREATE TABLE TO stage_owner;
    """),
    'IDENTIFIED BY "St4ge_0wner#1"',
    "Oracle CREATE USER ... IDENTIFIED BY with a quoted literal",
)
pos(
    "sql_create_user",
    "mssql-login",
    "code/sql/mssql/logins.sql",
    t("""
    USE master;
    GO
    CREATE LOGIN etl_login WITH PASSWORD = N'Etl#Login2024!', CHECK_POLICY = OFF;
    GO
    """),
    "N'Etl#Login2024!'",
    "SQL Server CREATE LOGIN ... WITH PASSWORD = N'...'",
)
pos(
    "sql_create_user",
    "dbt-macro",
    "code/dbt/macros/create_ci_user.sql",
    t("""
    {% macro create_ci_user() %}
      {% set sql %}
        CREATE USER IF NOT EXISTS dbt_ci WITH ENCRYPTED PASSWORD 'ci-Runner-77q';
        GRANT USAGE ON SCHEMA {{ target.schema }} TO dbt_ci;
      {% endset %}
      {% do run_query(sql) %}
    {% endmacro %}
    """),
    "ci-Runner-77q",
    "a dbt macro (Jinja) whose SQL creates a user with a literal password",
)
pos(
    "sql_create_user",
    "python-execute",
    "code/etl/bootstrap_roles.py",
    t("""
    def bootstrap(cur):
        cur.execute("CREATE SCHEMA IF NOT EXISTS analytics")
        cur.execute("CREATE USER analytics_svc WITH PASSWORD 'An4lytics!svc'")
        cur.execute("GRANT USAGE ON SCHEMA analytics TO analytics_svc")
    """),
    "An4lytics!svc",
    "SQL in a Python string creating a user with a literal password",
)
pos(
    "sql_create_user",
    "snowflake-create-user",
    "code/sql/snowflake/users.sql",
    t("""
    USE ROLE USERADMIN;
    CREATE USER IF NOT EXISTS LOADER_SVC
      PASSWORD = 'Sn0w!Load-42'
      DEFAULT_ROLE = LOADER
      MUST_CHANGE_PASSWORD = FALSE;
    """),
    "Sn0w!Load-42",
    "Snowflake CREATE USER with PASSWORD = '...'",
)

# --- CREATE / ALTER USER MAPPING ... OPTIONS (password ...) -------------------------------------

pos(
    "sql_user_mapping",
    "postgres-fdw",
    "code/sql/fdw/legacy_server.sql",
    t("""
    CREATE EXTENSION IF NOT EXISTS postgres_fdw;
    CREATE SERVER legacy_srv FOREIGN DATA WRAPPER postgres_fdw
      OPTIONS (host '10.20.0.14', port '5432', dbname 'legacy');
    CREATE USER MAPPING FOR etl SERVER legacy_srv OPTIONS (user 'legacy_ro', password 'L3gacy-R0!');
    IMPORT FOREIGN SCHEMA public FROM SERVER legacy_srv INTO legacy;
    """),
    "password 'L3gacy-R0!'",
    "postgres_fdw user mapping with a literal password option",
)
pos(
    "sql_user_mapping",
    "multiline-options",
    "code/sql/migrations/V3__crm_fdw.sql",
    t("""
    CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER
      SERVER crm_source
      OPTIONS (
        user 'crm_reader',
        password 'crmPw_551x'
      );
    """),
    "password 'crmPw_551x'",
    "user mapping whose OPTIONS span lines; the password is on its own line",
)
pos(
    "sql_user_mapping",
    "alter-mapping-set",
    "code/sql/fdw/rotate.sql",
    t("""
    ALTER USER MAPPING FOR public SERVER warehouse OPTIONS (SET password 'Wh-new-8812');
    """),
    "SET password 'Wh-new-8812'",
    "ALTER USER MAPPING ... OPTIONS (SET password '...')",
)
pos(
    "sql_user_mapping",
    "mysql-fdw",
    "code/sql/fdw/mysql_source.sql",
    t("""
    CREATE SERVER mysql_src FOREIGN DATA WRAPPER mysql_fdw OPTIONS (host 'mysql-legacy', port '3306');
    CREATE USER MAPPING FOR CURRENT_USER SERVER mysql_src
      OPTIONS (username 'root', password 'MyR00t#src');
    """),
    "password 'MyR00t#src'",
    "mysql_fdw user mapping with the source's root password",
)

# --- ALTER ROLE / ALTER USER / SET PASSWORD -------------------------------------------------------

pos(
    "sql_alter_role",
    "pg-alter-role",
    "code/sql/migrations/V14__rotate_app_password.sql",
    t("""
    ALTER ROLE app_rw WITH PASSWORD 'AppRw!2025q';
    """),
    "AppRw!2025q",
    "ALTER ROLE ... WITH PASSWORD with a literal",
)
pos(
    "sql_alter_role",
    "pg-alter-user",
    "code/sql/post_cutover.sql",
    t("""
    -- after the cut-over, new credentials for the reporting tool
    ALTER USER reporting PASSWORD 'Rpt-rot4ted';
    REVOKE ALL ON SCHEMA legacy FROM reporting;
    """),
    "Rpt-rot4ted",
    "ALTER USER ... PASSWORD with a literal",
)
pos(
    "sql_alter_role",
    "mysql-alter-user",
    "code/sql/mysql/rotate.sql",
    t("""
    ALTER USER 'etl'@'10.%' IDENTIFIED BY 'N3wEtl$pw';
    """),
    "N3wEtl$pw",
    "MySQL ALTER USER ... IDENTIFIED BY",
)
pos(
    "sql_alter_role",
    "mysql-set-password",
    "code/sql/mysql/legacy.sql",
    t("""
    SET PASSWORD FOR 'legacy'@'localhost' = 'Leg@cy77x';
    """),
    "Leg@cy77x",
    "MySQL SET PASSWORD FOR ... = '...'",
)
pos(
    "sql_alter_role",
    "snowflake-alter-user",
    "code/sql/snowflake/rotate_loader.sql",
    t("""
    ALTER USER LOADER_SVC SET PASSWORD = 'Snf-Rot8-Q2z';
    ALTER USER LOADER_SVC SET DEFAULT_WAREHOUSE = LOAD_WH;
    """),
    "Snf-Rot8-Q2z",
    "Snowflake ALTER USER ... SET PASSWORD",
)
pos(
    "sql_alter_role",
    "psql-heredoc",
    "code/scripts/replication.sh",
    t("""
    #!/bin/sh
    psql -v ON_ERROR_STOP=1 --dbname shop <<'SQL'
    ALTER ROLE replicator WITH REPLICATION LOGIN ENCRYPTED PASSWORD 'r3pl1cat0r-Kw';
    SELECT pg_create_physical_replication_slot('lake_slot');
    SQL
    """),
    "r3pl1cat0r-Kw",
    "ALTER ROLE ... ENCRYPTED PASSWORD inside a shell heredoc",
)

# --- .pgpass lines ------------------------------------------------------------------------------

pos(
    "pgpass",
    "pgpass-file",
    ".pgpass",
    t("""
    db-prod.internal:5432:shop:etl:Pg!pass-7781
    """),
    "Pg!pass-7781",
    "a .pgpass line: host:port:db:user:password",
)
pos(
    "pgpass",
    "pgpass-commented",
    "ops/pgpass",
    t("""
    # hostname:port:database:username:password
    # replica for the backfill
    *:5432:*:replicator:Rp9Lk2wQ
    """),
    "Rp9Lk2wQ",
    "a pgpass file with its header comment and a wildcard line",
)
pos(
    "pgpass",
    "shell-echo",
    "code/scripts/bootstrap.sh",
    t("""
    #!/usr/bin/env bash
    set -eu
    echo "pg-legacy:5432:legacy:migrator:M1gr@te!now" > ~/.pgpass
    chmod 600 ~/.pgpass
    """),
    "M1gr@te!now",
    "a shell script writing a pgpass line with the password",
)
pos(
    "pgpass",
    "dockerfile",
    "code/docker/Dockerfile",
    t("""
    FROM postgres:16
    RUN echo "localhost:5432:*:postgres:Dock3rPg-x1" >> /root/.pgpass && chmod 600 /root/.pgpass
    COPY init/ /docker-entrypoint-initdb.d/
    """),
    "Dock3rPg-x1",
    "a Dockerfile baking a pgpass line into the image",
)
pos(
    "pgpass",
    "escaped-colon",
    "ops/.pgpass",
    t("""
    10.1.2.3:6432:billing:billing_app:bill\\:ing2024
    10.1.2.4:6432:billing:billing_app:bill\\:ing2024
    """),
    "bill\\:ing2024",
    "pgpass lines whose password contains an escaped colon",
)
pos(
    "pgpass",
    "workflow-step",
    ".github/workflows/ci.yml",
    t("""
    name: ci
    on: [pull_request]
    jobs:
      test:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: echo "${{ env.PGHOST }}:5432:shop:ci:Ci-Pgpass-44q" > ~/.pgpass
          - run: make test
    """),
    "Ci-Pgpass-44q",
    "a workflow step writing a pgpass line: the host is an expression, the password a literal",
)

# --- HTTP basic auth in code ---------------------------------------------------------------------

pos(
    "http_basic_auth",
    "requests-tuple",
    "code/etl/export_api.py",
    t("""
    import requests

    BASE = "https://exports.vendor.example/api/v2"


    def fetch(page: int) -> dict:
        resp = requests.get(f"{BASE}/orders", params={"page": page}, auth=("svc_export", "Exp0rt!key9"))
        resp.raise_for_status()
        return resp.json()
    """),
    '"Exp0rt!key9"',
    "requests auth=(user, password) with a literal password",
)
pos(
    "http_basic_auth",
    "httpbasicauth",
    "code/airflow/plugins/hooks/vendor.py",
    t("""
    from requests.auth import HTTPBasicAuth

    VENDOR_AUTH = HTTPBasicAuth("airflow", "Af-basic-2024x")
    """),
    "Af-basic-2024x",
    "requests.auth.HTTPBasicAuth with a literal password",
)
pos(
    "http_basic_auth",
    "session-auth",
    "code/etl/crm_client.py",
    t("""
    import requests

    session = requests.Session()
    session.auth = ('api_user', 'k8Lz2QwPx')
    session.headers["Accept"] = "application/json"
    """),
    "'k8Lz2QwPx'",
    "a requests session's auth tuple with a literal password",
)
pos(
    "http_basic_auth",
    "aiohttp",
    "code/etl/async_pull.py",
    t("""
    import aiohttp

    AUTH = aiohttp.BasicAuth('etl', 'aioHttp#55z')


    async def pull(url):
        async with aiohttp.ClientSession(auth=AUTH) as s, s.get(url) as r:
            return await r.json()
    """),
    "aioHttp#55z",
    "aiohttp.BasicAuth with a literal password",
)
pos(
    "http_basic_auth",
    "curl-u",
    "code/scripts/pull_catalog.sh",
    t("""
    #!/bin/sh
    curl -fsS -u admin:Adm1n-Curl9 https://catalog.internal/api/export > catalog.json
    """),
    "Adm1n-Curl9",
    "curl -u user:password in a script",
)
pos(
    "http_basic_auth",
    "urllib-password-mgr",
    "code/etl/legacy_feed.py",
    t("""
    import urllib.request

    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, "https://feed.legacy.example/", "svc_feed", "Urll1b-pw77")
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(mgr))
    """),
    "Urll1b-pw77",
    "urllib's password manager given a literal password",
)

# --- Authorization headers with credentials ------------------------------------------------------

_BASIC_ETL = base64.b64encode(b"etl_svc:Rt8!vW2qM").decode()
_BASIC_ADMIN = base64.b64encode(b"admin:Lk4-Postm4n").decode()
_BASIC_NGINX = base64.b64encode(b"metrics:Ngx!basic31").decode()

pos(
    "auth_header",
    "basic-dict",
    "code/etl/push_metrics.py",
    t(f"""
    HEADERS = {{
        "Content-Type": "application/json",
        "Authorization": "Basic {_BASIC_ETL}",
    }}
    """),
    _BASIC_ETL,
    "an Authorization: Basic header whose base64 decodes to user:password",
)
pos(
    "auth_header",
    "bearer-curl-md",
    "runbooks/backfill.md",
    t(f"""
    ## Trigger the backfill

    ```
    curl -X POST https://orchestrator.internal/api/v1/jobs/backfill \\
      -H "Authorization: Bearer {fake(ALNUM, 40, "bearer-md")}" \\
      -d '{{"from": "2019-01-01"}}'
    ```
    """),
    "Authorization: Bearer",
    "a runbook's curl with a literal opaque bearer token",
)
pos(
    "auth_header",
    "http-file",
    "code/api/requests.http",
    t(f"""
    ### list exports
    GET https://exports.vendor.example/api/v2/exports
    Accept: application/json
    Authorization: Basic {_BASIC_ADMIN}
    """),
    _BASIC_ADMIN,
    "a REST-client .http file with a Basic header",
)
pos(
    "auth_header",
    "yaml-connector",
    "code/ingest/connectors/zendesk.yaml",
    t(f"""
    name: zendesk_tickets
    request:
      url: https://shop.zendesk.example/api/v2/incremental/tickets.json
      headers:
        Authorization: "Bearer {fake(B64URL, 43, "zendesk-bearer")}"
        Accept: application/json
    """),
    'Authorization: "Bearer',
    "a connector config with a literal bearer token in its headers",
)
pos(
    "auth_header",
    "airflow-token-scheme",
    "code/airflow/dags/notify_finance.py",
    t(f"""
    from airflow.providers.http.operators.http import HttpOperator

    notify = HttpOperator(
        task_id="notify_finance",
        http_conn_id="finance_api",
        endpoint="/hooks/migration",
        headers={{"Authorization": "Token {fake(HEX, 40, "drf-token")}"}},
    )
    """),
    '"Authorization": "Token',
    "an Airflow HTTP operator with a literal token in its Authorization header",
)
pos(
    "auth_header",
    "postman-json",
    "code/api/export.postman_environment.json",
    t(f"""
    {{
      "name": "prod",
      "values": [
        {{"key": "base_url", "value": "https://api.vendor.example", "enabled": true}},
        {{"key": "auth_header", "value": "Basic {_BASIC_ADMIN}", "enabled": true}}
      ]
    }}
    """),
    "auth_header",
    "an exported Postman environment holding a Basic credential",
)
pos(
    "auth_header",
    "nginx",
    "code/deploy/nginx/metrics.conf",
    t(f"""
    location /push {{
        proxy_pass https://pushgateway.internal:9091;
        proxy_set_header Authorization "Basic {_BASIC_NGINX}";
    }}
    """),
    _BASIC_NGINX,
    "an nginx proxy header with a Basic credential",
)

# --- prose that states a password -----------------------------------------------------------------

pos(
    "prose_password",
    "runbook-sentence",
    "runbooks/orders_runbook.md",
    t("""
    # orders

    The loader connects as `etl_loader`. The password for the `etl_loader` account is
    `Lq8vR2mZx-tmp` until the cut-over; rotate it afterwards.
    """),
    "Lq8vR2mZx-tmp",
    "a runbook sentence giving the password",
)
pos(
    "prose_password",
    "bullet",
    "runbooks/access.md",
    t("""
    ## Access during the freeze

    - Console: https://admin.legacy.example
    - User: ops-admin
    - Temporary admin password: Welcome2024!Ops
    """),
    "Welcome2024!Ops",
    "a bulleted temporary password",
)
pos(
    "prose_password",
    "code-comment",
    "code/etl/legacy_reader.py",
    t("""
    # legacy db: user migrator / pw Tz7-quartz-9 (ask ops before changing)
    LEGACY_HOST = "10.20.0.14"
    """),
    "Tz7-quartz-9",
    "a code comment stating user and password",
)
pos(
    "prose_password",
    "handover-txt",
    "docs/handover.txt",
    t("""
    Handover notes, billing migration

    Creds for the staging replica: readonly / Rdonly-55x
    The job runs nightly at 02:00 UTC.
    """),
    "Rdonly-55x",
    "handover notes giving user / password",
)
pos(
    "prose_password",
    "sql-comment",
    "code/sql/transforms/customers.sql",
    t("""
    -- source: crm.customers (prod password is Orion#4471, rotate after run)
    SELECT id, lower(email) AS email, created_at
    FROM crm.customers;
    """),
    "Orion#4471",
    "a SQL comment stating the production password",
)
pos(
    "prose_password",
    "parenthetical",
    "runbooks/billing_runbook.md",
    t("""
    Log in to the scheduler as svc_billing (password: bil1ing_Sv9) and pause the `billing_sync`
    job before the copy starts.
    """),
    "bil1ing_Sv9",
    "a parenthetical (password: ...) in prose",
)

# --- passwords in connection URLs -------------------------------------------------------------------

pos(
    "url_password",
    "airflow-conn-env",
    "code/airflow/.env",
    t("""
    AIRFLOW__CORE__EXECUTOR=LocalExecutor
    AIRFLOW_CONN_SHOP_DB='postgresql://etl:Xy7%40pw-9@shop-db.internal:5432/shop'
    """),
    "Xy7%40pw-9",
    "an Airflow connection URL with a (percent-encoded) password",
)
pos(
    "url_password",
    "alembic-ini",
    "code/alembic.ini",
    t("""
    [alembic]
    script_location = migrations
    sqlalchemy.url = postgresql+psycopg2://alembic:Al3mb1c!x@db.internal/shop
    """),
    "Al3mb1c!x",
    "a SQLAlchemy URL with a password in alembic.ini",
)
pos(
    "url_password",
    "mongodb-srv",
    "code/etl/events_source.py",
    t("""
    from pymongo import MongoClient

    client = MongoClient("mongodb+srv://events_ro:Mng0-ev3nts@cluster0.abcde.mongodb.example/events")
    """),
    "Mng0-ev3nts",
    "a mongodb+srv URL with a password",
)
pos(
    "url_password",
    "redis-no-user",
    "code/etl/cache.yml",
    t("""
    cache:
      url: redis://:R3dis-cache-pw@redis.internal:6379/2
      ttl_seconds: 600
    """),
    "R3dis-cache-pw",
    "a redis URL with an empty user and a password",
)
pos(
    "url_password",
    "jdbc-property",
    "code/spark/conf/source.properties",
    t("""
    source.url=jdbc:postgresql://pg-01.internal:5432/shop?user=spark&password=Jdbc-Sp4rk-1
    source.fetchsize=10000
    """),
    "Jdbc-Sp4rk-1",
    "a JDBC URL carrying the password as a query parameter",
)

# --- passwords assigned to credential keys in configs -------------------------------------------

pos(
    "password_assignment",
    "terraform-rds",
    "code/terraform/rds.tf",
    t("""
    resource "aws_db_instance" "target" {
      identifier        = "shop-target"
      engine            = "postgres"
      instance_class    = "db.r6g.large"
      username          = "shop_admin"
      password          = "Tf-Rds-9921x"
      allocated_storage = 200
    }
    """),
    "Tf-Rds-9921x",
    "a Terraform RDS instance with a literal master password",
)
pos(
    "password_assignment",
    "dbt-profiles-postgres",
    "code/dbt/profiles.yml",
    t("""
    shop:
      target: prod
      outputs:
        prod:
          type: postgres
          host: warehouse.internal
          user: dbt
          password: dbtPr0d-88
          port: 5432
          dbname: analytics
          schema: marts
          threads: 8
    """),
    "dbtPr0d-88",
    "a dbt profile with a literal password",
)
pos(
    "password_assignment",
    "docker-compose",
    "code/docker-compose.yml",
    t("""
    services:
      target-db:
        image: postgres:16
        environment:
          POSTGRES_USER: shop
          POSTGRES_PASSWORD: Cmp0se-Shop-31
        ports: ["5432:5432"]
    """),
    "Cmp0se-Shop-31",
    "docker compose environment with a literal database password",
)
pos(
    "password_assignment",
    "k8s-secret-stringdata",
    "code/deploy/k8s/db-secret.yaml",
    t("""
    apiVersion: v1
    kind: Secret
    metadata:
      name: shop-db
    type: Opaque
    stringData:
      username: shop_app
      password: K8s-Str1ngData
    """),
    "K8s-Str1ngData",
    "a Kubernetes Secret with the password in stringData, committed",
)
pos(
    "password_assignment",
    "workflow-env",
    ".github/workflows/nightly.yml",
    t("""
    name: nightly-reconcile
    on:
      schedule: [{cron: "0 3 * * *"}]
    jobs:
      reconcile:
        runs-on: ubuntu-latest
        env:
          PGHOST: replica.shop.internal
          PGPASSWORD: Ngt1y-Rec0n
        steps:
          - uses: actions/checkout@v4
          - run: python -m reconcile
    """),
    "Ngt1y-Rec0n",
    "a GitHub workflow with a literal PGPASSWORD in env",
)
pos(
    "password_assignment",
    "ini-section",
    "code/etl/settings.ini",
    t("""
    [source]
    host = 10.20.0.14
    user = migrator
    passwd = Ini-Src-5521
    """),
    "Ini-Src-5521",
    "an INI file with a passwd key",
)
pos(
    "password_assignment",
    "airflow-connections-yaml",
    "code/airflow/connections.yaml",
    t("""
    shop_db:
      conn_type: postgres
      host: shop-db.internal
      login: airflow
      password: Afl0w-Conn-7
      port: 5432
    """),
    "Afl0w-Conn-7",
    "an Airflow connections file with a literal password",
)

# --- Snowflake passwords in connection configs -----------------------------------------------------

pos(
    "snowflake_password",
    "dbt-profile",
    "code/dbt/profiles.yml",
    t("""
    lake:
      target: prod
      outputs:
        prod:
          type: snowflake
          account: xy12345.eu-west-1
          user: DBT_PROD
          password: "Sfk#dbt-2024"
          role: TRANSFORMER
          warehouse: TRANSFORM_WH
          database: ANALYTICS
          schema: MARTS
    """),
    "Sfk#dbt-2024",
    "a dbt Snowflake profile with a literal password",
)
pos(
    "snowflake_password",
    "snowsql-config",
    "code/snowflake/snowsql.cnf",
    t("""
    [connections.migration]
    accountname = xy12345.eu-west-1
    username = MIGRATION_SVC
    password = Snwsql!Mig77
    warehousename = LOAD_WH
    """),
    "Snwsql!Mig77",
    "a SnowSQL config with a password",
)
pos(
    "snowflake_password",
    "connector-python",
    "code/etl/load_snowflake.py",
    t("""
    import snowflake.connector

    conn = snowflake.connector.connect(
        account="xy12345.eu-west-1",
        user="LOADER_SVC",
        password="Ld-Snowf1ake!",
        warehouse="LOAD_WH",
        database="RAW",
    )
    """),
    "Ld-Snowf1ake!",
    "snowflake.connector.connect with a literal password",
)
pos(
    "snowflake_password",
    "connections-toml",
    "code/snowflake/connections.toml",
    t("""
    [default]
    account = "xy12345.eu-west-1"
    user = "RECON_SVC"
    password = "R3con-Toml-q"
    role = "RECONCILER"
    """),
    "R3con-Toml-q",
    "a Snowflake connections.toml with a password",
)

# --- current token formats (gitleaks' rule ids in each family's first why) ------------------------

_PAT1 = f"github_pat_{fake(ALNUM, 22, 'pat1')}_{fake(ALNUM, 59, 'pat1b')}"
_PAT2 = f"github_pat_{fake(ALNUM, 22, 'pat2')}_{fake(ALNUM, 59, 'pat2b')}"
_PAT3 = f"github_pat_{fake(ALNUM, 22, 'pat3')}_{fake(ALNUM, 59, 'pat3b')}"
_PAT4 = f"github_pat_{fake(ALNUM, 22, 'pat4')}_{fake(ALNUM, 59, 'pat4b')}"

pos(
    "github_pat",
    "env",
    "code/.env",
    f"GITHUB_TOKEN={_PAT1}\nDBT_PROJECT_DIR=code/dbt\n",
    _PAT1,
    "a fine-grained GitHub PAT in .env (gitleaks github-fine-grained-pat)",
)
pos(
    "github_pat",
    "clone-url",
    "code/scripts/fetch_models.sh",
    t(f"""
    #!/bin/sh
    git clone https://x-access-token:{_PAT2}@github.com/shop-data/dbt-models.git models
    """),
    _PAT2,
    "a fine-grained PAT in a git clone URL",
)
pos(
    "github_pat",
    "dbt-packages-git",
    "code/dbt/packages.yml",
    t(f"""
    packages:
      - package: dbt-labs/dbt_utils
        version: 1.3.0
      - git: "https://{_PAT3}@github.com/shop-data/dbt-internal-macros.git"
        revision: v0.4.1
    """),
    _PAT3,
    "a dbt private package pulled with a literal fine-grained PAT in the URL",
)
pos(
    "github_pat",
    "python-const",
    "code/etl/publish_docs.py",
    t(f"""
    from github import Github

    gh = Github("{_PAT4}")
    repo = gh.get_repo("shop-data/migration-docs")
    """),
    _PAT4,
    "a fine-grained PAT passed to PyGithub",
)

pos(
    "github_token",
    "ghp-yaml",
    "code/ingest/github_source.yml",
    t(f"""
    source:
      type: github
      repositories: [shop-data/orders-service]
      credentials:
        personal_access_token: ghp_{fake(ALNUM, 36, "ghp1")}
    """),
    "ghp_",
    "a classic GitHub PAT (ghp_) in a connector config (gitleaks github-pat)",
)
pos(
    "github_token",
    "gho-json",
    "code/api/oauth_cache.json",
    f'{{"provider": "github", "access_token": "gho_{fake(ALNUM, 36, "gho1")}", "scope": "repo"}}\n',
    "gho_",
    "a GitHub OAuth access token (gho_) cached in JSON (gitleaks github-oauth)",
)
pos(
    "github_token",
    "ghs-sh",
    "code/scripts/release_notes.sh",
    t(f"""
    #!/bin/sh
    export GH_TOKEN=ghs_{fake(ALNUM, 36, "ghs1")}
    gh release create "$TAG" --notes-file notes.md
    """),
    "ghs_",
    "a GitHub App installation token (ghs_) in a script (gitleaks github-app-token)",
)
pos(
    "github_token",
    "ghu-python",
    "code/etl/issue_sync.py",
    f'TOKEN = "ghu_{fake(ALNUM, 36, "ghu1")}"  # user-to-server\n',
    "ghu_",
    "a GitHub user-to-server token (ghu_) (gitleaks github-app-token)",
)
pos(
    "github_token",
    "ghr-md",
    "docs/github_app.md",
    t(f"""
    Refresh with the stored refresh token:

        ghr_{fake(ALNUM, 76, "ghr1")}
    """),
    "ghr_",
    "a GitHub refresh token (ghr_) pasted in docs (gitleaks github-refresh-token)",
)

_HVS = "hvs.CAESI" + fake(B64URL, 86, "hvs1")
_HVB = "hvb.AAAAAQ" + fake(B64URL, 140, "hvb1")
pos(
    "vault_token",
    "hvs-env",
    "code/.env",
    f"VAULT_ADDR=https://vault.internal:8200\nVAULT_TOKEN={_HVS}\n",
    _HVS,
    "a Vault service token (hvs.) in .env (gitleaks vault-service-token)",
)
pos(
    "vault_token",
    "hvb-python",
    "code/etl/secrets_client.py",
    t(f"""
    import hvac

    client = hvac.Client(url="https://vault.internal:8200", token="{_HVB}")
    """),
    _HVB,
    "a Vault batch token (hvb.) in code (gitleaks vault-batch-token)",
)
pos(
    "vault_token",
    "legacy-s-dot",
    "code/scripts/read_secret.sh",
    t(f"""
    #!/bin/sh
    VAULT_TOKEN=s.{fake(ALNUM, 24, "vault-s")} vault kv get -field=password secret/shop/db
    """),
    "VAULT_TOKEN=s.",
    "a legacy Vault token (s. + 24) prefixed to a command (gitleaks vault-service-token)",
)
pos(
    "vault_token",
    "hvs-airflow-cfg",
    "code/airflow/airflow.cfg",
    t(f"""
    [secrets]
    backend = airflow.providers.hashicorp.secrets.vault.VaultBackend
    backend_kwargs = {{"url": "https://vault.internal:8200", "token": "{_HVS[:4]}{fake(B64URL, 91, "hvs2")}", "mount_point": "airflow"}}
    """),
    "backend_kwargs",
    "Airflow's Vault backend configured with a literal service token",
)

_AKIA = ["AKIA" + fake("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, f"akia{i}") for i in range(6)]
_AWS_SECRET = [fake(B64, 40, f"aws-secret{i}") for i in range(6)]
pos(
    "aws_keys",
    "credentials-file",
    "code/aws/credentials",
    t(f"""
    [migration]
    aws_access_key_id = {_AKIA[0]}
    aws_secret_access_key = {_AWS_SECRET[0]}
    region = eu-west-1
    """),
    _AWS_SECRET[0],
    "an AWS credentials profile: key ID and secret (gitleaks aws-access-token)",
    also=(_AKIA[0],),
)
pos(
    "aws_keys",
    "boto3",
    "code/etl/s3_export.py",
    t(f"""
    import boto3

    s3 = boto3.client(
        "s3",
        aws_access_key_id="{_AKIA[1]}",
        aws_secret_access_key="{_AWS_SECRET[1]}",
    )
    """),
    _AWS_SECRET[1],
    "boto3 client with literal key ID and secret",
    also=(_AKIA[1],),
)
pos(
    "aws_keys",
    "spark-s3a",
    "code/spark/conf/spark-defaults.conf",
    t(f"""
    spark.sql.shuffle.partitions          400
    spark.hadoop.fs.s3a.access.key        {_AKIA[2]}
    spark.hadoop.fs.s3a.secret.key        {_AWS_SECRET[2]}
    """),
    _AWS_SECRET[2],
    "Spark s3a keys in spark-defaults.conf",
    also=(_AKIA[2],),
)
pos(
    "aws_keys",
    "asia-session",
    "code/scripts/assume.sh",
    t(f"""
    export AWS_ACCESS_KEY_ID=ASIA{fake("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, "asia")}
    export AWS_SECRET_ACCESS_KEY={_AWS_SECRET[3]}
    export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjE{fake(B64, 300, "aws-session")}
    """),
    _AWS_SECRET[3],
    "temporary STS credentials (ASIA key ID, secret, session token) exported in a script",
    also=("ASIA", "AWS_SESSION_TOKEN"),
)
pos(
    "aws_keys",
    "terraform-provider",
    "code/terraform/provider.tf",
    t(f"""
    provider "aws" {{
      region     = "eu-west-1"
      access_key = "{_AKIA[4]}"
      secret_key = "{_AWS_SECRET[4]}"
    }}
    """),
    _AWS_SECRET[4],
    "a Terraform AWS provider with literal keys",
    also=(_AKIA[4],),
)
pos(
    "aws_keys",
    "airflow-extra-json",
    "code/airflow/connections/aws_lake.json",
    t(f"""
    {{
      "conn_id": "aws_lake",
      "conn_type": "aws",
      "login": "{_AKIA[5]}",
      "password": "{_AWS_SECRET[5]}",
      "extra": {{"region_name": "eu-west-1"}}
    }}
    """),
    _AWS_SECRET[5],
    "an Airflow AWS connection with the key pair as login and password",
    also=(_AKIA[5],),
)

pos(
    "slack_token",
    "xoxb-python",
    "code/etl/notify.py",
    t(f"""
    from slack_sdk import WebClient

    slack = WebClient(token="xoxb-{fake(string.digits, 12, "xoxb-a")}-{fake(string.digits, 13, "xoxb-b")}-{fake(ALNUM, 24, "xoxb-c")}")
    """),
    "xoxb-",
    "a Slack bot token (gitleaks slack-bot-token)",
)
pos(
    "slack_token",
    "xoxp-yaml",
    "code/airflow/config/alerts.yaml",
    t(f"""
    alerts:
      channel: "#data-migration"
      slack_user_token: xoxp-{fake(string.digits, 12, "xoxp-a")}-{fake(string.digits, 12, "xoxp-b")}-{fake(string.digits, 13, "xoxp-c")}-{fake(HEX, 32, "xoxp-d")}
    """),
    "xoxp-",
    "a Slack user token (gitleaks slack-user-token)",
)
pos(
    "slack_token",
    "webhook-url",
    "code/dbt/dbt_project.yml",
    t(f"""
    name: shop
    version: "1.0.0"
    profile: shop
    on-run-end:
      - "{{{{ notify_slack('https://hooks.slack.com/services/T{fake(UPPER_DIGITS, 8, "wh-t")}/B{fake(UPPER_DIGITS, 10, "wh-b")}/{fake(ALNUM, 24, "wh-s")}') }}}}"
    """),
    "hooks.slack.com",
    "a Slack incoming-webhook URL in a dbt hook (gitleaks slack-webhook-url)",
)
pos(
    "slack_token",
    "xapp-env",
    "code/.env",
    f"SLACK_APP_TOKEN=xapp-1-A{fake(UPPER_DIGITS, 10, 'xapp-a')}-{fake(string.digits, 13, 'xapp-b')}-{fake(HEX, 64, 'xapp-c')}\n",
    "xapp-1-",
    "a Slack app-level token (gitleaks slack-app-token)",
)

pos(
    "stripe_key",
    "sk-live-dbt",
    "code/dbt/models/staging/stg_stripe_refunds.sql",
    t(f"""
    {{{{ config(materialized='table') }}}}

    select *
    from {{{{ source('stripe', 'refunds') }}}}
    -- pulled live with api_key => 'sk_live_{fake(ALNUM, 99, "sk-live1")}'
    where created >= '{{{{ var("since") }}}}'
    """),
    "sk_live_",
    "a Stripe live secret key left in a dbt model comment (gitleaks stripe-access-token)",
)
pos(
    "stripe_key",
    "rk-live-python",
    "code/etl/stripe_pull.py",
    f'import stripe\n\nstripe.api_key = "rk_live_{fake(ALNUM, 99, "rk-live")}"\n',
    "rk_live_",
    "a Stripe restricted live key",
)
pos(
    "stripe_key",
    "sk-live-json",
    "code/ingest/stripe.json",
    f'{{\n  "source": "stripe",\n  "secret_key": "sk_live_{fake(ALNUM, 24, "sk-live2")}",\n  "start": "2019-01-01"\n}}\n',
    "sk_live_",
    "a short-form Stripe live secret key in JSON",
)

pos(
    "gitlab_token",
    "glpat-ci",
    "code/.gitlab-ci.yml",
    t(f"""
    variables:
      GIT_DEPTH: "1"
      DOCS_TOKEN: glpat-{fake(B64URL, 20, "glpat1")}
    publish:
      script: ./publish.sh
    """),
    "glpat-",
    "a GitLab personal access token in CI variables (gitleaks gitlab-pat)",
)
pos(
    "gitlab_token",
    "gldt-requirements",
    "code/requirements.txt",
    t(f"""
    pandas==2.2.2
    git+https://deploy-etl:gldt-{fake(B64URL, 20, "gldt1")}@gitlab.example.com/data/etl-utils.git@v1.2.0
    """),
    "gldt-",
    "a GitLab deploy token in a pip requirement URL (gitleaks gitlab-deploy-token)",
)
pos(
    "gitlab_token",
    "glrt-runner",
    "code/deploy/runner/config.toml",
    t(f"""
    [[runners]]
      name = "etl-runner"
      url = "https://gitlab.example.com"
      token = "glrt-{fake(B64URL, 20, "glrt1")}"
      executor = "docker"
    """),
    "glrt-",
    "a GitLab runner authentication token (gitleaks gitlab-runner-authentication-token)",
)
pos(
    "gitlab_token",
    "glptt-curl",
    "runbooks/trigger.md",
    t(f"""
    Trigger the pipeline:

        curl -X POST -F token=glptt-{fake(HEX, 40, "glptt1")} -F ref=main \\
          https://gitlab.example.com/api/v4/projects/42/trigger/pipeline
    """),
    "glptt-",
    "a GitLab pipeline trigger token (gitleaks gitlab-ptt)",
)

pos(
    "google_api_key",
    "python",
    "code/etl/geocode.py",
    f'GEOCODING_KEY = "AIza{fake(B64URL, 35, "aiza1")}"\n',
    "AIza",
    "a Google API key (gitleaks gcp-api-key)",
)
pos(
    "google_api_key",
    "yaml",
    "code/ingest/sheets.yaml",
    t(f"""
    sheets:
      spreadsheet_id: 1Zq3vAqAuDfwK8mJqLzT4u0dJ2a5yYv8tQ2kVd1mJzXo
      api_key: AIza{fake(B64URL, 35, "aiza2")}
    """),
    "api_key: AIza",
    "a Google API key next to a (non-secret) spreadsheet ID",
)
pos(
    "google_api_key",
    "js-config",
    "code/dashboard/config.js",
    f'export const mapsConfig = {{ key: "AIza{fake(B64URL, 35, "aiza3")}", region: "EU" }};\n',
    "AIza",
    "a Google API key in a JavaScript config",
)

_AZ_KEY = [fake(B64, 86, f"azkey{i}") + "==" for i in range(3)]
pos(
    "azure_storage_key",
    "connection-string-json",
    "code/adf/linked_service.json",
    t(f"""
    {{
      "name": "LakeStorage",
      "properties": {{
        "type": "AzureBlobStorage",
        "typeProperties": {{
          "connectionString": "DefaultEndpointsProtocol=https;AccountName=shoplake;AccountKey={_AZ_KEY[0]};EndpointSuffix=core.windows.net"
        }}
      }}
    }}
    """),
    "AccountKey=",
    "an Azure storage connection string with AccountKey (gitleaks azure-storage...)",
)
pos(
    "azure_storage_key",
    "env",
    "code/.env",
    f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=shopraw;AccountKey={_AZ_KEY[1]};EndpointSuffix=core.windows.net\n",
    "AccountKey=",
    "an Azure storage connection string in .env",
)
pos(
    "azure_storage_key",
    "spark-conf",
    "code/spark/abfs.py",
    t(f"""
    spark.conf.set(
        "fs.azure.account.key.shoplake.dfs.core.windows.net",
        "{_AZ_KEY[2]}",
    )
    """),
    _AZ_KEY[2],
    "an ADLS account key set in Spark conf",
)
pos(
    "azure_storage_key",
    "sas-url",
    "code/scripts/upload.sh",
    t(f"""
    #!/bin/sh
    azcopy copy ./export "https://shoplake.blob.core.windows.net/landing?sv=2022-11-02&ss=b&srt=co&sp=rwlc&se=2026-12-31T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig={fake(ALNUM, 43, "sas-sig")}%3D" --recursive
    """),
    "sig=",
    "an Azure SAS URL with its signature (a bearer credential for the container)",
)

pos(
    "private_key_pem",
    "pem-file",
    "code/certs/etl-client.key",
    pem("RSA PRIVATE KEY", "rsa-file") + "\n",
    "-----BEGIN RSA PRIVATE KEY-----",
    "an RSA private key file (gitleaks private-key)",
)
pos(
    "private_key_pem",
    "gcp-service-account",
    "code/gcp/bq-loader.json",
    json.dumps(
        {
            "type": "service_account",
            "project_id": "shop-lake-prod",
            "private_key_id": fake(HEX, 40, "gcp-kid"),
            "private_key": pem("PRIVATE KEY", "gcp-sa") + "\n",
            "client_email": "bq-loader@shop-lake-prod.iam.gserviceaccount.com",
            "client_id": fake(string.digits, 21, "gcp-client"),
            "token_uri": "https://oauth2.googleapis.com/token",
        },
        indent=2,
    )
    + "\n",
    "-----BEGIN PRIVATE KEY-----",
    "a GCP service-account key file: the PEM is one JSON string with \\n escapes",
)
pos(
    "private_key_pem",
    "openssh-python",
    "code/etl/sftp_pull.py",
    'DEPLOY_KEY = """\n' + pem("OPENSSH PRIVATE KEY", "openssh", 70) + '\n"""\n',
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "an OpenSSH private key in a Python triple-quoted string",
)
pos(
    "private_key_pem",
    "ec-yaml-block",
    "code/deploy/tls.yaml",
    "tls:\n  cert_file: /etc/tls/client.crt\n  key: |\n"
    + textwrap.indent(pem("EC PRIVATE KEY", "ec-key"), "    ")
    + "\n",
    "-----BEGIN EC PRIVATE KEY-----",
    "an EC private key in a YAML block scalar (its key's line counts too: the value starts there)",
    also=("key: |",),
)
pos(
    "private_key_pem",
    "terraform-heredoc",
    "code/terraform/snowflake_user.tf",
    'resource "tls_private_key" "unused" {\n  algorithm = "RSA"\n}\n\n'
    "locals {\n  loader_key = <<-EOT\n"
    + textwrap.indent(pem("PRIVATE KEY", "tf-key"), "    ")
    + "\n  EOT\n}\n",
    "-----BEGIN PRIVATE KEY-----",
    "a PKCS#8 key in a Terraform heredoc (Snowflake key-pair auth)",
)
pos(
    "private_key_pem",
    "snowflake-profile-inline",
    "code/dbt/profiles.yml",
    "lake:\n  outputs:\n    prod:\n      type: snowflake\n      account: xy12345\n"
    '      user: DBT_KEYPAIR\n      private_key: "'
    + pem("PRIVATE KEY", "dbt-key").replace("\n", "\\n")
    + '"\n',
    "-----BEGIN PRIVATE KEY-----",
    "a dbt Snowflake profile with an inline private key, newlines escaped",
)

_JWT_SUPA = jwt(
    {
        "iss": "supabase",
        "ref": "shopxyz",
        "role": "service_role",
        "iat": 1700000000,
        "exp": 2015576000,
    },
    "jwt-supa",
)
pos(
    "jwt",
    "env-service-role",
    "code/.env",
    f"SUPABASE_URL=https://shopxyz.supabase.example\nSUPABASE_SERVICE_ROLE_KEY={_JWT_SUPA}\n",
    _JWT_SUPA,
    "a long-lived service-role JWT in .env (gitleaks jwt)",
)
pos(
    "jwt",
    "bearer-python",
    "code/etl/orders_api.py",
    f'HEADERS = {{"Authorization": "Bearer {jwt({"sub": "svc-orders-export", "scope": "orders:read", "iat": 1718000000}, "jwt-2", "RS256")}"}}\n',
    "Bearer ey",
    "a signed JWT hard-coded as a bearer token",
)
pos(
    "jwt",
    "yaml-config",
    "code/ingest/metabase.yml",
    t(f"""
    metabase:
      url: https://bi.internal
      embedding_token: {jwt({"resource": {"dashboard": 12}, "params": {}, "exp": 1893456000}, "jwt-3")}
    """),
    "embedding_token",
    "an embedding JWT in a YAML config",
)
pos(
    "jwt",
    "airflow-variable-json",
    "code/airflow/variables.json",
    t(f"""
    {{
      "orders_api_base": "https://orders.internal/api",
      "orders_api_jwt": "{jwt({"sub": "airflow", "aud": "orders", "iat": 1718000000}, "jwt-4")}"
    }}
    """),
    "orders_api_jwt",
    "an Airflow variables export holding a JWT",
)

pos(
    "npm_token",
    "npmrc",
    "code/dashboard/.npmrc",
    f"@shop:registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_{fake(ALNUM, 36, 'npm1')}\n",
    "_authToken=npm_",
    "an npm automation token in .npmrc (gitleaks npm-access-token)",
)
pos(
    "npm_token",
    "workflow-env",
    ".github/workflows/publish-dashboard.yml",
    t(f"""
    name: publish-dashboard
    on: {{push: {{tags: ["v*"]}}}}
    jobs:
      publish:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: npm publish
            env:
              NODE_AUTH_TOKEN: npm_{fake(ALNUM, 36, "npm2")}
    """),
    "NODE_AUTH_TOKEN: npm_",
    "an npm token written into a workflow instead of a secret",
)
pos(
    "npm_token",
    "dockerfile-arg",
    "code/dashboard/Dockerfile",
    t(f"""
    FROM node:20-slim
    ARG NPM_TOKEN=npm_{fake(ALNUM, 36, "npm3")}
    RUN echo "//registry.npmjs.org/:_authToken=${{NPM_TOKEN}}" > .npmrc && npm ci
    """),
    "ARG NPM_TOKEN=npm_",
    "an npm token as a Dockerfile ARG default",
)

_PYPI = [f"pypi-AgEIcHlwaS5vcmc{fake(B64URL, 160, f'pypi{i}')}" for i in range(3)]
pos(
    "pypi_token",
    "pypirc",
    "code/.pypirc",
    f"[pypi]\nusername = __token__\npassword = {_PYPI[0]}\n",
    _PYPI[0],
    "a PyPI API token in .pypirc (gitleaks pypi-upload-token)",
)
pos(
    "pypi_token",
    "twine-env",
    "code/scripts/release.sh",
    f"#!/bin/sh\nTWINE_USERNAME=__token__ TWINE_PASSWORD={_PYPI[1]} twine upload dist/*\n",
    _PYPI[1],
    "a PyPI token given to twine on the command line",
)
pos(
    "pypi_token",
    "pip-conf",
    "code/pip.conf",
    f"[global]\nindex-url = https://__token__:{_PYPI[2]}@upload.pypi.org/simple/\n",
    _PYPI[2],
    "a PyPI token in a pip index URL",
)

pos(
    "databricks_token",
    "dbt-databricks",
    "code/dbt/profiles.yml",
    t(f"""
    lakehouse:
      target: prod
      outputs:
        prod:
          type: databricks
          host: adb-1234567890123456.7.azuredatabricks.net
          http_path: /sql/1.0/warehouses/{fake(HEX, 16, "dbx-wh")}
          token: dapi{fake(HEX, 32, "dapi1")}
          schema: marts
    """),
    "token: dapi",
    "a Databricks PAT in a dbt profile (gitleaks databricks-api-token)",
)
pos(
    "databricks_token",
    "databrickscfg",
    "code/.databrickscfg",
    f"[DEFAULT]\nhost = https://adb-1234567890123456.7.azuredatabricks.net\ntoken = dapi{fake(HEX, 32, 'dapi2')}-2\n",
    "token = dapi",
    "a Databricks PAT in .databrickscfg",
)
pos(
    "databricks_token",
    "python-sdk",
    "code/etl/run_job.py",
    t(f"""
    from databricks.sdk import WorkspaceClient

    w = WorkspaceClient(host="https://dbc-a1b2c3d4-e5f6.cloud.databricks.com", token="dapi{fake(HEX, 32, "dapi3")}")
    """),
    'token="dapi',
    "a Databricks PAT passed to the SDK",
)
pos(
    "databricks_token",
    "airflow-extra",
    "code/airflow/connections/databricks.yaml",
    t(f"""
    databricks_default:
      conn_type: databricks
      host: https://dbc-a1b2c3d4-e5f6.cloud.databricks.com
      extra:
        token: dapi{fake(HEX, 32, "dapi4")}
    """),
    "token: dapi",
    "a Databricks PAT in an Airflow connection's extra",
)

pos(
    "sendgrid_key",
    "python",
    "code/etl/report_mail.py",
    f'sg = SendGridAPIClient("SG.{fake(B64URL, 22, "sg1a")}.{fake(B64URL, 43, "sg1b")}")\n',
    '"SG.',
    "a SendGrid API key (gitleaks sendgrid-api-token)",
)
pos(
    "sendgrid_key",
    "env",
    "code/.env",
    f"MAIL_FROM=data@shop.example\nSENDGRID_API_KEY=SG.{fake(B64URL, 22, 'sg2a')}.{fake(B64URL, 43, 'sg2b')}\n",
    "SENDGRID_API_KEY",
    "a SendGrid API key in .env",
)
pos(
    "sendgrid_key",
    "yaml",
    "code/airflow/config/email.yaml",
    f"smtp:\n  host: smtp.sendgrid.net\n  user: apikey\n  password: SG.{fake(B64URL, 22, 'sg3a')}.{fake(B64URL, 43, 'sg3b')}\n",
    "password: SG.",
    "a SendGrid key as the SMTP password",
)

pos(
    "twilio",
    "api-key-sid-secret",
    "code/etl/sms_alerts.py",
    t(f"""
    from twilio.rest import Client

    client = Client("SK{fake(HEX, 32, "tw-sk")}", "{fake(ALNUM, 32, "tw-secret")}", "AC{fake(HEX, 32, "tw-ac")}")
    """),
    "Client(",
    "a Twilio API key SID and its secret (gitleaks twilio-api-key)",
)
pos(
    "twilio",
    "auth-token-env",
    "code/.env",
    f"TWILIO_ACCOUNT_SID=AC{fake(HEX, 32, 'tw-ac2')}\nTWILIO_AUTH_TOKEN={fake(HEX, 32, 'tw-auth2')}\n",
    "TWILIO_AUTH_TOKEN",
    "a Twilio account auth token in .env",
)
pos(
    "twilio",
    "yaml-api-key",
    "code/ingest/twilio.yaml",
    f"twilio:\n  account_sid: AC{fake(HEX, 32, 'tw-ac3')}\n  api_key: SK{fake(HEX, 32, 'tw-sk3')}\n  api_secret: {fake(ALNUM, 32, 'tw-sec3')}\n",
    "api_secret",
    "a Twilio API key secret in a YAML config",
    also=("api_key: SK",),
)

_OPENAI_PROJ = f"sk-proj-{fake(B64URL, 74, 'oai1a')}T3BlbkFJ{fake(B64URL, 74, 'oai1b')}"
pos(
    "openai_key",
    "proj-env",
    "code/.env",
    f"OPENAI_API_KEY={_OPENAI_PROJ}\n",
    _OPENAI_PROJ,
    "an OpenAI project key (gitleaks openai-api-key)",
)
pos(
    "openai_key",
    "legacy-python",
    "code/etl/classify_tickets.py",
    f'from openai import OpenAI\n\nclient = OpenAI(api_key="sk-{fake(ALNUM, 20, "oai2a")}T3BlbkFJ{fake(ALNUM, 20, "oai2b")}")\n',
    "api_key=",
    "a legacy-format OpenAI key in code",
)
pos(
    "openai_key",
    "svcacct-yaml",
    "code/dbt/models/enrich/schema.yml",
    t(f"""
    version: 2
    models:
      - name: enrich_ticket_topics
        meta:
          llm_api_key: sk-svcacct-{fake(B64URL, 58, "oai3a")}T3BlbkFJ{fake(B64URL, 58, "oai3b")}
    """),
    "llm_api_key",
    "an OpenAI service-account key in dbt model meta",
)

pos(
    "anthropic_key",
    "env",
    "code/.env",
    f"ANTHROPIC_API_KEY=sk-ant-api03-{fake(B64URL, 93, 'ant1')}AA\n",
    "sk-ant-api03-",
    "an Anthropic API key (gitleaks anthropic-api-key)",
)
pos(
    "anthropic_key",
    "python",
    "code/etl/summarize_runbooks.py",
    f'import anthropic\n\nclient = anthropic.Anthropic(api_key="sk-ant-api03-{fake(B64URL, 93, "ant2")}AA")\n',
    "sk-ant-api03-",
    "an Anthropic API key in code",
)
pos(
    "anthropic_key",
    "admin-json",
    "code/ops/usage_export.json",
    f'{{"org": "shop-data", "admin_key": "sk-ant-admin01-{fake(B64URL, 93, "ant3")}AA"}}\n',
    "sk-ant-admin01-",
    "an Anthropic admin key (gitleaks anthropic-admin-api-key)",
)

# --- secrets hidden by encoding ---------------------------------------------------------------------


def uesc(text: str) -> str:
    """Every character as a JSON/YAML ``\\uXXXX`` escape."""
    return "".join(f"\\u{ord(c):04x}" for c in text)


def xesc(text: str) -> str:
    """Every character as a YAML ``\\xXX`` escape."""
    return "".join(f"\\x{ord(c):02x}" for c in text)


pos(
    "json_unicode_escape",
    "password-value",
    "code/ingest/source.json",
    t(f"""
    {{
      "kind": "postgres",
      "host": "pg-01.internal",
      "user": "ingest",
      "password": "{uesc("Qw7!esc4ped-pw")}"
    }}
    """),
    '"password"',
    "a JSON password written entirely as \\u escapes (the parsed value is the password)",
)
pos(
    "json_unicode_escape",
    "token-prefix",
    "code/ingest/github.json",
    f'{{"repo": "shop-data/orders", "token": "{uesc("ghp_")}{fake(ALNUM, 36, "ghp-esc")}"}}\n',
    '"token"',
    "a ghp_ token whose prefix is \\u-escaped so that a regex on the raw text misses it",
)
pos(
    "json_unicode_escape",
    "aws-key-id",
    "code/aws/export_role.json",
    t(f"""
    {{
      "AccessKeyId": "{uesc("AKIA")}{fake("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, "akia-esc")}",
      "SecretAccessKey": "{uesc(fake(B64, 40, "aws-secret-esc"))}"
    }}
    """),
    "SecretAccessKey",
    "an AWS key pair in JSON, every character of the secret \\u-escaped",
    also=("AccessKeyId",),
)
pos(
    "json_unicode_escape",
    "escaped-key",
    "code/ingest/crm.json",
    f'{{"endpoint": "https://crm.internal/api", "{uesc("password")}": "Crm-Esc-key-77"}}\n',
    "Crm-Esc-key-77",
    "the key 'password' written with \\u escapes, the value plain",
)
pos(
    "json_unicode_escape",
    "pem-dashes",
    "code/gcp/escaped-sa.json",
    json.dumps(
        {
            "type": "service_account",
            "private_key": pem("PRIVATE KEY", "esc-pem") + "\n",
            "client_email": "loader@shop-lake-prod.iam.gserviceaccount.com",
        },
        indent=2,
    ).replace("-----BEGIN", uesc("-----") + "BEGIN")
    + "\n",
    '"private_key"',
    "a service-account PEM whose dashes are \\u escapes",
)

pos(
    "yaml_escape",
    "hex-escaped-password",
    "code/dbt/profiles.yml",
    t(f"""
    shop:
      outputs:
        prod:
          type: postgres
          host: warehouse.internal
          user: dbt
          password: "{xesc("Yml-H3x-esc!")}"
          dbname: analytics
    """),
    "password:",
    "a YAML double-quoted password written as \\x escapes",
)
pos(
    "yaml_escape",
    "unicode-token-prefix",
    "code/ingest/github.yml",
    t(f"""
    source:
      repo: shop-data/orders-service
      token: "{uesc("ghp_")}{fake(ALNUM, 36, "ghp-yesc")}"
    """),
    "token:",
    "a ghp_ token in YAML whose prefix is \\u-escaped",
)
pos(
    "yaml_escape",
    "escaped-key",
    "code/etl/targets.yaml",
    t(f"""
    target:
      host: lake-pg.internal
      "{xesc("password")}": Tgt-Key-Esc-4
    """),
    "Tgt-Key-Esc-4",
    "a YAML key 'password' spelled with \\x escapes",
)

_BOM_SQL = (
    "\ufeffUSE master;\r\nGO\r\nCREATE LOGIN recon_login WITH PASSWORD = N'Rec0n#Utf16!';\r\nGO\r\n"
)
pos_bytes(
    "bom_utf16_32",
    "ssms-utf16le",
    "code/sql/mssql/create_recon_login.sql",
    _BOM_SQL.encode("utf-16-le"),
    "utf-16",
    "Rec0n#Utf16!",
    "a SQL script saved as UTF-16LE with a BOM (SSMS's default) creating a login",
)
pos_bytes(
    "bom_utf16_32",
    "powershell-env",
    "code/.env",
    "\ufeffDB_HOST=pg-01.internal\r\nDB_PASSWORD=Pw5h-Utf16-Env\r\n".encode("utf-16-le"),
    "utf-16",
    "Pw5h-Utf16-Env",
    "a .env written by PowerShell redirection: UTF-16LE with a BOM",
)
_GHP_BE = fake(ALNUM, 36, "ghp-utf16be")
pos_bytes(
    "bom_utf16_32",
    "json-utf16be",
    "code/ingest/settings.json",
    ('\ufeff{\n  "owner": "shop-data",\n  "api_token": "ghp_' + _GHP_BE + '"\n}\n').encode(
        "utf-16-be"
    ),
    "utf-16",
    "api_token",
    "a JSON file in UTF-16BE with a BOM holding a GitHub token",
)
pos_bytes(
    "bom_utf16_32",
    "yaml-utf32le",
    "code/etl/replica.yml",
    "\ufeffreplica:\n  host: replica.internal\n  password: Utf32-Repl1ca\n".encode("utf-32-le"),
    "utf-32",
    "Utf32-Repl1ca",
    "a YAML file in UTF-32LE with a BOM holding a password",
)

pos_bytes(
    "non_utf8_byte",
    "latin1-comment-py",
    "code/etl/legacy_conf.py",
    "# cr\xe9\xe9 par l'\xe9quipe donn\xe9es\nDB_USER = 'legacy'\nDB_PASSWORD = 'L4t1n-Pw-99'\n".encode(
        "latin-1"
    ),
    "latin-1",
    "L4t1n-Pw-99",
    "a Python file saved as Latin-1 (accented comment) with a password",
)
pos_bytes(
    "non_utf8_byte",
    "latin1-sql-data",
    "code/sql/seed_customers.sql",
    (
        "INSERT INTO customers (id, name) VALUES (1, 'M\xfcller');\n"
        "CREATE USER seed_loader WITH PASSWORD 'S33d-L0ader';\n"
    ).encode("latin-1"),
    "latin-1",
    "S33d-L0ader",
    "a SQL file with one Latin-1 byte in a seed row and a CREATE USER with a password",
)
pos_bytes(
    "non_utf8_byte",
    "cp1252-quotes-md",
    "runbooks/replica_runbook.md",
    "# Replica\n\nThe replica password is \u201cRepl-Cp1252-q\u201d (temporary).\n".encode(
        "cp1252"
    ),
    "cp1252",
    "Repl-Cp1252-q",
    "a runbook with Windows-1252 curly quotes around a stated password",
)
pos_bytes(
    "non_utf8_byte",
    "stray-ff-env",
    "code/.env",
    b"# exported \xff\nSTRIPE_KEY=sk_live_" + fake(ALNUM, 24, "sk-live-ff").encode() + b"\n",
    "latin-1",
    "STRIPE_KEY",
    "a .env with one stray 0xFF byte and a Stripe live key",
)
pos_bytes(
    "non_utf8_byte",
    "nbsp-yaml",
    "code/etl/source.yml",
    'source:\n  note: "copied from wiki\xa0page"\n  password: Nbsp-Yaml-71\n'.encode("latin-1"),
    "latin-1",
    "Nbsp-Yaml-71",
    "a YAML file with a Latin-1 no-break space (0xA0) and a password",
)


# =================================================================================================
# NEGATIVES
# =================================================================================================

# --- commit SHAs in configs ------------------------------------------------------------------------

neg(
    "git_sha",
    "workflow-pinned-actions",
    ".github/workflows/dbt-ci.yml",
    t(f"""
    name: dbt-ci
    on: [pull_request]
    permissions: {{contents: read}}
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@{sha("sha1", "checkout-v4")} # v4.2.2
            with: {{persist-credentials: false}}
          - uses: actions/setup-python@{sha("sha1", "setup-python-v5")} # v5.3.0
            with: {{python-version: "3.12"}}
          - run: pip install dbt-postgres && dbt build --target ci
    """),
    "actions pinned to commit SHAs: public, content-addressed",
)
neg(
    "git_sha",
    "pre-commit-rev",
    ".pre-commit-config.yaml",
    t(f"""
    repos:
      - repo: https://github.com/astral-sh/ruff-pre-commit
        rev: {sha("sha1", "ruff-pre-commit")}  # frozen: v0.6.9
        hooks: [{{id: ruff}}, {{id: ruff-format}}]
      - repo: https://github.com/sqlfluff/sqlfluff
        rev: {sha("sha1", "sqlfluff")}  # frozen: 3.2.0
        hooks: [{{id: sqlfluff-lint}}]
    """),
    "pre-commit hooks frozen at commit SHAs",
)
neg(
    "git_sha",
    "terraform-module-ref",
    "code/terraform/main.tf",
    t(f"""
    module "landing_bucket" {{
      source = "git::https://github.com/shop-data/tf-modules.git//s3-bucket?ref={sha("sha1", "tf-modules")}"
      name   = "shop-landing-prod"
    }}
    """),
    "a Terraform module source pinned to a commit",
)
neg(
    "git_sha",
    "dockerfile-label",
    "code/docker/loader.Dockerfile",
    t(f"""
    FROM python:3.12-slim
    ARG GIT_SHA={sha("sha1", "loader-build")}
    LABEL org.opencontainers.image.revision=$GIT_SHA
    COPY . /app
    """),
    "the build's commit SHA as an image label",
)
neg(
    "git_sha",
    "metadata-json",
    "metadata/build.json",
    t(f"""
    {{
      "pipeline": "orders-backfill",
      "source_commit": "{sha("sha1", "orders-source")}",
      "base_commit": "{sha("sha1", "orders-base")}",
      "built_at": "2024-06-11T09:12:44Z"
    }}
    """),
    "commit SHAs under keys other than a known digest name",
)
neg(
    "git_sha",
    "python-constant",
    "code/etl/vendor_schemas.py",
    t(f"""
    # the vendor's schema repository, pinned so a schema change is a reviewed bump
    SCHEMA_REPO = "https://github.com/vendor/exports-schema"
    SCHEMA_COMMIT = "{sha("sha1", "vendor-schema")}"
    """),
    "a pinned commit in code, under a name with no secret word",
)
neg(
    "git_sha",
    "submodule-status-md",
    "docs/vendored.md",
    t(f"""
    # Vendored code

    `git submodule status` on the release branch:

    ```
     {sha("sha1", "sub-a")} vendor/dbt-utils (1.1.1)
     {sha("sha1", "sub-b")} vendor/etl-common (v2.4.0-3-g{sha("sha1", "sub-b")[:7]})
    ```
    """),
    "submodule status output: commit SHAs",
)
neg(
    "git_sha",
    "airflow-docstring",
    "code/airflow/dags/orders_backfill.py",
    t(f"""
    \"\"\"Backfill orders into the lake.

    Ported from legacy cron job at commit {sha("sha1", "cron-port")[:12]} of ops-scripts;
    deployed image digest recorded in metadata/build.json.
    \"\"\"

    from airflow import DAG
    """),
    "an abbreviated SHA in a docstring",
)
neg(
    "git_sha",
    "gitlab-include-ref",
    "code/.gitlab-ci.yml",
    t(f"""
    include:
      - project: platform/ci-templates
        ref: {sha("sha1", "ci-templates")}
        file: /templates/python.yml
    """),
    "a GitLab CI include pinned to a commit",
)

# --- lock files -----------------------------------------------------------------------------------


def sri(kind: str, salt: str) -> str:
    return f"{kind}-" + base64.b64encode(hashlib.new(kind, salt.encode()).digest()).decode()


neg(
    "lock_file",
    "package-lock",
    "code/dashboard/package-lock.json",
    t(f"""
    {{
      "name": "migration-dashboard",
      "lockfileVersion": 3,
      "packages": {{
        "node_modules/chart.js": {{
          "version": "4.4.3",
          "resolved": "https://registry.npmjs.org/chart.js/-/chart.js-4.4.3.tgz",
          "integrity": "{sri("sha512", "chart.js")}"
        }},
        "node_modules/date-fns": {{
          "version": "3.6.0",
          "resolved": "https://registry.npmjs.org/date-fns/-/date-fns-3.6.0.tgz",
          "integrity": "{sri("sha512", "date-fns")}"
        }}
      }}
    }}
    """),
    "npm integrity digests (SRI sha512)",
)
neg(
    "lock_file",
    "poetry-lock",
    "code/poetry.lock",
    t(f"""
    [[package]]
    name = "psycopg2-binary"
    version = "2.9.9"
    description = "psycopg2 - Python-PostgreSQL Database Adapter"
    optional = false
    python-versions = ">=3.7"
    files = [
        {{file = "psycopg2_binary-2.9.9-cp312-cp312-manylinux_2_17_x86_64.whl", hash = "sha256:{sha("sha256", "psycopg2-a")}"}},
        {{file = "psycopg2_binary-2.9.9.tar.gz", hash = "sha256:{sha("sha256", "psycopg2-b")}"}},
    ]

    [metadata]
    lock-version = "2.0"
    content-hash = "{sha("sha256", "poetry-content")}"
    """),
    "poetry.lock file hashes and content-hash",
)
neg(
    "lock_file",
    "pipfile-lock",
    "code/Pipfile.lock",
    t(f"""
    {{
        "_meta": {{"hash": {{"sha256": "{sha("sha256", "pipfile-meta")}"}}, "pipfile-spec": 6}},
        "default": {{
            "sqlalchemy": {{
                "hashes": [
                    "sha256:{sha("sha256", "sqla-1")}",
                    "sha256:{sha("sha256", "sqla-2")}"
                ],
                "version": "==2.0.30"
            }}
        }}
    }}
    """),
    "Pipfile.lock hashes",
)
neg(
    "lock_file",
    "pip-compile-hashes",
    "code/requirements.txt",
    t(f"""
    # This file is autogenerated by pip-compile with Python 3.12
    boto3==1.34.120 \\
        --hash=sha256:{sha("sha256", "boto3-a")} \\
        --hash=sha256:{sha("sha256", "boto3-b")}
    pyarrow==16.1.0 \\
        --hash=sha256:{sha("sha256", "pyarrow-a")}
    """),
    "pip-compile --generate-hashes output",
)
neg(
    "lock_file",
    "dbt-package-lock",
    "code/dbt/package-lock.yml",
    t(f"""
    packages:
      - package: dbt-labs/dbt_utils
        version: 1.3.0
      - git: https://github.com/shop-data/dbt-internal-macros.git
        revision: {sha("sha1", "dbt-internal")}
    sha1_hash: {sha("sha1", "package-lock-hash")}
    """),
    "dbt's package-lock.yml: a revision and sha1_hash",
)
neg(
    "lock_file",
    "terraform-lock",
    "code/terraform/.terraform.lock.hcl",
    t(f"""
    # This file is maintained automatically by "terraform init".
    provider "registry.terraform.io/hashicorp/aws" {{
      version     = "5.54.1"
      constraints = "~> 5.0"
      hashes = [
        "h1:{base64.b64encode(hashlib.sha256(b"aws-h1").digest()).decode()}",
        "zh:{sha("sha256", "aws-zh-1")}",
        "zh:{sha("sha256", "aws-zh-2")}",
      ]
    }}
    """),
    "the Terraform provider lock file's h1: and zh: hashes",
)
neg(
    "lock_file",
    "go-sum",
    "code/tools/go.sum",
    t(f"""
    github.com/jackc/pgx/v5 v5.6.0 h1:{base64.b64encode(hashlib.sha256(b"pgx").digest()).decode()}
    github.com/jackc/pgx/v5 v5.6.0/go.mod h1:{base64.b64encode(hashlib.sha256(b"pgx-mod").digest()).decode()}
    """),
    "go.sum module hashes",
)
neg(
    "lock_file",
    "uv-lock",
    "code/uv.lock",
    t(f"""
    version = 1
    requires-python = ">=3.11"

    [[package]]
    name = "duckdb"
    version = "1.0.0"
    source = {{ registry = "https://pypi.org/simple" }}
    sdist = {{ url = "https://files.pythonhosted.org/packages/duckdb-1.0.0.tar.gz", hash = "sha256:{sha("sha256", "duckdb-sdist")}", size = 11290144 }}
    wheels = [
        {{ url = "https://files.pythonhosted.org/packages/duckdb-1.0.0-cp312-manylinux.whl", hash = "sha256:{sha("sha256", "duckdb-whl")}", size = 18311034 }},
    ]
    """),
    "uv.lock hashes",
)
neg(
    "lock_file",
    "yarn-lock",
    "code/dashboard/yarn.lock",
    t(f"""
    "chart.js@^4.4.0":
      version "4.4.3"
      resolved "https://registry.yarnpkg.com/chart.js/-/chart.js-4.4.3.tgz#{sha("sha1", "yarn-chart")}"
      integrity {sri("sha512", "yarn-chart")}
    """),
    "yarn.lock resolved URL fragment (sha1) and integrity",
)

# --- digests under other names ---------------------------------------------------------------------

neg(
    "digest_named",
    "checksum-yaml",
    "evidence/exports.yml",
    t(f"""
    exports:
      - file: orders_2019.parquet
        rows: 1204331
        checksum: {sha("sha256", "orders-2019")}
      - file: orders_2020.parquet
        rows: 1519020
        checksum: {sha("sha256", "orders-2020")}
    """),
    "sha256 digests under 'checksum'",
)
neg(
    "digest_named",
    "md5-json",
    "evidence/transfer_manifest.json",
    t(f"""
    {{
      "files": [
        {{"name": "customers.csv.gz", "bytes": 88213004, "md5": "{sha("md5", "customers")}"}},
        {{"name": "invoices.csv.gz", "bytes": 120331985, "content_md5": "{sha("md5", "invoices")}"}}
      ]
    }}
    """),
    "MD5 digests of transferred files",
)
neg(
    "digest_named",
    "sha512-json",
    "evidence/artifacts.json",
    t(f"""
    {{
      "artifact": "recon-report.html",
      "sha512": "{sha("sha512", "recon-report")}"
    }}
    """),
    "a sha512 digest (not the sha256 the known-digest rule knows)",
)
neg(
    "digest_named",
    "python-expected",
    "code/etl/verify_download.py",
    t(f"""
    import hashlib

    EXPECTED_DIGEST = "{sha("sha256", "geo-dump")}"


    def verify(path):
        return hashlib.sha256(open(path, "rb").read()).hexdigest() == EXPECTED_DIGEST
    """),
    "an expected file digest in code",
)
neg(
    "digest_named",
    "schema-fingerprint",
    "contracts/orders_contract.yml",
    t(f"""
    dataset: orders
    schema_fingerprint: {sha("sha1", "orders-schema")}
    columns: [id, customer_id, total, created_at]
    """),
    "a schema fingerprint (SHA-1 of the column list)",
)
neg(
    "digest_named",
    "image-digest",
    "code/deploy/k8s/loader-cronjob.yaml",
    t(f"""
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: orders-loader
    spec:
      schedule: "15 2 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: loader
                  image: ghcr.io/shop-data/loader@sha256:{sha("sha256", "loader-image")}
              restartPolicy: OnFailure
    """),
    "a container image pinned by digest",
)
neg(
    "digest_named",
    "s3-checksum-base64",
    "evidence/head_object.json",
    t(f"""
    {{
      "ContentLength": 88213004,
      "ChecksumSHA256": "{base64.b64encode(hashlib.sha256(b"head-object").digest()).decode()}",
      "ContentType": "application/gzip"
    }}
    """),
    "an S3 object's base64 SHA-256 checksum",
)
neg(
    "digest_named",
    "sri-html",
    "code/dashboard/index.html",
    t(f"""
    <!doctype html>
    <script src="https://cdn.jsdelivr.net/npm/chart.js@4.4.3/dist/chart.umd.min.js"
            integrity="{sri("sha384", "chartjs-cdn")}" crossorigin="anonymous"></script>
    """),
    "a subresource-integrity digest",
)
neg(
    "digest_named",
    "sha512sums",
    "code/dist/SHA512SUMS",
    f"{sha('sha512', 'wheel')}  migration_loader-1.4.0-py3-none-any.whl\n"
    f"{sha('sha512', 'sdist')}  migration_loader-1.4.0.tar.gz\n",
    "a sha512sum manifest",
)

# --- ETags -------------------------------------------------------------------------------------------

neg(
    "etag",
    "s3-list-objects",
    "evidence/s3_listing.json",
    t(f"""
    {{
      "Contents": [
        {{"Key": "raw/orders/part-0000.parquet", "Size": 52314112, "ETag": "\\"{sha("md5", "part0")}\\""}},
        {{"Key": "raw/orders/part-0001.parquet", "Size": 51992120, "ETag": "\\"{sha("md5", "part1")}\\""}}
      ]
    }}
    """),
    "S3 ETags (MD5 of the object) in a listing",
)
neg(
    "etag",
    "multipart",
    "evidence/upload_result.yml",
    t(f"""
    bucket: shop-landing-prod
    key: exports/invoices_full.csv.gz
    etag: '"{sha("md5", "multipart")}-38"'
    version_id: null
    """),
    "a multipart upload's ETag",
)
neg(
    "etag",
    "http-headers-txt",
    "evidence/api_probe.txt",
    t(f"""
    HTTP/2 200
    content-type: application/json
    etag: W/"{sha("sha1", "probe")[:32]}"
    cache-control: max-age=60
    """),
    "a weak HTTP ETag in captured headers",
)
neg(
    "etag",
    "python-if-match",
    "code/etl/conditional_copy.py",
    t(f"""
    def copy_if_unchanged(s3):
        return s3.copy_object(
            Bucket="shop-lake-bronze",
            Key="orders/latest.parquet",
            CopySource={{"Bucket": "shop-landing-prod", "Key": "orders/latest.parquet"}},
            CopySourceIfMatch='"{sha("md5", "copy-src")}"',
        )
    """),
    "an ETag precondition in code",
)

# --- public keys ------------------------------------------------------------------------------------

neg(
    "public_key",
    "authorized-keys",
    "code/deploy/sftp/authorized_keys",
    f"{ed25519_ssh('deploy-a')} deploy@etl-runner\n{ed25519_ssh('deploy-b')} backfill@etl-runner\n",
    "Ed25519 SSH public keys",
)
neg(
    "public_key",
    "known-hosts",
    "code/deploy/sftp/known_hosts",
    f"sftp.vendor.example {ed25519_ssh('vendor-host')}\n[10.20.0.14]:2222 {ed25519_ssh('legacy-host')}\n",
    "host keys in known_hosts",
)
neg(
    "public_key",
    "pem-public-key",
    "keys/plan-signing.pub",
    "-----BEGIN PUBLIC KEY-----\n"
    + base64.b64encode(
        bytes.fromhex("302a300506032b6570032100") + fake_bytes(32, "pub-pem")
    ).decode()
    + "\n-----END PUBLIC KEY-----\n",
    "an Ed25519 public key in PEM",
)
neg(
    "public_key",
    "jwks",
    "code/api/jwks.json",
    t(f"""
    {{
      "keys": [
        {{"kty": "OKP", "crv": "Ed25519", "kid": "plan-2024", "x": "{b64url(fake_bytes(32, "jwk-x"))}", "use": "sig"}}
      ]
    }}
    """),
    "a JWKS with an Ed25519 public key",
)
neg(
    "public_key",
    "minisign-pub",
    "keys/release.pub",
    "untrusted comment: minisign public key 3F2A9C1D7E6B4A50\n"
    + base64.b64encode(b"Ed" + fake_bytes(40, "minisign-pub")).decode()
    + "\n",
    "a minisign public key file",
)
neg(
    "public_key",
    "verify-key-json",
    "configs/trust.json",
    t(f"""
    {{
      "signers": [
        {{"id": "planner-2024", "verify_key": "{base64.b64encode(fake_bytes(32, "verify-key")).decode()}"}}
      ]
    }}
    """),
    "an Ed25519 verification key under a name other than public_key",
)
neg(
    "public_key",
    "snowflake-rsa-public-key",
    "code/sql/snowflake/keypair.sql",
    "ALTER USER LOADER_SVC SET RSA_PUBLIC_KEY = '"
    + base64.b64encode(
        bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100")
        + fake_bytes(256, "sf-pub")
        + bytes.fromhex("0203010001")
    ).decode()
    + "';\n",
    "Snowflake key-pair auth: the user's RSA public key",
)

# --- signatures -----------------------------------------------------------------------------------------

neg(
    "signature",
    "pgp-signed-sums",
    "evidence/SHA256SUMS.asc",
    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
    f"{sha('sha256', 'export-a')}  export_a.parquet\n{sha('sha256', 'export-b')}  export_b.parquet\n"
    "-----BEGIN PGP SIGNATURE-----\n\n"
    + "\n".join(
        (lambda s: [s[i : i + 64] for i in range(0, len(s), 64)])(
            base64.b64encode(
                bytes.fromhex("88750400160a001d") + fake_bytes(110, "pgp-sig")
            ).decode()
        )
    )
    + "\n="
    + fake(B64, 4, "pgp-crc")
    + "\n-----END PGP SIGNATURE-----\n",
    "a clear-signed checksum list: digests and an OpenPGP signature",
)
neg(
    "signature",
    "minisig",
    "code/dist/migration_loader-1.4.0.tar.gz.minisig",
    "untrusted comment: signature from minisign secret key\n"
    + base64.b64encode(b"ED" + fake_bytes(72, "minisig-1")).decode()
    + "\ntrusted comment: timestamp:1718100000\tfile:migration_loader-1.4.0.tar.gz\thashed\n"
    + base64.b64encode(fake_bytes(64, "minisig-2")).decode()
    + "\n",
    "a minisign signature file",
)
neg(
    "signature",
    "cosign-bundle",
    "evidence/loader-image.sig.json",
    t(f"""
    {{
      "base64Signature": "{base64.b64encode(bytes.fromhex("3045022100") + fake_bytes(32, "cosign-r") + bytes.fromhex("0220") + fake_bytes(32, "cosign-s")).decode()}",
      "Payload": "{base64.b64encode(b'{"critical":{"identity":{"docker-reference":"ghcr.io/shop-data/loader"},"type":"cosign container image signature"}}').decode()}"
    }}
    """),
    "a cosign signature and its signed payload",
)
neg(
    "signature",
    "tuf-style-sigs",
    "evidence/approvals.json",
    t(f"""
    {{
      "signed": {{"plan": "plans/orders.json", "digest": "{sha("sha256", "plan-orders")}"}},
      "signatures": [
        {{"keyid": "{sha("sha256", "keyid-1")}", "sig": "{fake_bytes(64, "tuf-sig-1").hex()}"}},
        {{"keyid": "{sha("sha256", "keyid-2")}", "sig": "{fake_bytes(64, "tuf-sig-2").hex()}"}}
      ]
    }}
    """),
    "Ed25519 signatures in hex under 'sig', key IDs as digests",
)
neg(
    "signature",
    "dsse-envelope",
    "evidence/provenance.intoto.jsonl",
    json.dumps(
        {
            "payloadType": "application/vnd.in-toto+json",
            "payload": base64.b64encode(
                json.dumps(
                    {
                        "_type": "https://in-toto.io/Statement/v1",
                        "subject": [
                            {"name": "loader", "digest": {"sha256": sha("sha256", "prov")}}
                        ],
                    }
                ).encode()
            ).decode(),
            "signatures": [{"keyid": "", "sig": base64.b64encode(fake_bytes(71, "dsse")).decode()}],
        }
    )
    + "\n",
    "a DSSE provenance envelope: base64 payload and signature",
)
neg(
    "signature",
    "plan-signature-yaml",
    "metadata/plan_signature.yml",
    t(f"""
    plan: plans/migration_plan.json
    signed_by: planner-2024
    algorithm: ed25519
    signature_b64: {base64.b64encode(fake_bytes(64, "plan-sig-yaml")).decode()}
    """),
    "an Ed25519 signature under a key name the known-signature rule does not know",
)

# --- references to a secret store ---------------------------------------------------------------

neg(
    "vault_reference",
    "vault-colon-path",
    "code/etl/sources.yml",
    t("""
    sources:
      legacy:
        host: 10.20.0.14
        user: migrator
        password: vault:secret/data/shop/legacy#password
      crm:
        token: vault:kv/crm/api#token
    """),
    "vault:path#key references (no //)",
)
neg(
    "vault_reference",
    "vault-url",
    "code/etl/replica.yml",
    t("""
    replica:
      url: vault://kv/shop/replica#url
      password: vault://kv/shop/replica#password
    """),
    "vault://path#key references",
)
neg(
    "vault_reference",
    "agent-annotations",
    "code/deploy/k8s/loader-deployment.yaml",
    t("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: loader
    spec:
      template:
        metadata:
          annotations:
            vault.hashicorp.com/agent-inject: "true"
            vault.hashicorp.com/role: "loader"
            vault.hashicorp.com/agent-inject-secret-db-creds: "database/creds/loader"
            vault.hashicorp.com/agent-inject-template-db-creds: |
              {{- with secret "database/creds/loader" -}}
              postgres://{{ .Data.username }}:{{ .Data.password }}@shop-db:5432/shop
              {{- end -}}
        spec:
          serviceAccountName: loader
    """),
    "Vault agent annotations and a template that fills the password at run time",
)
neg(
    "vault_reference",
    "consul-template",
    "code/deploy/templates/db.env.ctmpl",
    t("""
    {{ with secret "secret/data/shop/db" }}
    DB_USER={{ .Data.data.username }}
    DB_PASSWORD={{ .Data.data.password }}
    {{ end }}
    """),
    "a consul-template file: the values come from Vault when rendered",
)
neg(
    "vault_reference",
    "hvac-read",
    "code/etl/creds.py",
    t("""
    import hvac


    def db_password(client: hvac.Client) -> str:
        secret = client.secrets.kv.v2.read_secret_version(path="shop/db", mount_point="secret")
        return secret["data"]["data"]["password"]
    """),
    "code that reads the password from Vault",
)
neg(
    "vault_reference",
    "env-vault-ref",
    "code/.env",
    t("""
    API_TOKEN=vault:kv/etl/api#token
    DB_PASSWORD=vault:database/static-creds/etl#password
    """),
    "vault: references in .env",
)
neg(
    "vault_reference",
    "airflow-vault-backend",
    "code/airflow/airflow.cfg",
    t("""
    [secrets]
    backend = airflow.providers.hashicorp.secrets.vault.VaultBackend
    backend_kwargs = {"connections_path": "connections", "variables_path": "variables", "mount_point": "airflow", "url": "https://vault.internal:8200", "auth_type": "kubernetes", "kubernetes_role": "airflow"}
    """),
    "Airflow's Vault backend with Kubernetes auth: no credential in the file",
)

neg(
    "k8s_secret_ref",
    "external-secret",
    "code/deploy/k8s/db-external-secret.yaml",
    t("""
    apiVersion: external-secrets.io/v1beta1
    kind: ExternalSecret
    metadata:
      name: shop-db
    spec:
      refreshInterval: 1h
      secretStoreRef:
        name: vault-backend
        kind: ClusterSecretStore
      target:
        name: shop-db
      data:
        - secretKey: password
          remoteRef:
            key: secret/shop/db
            property: password
        - secretKey: api_token
          remoteRef:
            key: secret/shop/api
            property: token
    """),
    "an ExternalSecret: names and paths of secrets, no value",
)
neg(
    "k8s_secret_ref",
    "secret-key-ref",
    "code/deploy/k8s/reconcile-job.yaml",
    t("""
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: reconcile
    spec:
      template:
        spec:
          containers:
            - name: reconcile
              image: ghcr.io/shop-data/reconcile:1.2.0
              env:
                - name: PGPASSWORD
                  valueFrom:
                    secretKeyRef:
                      name: shop-db
                      key: password
                - name: API_TOKEN
                  valueFrom:
                    secretKeyRef: {name: orders-api, key: token}
          restartPolicy: Never
    """),
    "env from secretKeyRef",
)
neg(
    "k8s_secret_ref",
    "secret-provider-class",
    "code/deploy/k8s/secret-provider.yaml",
    t("""
    apiVersion: secrets-store.csi.x-k8s.io/v1
    kind: SecretProviderClass
    metadata:
      name: shop-db-aws
    spec:
      provider: aws
      parameters:
        objects: |
          - objectName: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/shop/db-Xy12Ab"
            jmesPath:
              - path: password
                objectAlias: db_password
    """),
    "a CSI SecretProviderClass naming a Secrets Manager secret",
)
neg(
    "k8s_secret_ref",
    "helm-existing-secret",
    "code/deploy/helm/values.yaml",
    t("""
    postgresql:
      auth:
        username: shop_app
        database: shop
        existingSecret: shop-db
        secretKeys:
          adminPasswordKey: postgres-password
          userPasswordKey: password
    """),
    "Helm values pointing at an existing Secret",
)
neg(
    "k8s_secret_ref",
    "envfrom-and-volume",
    "code/deploy/k8s/dbt-cronjob.yaml",
    t("""
    apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: dbt-build
    spec:
      schedule: "0 4 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: dbt
                  image: ghcr.io/shop-data/dbt:1.8
                  envFrom:
                    - secretRef:
                        name: dbt-warehouse-credentials
                  volumeMounts:
                    - {name: snowflake-key, mountPath: /secrets, readOnly: true}
              volumes:
                - name: snowflake-key
                  secret: {secretName: snowflake-private-key}
              restartPolicy: OnFailure
    """),
    "envFrom secretRef and a secret volume",
)

neg(
    "encrypted_value",
    "sops-yaml",
    "code/deploy/secrets.enc.yaml",
    t(f"""
    db:
        password: ENC[AES256_GCM,data:{fake(B64, 20, "sops-d")}=,iv:{fake(B64, 43, "sops-iv")}=,tag:{fake(B64, 22, "sops-tag")}==,type:str]
    sops:
        age:
            - recipient: age1{fake(LOWER_DIGITS, 58, "age-r")}
              enc: |
                -----BEGIN AGE ENCRYPTED FILE-----
                {fake(B64, 64, "age-1")}
                {fake(B64, 60, "age-2")}
                -----END AGE ENCRYPTED FILE-----
        lastmodified: "2024-06-11T09:00:00Z"
        mac: ENC[AES256_GCM,data:{fake(B64, 88, "sops-mac")},iv:{fake(B64, 43, "sops-mac-iv")}=,tag:{fake(B64, 22, "sops-mac-tag")}==,type:str]
        version: 3.8.1
    """),
    "a SOPS-encrypted file: ciphertext meant to be committed",
)
neg(
    "encrypted_value",
    "sealed-secret",
    "code/deploy/k8s/db-sealed.yaml",
    t(f"""
    apiVersion: bitnami.com/v1alpha1
    kind: SealedSecret
    metadata:
      name: shop-db
      namespace: etl
    spec:
      encryptedData:
        password: AgB{fake(B64, 360, "sealed-pw")}
      template:
        metadata:
          name: shop-db
    """),
    "a SealedSecret: encrypted to the cluster's key, meant to be committed",
)
neg(
    "encrypted_value",
    "ansible-vault",
    "code/deploy/ansible/group_vars/db/vault.yml",
    "$ANSIBLE_VAULT;1.1;AES256\n"
    + "\n".join(fake(HEX, 80, f"ansible-{i}") for i in range(6))
    + "\n",
    "an ansible-vault encrypted file",
)

neg(
    "cloud_secret_ref",
    "secretsmanager-arn",
    "code/terraform/lambda.tf",
    t("""
    resource "aws_lambda_function" "export" {
      function_name = "orders-export"
      role          = aws_iam_role.export.arn
      environment {
        variables = {
          DB_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/shop/db-Xy12Ab"
        }
      }
    }
    """),
    "a Secrets Manager ARN",
)
neg(
    "cloud_secret_ref",
    "cloudformation-resolve",
    "code/cfn/rds.yaml",
    t("""
    Resources:
      TargetDb:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: postgres
          MasterUsername: shop_admin
          MasterUserPassword: "{{resolve:secretsmanager:prod/shop/db:SecretString:password}}"
          DBInstanceClass: db.r6g.large
    """),
    "a CloudFormation dynamic reference",
)
neg(
    "cloud_secret_ref",
    "ssm-parameter",
    "code/etl/settings.yaml",
    t("""
    database:
      host: shop-db.internal
      password_parameter: /shop/prod/db/password
      token_ssm: "{{resolve:ssm-secure:/shop/prod/api/token:3}}"
    """),
    "SSM parameter names",
)
neg(
    "cloud_secret_ref",
    "gcp-secret-manager",
    "code/etl/bq_loader.py",
    t("""
    from google.cloud import secretmanager

    NAME = "projects/shop-lake-prod/secrets/warehouse-password/versions/latest"


    def password() -> str:
        client = secretmanager.SecretManagerServiceClient()
        return client.access_secret_version(name=NAME).payload.data.decode()
    """),
    "a GCP Secret Manager resource name",
)
neg(
    "cloud_secret_ref",
    "azure-keyvault-ref",
    "code/adf/app_settings.json",
    t("""
    {
      "DB_PASSWORD": "@Microsoft.KeyVault(SecretUri=https://shop-kv.vault.azure.net/secrets/db-password/)",
      "STORAGE_KEY": "@Microsoft.KeyVault(VaultName=shop-kv;SecretName=lake-account-key)"
    }
    """),
    "Azure Key Vault references in app settings",
)
neg(
    "cloud_secret_ref",
    "boto3-get-secret",
    "code/etl/aws_creds.py",
    t("""
    import json

    import boto3


    def db_credentials() -> dict:
        sm = boto3.client("secretsmanager")
        secret = sm.get_secret_value(SecretId="prod/shop/db")
        return json.loads(secret["SecretString"])
    """),
    "code fetching a secret from Secrets Manager",
)

neg(
    "query_string_ref",
    "passfile-query",
    "code/etl/target.yml",
    t("""
    target:
      url: postgresql://etl@lake-pg.internal:5432/lake?sslmode=verify-full&passfile=/run/secrets/pgpass
    """),
    "a URL whose query names a password file",
)
neg(
    "query_string_ref",
    "vault-versioned",
    "code/etl/refs.yml",
    t("""
    secrets:
      legacy_db: vault://kv/shop/legacy?version=3#password
      crm_token: vault:kv/crm/api?version=12#token
    """),
    "versioned vault references with a query string",
)
neg(
    "query_string_ref",
    "awssm-scheme",
    "code/etl/refs.json",
    t("""
    {
      "source_password": "awssm://prod/shop/db?field=password",
      "api_token": "gcpsm://projects/shop-lake-prod/secrets/api-token?version=latest"
    }
    """),
    "secret-store URIs with a field selector in the query",
)
neg(
    "query_string_ref",
    "jdbc-env-password",
    "code/spark/conf/jdbc.properties",
    t("""
    source.url=jdbc:postgresql://pg-01.internal:5432/shop?user=spark&password=${DB_PASSWORD}&ssl=true
    """),
    "a JDBC URL whose password parameter is an environment placeholder",
)
neg(
    "query_string_ref",
    "vault-http-api",
    "code/scripts/read_secret.sh",
    t("""
    #!/bin/sh
    curl -fsS -H "X-Vault-Token: $VAULT_TOKEN" \\
      "https://vault.internal:8200/v1/secret/data/shop/db?version=2" | jq -r .data.data.password
    """),
    "a Vault HTTP API call: the path and version in the URL, the token from the environment",
)

neg(
    "gha_secrets",
    "dbt-cloud-env",
    ".github/workflows/dbt-cloud.yml",
    t("""
    name: dbt-cloud-ci
    on: [pull_request]
    jobs:
      trigger:
        runs-on: ubuntu-latest
        env:
          DBT_API_KEY: ${{ secrets.DBT_CLOUD_API_KEY }}
          DBT_ACCOUNT_ID: ${{ vars.DBT_ACCOUNT_ID }}
        steps:
          - run: python scripts/trigger_ci_job.py
    """),
    "workflow expressions naming repository secrets",
)
neg(
    "gha_secrets",
    "secrets-inherit",
    ".github/workflows/release.yml",
    t("""
    name: release
    on:
      push:
        tags: ["v*"]
    jobs:
      deploy:
        uses: shop-data/workflows/.github/workflows/deploy.yml@v3
        secrets: inherit
    """),
    "secrets: inherit",
)
neg(
    "gha_secrets",
    "service-container",
    ".github/workflows/integration.yml",
    t("""
    name: integration
    on: [pull_request]
    jobs:
      test:
        runs-on: ubuntu-latest
        services:
          postgres:
            image: postgres:16
            env:
              POSTGRES_PASSWORD: ${{ secrets.CI_PG_PASSWORD }}
            ports: ["5432:5432"]
        steps:
          - uses: actions/checkout@v4
          - run: pytest tests/integration
            env:
              PGPASSWORD: ${{ secrets.CI_PG_PASSWORD }}
    """),
    "service and step passwords from secrets",
)
neg(
    "gha_secrets",
    "github-token",
    ".github/workflows/docs.yml",
    t("""
    name: docs
    on: {push: {branches: [main]}}
    permissions: {contents: write}
    jobs:
      publish:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
            with:
              token: ${{ secrets.GITHUB_TOKEN }}
          - uses: peaceiris/actions-gh-pages@v4
            with:
              github_token: ${{ github.token }}
              publish_dir: ./site
    """),
    "the workflow's own token by expression",
)
neg(
    "gha_secrets",
    "workflow-call-secrets",
    ".github/workflows/load.yml",
    t("""
    name: load
    on:
      workflow_call:
        secrets:
          SNOWFLAKE_PASSWORD:
            required: true
          SLACK_WEBHOOK_URL:
            required: false
    jobs:
      load:
        runs-on: ubuntu-latest
        steps:
          - run: ./load.sh
            env:
              SNOWFLAKE_PASSWORD: ${{ secrets.SNOWFLAKE_PASSWORD }}
    """),
    "a reusable workflow declaring the secrets it needs",
)
neg(
    "gha_secrets",
    "bearer-expression",
    ".github/workflows/notify.yml",
    t("""
    name: notify
    on: {workflow_run: {workflows: [load], types: [completed]}}
    jobs:
      notify:
        runs-on: ubuntu-latest
        steps:
          - run: |
              echo "::add-mask::${{ secrets.ORDERS_API_TOKEN }}"
              curl -fsS -H "Authorization: Bearer ${{ secrets.ORDERS_API_TOKEN }}" \\
                -X POST https://orders.internal/api/migration-events
    """),
    "an Authorization header built from a secret expression",
)
neg(
    "gha_secrets",
    "gitlab-ci-variables",
    "code/.gitlab-ci.yml",
    t("""
    variables:
      PGHOST: replica.shop.internal
      PGPASSWORD: $PROD_PG_PASSWORD
    reconcile:
      image: python:3.12
      script:
        - pip install -r requirements.txt --index-url https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/api/v4/projects/42/packages/pypi/simple
        - python -m reconcile
    """),
    "GitLab CI variables and the job token by reference",
)

neg(
    "dbt_env_var",
    "profiles-env-var",
    "code/dbt/profiles.yml",
    t("""
    shop:
      target: prod
      outputs:
        prod:
          type: postgres
          host: "{{ env_var('DBT_HOST') }}"
          user: "{{ env_var('DBT_USER') }}"
          password: "{{ env_var('DBT_PASSWORD') }}"
          port: 5432
          dbname: analytics
          schema: marts
    """),
    "dbt profile with env_var() for the password",
)
neg(
    "dbt_env_var",
    "snowflake-keypair-env",
    "code/dbt/profiles.yml",
    t("""
    lake:
      target: prod
      outputs:
        prod:
          type: snowflake
          account: "{{ env_var('SNOWFLAKE_ACCOUNT') }}"
          user: DBT_KEYPAIR
          private_key_path: /secrets/snowflake_key.p8
          private_key_passphrase: "{{ env_var('DBT_ENV_SECRET_KEY_PASSPHRASE') }}"
          role: TRANSFORMER
          warehouse: TRANSFORM_WH
          database: ANALYTICS
          schema: MARTS
    """),
    "a key path and an env_var() passphrase",
)
neg(
    "dbt_env_var",
    "packages-git-credential",
    "code/dbt/packages.yml",
    t("""
    packages:
      - package: dbt-labs/dbt_utils
        version: [">=1.1.0", "<2.0.0"]
      - git: "https://{{ env_var('DBT_ENV_SECRET_GIT_CREDENTIAL') }}@github.com/shop-data/dbt-internal-macros.git"
        revision: v0.4.1
    """),
    "dbt's documented way to pull a private package: the credential from the environment",
)
neg(
    "dbt_env_var",
    "project-vars",
    "code/dbt/dbt_project.yml",
    t("""
    name: shop
    version: "1.0.0"
    profile: shop
    vars:
      slack_token: "{{ env_var('DBT_ENV_SECRET_SLACK_TOKEN', '') }}"
      api_key_name: orders_export
      'dbt_date:time_zone': Europe/Amsterdam
    """),
    "project vars from env_var() and plain names",
)
neg(
    "dbt_env_var",
    "macro-set-token",
    "code/dbt/macros/call_api.sql",
    t("""
    {% macro call_api(endpoint) %}
      {% set token = env_var('DBT_ENV_SECRET_API_TOKEN') %}
      {% set headers = {'Authorization': 'Bearer ' ~ token} %}
      {{ return(http_get(endpoint, headers)) }}
    {% endmacro %}
    """),
    "a macro reading a token with env_var()",
)
neg(
    "dbt_env_var",
    "sources-meta",
    "code/dbt/models/staging/sources.yml",
    t("""
    version: 2
    sources:
      - name: crm
        database: "{{ var('crm_database', 'raw') }}"
        meta:
          password_secret: "{{ env_var('CRM_SECRET_NAME', 'crm/readonly') }}"
          loader: fivetran
        tables:
          - name: contacts
          - name: accounts
    """),
    "source meta naming where a secret lives",
)

# --- environment placeholders and run-time lookups -----------------------------------------------

neg(
    "env_placeholder",
    "compose-required",
    "code/docker-compose.yml",
    t("""
    services:
      target-db:
        image: postgres:16
        environment:
          POSTGRES_USER: shop
          POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}
          PGADMIN_PASSWORD: ${PGADMIN_PASSWORD:-}
    """),
    "compose interpolation, required and defaulted",
)
neg(
    "env_placeholder",
    "gcloud-secrets",
    "code/dbt/scripts/pre_run.sh",
    t("""
    #!/usr/bin/env bash
    set -euo pipefail
    export DBT_PASSWORD=$(gcloud secrets versions access latest --secret=dbt-warehouse-password)
    export DBT_ENV_SECRET_GIT_CREDENTIAL="$(gcloud secrets versions access latest --secret=dbt-git-token)"
    dbt deps && dbt build
    """),
    "a hook fetching secrets at run time with gcloud",
)
neg(
    "env_placeholder",
    "aws-cli-secret",
    "code/scripts/export_env.sh",
    t("""
    #!/bin/sh
    DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id prod/shop/db \\
      --query SecretString --output text | jq -r .password)"
    export DB_PASSWORD
    """),
    "a password fetched from Secrets Manager in a script",
)
neg(
    "env_placeholder",
    "vault-cli",
    "code/scripts/psql_replica.sh",
    t("""
    #!/bin/sh
    PGPASSWORD=$(vault kv get -field=password secret/shop/replica) \\
      psql -h replica.internal -U replicator -d shop "$@"
    """),
    "a password read with the vault CLI",
)
neg(
    "env_placeholder",
    "python-environ",
    "code/etl/settings.py",
    t("""
    import os

    DB_PASSWORD = os.environ["DB_PASSWORD"]
    SNOWFLAKE_PASSWORD = os.getenv("SNOWFLAKE_PASSWORD", "")
    API_TOKEN = os.environ.get("ORDERS_API_TOKEN")
    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
    """),
    "secrets read from the environment",
)
neg(
    "env_placeholder",
    "ini-interpolation",
    "code/etl/loader.ini",
    t("""
    [DEFAULT]
    password = %(DB_PASSWORD)s

    [target]
    host = lake-pg.internal
    password = ${ENV:TARGET_PASSWORD}
    token = {{ api_token }}
    """),
    "INI interpolation and template placeholders",
)
neg(
    "env_placeholder",
    "yaml-dollar-brace",
    "code/ingest/orders.yaml",
    t("""
    source:
      url: postgresql://etl:${DB_PASSWORD}@shop-db.internal:5432/shop
      password: ${DB_PASSWORD}
      token: "${ORDERS_API_TOKEN:-}"
    """),
    "${VAR} placeholders, one inside a URL",
)
neg(
    "env_placeholder",
    "terraform-vars",
    "code/terraform/target_db.tf",
    t("""
    resource "random_password" "db" {
      length  = 32
      special = true
    }

    resource "aws_db_instance" "target" {
      identifier = "shop-target"
      engine     = "postgres"
      username   = var.db_username
      password   = random_password.db.result
    }

    resource "aws_db_instance" "replica" {
      identifier = "shop-replica"
      password   = data.aws_secretsmanager_secret_version.db.secret_string
    }
    """),
    "Terraform passwords from a generated resource and a data source",
)
neg(
    "env_placeholder",
    "password-file-env",
    "code/deploy/loader.env",
    t("""
    DB_HOST=shop-db.internal
    DB_PASSWORD_FILE=/run/secrets/db_password
    API_TOKEN_FILE=/run/secrets/orders_api_token
    PGPASSFILE=/run/secrets/pgpass
    """),
    "paths to secret files",
)
neg(
    "env_placeholder",
    "k8s-dependent-env",
    "code/deploy/k8s/env.yaml",
    t("""
    env:
      - name: DB_PASSWORD
        valueFrom: {secretKeyRef: {name: shop-db, key: password}}
      - name: DATABASE_URL
        value: postgresql://shop_app:$(DB_PASSWORD)@shop-db:5432/shop
    """),
    "a Kubernetes $(VAR) dependent environment variable in a URL",
)

# --- SQL column names ------------------------------------------------------------------------------

neg(
    "sql_column",
    "update-set-null",
    "code/sql/transforms/scrub_users.sql",
    t("""
    UPDATE staging.users
    SET password_hash = NULL,
        password_reset_token = NULL,
        api_key = NULL
    WHERE deleted_at IS NOT NULL;
    """),
    "columns set to NULL during scrubbing",
)
neg(
    "sql_column",
    "create-table",
    "code/sql/migrations/V2__accounts.sql",
    t("""
    CREATE TABLE accounts (
        id          bigint PRIMARY KEY,
        email       text NOT NULL,
        password    VARCHAR(255) NOT NULL,
        api_token   text,
        secret_salt bytea
    );
    """),
    "column definitions named password, api_token",
)
neg(
    "sql_column",
    "schema-mapping",
    "contracts/schema_mapping.yml",
    t("""
    tables:
      - source: users
        target: dim_users
        columns:
          - {name: id, source_type: bigint, target_type: long}
          - {name: password_hash, source_type: "varchar(60)", target_type: string, transform: drop}
          - {name: api_token, source_type: text, target_type: string, transform: drop}
    """),
    "a mapping that drops credential columns",
)
neg(
    "sql_column",
    "dbt-schema-yml",
    "code/dbt/models/staging/schema.yml",
    t("""
    version: 2
    models:
      - name: stg_users
        columns:
          - name: user_id
            tests: [unique, not_null]
          - name: password_changed_at
            description: When the user last changed their password.
          - name: secret_answer_hash
            description: Hash of the security answer; never exposed downstream.
    """),
    "dbt column docs about passwords",
)
neg(
    "sql_column",
    "where-password-empty",
    "code/sql/checks/weak_accounts.sql",
    t("""
    SELECT id, email
    FROM legacy.users
    WHERE password IS NULL OR password = '' OR password_hash = 'x';
    """),
    "comparisons against empty or marker values",
)
neg(
    "sql_column",
    "spark-drop",
    "code/spark/clean_users.py",
    t("""
    def clean(df):
        return df.drop("password", "password_salt", "api_key", "secret_token").withColumnRenamed(
            "pwd_changed", "password_changed_at"
        )
    """),
    "column names in a Spark transform",
)
neg(
    "sql_column",
    "comment-on-column",
    "code/sql/migrations/V9__comments.sql",
    t("""
    ALTER TABLE customers DROP COLUMN IF EXISTS secret_token;
    COMMENT ON COLUMN users.password_hash IS 'bcrypt, cost 12';
    COMMENT ON COLUMN users.token IS 'opaque session token id, not the token';
    """),
    "DDL and comments about credential columns",
)
neg(
    "sql_column",
    "python-type-map",
    "code/etl/types.py",
    t("""
    TARGET_TYPES = {
        "password": "varchar(255)",
        "token": "text",
        "secret_key": "bytea",
        "api_key_last4": "char(4)",
    }
    """),
    "a column-name-to-type map",
)
neg(
    "sql_column",
    "rehash-insert",
    "code/sql/transforms/users_rehash.sql",
    t("""
    INSERT INTO target.users (username, password_hash)
    SELECT username, crypt(password, gen_salt('bf', 12))
    FROM staging.users_plain
    WHERE password IS NOT NULL;
    """),
    "SQL hashing a password column",
)

# --- SQL password statements without a literal -------------------------------------------------------

neg(
    "sql_password_param",
    "psql-variable",
    "code/sql/rotate_password.sql",
    t("""
    \\set ON_ERROR_STOP on
    ALTER ROLE app_rw WITH PASSWORD :'new_password';
    """),
    "a psql variable in ALTER ROLE (psql -v new_password=...)",
)
neg(
    "sql_password_param",
    "python-bound-parameter",
    "code/etl/roles.py",
    t("""
    from psycopg2 import sql


    def set_password(cur, user: str, password: str) -> None:
        cur.execute(
            sql.SQL("ALTER USER {} WITH PASSWORD %s").format(sql.Identifier(user)),
            (password,),
        )
    """),
    "a bound parameter for the password",
)
neg(
    "sql_password_param",
    "envsubst-template",
    "code/sql/mysql/create_user.sql.tmpl",
    t("""
    CREATE USER IF NOT EXISTS 'migrator'@'%' IDENTIFIED BY '${MIGRATOR_PASSWORD}';
    GRANT SELECT ON shop.* TO 'migrator'@'%';
    """),
    "an envsubst placeholder in IDENTIFIED BY",
)
neg(
    "sql_password_param",
    "password-null",
    "code/sql/migrations/V15__disable_legacy_login.sql",
    t("""
    ALTER ROLE legacy_app PASSWORD NULL;
    ALTER ROLE legacy_app NOLOGIN;
    """),
    "removing a password",
)
neg(
    "sql_password_param",
    "user-mapping-no-password",
    "code/sql/fdw/local_mapping.sql",
    t("""
    CREATE USER MAPPING FOR etl SERVER lake_local
      OPTIONS (user 'etl', password_required 'false', sslcert '/etc/ssl/etl.crt', sslkey '/etc/ssl/etl.key');
    """),
    "a user mapping with certificate auth and no password",
)
neg(
    "sql_password_param",
    "dbt-hook-env",
    "code/dbt/macros/rotate.sql",
    t("""
    {% macro rotate_loader_password() %}
      {% do run_query("ALTER USER LOADER_SVC SET PASSWORD = '" ~ env_var('DBT_ENV_SECRET_NEW_PW') ~ "'") %}
    {% endmacro %}
    """),
    "a dbt macro setting a password from env_var()",
)

# --- connection strings without a password ------------------------------------------------------------

neg(
    "dsn_no_password",
    "psycopg2-cert",
    "code/etl/replica_reader.py",
    t("""
    import psycopg2

    conn = psycopg2.connect(
        "host=pg-replica.internal dbname=shop user=etl_reader sslmode=verify-full "
        "sslrootcert=/etc/ssl/rds-ca.pem sslcert=/etc/ssl/etl.crt sslkey=/etc/ssl/etl.key"
    )
    """),
    "a DSN using client certificates, no password",
)
neg(
    "dsn_no_password",
    "dblink-passfile",
    "code/sql/fdw/legacy_conn.sql",
    t("""
    SELECT dblink_connect('legacy', 'dbname=legacy host=10.20.0.14 user=migrator passfile=/var/lib/pgsql/.pgpass');
    """),
    "dblink with a passfile",
)
neg(
    "dsn_no_password",
    "pg-service-conf",
    "code/pg_service.conf",
    t("""
    [shop_prod]
    host=shop-db.internal
    port=5432
    dbname=shop
    user=etl
    sslmode=verify-full

    [shop_replica]
    host=replica.internal
    dbname=shop
    user=replicator
    """),
    "a pg_service.conf without passwords",
)
neg(
    "dsn_no_password",
    "service-dsn-env",
    "code/.env",
    t("""
    SOURCE_DSN="service=shop_prod application_name=loader"
    TARGET_DSN="host=lake-pg.internal dbname=lake user=loader target_session_attrs=read-write"
    """),
    "DSNs naming a service or only host and user",
)
neg(
    "dsn_no_password",
    "psql-env-vars",
    "code/scripts/counts.sh",
    t("""
    #!/bin/sh
    psql "host=$PGHOST dbname=shop user=$PGUSER sslmode=require" -Atc 'select count(*) from orders'
    """),
    "a DSN made of environment variables",
)
neg(
    "dsn_no_password",
    "url-user-only",
    "code/etl/lake.yml",
    t("""
    lake:
      url: postgresql://loader@lake-pg.internal:5432/lake?sslmode=require&application_name=loader
    """),
    "a URL with a user and no password",
)

# --- HTTP auth from elsewhere ------------------------------------------------------------------------

neg(
    "http_auth_indirect",
    "requests-environ",
    "code/etl/export_api.py",
    t("""
    import os

    import requests


    def fetch(page: int) -> dict:
        auth = (os.environ["EXPORT_USER"], os.environ["EXPORT_PASSWORD"])
        return requests.get("https://exports.vendor.example/api/v2/orders", params={"page": page}, auth=auth).json()
    """),
    "auth tuple from the environment",
)
neg(
    "http_auth_indirect",
    "httpbasicauth-config",
    "code/airflow/plugins/hooks/vendor.py",
    t("""
    from airflow.hooks.base import BaseHook
    from requests.auth import HTTPBasicAuth


    def vendor_auth() -> HTTPBasicAuth:
        conn = BaseHook.get_connection("vendor_api")
        return HTTPBasicAuth(conn.login, conn.password)
    """),
    "HTTPBasicAuth from an Airflow connection",
)
neg(
    "http_auth_indirect",
    "bearer-fstring",
    "code/etl/orders_api.py",
    t("""
    def headers(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    """),
    "a bearer header from a variable",
)
neg(
    "http_auth_indirect",
    "curl-env",
    "code/scripts/trigger.sh",
    t("""
    #!/bin/sh
    curl -fsS -H "Authorization: Bearer ${API_TOKEN:?}" https://orchestrator.internal/api/v1/jobs/backfill
    curl -fsS -u "$CATALOG_USER:$CATALOG_PASSWORD" https://catalog.internal/api/export > catalog.json
    """),
    "curl with credentials from the environment",
)
neg(
    "http_auth_indirect",
    "http-file-variables",
    "code/api/requests.http",
    t("""
    @token = {{$dotenv EXPORTS_TOKEN}}

    ### list exports
    GET https://exports.vendor.example/api/v2/exports
    Authorization: Bearer {{token}}
    """),
    "a REST-client file whose token comes from .env",
)
neg(
    "http_auth_indirect",
    "aiohttp-secret-fn",
    "code/etl/async_pull.py",
    t("""
    import aiohttp

    from etl.creds import get_secret


    def auth() -> aiohttp.BasicAuth:
        return aiohttp.BasicAuth("etl", get_secret("crm/api#password"))
    """),
    "BasicAuth with the password from a secret lookup",
)

# --- documentation placeholders -------------------------------------------------------------------

neg(
    "doc_placeholder",
    "changeme",
    "README.md",
    t("""
    ## Local run

    ```sh
    export DB_PASSWORD=changeme
    docker compose up -d target-db
    ```
    """),
    "the conventional 'changeme' placeholder",
)
neg(
    "doc_placeholder",
    "env-example",
    "code/.env.example",
    t("""
    ORDERS_API_KEY=your-api-key-here
    SNOWFLAKE_PASSWORD=<your-snowflake-password>
    SLACK_WEBHOOK_URL=
    """),
    "an .env.example with placeholders",
)
neg(
    "doc_placeholder",
    "user-password-localhost",
    "docs/local_setup.md",
    t("""
    Point the loader at your local database:

        DATABASE_URL=postgres://user:password@localhost:5432/shop
    """),
    "user:password@localhost in docs",
)
neg(
    "doc_placeholder",
    "angle-brackets",
    "runbooks/restore.md",
    t("""
    Restore into the scratch database:

        pg_restore -h <host> -U <user> -d scratch shop.dump
        # when prompted, enter <password>
    """),
    "angle-bracket placeholders",
)
neg(
    "doc_placeholder",
    "xxx-template",
    "code/ingest/connector.template.yaml",
    t("""
    name: vendor_orders
    auth:
      username: xxx
      password: xxxxxxxx
      api_key: XXXX-XXXX-XXXX
    """),
    "x-masked template values",
)
neg(
    "doc_placeholder",
    "elided-pem",
    "docs/keypair_auth.md",
    t("""
    # Key-pair auth for the loader

    Put the private key in the secret store, never in the repository. It looks like this:

    ```
    -----BEGIN PRIVATE KEY-----
    ...
    -----END PRIVATE KEY-----
    ```
    """),
    "an elided PEM block in prose",
)
neg(
    "doc_placeholder",
    "aws-doc-example",
    "docs/aws_access.md",
    t("""
    The CLI reads keys from the environment, for example:

        export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
        export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    """),
    "AWS's own documentation example keys",
)
neg(
    "doc_placeholder",
    "sk-ellipsis",
    "docs/llm_enrichment.md",
    t("""
    Set `OPENAI_API_KEY=sk-...` and `ANTHROPIC_API_KEY=sk-ant-...` before running the enrichment
    models locally.
    """),
    "elided API keys",
)
neg(
    "doc_placeholder",
    "pgpass-format",
    "docs/pgpass.md",
    t("""
    Each line of `~/.pgpass` has the form

        hostname:port:database:username:password

    and `*` matches anything in the first four fields.
    """),
    "the .pgpass format line from the PostgreSQL docs",
)
neg(
    "doc_placeholder",
    "stars",
    "code/dbt/profiles.example.yml",
    t("""
    shop:
      outputs:
        dev:
          type: postgres
          host: localhost
          user: dbt
          password: '********'
          dbname: analytics
          schema: dev_yourname
    """),
    "a masked password in an example profile",
)
neg(
    "doc_placeholder",
    "ghp-xes",
    "docs/github_access.md",
    t("""
    Create a token with `repo:read` and save it as

        GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX
    """),
    "a GitHub token placeholder of X's",
)
neg(
    "doc_placeholder",
    "dblink-ellipsis",
    "docs/dblink.md",
    t("""
    Open a named connection with
    `SELECT dblink_connect('legacy', 'host=... dbname=... user=... password=...');`
    and close it with `dblink_disconnect('legacy')`.
    """),
    "a DSN with elided values",
)
neg(
    "doc_placeholder",
    "replace-me",
    "code/airflow/connections.example.yaml",
    t("""
    shop_db:
      conn_type: postgres
      host: shop-db.internal
      login: airflow
      password: REPLACE_ME
    """),
    "REPLACE_ME placeholder",
)

# --- configuration keys whose values are identifiers -------------------------------------------------

neg(
    "identifier_value",
    "database-key",
    "code/dbt/dbt_project.yml",
    t("""
    name: github_source
    version: "0.9.0"
    vars:
      github_source:
        github_database: raw
        github_schema: github
      database_key: github_database
      schema_key: github_schema
    """),
    "a config key naming another key",
)
neg(
    "identifier_value",
    "token-type-grant",
    "code/ingest/oauth.yaml",
    t("""
    oauth:
      token_url: https://login.vendor.example/oauth2/token
      grant_type: client_credentials
      token_type: bearer
      client_id: shop-migration
      client_secret_ref: VENDOR_CLIENT_SECRET
    """),
    "OAuth settings whose values are names",
)
neg(
    "identifier_value",
    "secret-name",
    "code/etl/secrets.yml",
    t("""
    database:
      secret_name: shop-db-password
      secret_key: password
      secret_store: vault
    """),
    "names of secrets, not secrets",
)
neg(
    "identifier_value",
    "password-field",
    "code/ingest/mapping.json",
    t("""
    {
      "login_field": "username",
      "password_field": "pwd",
      "token_field": "access_token",
      "auth_method": "password"
    }
    """),
    "field names and an auth method",
)
neg(
    "identifier_value",
    "postgresql-conf",
    "code/deploy/postgresql.conf",
    t("""
    listen_addresses = '*'
    password_encryption = scram-sha-256
    ssl = on
    ssl_key_file = '/etc/ssl/private/server.key'
    """),
    "postgresql.conf settings naming an algorithm and a key path",
)
neg(
    "identifier_value",
    "api-key-header",
    "code/ingest/vendor.yaml",
    t("""
    api:
      base_url: https://api.vendor.example/v3
      api_key_header: X-API-Key
      api_key_env: VENDOR_API_KEY
      pagination_token_param: next_page_token
    """),
    "header and parameter names",
)
neg(
    "identifier_value",
    "partition-key",
    "code/spark/jobs/orders.yml",
    t("""
    job: orders_to_delta
    key: order_id
    partition_key: order_date
    credentials_key: source_credentials
    token: incremental
    """),
    "keys whose values are column or mode names",
)
neg(
    "identifier_value",
    "secrets-refs-names",
    "code/etl/refs.yaml",
    t("""
    source:
      url_ref: SOURCE_DB_URL
      password_ref: SOURCE_DB_PASSWORD
    target:
      kms_key_ref: TARGET_KMS_KEY
    """),
    "*_ref keys naming secrets",
)
neg(
    "identifier_value",
    "airflow-conn-ids",
    "code/airflow/dags/config.py",
    t("""
    POSTGRES_CONN_ID = "shop_db"
    SECRET_BACKEND_PREFIX = "airflow/connections"
    TOKEN_VARIABLE = "orders_api_token"
    PASSWORD_ROTATION_DAG = "rotate_passwords_weekly"
    """),
    "Airflow ids that contain secret words",
)

# --- UUIDs -------------------------------------------------------------------------------------------


def uuid4(salt: str) -> str:
    h = fake(HEX, 32, salt)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


neg(
    "uuid",
    "dbt-run-results",
    "evidence/run_results.json",
    t(f"""
    {{
      "metadata": {{"dbt_version": "1.8.2", "generated_at": "2024-06-11T04:12:09Z", "invocation_id": "{uuid4("inv")}"}},
      "results": [{{"unique_id": "model.shop.dim_users", "status": "success", "thread_id": "Thread-1"}}],
      "args": {{"which": "build", "run_id": "{uuid4("run")}"}}
    }}
    """),
    "dbt invocation and run ids",
)
neg(
    "uuid",
    "azure-ids",
    "code/terraform/azure.auto.tfvars",
    t(f"""
    tenant_id       = "{uuid4("tenant")}"
    subscription_id = "{uuid4("subscription")}"
    client_id       = "{uuid4("client")}"
    """),
    "Azure tenant, subscription and client ids (public identifiers)",
)
neg(
    "uuid",
    "python-namespace",
    "code/etl/keys.py",
    t(f"""
    import uuid

    ORDER_NAMESPACE = uuid.UUID("{uuid4("ns")}")


    def order_key(source_id: int) -> uuid.UUID:
        return uuid.uuid5(ORDER_NAMESPACE, str(source_id))
    """),
    "a UUID namespace for deterministic keys",
)
neg(
    "uuid",
    "airflow-conf",
    "code/airflow/dags/trigger_conf.json",
    t(f"""
    {{"request_id": "{uuid4("req")}", "dataset": "orders", "correlation_id": "{uuid4("corr")}"}}
    """),
    "request and correlation ids",
)
neg(
    "uuid",
    "sql-tenant",
    "code/sql/transforms/tenant_orders.sql",
    t(f"""
    SELECT *
    FROM orders
    WHERE tenant_id = '{uuid4("tenant-sql")}'::uuid;
    """),
    "a tenant UUID in SQL",
)

# --- base64 data ---------------------------------------------------------------------------------------

_PNG = base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d49484452") + fake_bytes(180, "png")
).decode()
neg(
    "base64_data",
    "markdown-image",
    "runbooks/dashboard.md",
    f"# Dashboard\n\n![row counts](data:image/png;base64,{_PNG})\n",
    "an inline PNG in markdown",
)
neg(
    "base64_data",
    "json-thumbnail",
    "evidence/profile_report.json",
    json.dumps(
        {
            "dataset": "orders",
            "histogram_png": base64.b64encode(
                bytes.fromhex("89504e470d0a1a0a") + fake_bytes(240, "hist")
            ).decode(),
        },
        indent=2,
    )
    + "\n",
    "a base64 chart in a profiling report",
)
neg(
    "base64_data",
    "notebook-output",
    "code/notebooks/explore_orders.ipynb",
    json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": 3,
                    "metadata": {},
                    "outputs": [
                        {
                            "data": {
                                "image/png": base64.b64encode(
                                    bytes.fromhex("89504e470d0a1a0a") + fake_bytes(300, "nb")
                                ).decode()
                                + "\n",
                                "text/plain": ["<Figure size 640x480>"],
                            },
                            "metadata": {},
                            "output_type": "display_data",
                        }
                    ],
                    "source": ["df.total.hist()"],
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )
    + "\n",
    "a notebook's image output",
)
neg(
    "base64_data",
    "gzip-fixture",
    "code/tests/fixtures.py",
    'import base64\nimport gzip\n\nSAMPLE_ORDERS = gzip.decompress(base64.b64decode(\n    "'
    + base64.b64encode(
        gzip.compress(
            b"id,customer_id,total\n"
            + b"".join(f"{i},{i * 7 % 101},{i * 3.5:.2f}\n".encode() for i in range(1, 40)),
            mtime=0,
        )
    ).decode()
    + '"\n))\n',
    "a gzip-compressed CSV fixture in base64",
)
neg(
    "base64_data",
    "css-font",
    "code/dashboard/fonts.css",
    "@font-face {\n  font-family: 'Inter';\n  src: url(data:font/woff2;base64,d09GMgABAAAAA"
    + base64.b64encode(fake_bytes(200, "woff")).decode()
    + ") format('woff2');\n}\n",
    "an embedded font",
)
neg(
    "base64_data",
    "avro-schema-yaml",
    "contracts/orders_avro.yml",
    t(f"""
    subject: orders-value
    schema_id: 1042
    schema_b64: {base64.b64encode(json.dumps({"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}, {"name": "total", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}}]}).encode()).decode()}
    """),
    "a base64-encoded Avro schema",
)

# --- dbt packages ----------------------------------------------------------------------------------------

neg(
    "dbt_packages",
    "packages-hub-and-git",
    "code/dbt/packages.yml",
    t(f"""
    packages:
      - package: dbt-labs/dbt_utils
        version: 1.3.0
      - package: calogica/dbt_expectations
        version: [">=0.10.0", "<0.11.0"]
      - git: https://github.com/shop-data/dbt-internal-macros.git
        revision: {sha("sha1", "dbt-internal-macros")}
    """),
    "dbt packages pinned by version and commit",
)
neg(
    "dbt_packages",
    "package-lock-many",
    "code/dbt/package-lock.yml",
    t(f"""
    packages:
      - package: dbt-labs/dbt_utils
        version: 1.3.0
      - package: calogica/dbt_expectations
        version: 0.10.4
      - package: calogica/dbt_date
        version: 0.10.1
      - git: https://github.com/fivetran/dbt_github_source.git
        revision: {sha("sha1", "gh-source")}
    sha1_hash: {sha("sha1", "lock-many")}
    """),
    "a dbt package lock with a git revision and sha1_hash",
)
neg(
    "dbt_packages",
    "dependencies-yml",
    "code/dbt/dependencies.yml",
    t("""
    projects:
      - name: core_platform
    packages:
      - local: ../shared_macros
      - private: shop-data/dbt-private-utils
        revision: "0.3.2"
    """),
    "dbt dependencies.yml with a private package by name",
)
neg(
    "dbt_packages",
    "dbt-project-hooks",
    "code/dbt/dbt_project.yml",
    t("""
    name: shop
    version: "1.0.0"
    config-version: 2
    profile: shop
    model-paths: [models]
    on-run-start:
      - "{{ create_audit_table() }}"
    on-run-end:
      - "{{ grant_select(schemas, 'reporting') }}"
    models:
      shop:
        +persist_docs: {relation: true, columns: true}
        staging:
          +materialized: view
    query-comment:
      comment: "{{ query_comment(node) }}"
      append: true
    """),
    "a dbt project file with hooks",
)

# --- Terraform for the target bucket ------------------------------------------------------------------

neg(
    "terraform_s3",
    "bucket-kms",
    "code/terraform/bucket.tf",
    t(f"""
    resource "aws_s3_bucket" "lake" {{
      bucket = "shop-lake-prod"
    }}

    resource "aws_s3_bucket_versioning" "lake" {{
      bucket = aws_s3_bucket.lake.id
      versioning_configuration {{
        status = "Enabled"
      }}
    }}

    resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {{
      bucket = aws_s3_bucket.lake.id
      rule {{
        apply_server_side_encryption_by_default {{
          sse_algorithm     = "aws:kms"
          kms_master_key_id = "arn:aws:kms:eu-west-1:123456789012:key/{uuid4("kms")}"
        }}
      }}
    }}
    """),
    "an S3 bucket with KMS encryption by key ARN",
)
neg(
    "terraform_s3",
    "bucket-policy",
    "code/terraform/bucket_policy.tf",
    t("""
    data "aws_iam_policy_document" "lake" {
      statement {
        sid     = "LoaderWrite"
        actions = ["s3:PutObject", "s3:GetObject"]
        principals {
          type        = "AWS"
          identifiers = ["arn:aws:iam::123456789012:role/shop-loader"]
        }
        resources = ["${aws_s3_bucket.lake.arn}/*"]
      }
    }

    resource "aws_s3_bucket_policy" "lake" {
      bucket = aws_s3_bucket.lake.id
      policy = data.aws_iam_policy_document.lake.json
    }
    """),
    "a bucket policy with role ARNs",
)
neg(
    "terraform_s3",
    "object-etag",
    "code/terraform/objects.tf",
    t("""
    resource "aws_s3_object" "manifest" {
      bucket      = aws_s3_bucket.lake.id
      key         = "manifests/orders.json"
      source      = "${path.module}/files/orders.json"
      etag        = filemd5("${path.module}/files/orders.json")
      source_hash = filebase64sha256("${path.module}/files/orders.json")
    }
    """),
    "etag and source_hash from functions",
)
neg(
    "terraform_s3",
    "backend-s3",
    "code/terraform/backend.tf",
    t(f"""
    terraform {{
      backend "s3" {{
        bucket         = "shop-terraform-state"
        key            = "lake/prod.tfstate"
        region         = "eu-west-1"
        dynamodb_table = "terraform-locks"
        encrypt        = true
        kms_key_id     = "arn:aws:kms:eu-west-1:123456789012:key/{uuid4("state-kms")}"
      }}
    }}
    """),
    "an S3 backend",
)
neg(
    "terraform_s3",
    "tfvars",
    "code/terraform/prod.tfvars",
    t("""
    account_id   = "123456789012"
    region       = "eu-west-1"
    bucket_names = ["shop-landing-prod", "shop-lake-prod"]
    tags = {
      owner       = "data-platform"
      cost_center = "cc-4410"
    }
    """),
    "tfvars with ids and tags",
)
neg(
    "terraform_s3",
    "sensitive-output",
    "code/terraform/outputs.tf",
    t("""
    resource "aws_iam_access_key" "loader" {
      user = aws_iam_user.loader.name
    }

    output "loader_secret_key" {
      value     = aws_iam_access_key.loader.secret
      sensitive = true
    }

    output "lake_bucket_arn" {
      value = aws_s3_bucket.lake.arn
    }
    """),
    "a sensitive output by reference",
)

# --- Airflow DAGs without a secret ---------------------------------------------------------------------

neg(
    "airflow_dag",
    "postgres-operator",
    "code/airflow/dags/load_orders.py",
    t("""
    from datetime import datetime

    from airflow import DAG
    from airflow.providers.postgres.operators.postgres import PostgresOperator

    with DAG("load_orders", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:
        PostgresOperator(
            task_id="merge_orders",
            postgres_conn_id="shop_db",
            sql="sql/merge_orders.sql",
        )
    """),
    "a DAG naming a connection id",
)
neg(
    "airflow_dag",
    "variable-and-hook",
    "code/airflow/dags/sync_crm.py",
    t("""
    from airflow.decorators import dag, task
    from airflow.hooks.base import BaseHook
    from airflow.models import Variable


    @dag(schedule="@hourly", catchup=False)
    def sync_crm():
        @task
        def pull():
            token = Variable.get("orders_api_token")
            password = BaseHook.get_connection("crm").password
            return bool(token and password)

        pull()


    sync_crm()
    """),
    "a DAG reading secrets from Variables and Connections",
)
neg(
    "airflow_dag",
    "k8s-pod-secret",
    "code/airflow/dags/dbt_build.py",
    t("""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from airflow.providers.cncf.kubernetes.secret import Secret

    db_password = Secret("env", "DBT_PASSWORD", "dbt-warehouse", "password")

    dbt_build = KubernetesPodOperator(
        task_id="dbt_build",
        image="ghcr.io/shop-data/dbt:1.8",
        cmds=["dbt", "build"],
        secrets=[db_password],
    )
    """),
    "a pod operator mounting a Kubernetes secret",
)
neg(
    "airflow_dag",
    "templated-conn",
    "code/airflow/dags/counts.py",
    t("""
    from airflow.operators.bash import BashOperator

    counts = BashOperator(
        task_id="row_counts",
        bash_command=(
            'PGPASSWORD="{{ conn.shop_db.password }}" '
            'psql -h {{ conn.shop_db.host }} -U {{ conn.shop_db.login }} -c "select count(*) from orders"'
        ),
    )
    """),
    "Jinja-templated connection fields",
)
neg(
    "airflow_dag",
    "snowflake-operator",
    "code/airflow/dags/reset_events.py",
    t("""
    from airflow.providers.snowflake.operators.snowflake import SnowflakeOperator

    load = SnowflakeOperator(
        task_id="load_password_reset_events",
        snowflake_conn_id="snowflake_lake",
        sql="COPY INTO raw.password_reset_events FROM @landing/password_resets/",
        warehouse="LOAD_WH",
    )
    """),
    "a task about password-reset events, with a connection id",
)

# --- opaque identifiers -----------------------------------------------------------------------------------

neg(
    "opaque_id",
    "otel-trace",
    "evidence/trace_sample.json",
    t(f"""
    {{"traceId": "{fake(HEX, 32, "trace")}", "spanId": "{fake(HEX, 16, "span")}", "name": "copy_orders", "durationMs": 48213}}
    """),
    "trace and span ids",
)
neg(
    "opaque_id",
    "s3-request-ids",
    "evidence/s3_error.json",
    t(f"""
    {{
      "Error": {{"Code": "SlowDown", "Message": "Please reduce your request rate."}},
      "ResponseMetadata": {{
        "RequestId": "{fake(UPPER_DIGITS, 16, "amz-req")}",
        "HostId": "{fake(B64, 76, "amz-host")}=",
        "HTTPStatusCode": 503
      }}
    }}
    """),
    "S3 request id and host id",
)
neg(
    "opaque_id",
    "databricks-ids",
    "code/databricks/job.json",
    t(f"""
    {{
      "job_id": 781223409912,
      "existing_cluster_id": "0611-{fake(string.digits, 6, "cl")}-{fake(LOWER_DIGITS, 8, "cl2")}",
      "notebook_task": {{"notebook_path": "/Repos/shop/etl/backfill"}},
      "run_name": "backfill-{fake(HEX, 12, "run")}"
    }}
    """),
    "Databricks cluster and run ids",
)
neg(
    "opaque_id",
    "s3-version-id",
    "evidence/restore_points.yml",
    t(f"""
    restore_points:
      - key: raw/orders/_delta_log/00000000000000000412.json
        version_id: {fake(ALNUM + "._", 32, "ver1")}
      - key: raw/orders/_delta_log/00000000000000000413.json
        version_id: {fake(ALNUM + "._", 32, "ver2")}
    """),
    "S3 object version ids",
)
neg(
    "opaque_id",
    "mlflow-run",
    "code/ml/churn_model.yaml",
    t(f"""
    model: churn
    mlflow:
      experiment_id: "4471203"
      run_id: {fake(HEX, 32, "mlflow")}
      artifact_uri: dbfs:/databricks/mlflow-tracking/4471203/{fake(HEX, 32, "mlflow")}/artifacts
    """),
    "an MLflow run id",
)
neg(
    "opaque_id",
    "google-sheet-id",
    "code/ingest/finance_sheets.yaml",
    t(f"""
    sheets:
      - name: budget_2024
        spreadsheet_id: 1{fake(B64URL, 43, "sheet1")}
        range: "Budget!A1:H400"
      - name: headcount
        spreadsheet_id: 1{fake(B64URL, 43, "sheet2")}
    """),
    "Google Sheets ids (public document identifiers)",
)

# --- prose about passwords without one ---------------------------------------------------------------------

neg(
    "password_prose_no_value",
    "rotation-policy",
    "runbooks/security.md",
    t("""
    # Credentials

    Passwords are rotated every 90 days by the platform team. The loader's password is stored in
    Vault at `secret/shop/db` (key `password`); the token for the orders API is under
    `secret/shop/api`.
    """),
    "where passwords are kept, not a password",
)
neg(
    "password_prose_no_value",
    "ask-channel",
    "runbooks/replica_access.md",
    t("""
    Ask #data-platform for the replica password; never paste it in a ticket or in this repository.
    """),
    "an instruction about a password",
)
neg(
    "password_prose_no_value",
    "see-password-manager",
    "docs/handover.md",
    t("""
    - Console: https://admin.legacy.example
    - User: ops-admin
    - Password: see 1Password item "Legacy admin console"
    """),
    "a pointer to a password manager entry",
)
neg(
    "password_prose_no_value",
    "security-md",
    "SECURITY.md",
    t("""
    # Reporting a leaked credential

    If you find a password or a token in this repository, rotate it first, then open a private
    report. The password of a service account is never needed to review a migration.
    """),
    "prose mentioning passwords and tokens",
)
neg(
    "password_prose_no_value",
    "sql-comment",
    "code/sql/migrations/V16__rotate.sql",
    t("""
    -- The password is set by the rotation job (see runbooks/security.md), not here.
    ALTER ROLE app_rw VALID UNTIL 'infinity';
    """),
    "a SQL comment about where the password comes from",
)


# --- second wave: the same families in other syntaxes, and the places a password is given to a
# program, a .netrc, XML configuration, a keyed call, a Markdown table -------------------------

pos(
    "libpq_dsn",
    "go-dsn",
    "code/loader/main.go",
    t("""
    package main

    const dsn = "host=pg-primary.internal user=loader password=Gq4-lm8Rt2 dbname=shop sslmode=verify-full"
    """),
    "password=Gq4-lm8Rt2",
    "a libpq DSN as a Go constant",
)
pos(
    "libpq_dsn",
    "dblink-connect-u",
    "code/sql/fdw/archive.sql",
    t("""
    SELECT dblink_connect_u('archive', 'host=archive-db port=5432 dbname=archive user=reader password=Arch1ve#rd');
    """),
    "password=Arch1ve#rd",
    "dblink_connect_u with a DSN that carries the password",
)
pos(
    "libpq_dsn",
    "odbc-ini",
    "code/odbc/odbc.ini",
    t("""
    [legacy_crm]
    Driver = PostgreSQL Unicode
    Servername = crm-db.internal
    Database = crm
    UID = crm_reader
    PWD = Crm-R3ader!x
    """),
    "PWD = Crm-R3ader!x",
    "an odbc.ini data source with its password",
)
pos(
    "sql_create_user",
    "clickhouse-identified-with",
    "code/sql/clickhouse/users.sql",
    "CREATE USER loader IDENTIFIED WITH sha256_password BY 'Ch-L0ader-77' HOST ANY;\n",
    "BY 'Ch-L0ader-77'",
    "ClickHouse CREATE USER ... IDENTIFIED WITH ... BY",
)
pos(
    "sql_create_user",
    "mysql-grant-identified",
    "code/sql/mysql/002_grants.sql",
    "GRANT SELECT ON shop.* TO 'report'@'%' IDENTIFIED BY 'Rep0rt-ro-5';\n",
    "IDENTIFIED BY",
    "MySQL 5.x GRANT ... IDENTIFIED BY creates the user with a password",
)
pos(
    "sql_alter_role",
    "mssql-alter-login",
    "code/sql/mssql/rotate_login.sql",
    "ALTER LOGIN etl_login WITH PASSWORD = N'Etl#Rot8-2025' OLD_PASSWORD = N'x';\n",
    "ALTER LOGIN",
    "SQL Server ALTER LOGIN ... WITH PASSWORD = N'...'",
)
pos(
    "sql_alter_role",
    "snowflake-set-password",
    "code/sql/snowflake/rotate.sql",
    "ALTER USER loader SET PASSWORD = 'Sn0w-Rot4te!q' MUST_CHANGE_PASSWORD = FALSE;\n",
    "SET PASSWORD",
    "Snowflake ALTER USER ... SET PASSWORD",
)
pos(
    "sql_user_mapping",
    "spark-jdbc-option",
    "code/spark/jobs/copy_orders.py",
    t("""
    orders = (
        spark.read.format("jdbc")
        .option("url", "jdbc:postgresql://pg-replica:5432/shop")
        .option("user", "spark_reader")
        .option("password", "Sp4rk-reader9")
        .option("dbtable", "public.orders")
        .load()
    )
    """),
    '"Sp4rk-reader9"',
    "Spark's JDBC reader given the password as an option",
)
pos(
    "pgpass",
    "printf-home",
    "code/scripts/setup_replica.sh",
    t("""
    #!/bin/sh
    printf '%s\\n' 'replica-db:5432:*:replicator:Repl1-pgp4ss' >> "$HOME/.pgpass"
    """),
    "replica-db:5432",
    "printf of a pgpass line into the home directory's .pgpass",
)
pos(
    "pgpass",
    "k8s-secret-block",
    "code/deploy/k8s/pgpass-secret.yaml",
    t("""
    apiVersion: v1
    kind: Secret
    metadata:
      name: loader-pgpass
    stringData:
      .pgpass: |
        shop-db:5432:shop:loader:K8s-pgp4ss-x1
    """),
    "shop-db:5432",
    "a Kubernetes Secret whose .pgpass block holds a password",
)
pos(
    "http_basic_auth",
    "smtplib-login",
    "code/etl/send_report.py",
    t("""
    import smtplib

    with smtplib.SMTP_SSL("smtp.mail.example", 465) as server:
        server.login("reports@shop.example", "Sm7p-rep0rts")
        server.send_message(message)
    """),
    "server.login",
    "smtplib login with a literal password",
)
pos(
    "http_basic_auth",
    "httpx-basicauth-kw",
    "code/etl/vendor_pull.py",
    t("""
    import httpx

    auth = httpx.BasicAuth(username="vendor_pull", password="Httpx-b4sic1")
    """),
    "httpx.BasicAuth",
    "httpx.BasicAuth with keyword arguments",
)
pos(
    "auth_header",
    "apache-requestheader",
    "code/deploy/apache/proxy.conf",
    t("""
    <Location /export>
        RequestHeader set Authorization "Basic ZXhwb3J0OkFwNGNoZS1wcm94eQ=="
        ProxyPass http://exporter.internal:8080/
    </Location>
    """),
    "RequestHeader set Authorization",
    "an Apache proxy header with a Basic credential (export:Ap4che-proxy)",
)
pos(
    "prose_password",
    "markdown-table",
    "runbooks/replica_access.md",
    t("""
    # Replica access (until the cut-over)

    | host | user | password |
    |------|------|----------|
    | replica-1.internal | report_ro | Rep-R0-tbl22 |
    """),
    "Rep-R0-tbl22",
    "a runbook table with a password column",
)
pos(
    "prose_password",
    "set-to-sentence",
    "docs/cutover_notes.md",
    t("""
    ## Cut-over notes

    I reset the password to Cut0ver!9z on the staging replica; it expires Friday.
    """),
    "Cut0ver!9z",
    "prose that says what the password was set to",
)
pos(
    "prose_password",
    "use-password",
    "runbooks/backfill.md",
    t("""
    Connect as `backfill` and use password `B4ckf1ll-tmp` until the service account exists.
    """),
    "B4ckf1ll-tmp",
    "prose that says which password to use",
)
pos(
    "command_line_password",
    "mysqldump-glued",
    "code/scripts/dump_legacy.sh",
    t("""
    #!/bin/sh
    mysqldump -h legacy-mysql -u dumper -pDump3r-legacy --single-transaction shop > shop.sql
    """),
    "-pDump3r-legacy",
    "mysqldump with the password glued to -p",
)
pos(
    "command_line_password",
    "long-option",
    "code/Makefile",
    t("""
    load:
    \tpgloader --with "prefetch rows = 10000" mysql://loader@legacy/shop pgsql:///shop
    \tmysql --host=legacy --user=loader --password=L0ader-mk9 -e 'SELECT 1'
    """),
    "--password=L0ader-mk9",
    "a Makefile recipe with --password=",
)
pos(
    "command_line_password",
    "sqlplus-connect",
    "code/scripts/oracle_export.sh",
    t("""
    #!/bin/bash
    sqlplus -s stage_owner/St4ge-0wner@//ora-db:1521/STAGE @export_orders.sql
    """),
    "sqlplus",
    "sqlplus with user/password@connect-string",
)
pos(
    "command_line_password",
    "workflow-step-option",
    ".github/workflows/seed.yml",
    t("""
    name: seed
    on: [workflow_dispatch]
    jobs:
      seed:
        runs-on: ubuntu-latest
        steps:
          - run: dbt seed --target ci
          - run: pg_restore --dbname=shop --no-owner dump.pgc && psql "host=ci-db user=ci password=C1-seed-pw7" -c 'ANALYZE'
    """),
    "password=C1-seed-pw7",
    "a workflow step whose psql DSN carries the password",
)
pos(
    "netrc",
    "netrc-file",
    "code/.netrc",
    t("""
    machine artifacts.shop.example
      login deploy
      password N3trc-deploy8
    """),
    "password N3trc-deploy8",
    "a .netrc entry over several lines",
)
pos(
    "netrc",
    "netrc-written-by-script",
    "code/scripts/fetch_exports.sh",
    t("""
    #!/bin/sh
    cat > ~/.netrc <<EOF
    machine exports.vendor.example login shop password Exp0rts-netrc2
    EOF
    curl --netrc -O https://exports.vendor.example/orders.csv
    """),
    "machine exports",
    "a script writing a one-line .netrc entry",
)
pos(
    "xml_config",
    "maven-settings",
    "code/java/settings.xml",
    t("""
    <settings>
      <servers>
        <server>
          <id>internal-releases</id>
          <username>deployer</username>
          <password>Mvn-d3ploy-44</password>
        </server>
      </servers>
    </settings>
    """),
    "<password>",
    "Maven settings.xml with a server password",
)
pos(
    "xml_config",
    "hibernate-property",
    "code/java/src/main/resources/hibernate.cfg.xml",
    t("""
    <hibernate-configuration>
      <session-factory>
        <property name="connection.url">jdbc:postgresql://pg:5432/shop</property>
        <property name="connection.username">shop_app</property>
        <property name="connection.password">Hib3rnate-pw1</property>
      </session-factory>
    </hibernate-configuration>
    """),
    "connection.password",
    "Hibernate configuration with the connection password",
)
pos(
    "xml_config",
    "spring-bean-property",
    "code/java/src/main/resources/datasource.xml",
    t("""
    <bean id="dataSource" class="org.apache.commons.dbcp2.BasicDataSource">
      <property name="url" value="jdbc:mysql://legacy:3306/shop"/>
      <property name="username" value="legacy_ro"/>
      <property name="password" value="Spr1ng-bean5"/>
    </bean>
    """),
    'name="password"',
    "a Spring data source bean with its password",
)
pos(
    "password_assignment",
    "shell-default",
    "code/scripts/load.sh",
    t("""
    #!/bin/sh
    PGPASSWORD="${PGPASSWORD:-Sh-def4ult-pw}"
    export PGPASSWORD
    """),
    "PGPASSWORD=",
    "a shell default that is a literal password",
)
pos(
    "url_password",
    "hash-in-password",
    "code/etl/settings.py",
    'DATABASE_URL = "postgresql://etl:Pw9kq2-x7@pg-primary:5432/shop"\n',
    "DATABASE_URL",
    "a database URL with a password",
)

neg(
    "cli_option_docs",
    "option-names",
    "docs/loading.md",
    t("""
    ## Credentials

    `pg_restore` never takes a password on the command line: use the --username and --password
    options of the wrapper only with a prompt, or `--password-stdin`. See `mysql --password` in
    the MySQL manual (it prompts when no value follows).
    """),
    "documentation naming password options without a value",
)
neg(
    "cli_option_docs",
    "variables",
    "code/scripts/restore.sh",
    t("""
    #!/bin/sh
    mysql --host="$DB_HOST" --user="$DB_USER" --password="$DB_PASSWORD" shop < dump.sql
    sqlplus -s "$ORA_USER/$ORA_PASSWORD@$ORA_TNS" @load.sql
    echo "$PGHOST:5432:$PGDATABASE:$PGUSER:$PGPASSWORD" > ~/.pgpass
    """),
    "options, connect strings and pgpass lines filled from the environment",
)
neg(
    "cli_option_docs",
    "psql-port",
    "code/scripts/psql_local.sh",
    "mysql -h 127.0.0.1 -P 3306 -u root -p shop\npg_isready -h localhost -p5432\n",
    "a prompt (-p alone) and a port (-p5432), not passwords",
)
neg(
    "sql_prose",
    "identified-by-docs",
    "docs/data_model.md",
    t("""
    Each order is identified by its order number; customers are identified by their e-mail
    address, and the rows of a batch are identified by 'batch_id'.
    """),
    "'identified by' in prose about keys",
)
neg(
    "sql_prose",
    "grammar-tuples",
    "code/etl/sql_keywords.py",
    t("""
    RESERVED = [
        ("PASSWORD", "non-reserved"),
        ("TOKEN", "not-keyword"),
    ]
    SET_PASSWORD = Sequence("PASSWORD", "EXPIRE")
    """),
    "SQL keywords in a grammar table",
)
neg(
    "doc_placeholder",
    "scott-tiger",
    "docs/connections.md",
    t("""
    ```python
    engine = create_engine("oracle+oracledb://scott:tiger@localhost:1521/?service_name=FREEPDB1")
    ```
    """),
    "Oracle's demonstration account, as every SQLAlchemy example writes it",
)
neg(
    "doc_placeholder",
    "basic-user-password",
    "docs/api.md",
    "Send `Authorization: Basic dXNlcjpwYXNzd29yZA==` (base64 of `user:password`).\n",
    "a Basic header whose credential is user:password",
)
neg(
    "password_prose_no_value",
    "table-without-values",
    "runbooks/access.md",
    t("""
    | system | user | password |
    |--------|------|----------|
    | replica | report_ro | in 1Password, vault "data" |
    | warehouse | loader | `vault:kv/warehouse#loader` |
    """),
    "a table whose password column says where each password is",
)
neg(
    "password_prose_no_value",
    "format-table",
    "docs/tokens.md",
    t("""
    | Token | Prefix |
    |-------|--------|
    | Dynatrace Token | `dt0c01.` |
    | GitHub Token | `ghp_` |
    """),
    "a table of token formats",
)
neg(
    "xml_config",
    "placeholders",
    "code/java/src/main/resources/datasource.xml",
    t("""
    <bean id="dataSource" class="org.apache.commons.dbcp2.BasicDataSource">
      <property name="username" value="${db.user}"/>
      <property name="password" value="${db.password}"/>
    </bean>
    <server><id>releases</id><password>${env.MAVEN_PASSWORD}</password></server>
    """),
    "XML configuration filled from properties and the environment",
)
neg(
    "netrc",
    "netrc-docs",
    "docs/netrc.md",
    "Put `machine <host> login <user> password <password>` in ~/.netrc and chmod it 600.\n",
    "documentation of the .netrc format",
)


pos(
    "netrc",
    "netrc-default",
    "code/ci/_netrc",
    "default login ci-bot password D3fault-netrc\n",
    "default login",
    "a Windows _netrc default entry",
)
neg(
    "sql_prose",
    "sql-comment-identified",
    "code/sql/migrations/V21__dedupe.sql",
    t("""
    -- Duplicates are identified by their natural key (email, created_at); the newest row wins.
    DELETE FROM staging.customers a USING staging.customers b
    WHERE a.email = b.email AND a.created_at < b.created_at;
    """),
    "'identified by' in a SQL comment about keys",
)
neg(
    "xml_config",
    "empty-and-masked",
    "code/java/settings.xml",
    t("""
    <settings>
      <servers>
        <server><id>snapshots</id><username>deployer</username><password></password></server>
        <server><id>releases</id><username>deployer</username><password>********</password></server>
      </servers>
    </settings>
    """),
    "XML password elements empty or masked",
)
neg(
    "xml_config",
    "schema-elements",
    "contracts/customer.xsd",
    t("""
    <xs:element name="password_hash" type="xs:string"/>
    <xs:element name="token_expiry" type="xs:dateTime"/>
    <property name="password.policy">strict</property>
    """),
    "XML schema elements and properties about credentials, no value",
)
neg(
    "netrc",
    "netrc-from-secrets",
    ".github/workflows/fetch.yml",
    t("""
    jobs:
      fetch:
        runs-on: ubuntu-latest
        steps:
          - run: echo "machine exports.vendor.example login shop password $EXPORTS_PASSWORD" > ~/.netrc
            env:
              EXPORTS_PASSWORD: ${{ secrets.EXPORTS_PASSWORD }}
    """),
    "a .netrc line filled from a secret at run time",
)
neg(
    "netrc",
    "netrc-prose",
    "docs/downloads.md",
    t("""
    The vendor's portal asks for a password the first time; after that, curl reads the
    machine entry from your .netrc.
    """),
    "prose about a .netrc, no entry",
)


# =================================================================================================
# PRECISION FAMILIES, MORE SYNTAXES: for each family of false alarm that a precision rule removes
# (src/.../secret_detection/precision.py, references.py; docs/secrets-rules.md), the same place and
# shape in other files and syntaxes (negatives), and a real secret beside such a place or dressed
# as it (positives, family ``beside_negative``, slug ``<negative family>--...``), which must
# still be found.
# =================================================================================================


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sops_enc(salt: str, n: int = 24, kind: str = "str") -> str:
    """A SOPS value: AES-GCM ciphertext with a 32-byte IV and a 16-byte tag."""
    data, iv, tag = fake_bytes(n, salt), fake_bytes(32, salt + "-iv"), fake_bytes(16, salt + "-tag")
    return f"ENC[AES256_GCM,data:{b64(data)},iv:{b64(iv)},tag:{b64(tag)},type:{kind}]"


def sealed(salt: str, n: int = 120) -> str:
    """A SealedSecret value: the session key's length (0x0200), then ciphertext."""
    return b64(b"\x02\x00" + fake_bytes(n, salt))


# --- git_sha ---
neg(
    "git_sha",
    "terraform-git-source-ref",
    "code/terraform/main.tf",
    t(f"""
    module "landing_bucket" {{
      source = "git::https://github.com/shop-data/tf-modules.git//s3?ref={sha("sha1", "tf-ref")}"
      name   = "orders-landing"
    }}
    """),
    "a Terraform module pinned to a commit with ?ref=",
)
neg(
    "git_sha",
    "deploy-json-ref",
    "evidence/deploy.json",
    json.dumps(
        {"repo": "shop-data/loader", "ref": sha("sha1", "deploy-ref"), "status": "success"},
        indent=2,
    )
    + "\n",
    "a deployment record's commit ref",
)
neg(
    "git_sha",
    "kustomize-ref",
    "code/deploy/kustomization.yaml",
    t(f"""
    resources:
      - https://github.com/shop-data/platform//deploy/base?ref={sha("sha1", "kustomize-ref")}
    """),
    "a kustomize remote base pinned to a commit",
)
pos(
    "beside_negative",
    "git-sha--gitlab-ref-and-password",
    "code/.gitlab-ci.yml",
    t(f"""
    include:
      - project: shop-data/ci-templates
        ref: {sha("sha1", "gl-ref-pos")}
        file: /dbt.yml
    variables:
      DBT_PASSWORD: "Lm3-gitlab-Pw8!"
    """),
    "Lm3-gitlab-Pw8!",
    "a literal password in CI variables next to a pinned include ref",
)

# --- digest_named ---
neg(
    "digest_named",
    "content-md5-header",
    "evidence/upload_headers.txt",
    t(f"""
    PUT /landing/orders/2024-06-11.parquet HTTP/1.1
    Host: shop-landing.s3.eu-west-1.amazonaws.com
    Content-MD5: {b64(hashlib.md5(b"orders-2024-06-11").digest())}
    Content-Length: 5242880
    """),
    "an HTTP Content-MD5 header: base64 of an MD5",
)
neg(
    "digest_named",
    "gcs-md5hash-json",
    "evidence/gcs_objects.json",
    json.dumps(
        {
            "name": "exports/orders.csv.gz",
            "md5Hash": b64(hashlib.md5(b"gcs-orders").digest()),
            "crc32c": "yZRlqg==",
            "size": "1048576",
        },
        indent=2,
    )
    + "\n",
    "a GCS object's md5Hash (base64 of an MD5)",
)
neg(
    "digest_named",
    "sri-jinja-template",
    "code/dashboard/templates/base.html.j2",
    t(f"""
    <link rel="stylesheet" href="https://cdn.example.net/grid.css"
          integrity="{sri("sha256", "grid-css")}" crossorigin="anonymous">
    """),
    "a subresource integrity digest in a template",
)
neg(
    "digest_named",
    "python-checksum-sha256",
    "code/etl/verify_export.py",
    t(f"""
    CHECKSUM_SHA256 = "{b64(hashlib.sha256(b"export-v3").digest())}"
    if object_head["ChecksumSHA256"] != CHECKSUM_SHA256:
        raise ValueError("export changed")
    """),
    "an expected S3 SHA-256 checksum, base64",
)
pos(
    "beside_negative",
    "digest-named--md5hash-and-access-key",
    "evidence/gcs_upload.json",
    json.dumps(
        {
            "md5Hash": b64(hashlib.md5(b"gcs-pos").digest()),
            "credentials": {"AccessKeyId": _AKIA[4], "SecretAccessKey": _AWS_SECRET[4]},
        },
        indent=2,
    )
    + "\n",
    _AKIA[4],
    "an AWS key pair next to an object's md5Hash",
    also=(_AWS_SECRET[4],),
)

# --- etag ---
neg(
    "etag",
    "s3-list-json",
    "evidence/s3_list.json",
    json.dumps(
        {"Contents": [{"Key": "orders/part-0.parquet", "ETag": f'"{sha("md5", "etag-list")}"'}]},
        indent=2,
    )
    + "\n",
    "S3 ListObjects ETags (quoted MD5s) in JSON",
)
neg(
    "etag",
    "curl-if-none-match",
    "code/scripts/poll_feed.sh",
    t(f"""
    #!/bin/sh
    curl -sf -H 'If-None-Match: "{sha("md5", "etag-curl")}"' https://feeds.example.net/orders.csv -o orders.csv
    """),
    "an If-None-Match header with an ETag",
)
neg(
    "etag",
    "weak-etag-log",
    "evidence/cdn_probe.log",
    t(f"""
    < HTTP/2 304
    < ETag: W/"{sha("sha1", "etag-weak")}"
    < cache-control: max-age=60
    """),
    "a weak ETag (a SHA-1) in a captured response",
)
pos(
    "beside_negative",
    "etag--etag-and-sts-credentials",
    "evidence/sts_probe.json",
    json.dumps(
        {
            "ETag": f'"{sha("md5", "etag-pos")}"',
            "Credentials": {"AccessKeyId": _AKIA[5], "SecretAccessKey": _AWS_SECRET[5]},
        },
        indent=2,
    )
    + "\n",
    _AKIA[5],
    "credentials captured next to an ETag",
    also=(_AWS_SECRET[5],),
)

# --- public_key ---
neg(
    "public_key",
    "jwks-yaml-ec",
    "code/api/jwks.yaml",
    t(f"""
    keys:
      - kty: EC
        crv: P-256
        kid: loader-2024
        x: {b64url(fake_bytes(32, "jwk-ec-x"))}
        y: {b64url(fake_bytes(32, "jwk-ec-y"))}
    """),
    "an EC public JWK in YAML (x and y are curve coordinates)",
)
neg(
    "public_key",
    "jwk-rsa-multiline",
    "configs/trusted_jwk.json",
    json.dumps(
        {"kty": "RSA", "kid": "approvals", "e": "AQAB", "n": b64url(fake_bytes(256, "jwk-rsa-n"))},
        indent=2,
    )
    + "\n",
    "an RSA public JWK (n is the modulus)",
)
pos(
    "beside_negative",
    "public-key--private-jwk",
    "code/api/signing_jwk.json",
    json.dumps(
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(fake_bytes(32, "jwk-priv-x")),
            "d": b64url(fake_bytes(32, "jwk-priv-d")),
        },
        indent=2,
    )
    + "\n",
    b64url(fake_bytes(32, "jwk-priv-d")),
    "a private JWK: d is the private key",
)

# --- signature ---
neg(
    "signature",
    "tuf-yaml-sigs",
    "evidence/root_metadata.yml",
    t(f"""
    signatures:
      - keyid: {sha("sha256", "tuf-y-key")}
        sig: {fake(HEX, 128, "tuf-y-sig")}
    """),
    "TUF-style signatures in YAML: a key id and an Ed25519 signature",
)
neg(
    "signature",
    "python-signature-hex",
    "code/etl/verify_plan.py",
    t(f"""
    PLAN_SIGNATURE_HEX = "{fake(HEX, 128, "py-sig")}"
    """),
    "a signature constant (64 bytes, hex)",
)
neg(
    "signature",
    "sigstore-message-signature",
    "evidence/loader.sigstore.json",
    json.dumps(
        {
            "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.2",
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64(fake_bytes(32, "ss-d"))},
                "signature": b64(b"\x30\x45" + fake_bytes(69, "ss-sig")),
            },
        },
        indent=2,
    )
    + "\n",
    "a Sigstore bundle: a DER ECDSA signature and a digest",
)
neg(
    "signature",
    "intoto-attestation-payload",
    "evidence/orders.att.json",
    json.dumps(
        {
            "payloadType": "application/vnd.in-toto+json",
            "payload": b64(
                json.dumps(
                    {
                        "_type": "https://in-toto.io/Statement/v1",
                        "subject": [
                            {"name": "orders.parquet", "digest": {"sha256": sha("sha256", "att")}}
                        ],
                        "predicateType": "https://slsa.dev/provenance/v1",
                    }
                ).encode()
            ),
            "signatures": [{"sig": b64(fake_bytes(64, "att-sig"))}],
        }
    )
    + "\n",
    "an in-toto attestation: base64 JSON statement and its signature",
)
pos(
    "beside_negative",
    "signature--signature-and-signing-key",
    "metadata/plan_signature.yml",
    t(f"""
    algorithm: ed25519
    signature_b64: {b64(fake_bytes(64, "sig-pos"))}
    signing_key: {b64(fake_bytes(32, "sig-pos-key"))}
    """),
    "signing_key:",
    "the private signing key committed next to the signature",
)
pos(
    "beside_negative",
    "signature--token-under-signature-key",
    "code/etl/webhook.py",
    f'WEBHOOK = {{"signature": "ghp_{fake(ALNUM, 36, "sig-ghp")}"}}\n',
    "ghp_",
    "a GitHub token under a key named signature",
)

# --- k8s_secret_ref ---
neg(
    "k8s_secret_ref",
    "redis-existing-secret",
    "code/deploy/helm/redis-values.yaml",
    t("""
    auth:
      enabled: true
      existingSecret: redis-auth
      existingSecretPasswordKey: redis-password
    """),
    "a Helm chart told which existing Secret holds the password",
)
neg(
    "k8s_secret_ref",
    "gcp-secret-provider",
    "code/deploy/k8s/gcp-secrets.yaml",
    t("""
    apiVersion: secrets-store.csi.x-k8s.io/v1
    kind: SecretProviderClass
    metadata:
      name: loader-gcp
    spec:
      provider: gcp
      parameters:
        secrets: |
          - resourceName: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:etl/loader-AbC123"
            path: "db-password"
    """),
    "a CSI provider class naming a secret by ARN in a block scalar",
)
pos(
    "beside_negative",
    "k8s-secret-ref--existing-secret-empty-and-password",
    "code/deploy/helm/mlflow-values.yaml",
    t("""
    backendStore:
      existingSecret: ""
      password: "Qv7-mlflow-Db2!"
    """),
    "Qv7-mlflow-Db2!",
    "no existing Secret named, and the password written instead",
)

# --- encrypted_value ---
neg(
    "encrypted_value",
    "sops-json",
    "code/deploy/secrets.enc.json",
    json.dumps(
        {
            "db_password": sops_enc("sops-json-pw"),
            "api_token": sops_enc("sops-json-tok", 40),
            "sops": {"mac": sops_enc("sops-json-mac", 32), "version": "3.8.1"},
        },
        indent=2,
    )
    + "\n",
    "a SOPS-encrypted JSON file",
)
neg(
    "encrypted_value",
    "sops-dotenv",
    "code/.env.enc",
    f"DB_PASSWORD={sops_enc('sops-env-pw')}\nAPI_TOKEN={sops_enc('sops-env-tok', 36)}\n",
    "a SOPS-encrypted dotenv file",
)
neg(
    "encrypted_value",
    "sops-config-age",
    "code/.sops.yaml",
    t(f"""
    creation_rules:
      - path_regex: deploy/.*\\.enc\\.yaml$
        age: age1{fake("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58, "age-rcpt")}
    """),
    "SOPS creation rules naming an age recipient (a public key)",
)
neg(
    "encrypted_value",
    "sealed-secret-two-keys",
    "code/deploy/k8s/crm-sealed.yaml",
    t(f"""
    apiVersion: bitnami.com/v1alpha1
    kind: SealedSecret
    metadata:
      name: crm-api
    spec:
      encryptedData:
        api_token: {sealed("sealed-tok", 200)}
        client_secret: {sealed("sealed-cs", 160)}
    """),
    "a SealedSecret with two encrypted values",
)
pos(
    "beside_negative",
    "encrypted-value--sops-unencrypted-suffix",
    "code/deploy/secrets.enc.yaml",
    t(f"""
    db:
      password: {sops_enc("sops-pos-pw")}
      replica_password_unencrypted: Hx4-replica-Pw9
    """),
    "Hx4-replica-Pw9",
    "a value left unencrypted in a SOPS file",
)
pos(
    "beside_negative",
    "encrypted-value--secret-data-next-to-sealed",
    "code/deploy/k8s/crm-secret.yaml",
    t(f"""
    apiVersion: v1
    kind: Secret
    metadata:
      name: crm-api
    stringData:
      api_token: {fake(ALNUM, 40, "k8s-sd-tok")}
    """),
    "api_token:",
    "a plain Secret's stringData (not sealed)",
)

# --- cloud_secret_ref ---
neg(
    "cloud_secret_ref",
    "cloudformation-json-resolve",
    "code/cfn/warehouse.json",
    json.dumps(
        {
            "Resources": {
                "Warehouse": {
                    "Type": "AWS::Redshift::Cluster",
                    "Properties": {
                        "MasterUsername": "admin",
                        "MasterUserPassword": "{{resolve:secretsmanager:prod/redshift:SecretString:password::}}",
                    },
                }
            }
        },
        indent=2,
    )
    + "\n",
    "a CloudFormation dynamic reference in JSON",
)
neg(
    "cloud_secret_ref",
    "cloudformation-ssm-secure",
    "code/cfn/app.yaml",
    t("""
    Parameters:
      Env: {Type: String}
    Resources:
      Loader:
        Properties:
          DbPassword: '{{resolve:ssm-secure:/prod/loader/db-password:3}}'
    """),
    "a CloudFormation ssm-secure reference",
)
pos(
    "beside_negative",
    "cloud-secret-ref--cloudformation-literal-password",
    "code/cfn/replica.yaml",
    t("""
    Resources:
      Primary:
        Properties:
          MasterUserPassword: "{{resolve:secretsmanager:prod/db:SecretString:password}}"
      Replica:
        Properties:
          MasterUserPassword: "Rp5-replica-Db7"
    """),
    "Rp5-replica-Db7",
    "a literal password beside a dynamic reference",
)

# --- query_string_ref ---
neg(
    "query_string_ref",
    "gcpsm-yaml-version",
    "code/etl/vendors.yml",
    t("""
    vendors:
      acme:
        api_token: gcpsm://projects/shop-prod/secrets/acme-token?version=7
        client_secret: awssm://prod/acme/oauth?versionStage=AWSCURRENT#client_secret
    """),
    "secret-store references with version selectors",
)
neg(
    "query_string_ref",
    "vault-ref-dotenv",
    "code/.env.example",
    "CRM_API_KEY=vault:secret/data/crm?version=2#api_key\n",
    "a Vault reference with a version and a field",
)
neg(
    "query_string_ref",
    "spark-jdbc-env",
    "code/spark/conf/spark-defaults.conf",
    "spark.datasource.orders.url jdbc:mysql://mysql-01.internal:3306/shop?user=spark&password=${MYSQL_PASSWORD}&useSSL=true\n",
    "a JDBC URL whose password parameter is an environment reference",
)
pos(
    "beside_negative",
    "query-string-ref--jdbc-literal-then-params",
    "code/spark/conf/replica.properties",
    "replica.url=jdbc:postgresql://pg-02.internal:5432/shop?user=spark&password=Jd8-replica-Pw3&ssl=true\n",
    "Jd8-replica-Pw3",
    "a literal JDBC password followed by other parameters",
)

# --- dbt_env_var ---
neg(
    "dbt_env_var",
    "vendor-secret-path-default",
    "code/dbt/models/vendors/sources.yml",
    t("""
    version: 2
    sources:
      - name: acme
        meta:
          api_secret: "{{ env_var('ACME_SECRET_PATH', 'vendors/acme/api') }}"
    """),
    "a secret's path, with a path as its default",
)
neg(
    "dbt_env_var",
    "airflow-var-secret-path",
    "code/airflow/dags/templates/extract.yaml",
    t("""
    extract:
      secret: "{{ var.value.get('crm_secret_path', 'etl/crm/readonly') }}"
    """),
    "an Airflow variable naming a secret path, with a path default",
)
pos(
    "beside_negative",
    "dbt-env-var--env-var-password-default",
    "code/dbt/profiles.yml",
    t("""
    shop:
      outputs:
        dev:
          type: postgres
          password: "{{ env_var('DBT_PASSWORD', 'Dv6-dbt-Local9') }}"
    """),
    "Dv6-dbt-Local9",
    "a literal password as env_var's default",
)

# --- env_placeholder ---
neg(
    "env_placeholder",
    "gcloud-mysqldump",
    "code/scripts/dump_orders.sh",
    t("""
    #!/bin/sh
    MYSQL_PWD=$(gcloud secrets versions access latest --secret=orders-db) \\
      mysqldump -h mysql-01.internal -u etl shop orders > orders.sql
    """),
    "a password fetched from Secret Manager, then a continued command",
)
neg(
    "env_placeholder",
    "aws-sm-pg-dump",
    "code/scripts/snapshot.sh",
    t("""
    #!/bin/bash
    export PGPASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/shop --query SecretString --output text) \\
      pg_dump -h pg-01.internal -U snapshot shop
    """),
    "a password fetched from Secrets Manager before a continued pg_dump",
)
pos(
    "beside_negative",
    "env-placeholder--literal-then-continued",
    "code/scripts/restore.sh",
    t("""
    #!/bin/sh
    PGPASSWORD=Rs2-restore-Pw8 \\
      pg_restore -h pg-01.internal -U restore -d shop dump.pgc
    """),
    "Rs2-restore-Pw8",
    "a literal password before a continued command",
)

# --- sql_column ---
neg(
    "sql_column",
    "yaml-column-types",
    "contracts/users_columns.yml",
    t("""
    columns:
      password: varchar(255)
      api_token: text
      secret_key: BYTEA
    """),
    "a column-to-type map in YAML",
)
neg(
    "sql_column",
    "json-type-map",
    "code/etl/type_overrides.json",
    json.dumps(
        {"password_hash": "CHAR(60)", "token": "VARCHAR(64)", "client_secret": "string"}, indent=2
    )
    + "\n",
    "type overrides in JSON",
)
pos(
    "beside_negative",
    "sql-column--type-map-and-default",
    "code/etl/user_types.py",
    t("""
    TYPES = {
        "password": "varchar(255)",
    }
    DEFAULT_PASSWORD = "Tm4-default-Pw7"
    """),
    "Tm4-default-Pw7",
    "a default password beside a type map",
)

# --- sql_password_param ---
neg(
    "sql_password_param",
    "psql-create-role",
    "code/sql/roles/create_loader.psql",
    "CREATE ROLE loader LOGIN PASSWORD :'loader_password';\n",
    "a psql variable as the password",
)
neg(
    "sql_password_param",
    "python-concatenation",
    "code/etl/rotate.py",
    t("""
    def rotate(cur, new_pw):
        cur.execute("ALTER USER etl_loader PASSWORD '" + new_pw + "'")
    """),
    "a SQL statement built from a variable",
)
neg(
    "sql_password_param",
    "jinja-var-concatenation",
    "code/dbt/macros/create_reader.sql",
    t("""
    {% macro create_reader() %}
      {% do run_query("CREATE USER reader PASSWORD '" ~ var('reader_password_var') ~ "'") %}
    {% endmacro %}
    """),
    "a statement built from a dbt var",
)
pos(
    "beside_negative",
    "sql-password-param--psql-variable-and-literal",
    "code/sql/roles/create_reader.sql",
    t("""
    ALTER ROLE app_rw WITH PASSWORD :'new_password';
    ALTER ROLE app_ro WITH PASSWORD 'Ro3-reader-Pw6';
    """),
    "Ro3-reader-Pw6",
    "a literal password beside a psql variable",
)

# --- doc_placeholder ---
neg(
    "doc_placeholder",
    "aws-credentials-doc",
    "docs/aws_profile.md",
    t("""
    ```ini
    [shop-etl]
    aws_access_key_id = AKIAI44QH8DHBEXAMPLE
    aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
    ```
    """),
    "AWS's documented example key pair in a credentials file snippet",
)
neg(
    "doc_placeholder",
    "env-example-masked-tokens",
    "code/.env.example",
    t("""
    GITLAB_TOKEN=glpat-XXXXXXXXXXXXXXXXXXXX
    SLACK_BOT_TOKEN=xoxb-...
    """),
    "vendor prefixes followed by a mask",
)
neg(
    "doc_placeholder",
    "yaml-star-groups",
    "code/ingest/vendor.example.yaml",
    t("""
    vendor:
      api_key: "****-****-****-****"
    """),
    "a masked key in groups",
)
pos(
    "beside_negative",
    "doc-placeholder--example-id-real-secret",
    "docs/aws_access_real.md",
    t(f"""
    AWS_ACCESS_KEY_ID={_AKIA[3]}
    AWS_SECRET_ACCESS_KEY={_AWS_SECRET[3]}
    """),
    _AKIA[3],
    "a real key pair in documentation",
    also=(_AWS_SECRET[3],),
)

# --- identifier_value ---
neg(
    "identifier_value",
    "sync-token-mode",
    "code/ingest/sync.yml",
    t("""
    sync:
      mode: incremental
      token: cursor_based
    """),
    "a sync setting named token whose value is a mode",
)
neg(
    "identifier_value",
    "secret-prefix-path",
    "code/airflow/config/secrets_backend.py",
    t("""
    SECRETS_BACKEND_KWARGS = {
        "connections_prefix": "airflow/connections",
    }
    VAULT_SECRET_PREFIX = "etl/variables"
    """),
    "secret-backend prefixes (paths)",
)
pos(
    "beside_negative",
    "identifier-value--token-random",
    "code/ingest/sync_real.yml",
    t(f"""
    sync:
      mode: incremental
      token: {fake(ALNUM, 32, "sync-tok")}
    """),
    "token:",
    "an issued token under the same key",
)

# --- base64_data ---
_AVRO_OCF = b64(b"Obj\x01\x04\x14avro.codec\x08null" + fake_bytes(160, "avro-ocf"))
_ZLIB_ROWS = json.dumps({"orders": [{"id": 1, "total": 9.5}, {"id": 2, "total": 12.0}]}) * 4
_ZLIB_JSON = b64(zlib.compress(_ZLIB_ROWS.encode()))
neg(
    "base64_data",
    "jpeg-thumbnail-json",
    "evidence/sample_rows.json",
    json.dumps(
        {
            "row": 17,
            "thumbnail": b64(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + fake_bytes(200, "jpeg")),
        },
        indent=2,
    )
    + "\n",
    "a JPEG thumbnail in a sample",
)
neg(
    "base64_data",
    "zlib-fixture",
    "code/tests/test_decode.py",
    t(f"""
    import base64, zlib

    PAYLOAD = "{_ZLIB_JSON}"
    """),
    "a zlib-compressed JSON test fixture",
)
neg(
    "base64_data",
    "configmap-binary-json",
    "code/deploy/k8s/schema-configmap.yaml",
    t(f"""
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: orders-schema
    binaryData:
      schema.json: {b64(json.dumps({"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}, {"name": "total", "type": "double"}, {"name": "currency", "type": "string"}]}).encode())}
    """),
    "a JSON schema as base64 ConfigMap data",
)
neg(
    "base64_data",
    "avro-container-fixture",
    "code/tests/fixtures/orders_avro.yml",
    t(f"""
    avro_b64: {_AVRO_OCF}
    """),
    "an Avro object container file in a fixture",
)
pos(
    "beside_negative",
    "base64-data--secret-data-json-with-password",
    "code/deploy/k8s/app-config-secret.yaml",
    t(f"""
    apiVersion: v1
    kind: Secret
    metadata:
      name: app-config
    data:
      config.json: {b64(json.dumps({"db": {"host": "pg-01.internal", "user": "app", "password": "Bc7-config-Json4!x"}}).encode())}
    """),
    "config.json:",
    "base64 of a JSON document that holds a password",
)

# --- opaque_id ---
neg(
    "opaque_id",
    "http-trace-headers",
    "evidence/api_trace.txt",
    t(f"""
    traceparent: 00-{fake(HEX, 32, "tp-trace")}-{fake(HEX, 16, "tp-span")}-01
    x-amz-request-id: {fake("0123456789ABCDEF", 16, "amz-req2")}
    x-amz-id-2: {b64(fake_bytes(56, "amz-id2"))}
    """),
    "trace context and S3 request ids in captured headers",
)
neg(
    "opaque_id",
    "yaml-trace-ids",
    "evidence/slow_query.yml",
    t(f"""
    query: copy_orders
    trace_id: {fake(HEX, 32, "y-trace")}
    span_id: {fake(HEX, 16, "y-span")}
    parent_span_id: {fake(HEX, 16, "y-parent")}
    """),
    "trace and span ids in YAML",
)
neg(
    "opaque_id",
    "jsonl-correlation-ids",
    "evidence/loader_log.jsonl",
    "\n".join(
        json.dumps({"level": "info", "correlation_id": fake(HEX, 32, f"corr{i}"), "rows": 1000 * i})
        for i in range(3)
    )
    + "\n",
    "correlation ids in structured logs",
)
pos(
    "beside_negative",
    "opaque-id--trace-and-access-key",
    "evidence/failed_call.json",
    json.dumps(
        {
            "traceId": fake(HEX, 32, "pos-trace"),
            "request": {"headers": {"x-api-key": fake(ALNUM, 40, "pos-apikey")}},
        },
        indent=2,
    )
    + "\n",
    "x-api-key",
    "an API key captured in a request beside its trace id",
)

# --- password_prose_no_value ---
neg(
    "password_prose_no_value",
    "stored-in-vault",
    "runbooks/replica_access.md",
    t("""
    ## Access
    - DB password: stored in Vault under the etl team path
    """),
    "prose saying where the password is kept",
)
neg(
    "password_prose_no_value",
    "bitwarden-txt",
    "docs/contacts.txt",
    t("""
    Admin console
    Password: see Bitwarden collection "Data Platform"
    """),
    "prose pointing to a password manager",
)
pos(
    "beside_negative",
    "password-prose-no-value--password-and-manager",
    "docs/handover_real.md",
    t("""
    - User: ops-admin
    - Password: Tr0ub4dor-X9 (also in 1Password)
    """),
    "Tr0ub4dor-X9",
    "the password written out, and also kept in a manager",
)

# --- more syntaxes, found by trying each family's neighbours ---
_CA_PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    + "\n".join(textwrap.wrap(b64(b"\x30\x82\x02\x0a" + fake_bytes(520, "kube-ca")), 64))
    + "\n-----END CERTIFICATE-----\n"
)
neg(
    "base64_data",
    "kubeconfig-ca-data",
    "code/deploy/kubeconfig.yaml",
    t(f"""
    apiVersion: v1
    kind: Config
    clusters:
      - name: prod
        cluster:
          server: https://k8s.internal:6443
          certificate-authority-data: {b64(_CA_PEM.encode())}
    """),
    "a kubeconfig's CA certificate, base64 of a PEM file",
)
pos(
    "beside_negative",
    "base64-data--kubeconfig-client-key",
    "code/deploy/kubeconfig-admin.yaml",
    t(f"""
    users:
      - name: admin
        user:
          client-certificate-data: {b64(_CA_PEM.encode())}
          client-key-data: {b64(pem("RSA PRIVATE KEY", "kube-client-key").encode())}
    """),
    "client-key-data",
    "a kubeconfig's client key: base64 of a private key PEM",
)
neg(
    "encrypted_value",
    "sealed-secret-json",
    "code/deploy/k8s/db-sealed.json",
    json.dumps(
        {
            "apiVersion": "bitnami.com/v1alpha1",
            "kind": "SealedSecret",
            "metadata": {"name": "shop-db"},
            "spec": {"encryptedData": {"password": sealed("sealed-json", 180)}},
        },
        indent=2,
    )
    + "\n",
    "a SealedSecret written as JSON",
)
neg(
    "encrypted_value",
    "sops-pgp-fingerprint",
    "code/deploy/.sops.yaml",
    t(f"""
    creation_rules:
      - path_regex: secrets/.*
        pgp: {fake("0123456789ABCDEF", 40, "sops-pgp")}
    """),
    "SOPS creation rules naming a PGP key by fingerprint",
)
neg(
    "cloud_secret_ref",
    "cloudformation-sub-resolve",
    "code/cfn/loader.yaml",
    t("""
    Resources:
      LoaderDb:
        Type: AWS::RDS::DBInstance
        Properties:
          MasterUserPassword: !Sub '{{resolve:secretsmanager:${Env}/loader/db:SecretString:password}}'
    """),
    "a dynamic reference whose path interpolates a parameter",
)
neg(
    "password_prose_no_value",
    "vault-path-prose",
    "runbooks/admin_console.md",
    "The admin console password: see Vault path secret/data/admin-console\n",
    "prose naming the Vault path that holds the password",
)

neg(
    "digest_named",
    "cyclonedx-sbom",
    "evidence/loader.cdx.json",
    json.dumps(
        {
            "bomFormat": "CycloneDX",
            "components": [
                {
                    "name": "psycopg",
                    "version": "3.1.18",
                    "hashes": [
                        {"alg": "SHA-256", "content": sha("sha256", "cdx-psycopg")},
                        {"alg": "SHA-512", "content": sha("sha512", "cdx-psycopg")},
                    ],
                }
            ],
        },
        indent=2,
    )
    + "\n",
    "an SBOM's component hashes, the algorithm beside each",
)
neg(
    "digest_named",
    "spdx-yaml-checksums",
    "evidence/loader.spdx.yaml",
    t(f"""
    packages:
      - name: dbt-core
        checksums:
          - algorithm: SHA256
            checksumValue: {sha("sha256", "spdx-dbt")}
    """),
    "an SPDX package checksum",
)
neg(
    "digest_named",
    "rekor-hash-value",
    "evidence/rekor_entry.json",
    json.dumps(
        {
            "kind": "hashedrekord",
            "spec": {"data": {"hash": {"algorithm": "sha256", "value": sha("sha256", "rekor")}}},
        },
        indent=2,
    )
    + "\n",
    "a transparency-log entry's artifact hash",
)
pos(
    "beside_negative",
    "digest-named--sbom-with-registry-token",
    "evidence/image.cdx.json",
    json.dumps(
        {
            "components": [
                {
                    "name": "loader",
                    "hashes": [{"alg": "SHA-256", "content": sha("sha256", "cdx-loader")}],
                    "properties": [
                        {"name": "registry_token", "value": "ghp_" + fake(ALNUM, 36, "cdx-ghp")}
                    ],
                }
            ]
        },
        indent=2,
    )
    + "\n",
    "ghp_",
    "a registry token in an SBOM's properties, beside component hashes",
)


# =================================================================================================


def lines() -> list[str]:
    return [json.dumps(case, ensure_ascii=False) for case in CASES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the JSONL is stale")
    args = parser.parse_args(argv)
    text = "\n".join(lines()) + "\n"
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.is_file() else ""
        if current != text:
            print(f"{OUT} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    positives = sum(c["label"] == "secret" for c in CASES)
    families = {str(c["family"]) for c in CASES}
    print(
        f"{OUT}: {len(CASES)} cases, {positives} secret, {len(CASES) - positives} not, "
        f"{len(families)} families"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
