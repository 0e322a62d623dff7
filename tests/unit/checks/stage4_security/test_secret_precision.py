"""secret_detection's precision rules by family: each place and shape is not reported (NOT_FOUND),
and a real secret dressed up as one of them, or written beside it, still is (STILL_FOUND): a key
named like a signature does not hide a token, base64 whose text holds a credential is reported,
only AWS's own example keys pass.
"""

from __future__ import annotations

import base64
import gzip
import json
import time

import pytest

from migration_checks.secret_detection import precision
from tests.unit.checks.stage4_security import test_secret_rules as rules_tests

R = "Wq7vLp2xRz"  # a password
AKIA = "AKIAQYLPMN5HFIQR7XYA"
GHP = "ghp_Xk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aUeKi"
SECRET40 = "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"  # an AWS secret key's shape
HEX32 = "9bfb39115a3e023e6d25324010172cfb"
HEX64 = "adcd6f6f4375e0a74847723e72b52d96b87a3149d186b34dd0591036df34d72b"
HEX128 = HEX64 + "7ab679f88ee4dfca43ac149e76241f834bf5b77932638768858dcee28c1a417b"
RANDOM = bytes.fromhex(HEX128) * 8  # bytes no text is


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + RANDOM[:200]
SOPS_IV, SOPS_TAG = b64(RANDOM[:32]), b64(RANDOM[32:48])
SEALED = b64(b"\x02\x00" + RANDOM[:300])


CSV_GZIP = gzip.compress(b"id,name\n1,a\n" * 20, mtime=0)
URL_GZIP = gzip.compress(f"url=postgres://app:{R}@db/x\n".encode(), mtime=0)
PNG_WITH_PASSWORD = PNG[:40] + f"\x00password={R}\x00".encode() + PNG[40:]


# Credentials written as bytes inside a value of a rule's length: what random bytes never hold.
AKIA_BYTES = b"\x00" + f"{AKIA} {SECRET40}".encode() + RANDOM[:2]  # 64 bytes
PASSWORD_BYTES = f"\x00\x07password={R}!\x00".encode() + RANDOM[:200]


CERTIFICATE = "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n".format(
    b64(b"\x30\x82\x02\x00" + RANDOM[:300])
)
PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGp8Xk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aUeKiOqWr\n"
    "-----END PRIVATE KEY-----\n"
)


def sops(data: bytes) -> str:
    return f"ENC[AES256_GCM,data:{b64(data)},iv:{SOPS_IV},tag:{SOPS_TAG},type:str]"


