"""The false-alarm families found by scanning real dbt packages, their CI, Airflow DAGs and
deployments (``secret_detection.ci_files``, and the SQL rules' prose and minified JavaScript):
each shape at its place is not reported, and a real credential written at the same place, or
the same shape elsewhere, still is (the near miss beside each)."""

from __future__ import annotations

import pytest

from migration_checks import secret_detection as sd
from migration_checks.documents import Document, DocumentError, Format, Limits, parse_document

R = "Wq7vLp2xRz"  # a password


def scan(path: str, text: str) -> list[sd.Hit]:
    def document() -> Document | None:
        kind: Format = "json" if path.endswith(".json") else "yaml"
        try:
            return parse_document(path, text.encode("utf-8"), kind, Limits(), plain_data=False)
        except DocumentError:
            return None

    with sd.engine():
        return sd.scan_text(path, text, sd.Options(), document)


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
]  # fmt: skip


@pytest.mark.parametrize(("family", "path", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_not_found(family: str, path: str, text: str) -> None:
    assert scan(path, text) == [], family


@pytest.mark.parametrize(("family", "path", "text"), FOUND, ids=[c[0] for c in FOUND])
def test_near_miss_found(family: str, path: str, text: str) -> None:
    secret = next(token for token in (R, R.lower()) if token in text)
    line = text.count("\n", 0, text.index(secret)) + 1
    hits = scan(path, text)
    assert line in {hit.line for hit in hits}, (family, hits)
    assert all(secret not in repr(hit) for hit in hits)
