"""secret_detection's own rules, family by family: token formats, connection strings, SQL,
.pgpass, HTTP authentication, prose, assignments (found), and the precision rules (digests,
public keys and signatures, references, placeholders: not found) each with a real secret
written beside its place or shape, which is still found. A real repository that holds no
secret gives no hit.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from migration_checks import secret_detection as sd
from migration_checks.documents import Document, DocumentError, Format, Limits, parse_document
from migration_checks.secret_detection import statements, tokens
from tests.conftest import SHARED

JAFFLE_SHOP = SHARED / "fixtures" / "dbt" / "jaffle_shop"


def scan(path: str, text: str) -> list[sd.Hit]:
    def document() -> Document | None:
        kind: Format = "json" if path.endswith(".json") else "yaml"
        try:
            return parse_document(path, text.encode("utf-8"), kind, Limits(), plain_data=False)
        except DocumentError:
            return None

    with sd.engine():
        return sd.scan_text(path, text, sd.Options(), document)


def where(path: str, text: str, secret: str) -> tuple[int, int]:
    """The 1-based line and column of ``secret`` in ``text``."""
    at = text.index(secret)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def assert_found(path: str, text: str, secret: str) -> None:
    hits = scan(path, text)
    assert hits, f"nothing found in {path}"
    assert where(path, text, secret) in {(h.line, h.column) for h in hits}, hits
    assert all(secret not in repr(h) for h in hits)  # the value is never in a hit


R = "Wq7vLp2xRz"  # a password
A62 = "Xk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aUeKiOqWr"  # 40 base62 characters

# (family, path, text, secret): each must be found at the secret's line and column.
FOUND = [
    # token formats
    (
        "github-fine-grained-pat",
        "t.txt",
        "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\n",
        "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",
    ),
    (
        "vault-service-token",
        "t.env",
        f"VAULT_TOKEN=hvs.CAESIJ{A62}{A62}{A62[:20]}\n",
        f"hvs.CAESIJ{A62}{A62}{A62[:20]}",
    ),
    ("vault-batch-token", "t.sh", f"export VAULT_TOKEN=hvb.{A62 * 4}\n", f"hvb.{A62 * 4}"),
    (
        "gitlab-deploy-token",
        "t.md",
        "token gldt-Xk9vR2mQ7tLp4wZ8nB3c here\n",
        "gldt-Xk9vR2mQ7tLp4wZ8nB3c",
    ),
    (
        "slack-app-token",
        "t.txt",
        "xapp-1-A02JWS7BEDD-1234576618999-1234010643963577ab7449ef8014ade5\n",
        "xapp-1-A02JWS7BEDD-1234576618999-1234010643963577ab7449ef8014ade5",
    ),
    (
        "gcp-api-key",
        "t.env",
        "GOOGLE_API_KEY=AIzaSyDk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aU\n",
        "AIzaSyDk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aU",
    ),
    (
        "npm-access-token",
        "t.txt",
        "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\n",
        "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",
    ),
    (
        "npmrc",
        ".npmrc",
        "//registry.npmjs.org/:_authToken=743b294a-cd03-11ec-9d64-0242ac120002\n",
        "743b294a-cd03-11ec-9d64-0242ac120002",
    ),
    (
        "databricks-api-token",
        "job.py",
        "token = 'dapi0123456789abcdef0123456789abcdef'\n",
        "dapi0123456789abcdef0123456789abcdef",
    ),
    ("openai-api-key", "t.env", f"OPENAI_API_KEY=sk-proj-{A62}{A62}\n", f"sk-proj-{A62}{A62}"),
    (
        "anthropic-api-key",
        "t.py",
        f"KEY = 'sk-ant-api03-{A62}{A62}{A62[:15]}AA'\n",
        f"sk-ant-api03-{A62}{A62}{A62[:15]}AA",
    ),
    (
        "shopify-shared-secret",
        "t.txt",
        "shpss_QlRSJy5AXX1cILNjVatTsEIhFxuPF5ex\n",
        "shpss_QlRSJy5AXX1cILNjVatTsEIhFxuPF5ex",
    ),
    ("doppler-api-token", "t.env", f"DOPPLER_TOKEN=dp.pt.{A62}AbC\n", f"dp.pt.{A62}AbC"),
    (
        "huggingface-access-token",
        "t.env",
        "HF_TOKEN=hf_Xk9vRmQtLpwZnBcHyJdFgSaUeKiOqWrAbCd\n",
        "hf_Xk9vRmQtLpwZnBcHyJdFgSaUeKiOqWrAbCd",
    ),
    (
        "stripe-access-token",
        "t.rb",
        "Stripe.api_key = 'rk_live_Xk9vR2mQ7tLp4wZ8nB3cH6yJ'\n",
        "rk_live_Xk9vR2mQ7tLp4wZ8nB3cH6yJ",
    ),
    ("aws secret access key", "creds", f"aws_secret_access_key = {A62}\n", A62),
    ("dbt cloud", "t.env", f"DBT_CLOUD_TOKEN=dbtc_{A62}\n", f"dbtc_{A62}"),
    (
        "grafana-service-account-token",
        "t.txt",
        "glsa_abcdefghijklmnopqrstuvwxyz012345_89abcdef\n",
        "glsa_abcdefghijklmnopqrstuvwxyz012345_89abcdef",
    ),
    # connection strings
    (
        "libpq dsn",
        "load.py",
        f'conn = psycopg2.connect("host=db port=5432 dbname=shop user=app password={R}")\n',
        R,
    ),
    (
        "dblink",
        "f.sql",
        f"SELECT dblink_connect('host=db dbname=shop user=app password={R}');\n",
        R,
    ),
    (
        "libpq quoted",
        "g.py",
        "conn = psycopg.connect(\"dbname=shop user=app password='s3cr3t pass9'\")\n",
        "s3cr3t pass9",
    ),
    ("odbc", "conn.cs", f'var cs = "Server=db;Database=shop;Uid=app;Pwd={R};";\n', R),
    # SQL
    ("identified by", "u.sql", f"CREATE USER loader IDENTIFIED BY '{R}';\n", R),
    (
        "mysql identified with",
        "u.sql",
        f"ALTER USER 'l'@'%' IDENTIFIED WITH caching_sha2_password BY '{R}';\n",
        R,
    ),
    ("role with password", "u.sql", f"CREATE ROLE app WITH LOGIN PASSWORD '{R}';\n", R),
    ("role multi-line", "u.sql", f"CREATE ROLE app WITH\n  LOGIN\n  PASSWORD '{R}';\n", R),
    ("alter role", "migrate.py", f"cur.execute(\"ALTER ROLE app PASSWORD '{R}'\")\n", R),
    (
        "user mapping",
        "u.sql",
        f"CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'u', password '{R}');\n",
        R,
    ),
    ("snowflake", "u.sql", f"CREATE USER loader PASSWORD = '{R}' DEFAULT_ROLE = loader;\n", R),
    # .pgpass
    (".pgpass", ".pgpass", f"# shop\ndb.example.com:5432:shop:app:{R}\n", R),
    ("pgpass escaped", "conf/pgpass", f"h\\:1:*:*:loader:{R}\n", R),
    # HTTP authentication
    ("requests auth", "h.py", f'r = requests.get(url, auth=("loader", "{R}"))\n', R),
    ("HTTPBasicAuth", "h.py", f'auth = HTTPBasicAuth(user, "{R}")\n', R),
    (
        "basic header",
        "h.py",
        'headers = {"Authorization": "Basic bG9hZGVyOldxN3ZMcDJ4Ung="}\n',
        "bG9hZGVyOldxN3ZMcDJ4Ung=",
    ),
    (
        "bearer curl",
        "c.sh",
        'curl -H "Authorization: Bearer 3f9a8b7c6d5e4f3a2b1c" https://api\n',
        "3f9a8b7c6d5e4f3a2b1c",
    ),
    (
        "bearer yaml",
        "h.yml",
        "headers:\n  Authorization: Bearer Zk9vR2mQ7tLp4wZ8nB3c\n",
        "Zk9vR2mQ7tLp4wZ8nB3c",
    ),
    ("curl -u", "c.sh", f"curl -u loader:{R} https://api/x\n", R),
    # prose and assignments
    ("prose", "notes.md", f"The password is {R} for the staging db.\n", R),
    ("prose for", "notes.md", "the password for the replica was `hunter2`.\n", "hunter2"),
    ("markdown pwd", "notes.md", "pwd: hunter2x\n", "hunter2x"),
    ("go assignment", "main.go", f'azureClientSecret := "{R}"\n', R),
    ("env", "app.env", "DB_PASSWORD=hunter2x\n", "hunter2x"),
    # red team, round 2: a password copied to a digest's place, a decoy user name
    (
        "password copied under public_key",
        "docker-compose.yml",
        f"services:\n  etl:\n    environment:\n      PGPASSWORD: {R}\nx-signing:\n  public_key: {R}\n",
        R,
    ),
    # red-team findings: literals joined, escapes, values on the next line, programs' options
    (
        "adjacent literals",
        "g.py",
        f'gh = "ghp_{A62[:8]}" "{A62[8:20]}" "{A62[20:36]}"\n',
        f"ghp_{A62[:8]}",
    ),
    ("literals joined by +", "p.py", f'pw = "{R[:5]}" + "{R[5:]}"\n', R[:5]),
    ("octal escape", "a.py", 'aws = "\\101KIAZ7Q3M5XW2PLK4N8R"\n', "\\101KIAZ7Q3M5XW2PLK4N8R"),
    (
        "notebook cell quote escapes",
        "e.json",
        '{"python": "conn = psycopg2.connect(host=\'db\', password=\\"' + R + '\\")"}\n',
        R,
    ),
    ("terraform heredoc", "db.tf", f'resource "x" "y" {{\n  password = <<EOT\n{R}\nEOT\n}}\n', R),
    ("toml triple quotes", "c.toml", f'[db]\npassword = """\n{R}"""\n', R),
    (
        "base64 decoded by the shell",
        "e.sh",
        "export PGPASSWORD=$(echo WHE3I21QMnZMcjl6VDR3 | base64 -d)\n",
        "WHE3I21QMnZMcjl6VDR3",
    ),
    ("pgpass line in notes", "notes.txt", f"db.internal:5432:shop:migrator:{R}\n", R),
    ("yaml flow pair", "h.yml", f"api:\n  headers:\n    - [X-Api-Key, {A62[:32]}]\n", A62[:32]),
    ("scala map", "p.scala", f'val props = Map("user" -> "etl", "password" -> "{R}")\n', R),
    ("sqlcmd -P", "s.sh", f"sqlcmd -S db -U etl -P {R}\n", R),
    ("redis-cli -a", "r.sh", f"redis-cli -h cache -a {R} ping\n", R),
    ("db2 using", "d.sh", f"db2 connect to SHOP user etl using {R}\n", R),
    ("go mysql dsn", "m.go", f'db, _ := sql.Open("mysql", "etl:{R}@tcp(db:3306)/shop")\n', R),
    ("jdbc thin", "o.py", f'URL = "jdbc:oracle:thin:etl/{R}@db:1521/ORCL"\n', R),
    ("positional connect", "c.py", f'conn = pymysql.connect("db", "etl", "{R}", "shop")\n', R),
    (
        "getConnection",
        "J.java",
        f'DriverManager.getConnection("jdbc:postgresql://db/shop", "etl", "{R}");\n',
        R,
    ),
    ("sp_addlogin", "l.sql", f"EXEC sp_addlogin 'etl', '{R}';\n", R),
    ("properties spaced", "app.properties", f"db.password {R}\n", R),
    ("dockerfile env spaced", "Dockerfile", f"FROM postgres:16\nENV PGPASSWORD {R}\n", R),
    ("psql setenv", "s.sql", f"\\setenv PGPASSWORD {R}\n", R),
    ("xml cdata", "settings.xml", f"<password><![CDATA[{R}]]></password>\n", R),
    ("csv column", "seeds/creds.csv", f"service,username,password\nwarehouse,etl,{R}\n", R),
    (
        "putty v3",
        "k.ppk",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n",
        "PuTTY-User-Key-File-3:",
    ),
    (
        "der private key",
        "k.txt",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + A62 * 4 + "\n",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    ),
    # credentials given by name in YAML lists and pairs
    (
        "compose environment list",
        "docker-compose.yml",
        f"services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={R}\n",
        R,
    ),
    (
        "kubernetes env pair",
        "deploy.yaml",
        f"env:\n  - name: LOG_LEVEL\n    value: debug\n  - name: DB_PASSWORD\n    value: {R}\n",
        R,
    ),
    ("password option in args", "job.yml", f'name: j\nargs: ["--password", "{R}"]\n', f'"{R}"'),
    (
        "secret in a kubernetes list",
        "all.yaml",
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    data:\n      pgpass: WHE3I21QMnZMcjl6VDR3\n",
        "WHE3I21QMnZMcjl6VDR3",
    ),
    # Terraform and parameter defaults, shell exports in any file, Azure SAS tokens
    (
        "terraform variable default",
        "variables.tf",
        f'variable "db_password" {{\n  type    = string\n  default = "{R}"\n}}\n',
        R,
    ),
    (
        "cloudformation default",
        "cfn.yaml",
        f"Parameters:\n  DbPassword:\n    Type: String\n    Default: {R}\n",
        R,
    ),
    ("export in a heredoc", "main.tf", f"  user_data = <<EOF\nexport PGPASSWORD={R}\nEOF\n", R),
    (
        "azure sas token",
        "upload.sh",
        f"az storage blob upload --sas-token 'sv=2022-11-02&ss=b&sp=rw&se=2025-01-01T00:00:00Z&sig={A62}%3D'\n",
        f"{A62}%3D",
    ),
    # dressed up by a hostile author: still found
    ("dsn password with a comma", "h.py", 'DSN = "host=db user=u password=Hx7,ab(c"\n', "Hx7,ab(c"),
    (
        "kubernetes certificate bundle with its key",
        "tls.yaml",
        "apiVersion: v1\nkind: Secret\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVENCK3dJSkFLCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0KLS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJnCi0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0K\n",
        "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVENCK3dJSkFLCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0KLS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJnCi0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0K",
    ),
    # gitleaks formats added for data teams' services
    ("new relic", "nr.yml", f"license: NRAK-{A62[:27].upper()}\n", f"NRAK-{A62[:27].upper()}"),
    ("alibaba", "a.py", f'ID = "LTAI{A62[:20]}"\n', f"LTAI{A62[:20]}"),
    ("sourcegraph", "s.sh", f"export SRC=sgp_{'4f3c9a1e5b' * 4}\n", f"sgp_{'4f3c9a1e5b' * 4}"),
    ("openshift", "o.sh", f"oc login --token=sha256~{A62}xyz\n", f"sha256~{A62}xyz"),
    ("clickhouse cloud", "ch.yml", f"connect:\n  api: 4b1d{A62[:38]}\n", f"4b1d{A62[:38]}"),
    ("infracost", "i.env", f"INFRACOST=ico-{A62[:32]}\n", f"ico-{A62[:32]}"),
    (
        "rubygems",
        "g.sh",
        f"export GEM=rubygems_{'4f3c9a1e5b2d8f4a' * 3}\n",
        f"rubygems_{'4f3c9a1e5b2d8f4a' * 3}",
    ),
    (
        "shippo",
        "s.py",
        f'K = "shippo_live_{"4f3c9a1e5b" * 4}"\n',
        f"shippo_live_{'4f3c9a1e5b' * 4}",
    ),
    ("maxmind", "m.conf", f"LicenseKey {A62[:6]}_{A62[6:35]}_mmk\n", f"{A62[:6]}_{A62[6:35]}_mmk"),
    (
        "kubernetes secret data",
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  DATABASE_URL: cG9zdGdyZXM6Ly9ldGw6UW03LXZUejlMcEBkYjo1NDMyL3Nob3A=\n",
        "cG9zdGdyZXM6Ly9ldGw6UW03LXZUejlMcEBkYjo1NDMyL3Nob3A=",
    ),
    (
        "kubernetes secret stringData",
        "secret.yaml",
        "kind: ConfigMap\n---\napiVersion: v1\nkind: Secret\nstringData:\n  conn: Qm7-vTz9Lq\n",
        "Qm7-vTz9Lq",
    ),
    # passwords given to programs, in .netrc, XML, keyed calls and Markdown tables
    ("mysql glued -p", "d.sh", f"mysqldump -h db -u root -p{R} shop > dump.sql\n", R),
    ("--password=", "d.sh", f"mysql --host=db --user=etl --password={R} shop < x.sql\n", R),
    ("wget --password", "d.sh", f"wget --user=etl --password '{R}' https://x/file\n", R),
    ("sqlplus", "l.sh", f"sqlplus etl/{R}@//db:1521/ORCL @load.sql\n", R),
    (".netrc", ".netrc", f"machine api.example.com\n  login etl\n  password {R}\n", R),
    ("netrc line", "setup.sh", f"machine api.example.com login etl password {R}\n", R),
    (
        "xml element",
        "settings.xml",
        f"<server><username>etl</username><password>{R}</password></server>\n",
        R,
    ),
    ("xml property", "ctx.xml", f'<property name="password" value="{R}"/>\n', R),
    ("hibernate property", "h.xml", f'<property name="connection.password">{R}</property>\n', R),
    ("spark option", "j.py", f'spark.read.format("jdbc").option("password", "{R}").load()\n', R),
    ("pgpass block", "s.yaml", f"stringData:\n  .pgpass: |\n    db:5432:shop:etl:{R}\n", R),
    ("shell default", "run.sh", f'PGPASSWORD="${{PGPASSWORD:-{R}}}"\n', f"${{PGPASSWORD:-{R}}}"),
    ("table column", "r.md", f"| host | user | password |\n|---|---|---|\n| db | etl | {R} |\n", R),
    ("table row", "r.md", f"| key | value |\n|---|---|\n| password | `{R}` |\n", R),
    ("prose set to", "r.md", f"I set the password to {R} on the replica.\n", R),
    ("prose use", "r.md", f"Log in as etl and use password {R} for now.\n", R),
    # a DSN's quotes doubled inside a SQL literal; a DSN built from string pieces
    (
        "dblink quoted",
        "c.sql",
        f"SELECT dblink_connect('crm',\n  'host=10.0.3.7 dbname=crm password=''{R}''');\n",
        R,
    ),
    (
        "dsn pieces",
        "dag.py",
        f'DSN = (\n    "host=db.internal "\n    "dbname=ledger "\n    "password={R} "\n)\n',
        R,
    ),
    (
        "sql server login",
        "l.sql",
        f"CREATE LOGIN etl WITH PASSWORD = N'{R}', CHECK_POLICY = OFF;\n",
        R,
    ),
    # pgpass lines written by scripts, images and workflow steps
    ("pgpass echo", "b.sh", f'echo "pg-legacy:5432:legacy:migrator:{R}" > ~/.pgpass\n', R),
    (
        "pgpass workflow",
        "ci.yml",
        f'steps:\n  - run: echo "${{{{ env.PGHOST }}}}:5432:shop:ci:{R}" >> ~/.pgpass\n',
        R,
    ),
    # calls that take a password, and Basic credentials wherever they are written
    ("urllib add_password", "f.py", f'mgr.add_password(None, "https://x/", "svc", "{R}")\n', R),
    ("smtplib login", "m.py", f'server.login("reports@example.com", "{R}")\n', R),
    (
        "nginx basic",
        "n.conf",
        'proxy_set_header Authorization "Basic bWV0cmljczpOZ3ghYmFzaWMzMQ==";\n',
        "bWV0cmljczpOZ3ghYmFzaWMzMQ==",
    ),
    (
        "postman basic",
        "env.json",
        '{"values": [{"key": "auth", "value": "Basic YWRtaW46TGs0LVBvc3RtNG4="}]}\n',
        "YWRtaW46TGs0LVBvc3RtNG4=",
    ),
    # prose that states a password beside its user
    ("prose next line", "r.md", f"The password for the `etl` account is\n`{R}` until Friday.\n", R),
    ("prose user / pw", "r.py", f"# legacy db: user migrator / pw {R} (ask ops)\n", R),
    ("prose creds pair", "h.txt", f"Creds for the staging replica: readonly / {R}\n", R),
    # issuer formats wherever they stand: a call, a YAML list, a YAML comment
    (
        "twilio in a call",
        "s.py",
        'client = Client("SK2eb54b1f638c3a9cd1ae5710a480355b", token)\n',
        "SK2eb54b1f638c3a9cd1ae5710a480355b",
    ),
    (
        "aws key in a call",
        "b.py",
        's3 = boto3.client("s3", aws_access_key_id="AKIAQX3J5ZT7LM2KD4VB")\n',
        "AKIAQX3J5ZT7LM2KD4VB",
    ),
    (
        "aws key in a yaml list",
        "job.yml",
        'name: job\nargs: ["--key", "AKIAQX3J5ZT7LM2KD4VB"]\n',
        "AKIAQX3J5ZT7LM2KD4VB",
    ),
    (
        "aws key in a yaml comment",
        "job.yml",
        "name: job\n# AKIAQX3J5ZT7LM2KD4VB\n",
        "AKIAQX3J5ZT7LM2KD4VB",
    ),
    (
        "slack webhook in a yaml list",
        "dbt_project.yml",
        "name: shop\non-run-end:\n  - \"{{ notify('https://hooks.slack.com/services/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') }}\"\n",
        "https://hooks.slack.com/services/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",
    ),
    (
        "slack workflow webhook",
        "notify.py",
        'URL = "https://hooks.slack.com/workflows/T01ABCDEF/A02ABCDEFG/4f6a0b5c2d9e1f7a3b8c/Xk9vR2mQ7tLp"\n',
        "hooks.slack.com/workflows/T01ABCDEF/A02ABCDEFG/4f6a0b5c2d9e1f7a3b8c/Xk9vR2mQ7tLp",
    ),
]

# (family, path, text): nothing found.
NOT_FOUND = [
    (
        "revision",
        "packages.yml",
        "packages:\n  - git: https://github.com/dbt-labs/dbt-utils.git\n    revision: 3f2a9c1b7e8d4f6a0b5c2d9e1f7a3b8c4d6e0f12\n",
    ),
    (
        "sha1_hash",
        "package-lock.yml",
        "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\nsha1_hash: 9c2e1f7a3b8c4d6e0f123f2a9c1b7e8d4f6a0b5c\n",
    ),
    (
        "rev",
        ".pre-commit-config.yaml",
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: 8d4f6a0b5c2d9e1f7a3b8c4d6e0f123f2a9c1b7e\n",
    ),
    (
        "digest, checksum",
        "m.json",
        '{"digest": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "checksum": "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"}\n',
    ),
    (
        "etag",
        "s3.json",
        '{"ETag": "\\"d41d8cd98f00b204e9800998ecf8427e\\"", "etag": "5d41402abc4b2a76b9719d911017c592"}\n',
    ),
    ("integrity", "package-lock.json", '{"integrity": "sha512-' + A62 * 2 + '1234567=="}\n'),
    (
        "pip hash",
        "requirements.txt",
        "x==1 --hash=sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
    ),
    (
        "ssh public key",
        "keys/signer.pub",
        f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp8{A62} release@example\n",
    ),
    (
        "minisign",
        "r.minisig",
        f"untrusted comment: signature from minisign secret key\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3R{A62}\n",
    ),
    (
        "pgp signature",
        "sig.asc",
        f"-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE{A62}{A62}\n=Lp4w\n-----END PGP SIGNATURE-----\n",
    ),
    (
        "public key under key",
        "c.yml",
        "signing:\n  public_key: Xk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aUeKiOqWr12=\n",
    ),
    (
        "secp256k1 public key",
        ".env",
        'DOTENV_PUBLIC_KEY="037cfbfc90234cfdab7eb54050566293789efaa1a35dc420749662db400dc9c4b2"\n',
    ),
    ("vault:path", "app.yml", "db:\n  password: vault:secret/data/shop/db#password\n"),
    ("vault query", "app.yml", "db:\n  password: vault://kv/shop/db?version=3\n"),
    (
        "external secret",
        "es.yaml",
        "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nspec:\n  data:\n    - secretKey: db-password\n      remoteRef:\n        key: prod/shop/db\n        property: password\n",
    ),
    (
        "vault agent",
        "dep.yaml",
        "metadata:\n  annotations:\n    vault.hashicorp.com/agent-inject-secret-db-creds: database/creds/shop-app\n",
    ),
    (
        "secrets manager arn",
        "task.json",
        '{"secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/shop/db-AbCdEf"}]}\n',
    ),
    (
        "github expressions",
        "wf.yml",
        "jobs:\n  run:\n    env:\n      DBT_API_KEY: ${{ secrets.DBT_CLOUD_API_KEY }}\n  call:\n    uses: ./.github/workflows/x.yml\n    secrets: inherit\n",
    ),
    ("dbt env_var", "profiles.yml", "p:\n  password: \"{{ env_var('DBT_PASSWORD') }}\"\n"),
    (
        "${VAR:?}",
        "docker-compose.yml",
        "s:\n  environment:\n    POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n    API_TOKEN: ${API_TOKEN:?}\n",
    ),
    (
        "$(...)",
        "run.sh",
        'export DBT_PASSWORD=$(gcloud secrets versions access latest --secret=dbt)\nexport API_TOKEN="$(vault kv get -field=token secret/shop/api)"\n',
    ),
    (
        "make variables",
        "Makefile",
        "DB_URL = postgres://$(PGUSER):$(PGPASSWORD)@$(PGHOST)/$(PGDATABASE)\n",
    ),
    (
        "sql columns",
        "schema.sql",
        "CREATE TABLE users (\n  password VARCHAR(255),\n  password_hash TEXT\n);\nUPDATE users SET password_hash = NULL;\nCREATE ROLE r WITH LOGIN PASSWORD NULL;\nCREATE USER l IDENTIFIED BY :pw;\n",
    ),
    (
        "doc placeholders",
        "README.md",
        '```\napi_key = "your-api-key-here"\npassword = "<password>"\nurl = postgres://user:password@localhost:5432/db\ntoken: xxx\nsecret: ***\npassword: changeme\n```\n',
    ),
    (
        "elided pem",
        "docs/keys.md",
        "```\n-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n```\n",
    ),
    (
        "pem of text",
        "k.txt",
        "-----BEGIN PRIVATE KEY-----\nYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo=\n-----END PRIVATE KEY-----\n",
    ),
    ("identifier values", "dbt_project.yml", "vars:\n  database_key: github_database\n"),
    ("arguments, not joined", "f.py", 'f("a", "b")\nprint("x" "y")\n'),
    (
        "times and paths, not pgpass",
        "notes.txt",
        "12:30:45 started\nroot:x:0:0:root:/root:/bin/bash\n",
    ),
    (
        "kubernetes env from secrets",
        "deploy.yaml",
        "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}\n  - name: API_TOKEN\n    value: $(TOKEN_FROM_FILE)\n",
    ),
    (
        "compose variables",
        "docker-compose.yml",
        "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=${PG_PASSWORD}\n      - POSTGRES_USER=shop\n",
    ),
    (
        "terraform variable without a literal",
        "variables.tf",
        'variable "db_password" {\n  type      = string\n  sensitive = true\n}\nvariable "region" {\n  default = "eu-west-1"\n}\n',
    ),
    (
        "kubernetes secret of references",
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVENCK3dJSkFLCg==\nstringData:\n  password: ${DB_PASSWORD}\n  user: '{{ .Values.user }}'\n",
    ),
    (
        "kubernetes custom Secret kind",
        "es.yaml",
        "apiVersion: bitnami.com/v1alpha1\nkind: Secret\nstringData:\n  name: shop\n",
    ),
    (
        "prose identified by",
        "core.py",
        '"""A resource identified by \'name\', rows identified by their key."""\n',
    ),
    ("quoted password key", "cfg.py", "'password': config.get(server, 'password'),\n"),
    (
        "code, not a DSN",
        "h.py",
        "host = 'db'\npwd = os.getcwd()\nconnect(host=host, password=password, port=port)\n",
    ),
    ("option names", "docs.md", "Use the --username and --password options instead.\n"),
    ("grammar", "dialect.py", 'Sequence("PASSWORD", "EXPIRE"),\n("PASSWORD", "non-reserved"),\n'),
    (
        "demo account",
        "docs.md",
        'engine = create_engine("postgresql://scott:tiger@localhost/test")\n',
    ),
    (
        "table of formats",
        "t.md",
        "| Type | Prefix |\n|---|---|\n| Dynatrace Token | `dt0c01.` |\n| Password | see vault |\n",
    ),
    ("basic of a stand-in", "h.md", "Authorization: Basic dXNlcjpwYXNzd29yZA==\n"),
    ("basic of a word", "h.md", "a basic understanding of SQL and basic authentication\n"),
    (
        "fdw option names",
        "m.sql",
        "CREATE USER MAPPING FOR etl SERVER s\n  OPTIONS (user 'etl', password_required 'false');\n",
    ),
    (
        "creds in a path",
        "dep.yaml",
        'metadata:\n  annotations:\n    vault.hashicorp.com/agent-inject-secret-db-creds: "database/creds/loader"\n',
    ),
    ("login by words", "onboarding.md", "Login: SSO / Okta, then ask for the role.\n"),
    (
        "login with variables",
        "m.py",
        "server.login(user, password)\nmgr.add_password(None, uri, user, pw)\n",
    ),
    (
        "env resolver",
        "loader.ini",
        "[target]\nhost = lake-pg.internal\npassword = ${ENV:TARGET_PASSWORD}\n",
    ),
    (
        "pgpass of variables",
        "b.sh",
        'echo "$PGHOST:5432:$PGDATABASE:$PGUSER:$PGPASSWORD" > ~/.pgpass\n',
    ),
    (
        "same user and password",
        "a.js",
        'const U = "postgres://postgres:postgres@localhost:5432/db";\n',
    ),
    (
        "stripe filler",
        "s.txt",
        "sk_live_AAAAAAAAAAAAAAAAAAAAAAAA\nxsk_live_Xk9vR2mQ7tLp4wZ8nB3cH6yJ\n",
    ),
    (
        "prose without a password",
        "runbook.md",
        "The password is stored in Vault.\nThe password is rotated every 90 days.\n",
    ),
    (
        "code expressions",
        "h.py",
        'r = get(url, auth=(user, password))\nheaders = {"Authorization": f"Bearer {token}"}\npassword = get_secret("db")\n',
    ),
]

