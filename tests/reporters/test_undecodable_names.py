"""A file name that is not UTF-8 (git keeps names as bytes) reaches every reporter escaped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from migration_checks.redaction import redact

NAME = b"caf\xe9.md"  # Latin-1, not UTF-8


@pytest.mark.parametrize("fmt", ["github", "sarif", "text", "json", "markdown"])
def test_a_finding_in_a_file_named_in_latin1_is_reported_in_every_format(
    make_tree: Any, fmt: str, tmp_path: Path
) -> None:
    tree = make_tree()
    runbooks = os.fsencode(tree.migration / "runbooks")
    with open(os.path.join(runbooks, NAME), "wb") as handle:
        handle.write(b"password = Hx9qTzLm2vW8\n")
    summary = tmp_path / "summary.md"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_checks",
            "check",
            str(tree.workspace),
            "--stage",
            "4",
            "--policy",
            str(tree.policy),
            "--format",
            fmt,
        ],
        capture_output=True,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert completed.returncode == 1, completed.stderr.decode()
    assert b"Traceback" not in completed.stderr
    out = completed.stdout.decode("utf-8")  # strict: every byte written is UTF-8
    if fmt == "sarif":  # a URI: the backslash percent-encoded
        (run,) = json.loads(out)["runs"]
        uris = [
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
        ]
        assert any(uri.endswith("runbooks/caf%5Cxe9.md") for uri in uris)
    else:
        assert "runbooks/caf\\xe9.md" in out.replace("\\\\", "\\")  # JSON doubles it


def test_lone_surrogates_are_escaped_as_python_shows_them() -> None:
    assert redact("runbooks/caf\udce9.md") == "runbooks/caf\\xe9.md"
    assert redact('key "\ud800"') == 'key "\\ud800"'
    assert redact("café.md") == "café.md"
