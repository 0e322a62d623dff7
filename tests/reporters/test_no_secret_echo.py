"""A secret pasted into a migration PR must never be echoed by any report (research/reliability.md
section 1.2: redaction is not guaranteed, and tools print values in error messages).

Each case puts the canary where a finding is produced today, runs ``check`` in every format and
looks for the canary in stdout, stderr and every file the run wrote; the finding must be there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

CANARY = "S3cr3t-Canary-7d1f"

# name -> (mutations, (check, path, line, message part) of the finding that must be reported)
CASES: dict[str, tuple[list[dict[str, Any]], tuple[str, str, int | None, str]]] = {
    "metadata_created_at": (
        [{"set": {"file": ".migration_metadata.json", "pointer": "/created_at", "value": CANARY}}],
        ("schema_validation", ".migration_metadata.json", 7, "/created_at: not a valid date-time"),
    ),
    "unknown_field_value": (
        [{"set": {"file": ".migration_metadata.json", "pointer": "/extra_token", "value": CANARY}}],
        ("schema_validation", ".migration_metadata.json", None, 'unknown field "/extra_token"'),
    ),
    "yaml_key_on_syntax_error_line": (
        [{"write": {"file": "configs/recon_config.yml", "content": f"{CANARY}: a: b\n"}}],
        ("json_yaml_syntax", "configs/recon_config.yml", 1, "invalid YAML"),
    ),
    "evidence_uri_userinfo": (
        [
            {
                "set": {
                    "file": "evidence/evidence_links.json",
                    "pointer": "/artifacts/3/uri",
                    "value": f"https://user:{CANARY}@host/x",
                }
            }
        ],
        ("evidence_completeness", "evidence/evidence_links.json", 24, "at https://host "),
    ),
    "json_value_on_syntax_error_line": (
        [
            {
                "write": {
                    "file": "contracts/manual_decisions.json",
                    "content": f'{{"token": "{CANARY}",, "b": 1}}\n',
                }
            }
        ],
        ("json_yaml_syntax", "contracts/manual_decisions.json", 1, "invalid JSON"),
    ),
    "kms_key_pasted_into_the_plan": (
        [
            {
                "set": {
                    "file": "plans/signed_plan_plan_shop2026.json",
                    "pointer": "/plan/target/encryption/kms_key_ref",
                    "value": f"arn:aws:kms:eu-west-1:111122223333:key/{CANARY}",
                }
            }
        ],
        (
            "encryption_compliance",
            "plans/signed_plan_plan_shop2026.json",
            21,
            "kms_key_ref is not a secret name",
        ),
    ),
}
FORMATS = ("text", "json", "sarif", "markdown", "github")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_canary_never_echoed(make_tree: Any, tmp_path: Path, case: str, fmt: str) -> None:
    mutations, (check, path, line, message) = CASES[case]
    tree = make_tree(mutations=mutations)
    assert any(
        CANARY in p.read_text(encoding="utf-8")
        for p in tree.migration.rglob("*.*")
        if p.suffix in (".json", ".yml")
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result_file = out_dir / "result.json"
    env = {
        "GITHUB_OUTPUT": str(out_dir / "github_output"),
        "GITHUB_STEP_SUMMARY": str(out_dir / "step_summary.md"),
    }
    args = [
        "check",
        str(tree.workspace),
        "--policy",
        str(tree.policy),
        "--stage",
        "1",
        "--stage",
        "2",
    ]
    outcome = run_cli(*args, "--format", fmt, "--result-file", str(result_file), env=env)
    assert outcome.exit_code in (0, 1), outcome.output
    written = {p.name: p.read_text(encoding="utf-8") for p in out_dir.iterdir()}
    assert "result.json" in written
    if fmt == "github":
        assert {"github_output", "step_summary.md"} <= set(written)
    assert CANARY not in outcome.stdout
    assert CANARY not in outcome.stderr
    for name, content in written.items():
        assert CANARY not in content, name

    # ... and the finding is reported all the same
    result = json.loads(written["result.json"])
    (m,) = result["migrations"]
    matches = [
        f
        for f in m["findings"]
        if f["check"] == check
        and f["path"] == path
        and (line is None or f["line"] == line)
        and message in f["message"]
    ]
    assert matches, m["findings"]
    shown = outcome.stdout + written.get("step_summary.md", "")
    if fmt in ("markdown", "github"):
        shown = re.sub(r"\\(.)", r"\1", shown)  # Markdown backslash escapes
    assert check in shown
    assert path in shown