# (negative rule, path, text, secret): a real secret beside the negative rule's place.
STILL_FOUND = [
    ("placeholder word + secret", "app.env", f"API_KEY=changeme-{R}\n", f"changeme-{R}"),
    ("placeholder phrase + secret", "conf.py", f'API_KEY = "your-{R}"\n', f"your-{R}"),
    (
        "${VAR:-literal}",
        "docker-compose.yml",
        f"s:\n  password: ${{DB_PASSWORD:-{R}}}\n",
        f"${{DB_PASSWORD:-{R}}}",
    ),
    (
        "${{ }} with a literal fallback",
        "wf.yml",
        f"env:\n  DB_PASSWORD: ${{{{ secrets.X || '{R}' }}}}\n",
        f"${{{{ secrets.X || '{R}' }}}}",
    ),
    (
        "env_var with a literal default",
        "profiles.yml",
        f"p:\n  password: \"{{{{ env_var('DBT_PASSWORD', '{R}') }}}}\"\n",
        f"{{{{ env_var('DBT_PASSWORD', '{R}') }}}}",
    ),
    ("$(echo literal)", "run.sh", f'export DB_PASSWORD="$(echo {R})"\n', f"$(echo {R})"),
    (
        "revision key, a token",
        "packages.yml",
        f"packages:\n  - revision: ghp_{A62[:36]}\n",
        f"ghp_{A62[:36]}",
    ),
    (
        "digest key, wrong length",
        "m.json",
        '{"checksum": "3f2a9c1b7e8d4f6a0b5c2d9e1f7a3b8c4d6e0f1234"}\n',
        "3f2a9c1b7e8d4f6a0b5c2d9e1f7a3b8c4d6e0f1234",
    ),
    (
        "password_hash is not a digest key",
        "u.yml",
        "password_hash: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ),
    (
        "public key name, a private key's shape",
        "c.yml",
        f"signing_public_key: '{A62}{A62}+/Zx'\n",
        f"{A62}{A62}+/Zx",
    ),
    (
        "pem with a real body",
        "k.txt",
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGp8Xk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aUeKiOqWr\n-----END PRIVATE KEY-----\n",
        "BEGIN PRIVATE KEY",
    ),
    (
        "a vault path under a password key",
        "dep.yaml",
        f"metadata:\n  password: 'shop/{R}'\n  annotations:\n    vault.hashicorp.com/agent-inject-secret-db: shop/{R}\n",
        f"shop/{R}",
    ),
    (
        "identifier under a password key",
        "dbt_project.yml",
        "vars:\n  password: github_database\n",
        "github_database",
    ),
    (
        "url password not a stand-in",
        "a.js",
        f'const U = "postgres://postgres:{R}@localhost:5432/db";\n',
        R,
    ),
    (
        "vault: with a credential query",
        "app.yml",
        f"db:\n  password: vault://kv/db?token={R}\n",
        f"vault://kv/db?token={R}",
    ),
    (
        "arn holding a token",
        "t.json",
        f'{{"x": "arn:aws:s3:::bucket/ghp_{A62[:36]}"}}\n',
        f"ghp_{A62[:36]}",
    ),
    (
        "inherit under another key",
        "wf.yml",
        "jobs:\n  a:\n    env:\n      password: inherit2x\n",
        "inherit2x",
    ),
]


@pytest.mark.parametrize(("family", "path", "text", "secret"), FOUND, ids=[c[0] for c in FOUND])
def test_found(family: str, path: str, text: str, secret: str) -> None:
    assert_found(path, text, secret)


@pytest.mark.parametrize(("family", "path", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_not_found(family: str, path: str, text: str) -> None:
    assert scan(path, text) == []


@pytest.mark.parametrize(
    ("rule", "path", "text", "secret"), STILL_FOUND, ids=[c[0] for c in STILL_FOUND]
)
def test_a_real_secret_beside_a_negative_rule_is_still_found(
    rule: str, path: str, text: str, secret: str
) -> None:
    hits = scan(path, text)
    line, _ = where(path, text, secret)
    assert line in {h.line for h in hits}, hits


def test_every_token_format_is_documented_and_cited() -> None:
    docs = (Path(__file__).resolve().parents[4] / "docs" / "secrets-rules.md").read_text()
    for token in tokens.FORMATS:
        assert token.reason and token.triggers
        for rule_id in token.gitleaks:
            assert f"`{rule_id}`" in docs, rule_id
        assert all(t == t.lower() for t in token.triggers)  # literals of the folded text


@pytest.mark.parametrize(
    "line",
    [
        "password=" + " " * 1_000_000,
        "host=a " + "password=" * 120_000,
        "auth=(" + "a" * 1_000_000,
        "Authorization: Bearer " + "a" * 1_000_000 + "$",
        "identified by " * 80_000,
        "x" * 1_000_000 + "password is",
        "key=" * 250_000,
        "sk_live_" * 120_000,
        "hvs." + "a" * 1_000_000,
        "a" * 1_000_000 + "Q~",
        "github_pat_" * 90_000,
        "-u a:" * 200_000 + " curl",
        "pgpass " + ":5432:a:b:" * 100_000,
        "basic " + "QUJD" * 250_000,
        "user a, pw " * 90_000,
        "creds: " + "a / " * 250_000,
        "add_password(" + "a," * 500_000,
        "host=a password=''" + "x" * 1_000_000,
        "mysql -p" + "x" * 1_000_000,
        "sqlplus " + "a/" * 500_000,
        "--password " * 90_000,
        "machine password " * 60_000,
        "<password>" * 100_000,
        "x('password', '" + "a" * 1_000_000,
        "| password |\n" + "|" * 1_000_000,
        "use password " * 80_000,
        '"a" ' * 250_000,
        "password = <<EOT\n" * 70_000,
        "a:12:b:c:" * 100_000,
        'variable "password" {' + " " * 1_000_000,
        "sv=2020-01-01&" + "a" * 1_000_000,
        "export " * 140_000 + "password=x",
    ],
    ids=lambda s: s[:16],
)
def test_our_rules_take_linear_time(line: str) -> None:
    """A megabyte line of each family in under a second of this process's CPU time (the
    machine's other work does not count; a backtracking pattern takes minutes)."""
    folded = sd.prefilter.fold(line) if hasattr(sd, "prefilter") else line.lower()
    started = time.process_time()
    list(tokens.token_secrets(line, folded))
    list(statements.statement_secrets("notes.txt", line, folded, structured=False))
    assert time.process_time() - started < 1.0


@pytest.mark.skipif(not JAFFLE_SHOP.is_dir(), reason="the shared fixtures are not here")
def test_a_real_dbt_project_without_secrets_gives_no_hit() -> None:
    files = [p for p in sorted(JAFFLE_SHOP.rglob("*")) if p.is_file()]
    assert len(files) > 5
    hits = []
    for path in files:
        text = path.read_bytes().decode("utf-8")
        hits += scan(str(path.relative_to(JAFFLE_SHOP)), text)
    assert hits == []


def test_a_decoy_user_name_does_not_excuse_the_password() -> None:
    """A password equal to the user name is a stand-in, but only when one user name is set: a
    second user key holding the password (DB_LOGIN beside DB_USER) is a decoy."""
    text = f"DB_HOST=db\nDB_USER=loader\nDB_LOGIN={R}\nDB_PASSWORD={R}\n"
    assert 4 in {hit.line for hit in scan(".env", text)}
    assert scan(".env", "DB_HOST=db\nDB_USER=loader\nDB_PASSWORD=loader\n") == []
