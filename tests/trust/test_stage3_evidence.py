"""The red team's stage-3 findings: PR code that rewrites what earlier stages left on disk.

A conftest runs after stages 1, 2, 4, 5 and 6 fixed their verdicts in memory; but the dry run's
evidence file and the step's runner files (``$GITHUB_ENV``, ``$GITHUB_OUTPUT``...) are on disk,
where the PR's code can reach them. The evidence is written after stage 3, and the runner files
are put back as they were, with a finding.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Tree, run_cli

SCHEMA_MISMATCH = {
    "replace": {
        "file": "contracts/schema_mapping.yml",
        "old": "{ source: { name: city, type: TEXT }",
        "new": "{ source: { name: no_such_column, type: TEXT }",
    }
}


def conftest(body: str) -> dict[str, dict[str, str]]:
    return {"write": {"file": "code/conftest.py", "content": f'"""Test configuration."""\n{body}'}}


def test_pr_code_cannot_rewrite_the_dry_run_evidence(
    make_tree: Callable[..., Tree], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evidence = tmp_path / "evidence"
    monkeypatch.setenv("MIGRATION_CHECKS_DRY_RUN_DIR", str(evidence))
    tree = make_tree(
        mutations=[
            SCHEMA_MISMATCH,  # the dry run fails: a mapped column the source does not have
            conftest(
                "import glob, json\n"
                f"for path in glob.glob({str(evidence)!r} + '/*/dry_run_result.json'):\n"
                "    data = json.load(open(path))\n"
                "    data['success'] = True\n"
                "    json.dump(data, open(path, 'w'))\n"
            ),
        ]
    )

    result = tree.result(stages=(1, 2, 3, 4, 5, 6))

    assert "CI_FAILURE" in result["migrations"][0]["blockers"]
    (written,) = evidence.glob("*/dry_run_result.json")
    assert json.loads(written.read_text())["success"] is False


def test_pr_code_cannot_set_variables_for_later_steps(
    make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    runner_env = tmp_path / "github_env"
    runner_env.write_text("EARLIER=1\n")
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    tree = make_tree(
        mutations=[
            conftest(
                f"open({str(runner_env)!r}, 'a').write('LD_PRELOAD=/tmp/evil.so\\n')\n"
                f"open({str(outputs)!r}, 'a').write('blocked=false\\n')\n"
            )
        ]
    )

    done = run_cli(
        "check", str(tree.workspace), "--policy", str(tree.policy), "--stage", "3",
        "--format", "json",
        env={"GITHUB_ENV": str(runner_env), "GITHUB_OUTPUT": str(outputs)},
    )  # fmt: skip

    assert runner_env.read_text() == "EARLIER=1\n"
    assert "blocked=false" not in outputs.read_text()
    found = json.loads(done.stdout)["migrations"][0]["findings"]
    put_back = [f for f in found if "was put back" in f["message"]]
    assert {f["blocker"] for f in put_back} == {"CI_FAILURE"}
    assert any("$GITHUB_ENV" in f["message"] for f in put_back)


SUITE = Path(__file__).resolve().parents[2] / "scripts"
TAMPER = """
import pathlib
CANARY = pathlib.Path({canary!r})
PAYLOAD = "\\nimport pathlib as _p\\n_p.Path(%r).write_text('tampered code ran')\\n" % str(CANARY)
for path in pathlib.Path({suite!r}).rglob("*.py"):
    path.write_text(path.read_text() + PAYLOAD)
for cache in pathlib.Path({suite!r}).rglob("__pycache__"):
    for compiled in cache.iterdir():
        compiled.unlink()
"""


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "markdown"])
def test_pr_code_that_rewrites_the_suite_cannot_run_in_the_check(
    make_tree: Callable[..., Tree], tmp_path: Path, fmt: str
) -> None:
    # The red team's second round: a conftest appended code to every file of the suite (as the
    # action's checkout is writable by the job's user); the check imported one of them after
    # stage 3 and the appended code rewrote the verdict. Nothing is imported after stage 3 now.
    import shutil
    import subprocess
    import sys

    suite = tmp_path / "action" / "scripts"
    shutil.copytree(SUITE, suite, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SUITE.parent / "schemas", suite.parent / "schemas")  # as the action has them
    canary = tmp_path / "tampered-code-ran"
    tree = make_tree(
        mutations=[
            {
                "write": {
                    "file": "code/spark/test_must_pass.py",
                    "content": "def test_x() -> None:\n    assert False\n",
                }
            },
            conftest(TAMPER.format(canary=str(canary), suite=str(suite))),
        ]
    )
    result_file = tmp_path / "result.json"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    done = subprocess.run(
        [sys.executable, "-I", str(suite / "mc.py"), "check", str(tree.workspace),
         "--policy", str(tree.policy), "--stage", "1", "--stage", "3", "--format", fmt,
         "--result-file", str(result_file)],
        capture_output=True, text=True, env=env, check=False, timeout=600,
    )  # fmt: skip

    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert json.loads(result_file.read_text())["blocked"] is True
    assert not canary.exists()
    # The conftest did run: the copy of the suite holds its code (so the test proves something).
    assert "tampered code ran" in (suite / "migration_checks" / "model.py").read_text()
