"""Resource bounds (reliability.md section 7, goal 4): every hostile tree of section 6 is checked
within 10 s and 256 MB, and never passes.

Each fixture is built from code into a copy of the example tree (``hostile.py``), then
``check`` runs in a subprocess (``measure.py``) over every stage that reads the tree in the
suite's own process (1, 2, 4, 5, 6; stage 3 runs the pull request's linters and tests under
their own limits). The time is the subprocess's, start to end; the memory is the larger of the
process's peak resident size and the sampled peak of its whole process tree (the secret scan's
forked workers included; see ``measure.py``). With ``MC_RESOURCES_REPORT=FILE`` each measurement is appended to FILE as a JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adversarial.hostile import FIXTURES, Hostile
from tests.adversarial.invariants import json_result
from tests.conftest import REPO, Tree

SECONDS = 10.0
MEGABYTES = 256
STAGES = ("1", "2", "4", "5", "6")


def measure(tree: Tree, tmp_path: Path) -> tuple[dict[str, float], str, str]:
    report = tmp_path / "measure.json"
    stage_args = [arg for stage in STAGES for arg in ("--stage", stage)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "scripts"), str(REPO)])}
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.adversarial.measure",
            str(report),
            "check",
            str(tree.workspace),
            "--policy",
            str(tree.policy),
            "--format",
            "json",
            *stage_args,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(report.read_text())
    figures["total_s"] = round(elapsed, 2)
    return figures, done.stdout, done.stderr


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param(h, marks=pytest.mark.xfail(reason=h.known, strict=True)) if h.known else h
        for h in FIXTURES
    ],
    ids=[h.name for h in FIXTURES],
)
def test_hostile_tree_within_bounds(
    hostile: Hostile, make_tree: Callable[..., Tree], tmp_path: Path
) -> None:
    tree = make_tree(policy=hostile.policy)
    hostile.build(tree.migration)
    figures, stdout, stderr = measure(tree, tmp_path)
    if os.environ.get("MC_RESOURCES_REPORT"):
        with Path(os.environ["MC_RESOURCES_REPORT"]).open("a", encoding="utf-8") as out:
            out.write(json.dumps({"fixture": hostile.name, **figures}) + "\n")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert figures["exit"] in (0, 1, 2)
    result = json_result(stdout)
    errored = [c["id"] for m in result["migrations"] for c in m["checks"] if c["status"] == "error"]
    assert errored == [], stdout[-3000:]
    if hostile.blocked:
        assert figures["exit"] == 1 and result["blocked"], "a hostile tree passed"
    if hostile.says is not None:
        assert hostile.says in stdout, f"no finding says {hostile.says!r}"
    assert figures["total_s"] <= SECONDS, figures
    assert figures["peak_mb"] <= MEGABYTES, figures