# (family, path, text): nothing is reported.
NOT_FOUND = [
    ("git ref", ".gitlab-ci.yml", f"include:\n  - project: a/b\n    ref: {HEX64[:40]}\n"),
    ("key id", "root.json", f'{{"signatures": [{{"keyid": "{HEX64}"}}]}}\n'),
    ("If-Match", "copy.py", f"s3.copy_object(CopySourceIfMatch='\"{HEX32}\"')\n"),
    ("weak etag", "probe.txt", f'HTTP/1.1 200 OK\netag: W/"{HEX32}"\n'),
    ("base64 sha256", "h.json", f'{{"ChecksumSHA256": "{b64(RANDOM[:32])}"}}\n'),
    ("Content-MD5", "put.txt", f"Content-MD5: {b64(RANDOM[:16])}\n"),
    ("SRI", "i.html", f'<script integrity="sha384-{b64(RANDOM[:48])}"></script>\n'),
    ("sig hex", "a.json", f'{{"sig": "{HEX128}"}}\n'),
    ("signature_b64", "plan.yml", f"signature_b64: {b64(RANDOM[:64])}\n"),
    ("DER signature", "s.json", f'{{"base64Signature": "{b64(b"0E" + RANDOM[:69])}"}}\n'),
    (
        "JWK x",
        "jwks.json",
        f'{{"keys": [{{"kty": "OKP", "crv": "Ed25519", "x": "{b64url(RANDOM[:32])}"}}]}}\n',
    ),
    (
        "JWK n, multi-line",
        "jwk.json",
        f'{{\n  "kty": "RSA",\n  "e": "AQAB",\n  "n": "{b64url(RANDOM[:256])}"\n}}\n',
    ),
    (
        "JWK, YAML",
        "jwks.yaml",
        f"keys:\n  - kty: EC\n    crv: P-256\n    x: {b64url(RANDOM[:32])}\n    y: {b64url(RANDOM[32:64])}\n",
    ),
    (
        "SecretProviderClass",
        "spc.yaml",
        "kind: SecretProviderClass\nspec:\n  parameters:\n    secrets: |\n"
        '      - resourceName: "projects/p/secrets/db/versions/latest"\n        path: "db-password"\n',
    ),
    ("SOPS dotenv", ".env.enc", f"DB_PASSWORD={sops(RANDOM[:20])}\n"),
    (
        "CycloneDX hashes",
        "sbom.cdx.json",
        json.dumps({"hashes": [{"alg": "SHA-256", "content": HEX64}]}, indent=2) + "\n",
    ),
    (
        "SPDX checksums, YAML",
        "sbom.spdx.yaml",
        f"checksums:\n  - algorithm: SHA512\n    checksumValue: {HEX128}\n",
    ),
    ("trace ids", "t.json", f'{{"traceId": "{HEX32}", "spanId": "{HEX64[:16]}"}}\n'),
    ("traceparent", "h.txt", f"traceparent: 00-{HEX32}-{HEX32[:16]}-01\n"),
    ("S3 host id", "e.json", f'{{"HostId": "{b64(RANDOM[:56])}"}}\n'),
    ("SOPS value", "s.enc.yaml", f"db:\n  password: {sops(RANDOM[:20])}\n"),
    ("SOPS json", "s.enc.json", f'{{"api_token": "{sops(RANDOM[:40])}"}}\n'),
    ("age recipient", ".sops.yaml", f"creation_rules:\n  - age: age1{'q' * 29}{'z' * 29}\n"),
    (
        "SealedSecret",
        "sealed.yaml",
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec:\n  encryptedData:\n"
        f"    password: {SEALED}\n",
    ),
    (
        "CloudFormation resolve",
        "rds.yaml",
        'P:\n  MasterUserPassword: "{{resolve:secretsmanager:prod/db:SecretString:password}}"\n',
    ),
    ("store selectors", "refs.json", '{"db_password": "awssm://prod/db?field=password"}\n'),
    ("query then fragment", "refs.yml", "s:\n  crm_token: vault:kv/crm/api?version=12#token\n"),
    ("existingSecret", "values.yaml", "auth:\n  existingSecret: shop-db\n"),
    ("identifier path", "config.py", 'SECRET_BACKEND_PREFIX = "airflow/connections"\n'),
    ("token word", "job.yml", "job: x\ntoken: incremental\n"),
    (
        "SQL type map",
        "types.py",
        'T = {\n    "password": "varchar(255)",\n    "token": "text",\n}\n',
    ),
    ("mask groups", "c.yaml", "auth:\n  api_key: XXXX-XXXX-XXXX\n"),
    (
        "masked prefixes",
        "doc.md",
        "Set `OPENAI_API_KEY=sk-...` and `GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX`\n",
    ),
    (
        "AWS example keys",
        "aws.md",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    ),
    ("psql variable", "r.sql", "ALTER ROLE app WITH PASSWORD :'new_password';\n"),
    (
        "template-built literal",
        "m.sql",
        "{% do run_query(\"ALTER USER X SET PASSWORD = '\" ~ env_var('NEW_PW') ~ \"'\") %}\n",
    ),
    (
        "reference then parameters",
        "j.properties",
        "u=jdbc:postgresql://h/db?user=a&password=${PW}&ssl=true\n",
    ),
    (
        "secret path default",
        "sources.yml",
        "meta:\n  password_secret: \"{{ env_var('CRM_SECRET_NAME', 'crm/readonly') }}\"\n",
    ),
    (
        "continued after a fetch",
        "run.sh",
        "PGPASSWORD=$(vault kv get -field=password secret/db) \\\n  psql -h db -U app -d shop\n",
    ),
    ("password manager", "handover.md", '- Password: see 1Password item "Legacy admin console"\n'),
    (
        "PEM certificate",
        "kubeconfig.yaml",
        f"clusters:\n- cluster:\n    certificate-authority-data: {b64(CERTIFICATE.encode())}\n",
    ),
    (
        "SealedSecret, JSON",
        "sealed.json",
        json.dumps(
            {"kind": "SealedSecret", "spec": {"encryptedData": {"password": SEALED}}}, indent=2
        )
        + "\n",
    ),
    ("pgp fingerprint", ".sops.yaml", f"creation_rules:\n  - pgp: {HEX64[:40].upper()}\n"),
    ("Vault path in prose", "x.md", "The admin password: see Vault path secret/data/admin\n"),
    (
        "resolve with a parameter",
        "t.yaml",
        "R:\n  P:\n    MasterUserPassword: !Sub '{{resolve:secretsmanager:${Env}/db:SecretString:pw}}'\n",
    ),
    ("PNG", "nb.ipynb", f'{{"data": {{"image/png": "{b64(PNG)}"}}}}\n'),
    ("gzip of text", "f.py", f'DATA = "{b64(CSV_GZIP)}"\n'),
    (
        "JSON document",
        "c.yml",
        f"schema_b64: {b64(json.dumps({'type': 'record', 'name': 'Order', 'fields': [{'name': 'id', 'type': 'long'}] * 3}).encode())}\n",
    ),
]

