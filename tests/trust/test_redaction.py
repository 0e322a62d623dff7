"""The red team's hole 2: checks other than the secret scan quoted a secret the PR planted.

A token in a requirements URL, a key name, a manual decision's question or a test's failure text
was printed whole by dependency_scan, schema_validation, manual_decisions and unit_tests. Every
finding's message is now redacted where it is made (``migration_checks.redaction``).
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from migration_checks.redaction import REDACTED, redact
from tests.conftest import Tree, run_cli

_ALNUM = string.ascii_letters + string.digits


def token() -> str:
    return "ghp_" + "".join(secrets.choice(_ALNUM) for _ in range(36))


def test_no_check_quotes_a_planted_token(make_tree: Callable[..., Tree], tmp_path: Path) -> None:
    planted = token()
    tree = make_tree(
        mutations=[
            {
                "write": {
                    "file": "code/requirements.txt",
                    "content": f"git+https://deploy:{planted}@github.com/acme/lib\n",
                }
            },
            {
                "replace": {
                    "file": "configs/migration_config.yml",
                    "old": "\ntarget:",
                    "new": f"\npassword_{planted}: 1\ntarget:",
                    "count": 1,
                }
            },
            {
                "write": {
                    "file": "code/spark/test_leak.py",
                    "content": f'def test_x():\n    raise ValueError("{planted}")\n',
                }
            },
            {
                "set": {
                    "file": "contracts/manual_decisions.json",
                    "pointer": "/decisions/-",
                    "value": {
                        "id": "dec_leak",
                        "question": f"rotate {planted}?",
                        "status": "unresolved",
                    },
                }
            },
        ]
    )
    outputs: dict[str, str] = {}
    for fmt in ("text", "json", "github", "sarif", "markdown"):
        summary = tmp_path / f"summary-{fmt}.md"
        done = run_cli(
            "check", str(tree.workspace), "--policy", str(tree.policy), "--format", fmt,
            "--stage", "1", "--stage", "2", "--stage", "3", "--stage", "4",
            env={"GITHUB_STEP_SUMMARY": str(summary)},
        )  # fmt: skip
        outputs[fmt] = done.output + (summary.read_text() if summary.exists() else "")
    for fmt, text in outputs.items():
        assert planted not in text, fmt
        assert planted[4:20] not in text, fmt
    result = json.loads(outputs["json"])
    checks = {f["check"] for m in result["migrations"] for f in m["findings"]}
    # Each place is still reported, by the check that owns it.
    assert {"secrets_scan", "manual_decisions", "unit_tests"} <= checks


@pytest.mark.parametrize(
    "kept",
    [
        "plans/signed_plan_plan_shop2026.json",
        "stale approval: sha256_reviewed 0123456789ab… does not match",
        "examples/migrations/migration-pr-proj_shop2026/.migration_metadata.json",
        "PARALLEL_VALIDATED_to_CUTOVER_READY",
        "source 18446744073709551557, target 18446744073709551515",
        "fingerprint e175c6f5",
        "2026-11-01T00:00:00Z",
        "MIGRATION_SECRET_SOURCE_DB_URL",
        "sqlite:///data/shop.sqlite",
    ],
)
def test_what_reports_need_is_kept(kept: str) -> None:
    assert redact(kept) == kept


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("postgresql://reader:S3cr3t-pw@db.internal/shop", "S3cr3t-pw"),
        ("token ghp_" + "aB3" * 12 + " here", "aB3aB3aB3"),
        ("AKIAIOSFODNN7EXAMPLE in a line", "AKIAIOSFODNN7EXAMPLE"),
        ("a value q8ZtR2vX7mN4pL9wK3sB6yH1cF5dG0jA", "q8ZtR2vX7mN4pL9wK3sB6yH1cF5dG0jA"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "MIIE"),
        # The red team's second round: query strings, JDBC, key=value, hex, fullwidth.
        ("https://db/shop?user=admin&password=hunter2", "hunter2"),
        ("jdbc:sqlserver://db;user=sa;password=hunter2", "hunter2"),
        ("password=Tr0ub4dor&3 host=db", "Tr0ub4dor"),
        ("api_key 9f86d081884c7d659a2feaa0c55ad015", "9f86d081884c7d659a2feaa0c55ad015"),
        ("6768705f5a713877336b354e37723254397934553669314f3070334135733744", "6768705f5a71"),
        ("".join(chr(ord(c) + 0xFEE0) for c in "ghp_" + "aB3" * 12), "aB3aB3aB3"),
    ],
)
def test_secrets_are_redacted(text: str, gone: str) -> None:
    redacted = redact(text)
    assert gone not in redacted and REDACTED in redacted
