"""Stage 4 finds secrets and never shows them: in no format, nor in any file the run writes, does
a secret value (or a distinctive piece of it, eight characters or more) appear, while every one of
them is reported at its file and line."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


AWS_KEY = "AKIAZ3MHQ7RT5LN2XW4B"
GITHUB_TOKEN = "ghp_R8t2Kq9Lm4Xv7Nw1Zb6Hc3Jd5Fg0Ps2Ty8Ua"
KEY_BODY = "MIIEowIBAAKCAQEAx3bT9Lq2vWm8RkZ5cPn0yHf4Gd7sJa1Ue6KtQz8vN3wPkLm2h7XqP2mK9vL4w"
URL_PASSWORD = "Wq7vLp2xRzT9"
REFS_LITERAL = "Vt6-Live-Qm2x-Lr8w"  # (the docstrings, which SARIF shows, have another)
JWT = ".".join(
    [
        _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()),
        _b64url(json.dumps({"sub": "svc-loader", "iat": 1700000000}).encode()),
        "Xk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aUeKiOqWr",
    ]
)
SECRETS = {
    "aws": AWS_KEY,
    "github": GITHUB_TOKEN,
    "private key": KEY_BODY,
    "url password": URL_PASSWORD,
    "secrets_refs literal": REFS_LITERAL,
    "jwt": JWT,
}

MUTATIONS: list[dict[str, Any]] = [
    {"write": {"file": "code/spark/job.py", "content": f"import os\n\nKEY = '{AWS_KEY}'\n"}},
    {
        "write": {
            "file": "code/dbt/models/stg_tokens.sql",
            "content": f"-- {{{{ var('x') }}}}\nselect '{GITHUB_TOKEN}' as tok\n",
        }
    },
    {
        "write": {
            "file": "code/dbt/models/sources.yml",
            "content": (
                "version: 2\nsources:\n  - name: shop\n    meta:\n      tls_key: |\n"
                f"        -----BEGIN RSA PRIVATE KEY-----\n        {KEY_BODY}\n"
                "        -----END RSA PRIVATE KEY-----\n"
            ),
        }
    },
    {
        "write": {
            "file": "runbooks/connect.md",
            "content": f"# Connect\n\n`psql postgres://app:{URL_PASSWORD}@db.internal/shop`\n",
        }
    },
    {
        "set": {
            "file": "configs/secrets_refs.yml",
            "pointer": "/secrets/SOURCE_DB",
            "value": REFS_LITERAL,
        }
    },
    {
        "write": {
            "file": "evidence/request.json",
            "content": json.dumps({"headers": {"Authorization": f"Bearer {JWT}"}}, indent=2),
        }
    },
]

# (check, path, line) where each secret must be reported
EXPECTED = {
    ("secrets_scan", "code/spark/job.py", 3),
    ("secrets_scan", "code/dbt/models/stg_tokens.sql", 2),
    ("secrets_scan", "code/dbt/models/sources.yml", 6),
    ("secrets_scan", "runbooks/connect.md", 3),
    ("credential_validation", "configs/secrets_refs.yml", 4),
    ("secrets_scan", "evidence/request.json", 3),
}
FORMATS = ("text", "json", "sarif", "markdown", "github")


def pieces(value: str, size: int = 8) -> set[str]:
    """Every run of ``size`` characters of the value, which would betray it if shown."""
    return {value[i : i + size] for i in range(len(value) - size + 1)}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.conftest import build_tree

    return build_tree(tmp_path_factory.mktemp("stage4-leak"), "shop", MUTATIONS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_value_is_shown(tree: Any, tmp_path: Path, fmt: str) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result_file = out_dir / "result.json"
    env = {
        "GITHUB_OUTPUT": str(out_dir / "github_output"),
        "GITHUB_STEP_SUMMARY": str(out_dir / "step_summary.md"),
    }
    args = ["check", str(tree.workspace), "--policy", str(tree.policy), "--stage", "4"]
    outcome = run_cli(*args, "--format", fmt, "--result-file", str(result_file), env=env)
    assert outcome.exit_code == 1, outcome.output
    written = {p.name: p.read_text(encoding="utf-8") for p in out_dir.iterdir()}
    if fmt == "github":
        assert {"github_output", "step_summary.md"} <= set(written)
    outputs = {"stdout": outcome.stdout, "stderr": outcome.stderr, **written}
    for what, value in SECRETS.items():
        for where, content in outputs.items():
            shown = sorted(piece for piece in pieces(value) if piece in content)
            assert not shown, f"{what} shown in {where}: {shown}"

    # ... and every secret is reported, at its file and line.
    result = json.loads(written["result.json"])
    (migration,) = result["migrations"]
    assert migration["blockers"] == ["SECRETS_EXPOSED"]
    reported = {
        (f["check"], f["path"], f["line"])
        for f in migration["findings"]
        if f["blocker"] == "SECRETS_EXPOSED"
    }
    assert reported >= EXPECTED, sorted(reported)
    shown_text = outcome.stdout + written.get("step_summary.md", "")
    if fmt in ("markdown", "github"):
        shown_text = re.sub(r"\\(.)", r"\1", shown_text)  # Markdown backslash escapes
    for _, path, _ in EXPECTED:
        assert path in shown_text, path