# (dressing, path, text, secret): reported on the secret's line.
STILL_FOUND = [
    ("signature key, AWS key", "a.json", f'{{"signature": "{AKIA}"}}\n', AKIA),
    ("sig key, GitHub token", "a.yml", f"sig: {GHP}\n", GHP),
    ("signature key, other length", "a.yml", f"signature: {b64(RANDOM[:40])}\n", b64(RANDOM[:40])),
    (
        "digest key, base64 of another length",
        "h.json",
        f'{{"sha256": "{b64(RANDOM[:48])}"}}\n',
        b64(RANDOM[:48]),
    ),
    (
        "JWK private member",
        "jwk.json",
        f'{{"kty": "OKP", "x": "{b64url(RANDOM[:32])}", "d": "{b64url(RANDOM[32:64])}"}}\n',
        b64url(RANDOM[32:64]),
    ),
    ("x without a kty", "c.json", f'{{"x": "{b64url(RANDOM[:32])}"}}\n', b64url(RANDOM[:32])),
    (
        "JWK x, YAML without a kty",
        "c.yaml",
        f"keys:\n  - kind: EC\n    x: {b64url(RANDOM[:32])}\n",
        b64url(RANDOM[:32]),
    ),
    (
        "SecretProviderClass, another key",
        "spc.yaml",
        "kind: SecretProviderClass\nspec:\n  parameters:\n    secrets: |\n"
        f'      - resourceName: "projects/p/secrets/db"\n        password: "{R}"\n',
        "secrets:",
    ),
    ("signature of an AWS key's bytes", "s.yml", f"signature: {b64(AKIA_BYTES)}\n", "signature"),
    ("sig of an AWS key's bytes, hex", "s.json", f'{{"sig": "{AKIA_BYTES.hex()}"}}\n', "sig"),
    ("commit of a token's bytes", "p.yml", f"commit: {AKIA.encode().hex()}\n", "commit"),
    (
        "SealedSecret holding a password",
        "s.yaml",
        "kind: SealedSecret\nspec:\n  encryptedData:\n"
        f"    password: {b64(bytes([2]) + PASSWORD_BYTES)}\n",
        "password:",
    ),
    (
        "SOPS data holding a password",
        "s.enc.yaml",
        f"db:\n  password: {sops(PASSWORD_BYTES[:40])}\n",
        "password:",
    ),
    (
        "PEM private key",
        "kubeconfig.yaml",
        f"users:\n- user:\n    client-key-data: {b64(PRIVATE_KEY.encode())}\n",
        "client-key-data",
    ),
    (
        "PEM certificate then a password",
        "k.yaml",
        f"ca: {b64((CERTIFICATE + 'password=' + R + '!').encode())}\n",
        "ca:",
    ),
    (
        "algorithm named, another length",
        "sbom.json",
        f'{{"alg": "SHA-256", "content": "{HEX128}"}}\n',
        HEX128,
    ),
    (
        "algorithm named, under a credential key",
        "a.json",
        f'{{"alg": "SHA-256", "api_key": "{HEX64}"}}\n',
        HEX64,
    ),
    (
        "algorithm named, a token's bytes",
        "a.json",
        f'{{"alg": "SHA-1", "value": "{AKIA.encode().hex()}"}}\n',
        "value",
    ),
    ("trace key, AWS secret shape", "t.json", f'{{"traceId": "{SECRET40}"}}\n', SECRET40),
    ("host id, AWS secret shape", "e.json", f'{{"HostId": "{SECRET40}"}}\n', SECRET40),
    ("SOPS shape, plain data", "s.enc.yaml", f"db:\n  password: {sops(R.encode())}\n", "password"),
    (
        "SOPS file, plain value",
        "s.enc.yaml",
        f"db:\n  password: {sops(RANDOM[:20])}\n  user_password: {R}\n",
        R,
    ),
    (
        "encryptedData outside a SealedSecret",
        "s.yaml",
        f"kind: Secret\nspec:\n  encryptedData:\n    password: {SEALED}\n",
        SEALED,
    ),
    (
        "SealedSecret, base64 of text",
        "s.yaml",
        f"kind: SealedSecret\nspec:\n  encryptedData:\n    password: {b64(R.encode() * 8)}\n",
        b64(R.encode() * 8),
    ),
    (
        "store reference, a token in the query",
        "r.json",
        f'{{"db_password": "awssm://prod/db?token={R}"}}\n',
        "awssm",
    ),
    ("existingSecret, not a name", "values.yaml", f"auth:\n  existingSecret: {R}!\n", R),
    ("identifier under a password key", "c.py", f'DB_PASSWORD = "airflow/{R}"\n', R),
    ("token, not a word", "job.yml", f"token: {R}\n", R),
    (
        "a name, then the same text as the password",
        "a.json",
        '{"label": "xk9vr2mq7tlp4wz8", "password": "xk9vr2mq7tlp4wz8"}\n',
        "xk9",
    ),
    (
        "a name, then the same text as the password, flow YAML",
        "a.yaml",
        'a: {label: xk9vr2mq7tlp4wz8, password: "xk9vr2mq7tlp4wz8"}\n',
        "xk9",
    ),
    ("password, a word", "job.yml", "password: incremental\n", "incremental"),
    ("secret key, a word (chosen)", "settings.yml", "secret_key: mysecretkey\n", "mysecretkey"),
    ("prefix and a bracketed token", "doc.md", f"OPENAI_API_KEY=sk-<{R}{R}>\n", "sk-"),
    ("masked prefix, real body", "doc.md", f"OPENAI_API_KEY=sk-{R}{R}{R}...\n", "sk-"),
    (
        "AWS example id, another secret",
        "aws.md",
        f"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY={SECRET40}\n",
        SECRET40,
    ),
    ("psql variable, not a name", "r.sql", f"ALTER ROLE app PASSWORD :'{R}!'\n", R),
    (
        "template-built literal, a literal",
        "m.sql",
        f"ALTER USER X SET PASSWORD = '\" ~ '{R}' ~ \"';\n",
        "PASSWORD",
    ),
    (
        "reference, then a password parameter",
        "j.properties",
        f"u=jdbc:postgresql://h/db?user=a&password=${{PW}}&pwd={R}\n",
        R,
    ),
    (
        "secret path default, another variable",
        "s.yml",
        f"m:\n  password: \"{{{{ env_var('DB_PASSWORD', 'crm/{R.lower()}') }}}}\"\n",
        "env_var",
    ),
    (
        "continued after a literal",
        "run.sh",
        f"PGPASSWORD=$(echo {R}) \\\n  psql -h db -U app -d shop\n",
        "psql",
    ),
    ("password manager, then a password", "h.md", f"- Password: see 1Password, or use {R}\n", R),
    ("PNG holding a password", "nb.json", f'{{"image": "{b64(PNG_WITH_PASSWORD)}"}}\n', "image"),
    ("gzip of a URL with a password", "f.py", f'DATA = "{b64(URL_GZIP)}"\n', "DATA"),
    (
        "JSON document with a token",
        "c.yml",
        f"doc_b64: {b64(json.dumps({'note': GHP, 'n': 1}).encode())}\n",
        "doc_b64",
    ),
    (
        "JSON document with a password",
        "c.yml",
        f"doc_b64: {b64(json.dumps({'name': 'x', 'password': R + R, 'n': 1}).encode())}\n",
        "doc_b64",
    ),
]


