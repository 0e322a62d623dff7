"""Time unit_tests' dependency step: installing what code/ declares, cold and from the cache.

    python benchmarks/stage3_dependencies.py [--runs 5] [--pypi 'requests==2.32.3' ...]

On a copy of the bundled example, ``_dependencies.prepare`` (what ``unit_tests`` runs before
pytest) is timed in this process, each time in a fresh workspace:

- **bare**: ``code/`` declares nothing (the tests' venv is made by hand, pytest reached by links);
- **cold**: ``code/requirements.txt`` declares the packages, the cache is empty (uv makes a venv
  and installs; with ``--pypi``, it downloads too);
- **cached**: the same declarations again: the cached venv is checked against its fingerprint and
  copied into the workspace.

The figure that matters is *cached minus bare*: what the dependency step adds to a test run
when the cache holds the venv (target: under 1 s). Without ``--pypi`` the packages are ten tiny
wheels written by hand into a local index (no network); with ``--pypi`` they come from PyPI (or
the index the environment names). Medians of ``--runs`` runs. It is a measurement, not a test:
it exits 0 whatever the figures (the target is printed as PASS/MISS).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from migration_checks.checks.stage3_code_quality import _dependencies, _tools
from migration_checks.context import MigrationContext
from migration_checks.policy import load_policy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests/
from tests.wheels import wheel

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "migrations" / "migration-pr-proj_shop2026"
POLICY = HERE.parent / "examples" / "policy" / "policy.json"
TARGET_S = 1.0


def tiny_index(directory: Path, count: int) -> list[str]:
    """``count`` one-module wheels in a PEP 503 index; their pinned, hashed requirement lines."""
    return [
        f"benchdep{n}==1.0 --hash=sha256:{wheel(directory, f'benchdep{n}', '1.0', f'VALUE = {n}')}"
        for n in range(count)
    ]


def timed_prepare(tree: Path) -> float:
    ctx = MigrationContext(tree, tree.name, load_policy(POLICY))
    try:
        ws = _tools.workspace(ctx)
        copy = ws.copy(ctx, "tests")
        started = time.perf_counter()
        prepared = _dependencies.prepare(ctx, ws, copy, "unit_tests", 600)
        elapsed = time.perf_counter() - started
        if prepared.env is None:
            raise SystemExit(f"the install failed: {[p.message for p in prepared.problems]}")
        return elapsed
    finally:
        ctx.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--pypi", nargs="*", help="requirements from the index instead of tiny wheels"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="mc-bench-deps-"))
    try:
        bare, declared = scratch / "bare" / EXAMPLE.name, scratch / "declared" / EXAMPLE.name
        shutil.copytree(EXAMPLE, bare)
        shutil.copytree(EXAMPLE, declared)
        if args.pypi:
            lines, source = list(args.pypi), "the index"
        else:
            lines = tiny_index(scratch / "index", 10)
            os.environ["UV_INDEX_URL"] = (scratch / "index").as_uri()
            source = "10 tiny hashed wheels, local index"
        (declared / "code" / "requirements.txt").write_text("\n".join(lines) + "\n")
        os.environ.pop(_dependencies.CACHE_VARIABLE, None)  # the run's own cache

        bare_times = [timed_prepare(bare) for _ in range(args.runs)]
        cold_times = []
        for _ in range(args.runs):
            _dependencies._built.clear()
            cache, _ = _dependencies.cache_root()
            shutil.rmtree(cache)
            cache.mkdir()
            cold_times.append(timed_prepare(declared))
        cached_times = [timed_prepare(declared) for _ in range(args.runs)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    b, c, h = (statistics.median(t) for t in (bare_times, cold_times, cached_times))
    print(f"packages: {source} ({len(lines)} requirement lines); {args.runs} runs, medians")
    print(f"  bare (nothing declared)      {b:7.3f} s")
    print(f"  cold (empty cache, install)  {c:7.3f} s")
    print(f"  cached (check + copy)        {h:7.3f} s")
    added = h - b
    verdict = "PASS" if added < TARGET_S else "MISS"
    print(
        f"  added by the dependency step with a cache: {added:.3f} s (target < {TARGET_S:g} s: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
