"""The gate verifying on GitHub never echoes a secret pasted into approval_records.json: not in
its reports, not in the sticky comment it posts, not in the labels it sets (SPEC section 6.1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from migration_checks.reporters.markdown import MARKER
from tests.conftest import Tree, run_cli
from tests.gate.canary import CANARIES, CASES, assert_not_echoed
from tests.gate.test_no_echo import canary_tree, finding_places
from tests.gate.trees import NOW, base_args
from tests.github.conftest import REPO, approved_pull
from tests.github.fake_github import TOKEN, FakeGithub


@pytest.mark.parametrize("canary", CANARIES, ids=("token", "slashed"))
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_gate_on_github_never_echoes_a_canary(
    make_tree: Callable[..., Tree], fake: FakeGithub, tmp_path: Path, case: str, canary: str
) -> None:
    tree = canary_tree(make_tree, case, canary)
    pull = approved_pull(fake, labels=["migration/proposed"])
    summary, outputs, result_file = tmp_path / "s.md", tmp_path / "o", tmp_path / "r.json"

    done = run_cli(
        "gate", str(tree.workspace), "--policy", str(tree.policy), "--repo", REPO, "--pr", "7",
        "--now", NOW, "--format", "github", "--result-file", str(result_file),
        *base_args(tree, ()),
        env={
            "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": fake.base_url,
            "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs),
        },
    )  # fmt: skip

    assert done.exit_code in (0, 1), done.output
    (comment,) = pull.comments
    assert comment["body"].startswith(MARKER)
    assert_not_echoed(
        canary,
        {
            "stdout": done.stdout,
            "stderr": done.stderr,
            "summary": summary.read_text(encoding="utf-8"),
            "outputs": outputs.read_text(encoding="utf-8"),
            "result file": result_file.read_text(encoding="utf-8"),
            "comment": comment["body"],
            "labels": json.dumps(pull.labels),
            "requests": json.dumps([r.body for r in fake.requests]),
        },
    )
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert set(CASES[case].online) <= finding_places(result), finding_places(result)