@pytest.mark.parametrize(("family", "path", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_not_found(family: str, path: str, text: str) -> None:
    assert rules_tests.scan(path, text) == []


@pytest.mark.parametrize(
    ("dressing", "path", "text", "secret"), STILL_FOUND, ids=[c[0] for c in STILL_FOUND]
)
def test_a_secret_dressed_as_a_negative_place_is_still_found(
    dressing: str, path: str, text: str, secret: str
) -> None:
    hits = rules_tests.scan(path, text)
    line, _ = rules_tests.where(path, text, secret)
    assert line in {h.line for h in hits}, hits


def test_a_stream_that_inflates_like_a_bomb_is_not_judged() -> None:
    bomb = gzip.compress(b"A" * (1 << 22), mtime=0)
    assert not precision._harmless_blob(b64(bomb), 0)


def test_only_aws_documented_example_keys_pass() -> None:
    near = "AKIAIOSFODNN7EXAMPLF"  # one character off
    assert rules_tests.scan("a.md", f"AWS_ACCESS_KEY_ID={near}\n")


@pytest.mark.parametrize(
    "line",
    [
        "password: ENC[AES256_GCM,data:" + "A" * 1_000_000,
        "x = '\" ~ " + "a" * 1_000_000,
        "sig: " + "A" * 1_000_000,
        "objects: |\n" + "  a\n" * 100_000,
    ],
    ids=lambda s: s[:16],
)
def test_precision_rules_take_linear_time(line: str) -> None:
    lines = line.split("\n")
    started = time.perf_counter()
    precision.false_alarm(
        "Secret Keyword", lines[0][-50:], 1, lambda n: lines[n - 1] if 0 < n <= len(lines) else ""
    )
    precision.own_false_alarm("a.sql", lines[0][-50:], lines[0], len(lines[0]) - 50)
    assert time.perf_counter() - started < 1.0
