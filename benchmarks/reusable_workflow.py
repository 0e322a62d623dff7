"""Time the reusable workflow end to end under act, cold and warm, and each job's set-up.

    python benchmarks/reusable_workflow.py [--warm-runs 3]

The same scene as tests/actions/test_reusable_workflow.py: a caller repository whose workflow is
the README's snippet calls a released copy of the suite by tag, on the bundled example, with the
fake GitHub answering the gate; act runs the eight jobs on this host. The first run starts from an
empty wheelhouse (cold: every job's set-up downloads the wheels of its lock from the index, as on
a runner without a cache hit); the next ones reuse the wheelhouse (warm: what a cache hit or a
self-hosted runner gives). A venv is built afresh in every job either way. Printed: wall time of
the whole workflow, and each job's "Set up migration-checks" step. Under act the eight jobs share
this machine's two cores; on GitHub each job has a runner of its own, so the cold set-up of one
job is also measured alone: scripts/setup.bash for each lock, one at a time, each from an empty
wheelhouse. Targets: a warm stage set-up under 2 s, a cold one under 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.actions.reusable import approve, make_caller, release_suite, run_workflow  # noqa: E402
from tests.github.fake_github import FakeGithub  # noqa: E402

JOBS = (
    "discover", "structural-validation", "policy-compliance", "code-quality", "security-scan",
    "dry-run", "post-execution", "migration-gate",
)  # fmt: skip


def one_run(tmp: Path, tool_cache: Path, name: str) -> tuple[float, dict[str, float]]:
    where = tmp / name
    where.mkdir()
    release = release_suite(where)
    caller = make_caller(where)
    fake = FakeGithub(repo="shop/migrations")
    fake.start()
    try:
        approve(fake, caller)
        run = run_workflow(where, release, caller, fake, tool_cache)
    finally:
        fake.stop()
    failed = [job for job in JOBS if run.job_result(job) != "succeeded"]
    if failed:
        sys.exit(f"{name}: jobs did not succeed: {failed}\n{run.log[-4000:]}")
    return run.seconds, run.setup_seconds()


def setup_alone(where: Path, lock: str) -> float:
    """scripts/setup.bash LOCK with the wheelhouse under ``where``, as a job of its own runs it."""
    (where / "tool_cache").mkdir(parents=True, exist_ok=True)
    (where / "temp").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "RUNNER_TOOL_CACHE": str(where / "tool_cache"),
        "RUNNER_TEMP": str(where / "temp"),
    }
    env.pop("GITHUB_OUTPUT", None)
    started = time.monotonic()
    subprocess.run(
        ["bash", str(ROOT / "scripts/setup.bash"), lock], env=env, check=True, capture_output=True
    )
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mc-bench-workflow-") as scratch:
        tmp = Path(scratch)
        locks = ("stage-1", "stage-2", "stage-3", "stage-4", "stage-5", "stage-6", "gate")
        alone = {lock: setup_alone(tmp / f"alone-{lock}", lock) for lock in locks}  # cold
        again = {lock: setup_alone(tmp / f"alone-{lock}", lock) for lock in locks}  # warm
        tool_cache = tmp / "tool_cache"
        tool_cache.mkdir()
        runs = [("cold", *one_run(tmp, tool_cache, "cold"))]
        runs += [
            (f"warm {n}", *one_run(tmp, tool_cache, f"warm{n}")) for n in range(args.warm_runs)
        ]
    print(f"{'run':<8} {'wall':>7}  " + " ".join(f"{job[:12]:>12}" for job in JOBS))
    for name, wall, setup in runs:
        cells = " ".join(f"{setup.get(job, float('nan')):>11.2f}s" for job in JOBS)
        print(f"{name:<8} {wall:>6.1f}s  {cells}")
    warm = [setup for name, _, setup in runs if name.startswith("warm")]
    if warm:
        worst = max(max(s.values()) for s in warm)
        median_wall = statistics.median(wall for name, wall, _ in runs if name.startswith("warm"))
        print(
            f"warm: median wall {median_wall:.1f}s; slowest job set-up {worst:.2f}s (target < 2 s)"
        )
    cold = runs[0][2]
    print(f"cold, eight jobs on two cores at once: slowest job set-up {max(cold.values()):.2f}s")
    print("cold, one job at a time: " + ", ".join(f"{k} {v:.1f}s" for k, v in alone.items()))
    print(f"cold, one job at a time: slowest {max(alone.values()):.1f}s (target < 10 s)")
    print("warm, one job at a time: " + ", ".join(f"{k} {v:.2f}s" for k, v in again.items()))
    print(f"warm, one job at a time: slowest {max(again.values()):.2f}s (target < 2 s)")


if __name__ == "__main__":
    main()
