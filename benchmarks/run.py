"""Time ``migration-checks check --stage 1`` on synthetic trees of three sizes, and the CLI start-up.

    python benchmarks/run.py [--sizes small,medium,large] [--runs 5] [--keep] [--no-pyc-cache]

Every number is a whole process on this machine: wall time (``time.perf_counter`` around the
child, from spawn to reap) and peak resident set size (``ru_maxrss`` of the child, from
``os.wait4``). Each command runs once unmeasured first (page cache, ``.pyc``), then ``--runs``
times; the table shows the median and the minimum wall time and the largest peak RSS. A run that
exits non-zero, or whose JSON result says ``blocked``, aborts the benchmark: timing a failing
run measures nothing.

Alongside, ``check-jsonschema`` validates the medium mapping alone against
``schemas/schema_mapping.schema.json`` (fewer runs: it is slow), and the ratio of its median to
the median of the whole medium Stage 1 run is printed. Targets are printed as PASS/MISS; the
script exits 0 either way (it is a measurement, not a test).

Trees go to a temporary directory, removed at the end; with ``--keep`` they go to
``benchmarks/out/`` (gitignored), are kept, and are reused by later ``--keep`` runs as long as
``generate.py`` has not changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generate import SIZES as SHAPES  # benchmarks/ is sys.path[0] when this file runs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATOR = HERE / "generate.py"
OUT = HERE / "out"
MAPPING_SCHEMA = ROOT / "schemas" / "schema_mapping.schema.json"
SIZES = ("small", "medium", "large")
MB = 1_000_000

# Targets (seconds, bytes, ratio).
MEDIUM_MAX_S = 0.5
LARGE_MAX_S = 4.0
LARGE_MAX_RSS = 400 * MB
MIN_SPEEDUP = 10.0
STARTUP_MAX_S = 0.3
STARTUP_RUNS = 10
JSONSCHEMA_RUNS = 3
TINY_MAPPING = (
    "version: 1\nsource: { system: postgres, dialect: postgres }\n"
    "target: { system: s3, dialect: spark }\ndatasets: []\n"
)


@dataclass(frozen=True, slots=True)
class Sample:
    wall_s: float
    max_rss: int  # bytes
    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True, slots=True)
class Timing:
    samples: list[Sample]

    @property
    def median_s(self) -> float:
        return statistics.median(s.wall_s for s in self.samples)

    @property
    def min_s(self) -> float:
        return min(s.wall_s for s in self.samples)

    @property
    def peak_rss(self) -> int:
        return max(s.max_rss for s in self.samples)


@dataclass(frozen=True, slots=True)
class Tree:
    size: str
    workspace: Path
    migration: Path
    policy: Path
    files: int
    mapping_bytes: int

    @property
    def mapping(self) -> Path:
        return self.migration / "contracts" / "schema_mapping.yml"


def _rss_bytes(ru_maxrss: int) -> int:
    # Linux reports kilobytes, macOS bytes.
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024


def run_once(cmd: Sequence[str], env: dict[str, str]) -> Sample:
    """Run ``cmd`` as a child process; its wall time and its own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Sample(wall, _rss_bytes(usage.ru_maxrss), proc.returncode, out.read(), err.read())


def measure(
    cmd: Sequence[str], runs: int, env: dict[str, str], *, warmup: Sequence[str] | None = None
) -> Timing:
    """``runs`` timed runs of ``cmd`` after one untimed run of ``warmup`` (default: ``cmd``)."""
    run_once(warmup or cmd, env)
    return Timing([run_once(cmd, env) for _ in range(runs)])


def measure_stage(
    mc: str, workspace: Path, policy: Path, stage: int, runs: int, pycache: Path
) -> tuple[Timing, dict[str, list[int]], dict[str, Any]]:
    """``check WORKSPACE --stage N --format json``, timed ``runs`` times after a warm-up: the
    timing, each check's ``duration_ms`` over the runs, and the last run's migration result."""
    cmd = [mc, "check", str(workspace), "--stage", str(stage), "--format", "json"]
    timing = measure([*cmd, "--policy", str(policy)], runs, child_environment(pycache))
    durations: dict[str, list[int]] = {}
    migration: dict[str, Any] = {}
    for sample in timing.samples:
        if sample.returncode not in (0, 1):
            sys.exit(f"error: exit {sample.returncode}: {sample.stderr.decode()[-2000:]}")
        (migration,) = json.loads(sample.stdout)["migrations"]
        for outcome in migration["checks"]:
            durations.setdefault(outcome["id"], []).append(outcome["duration_ms"])
    return timing, durations, migration


def child_environment(pycache: Path | None) -> dict[str, str]:
    """The children's environment. With ``pycache``, bytecode is cached there (and only there).

    An installed tool runs from cached bytecode; with PYTHONDONTWRITEBYTECODE set (as in some
    containers and sandboxes) and no ``.pyc`` beside a changed module, every process would
    compile its sources again, which is start-up cost, not the tool's. The prefix keeps the
    cache out of the source tree; the warm-up run fills it.
    """
    env = dict(os.environ)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def executable(name: str) -> str:
    """The console script next to this interpreter (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"error: {name} not found next to {sys.executable} nor on PATH")
    return found


# --- trees -------------------------------------------------------------------------------------


def _generator_digest() -> str:
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()


def prepare_tree(size: str, outdir: Path, *, reuse: bool) -> Tree:
    stamp = outdir / "generated.json"
    fresh = {"size": size, "generator_sha256": _generator_digest()}
    reused = reuse and stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == fresh
    if not reused:
        if outdir.exists():
            shutil.rmtree(outdir)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(GENERATOR), size, str(outdir)], capture_output=True, text=True
        )
        if done.returncode != 0:
            sys.exit(f"error: generating the {size} tree failed:\n{done.stderr}")
        stamp.write_text(json.dumps(fresh) + "\n", encoding="utf-8")
        print(f"  generated {size:<6} in {time.perf_counter() - started:5.1f} s -> {outdir}")
    else:
        print(f"  reusing   {size:<6} -> {outdir}")
    workspace = outdir / "workspace"
    (migration,) = workspace.glob("migration-pr-*")
    files = sum(1 for p in migration.rglob("*") if p.is_file())
    mapping_bytes = (migration / "contracts" / "schema_mapping.yml").stat().st_size
    return Tree(size, workspace, migration, outdir / "policy.json", files, mapping_bytes)


# --- checks on the results ---------------------------------------------------------------------


def assert_passing(tree: Tree, timing: Timing) -> dict[str, list[int]]:
    """Abort unless every run exited 0 with an unblocked JSON result; per-check durations (ms)."""
    durations: dict[str, list[int]] = {}
    for sample in timing.samples:
        try:
            result = json.loads(sample.stdout)
        except ValueError:
            result = None
        if (
            sample.returncode != 0
            or not isinstance(result, dict)
            or result.get("blocked") is not False
        ):
            sys.exit(
                f"error: Stage 1 on the {tree.size} tree exited {sample.returncode} and is not a "
                f"passing run, so timing it means nothing:\n{_explain(result, sample)}"
            )
        for migration in result["migrations"]:
            for check in migration["checks"]:
                durations.setdefault(check["id"], []).append(check["duration_ms"])
    return durations


def _explain(result: object, sample: Sample) -> str:
    """The blockers and first findings of a failing run, else the end of its stderr."""
    if not isinstance(result, dict):
        return sample.stderr.decode("utf-8", "replace")[-2000:]
    lines = []
    for migration in result.get("migrations", []):
        lines.append(f"  {migration.get('path')}: blockers {migration.get('blockers')}")
        for finding in migration.get("findings", [])[:10]:
            where = ":".join(str(finding.get(k)) for k in ("path", "line") if finding.get(k))
            lines.append(f"    {where}: {finding.get('blocker')}: {finding.get('message')}")
    lines += [f"  {finding.get('message')}" for finding in result.get("findings", [])]
    return "\n".join(lines)


PARSE_FLOOR = """
import json, sys, yaml_rs
root = sys.argv[1]
with open(root + "/contracts/schema_mapping.yml", encoding="utf-8") as f:
    yaml_rs.loads(f.read(), parse_datetime=False)
for name in ("evidence/profiling_report.json", "contracts/type_coercion_log.json"):
    with open(root + "/" + name, encoding="utf-8") as f:
        json.loads(f.read())
"""


STAGE2_CHECKS = (
    "policy_version_check",
    "tolerance_validation",
    "approval_requirements",
    "pii_handling",
    "encryption_compliance",
    "profiling_completeness",
    "manual_decisions",
    "lossy_mappings",
    "policy_rules",
)
STAGE2_MAX_S = 0.5


def _loadavg() -> str:
    """The 1/5/15-minute load averages: other work on the machine skews every number here."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated; default: all")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per size (default 5)")
    parser.add_argument("--keep", action="store_true", help=f"keep (and reuse) trees in {OUT}")
    parser.add_argument(
        "--no-pyc-cache",
        action="store_true",
        help="run the children in this environment as is (by default they cache bytecode in a "
        "private PYTHONPYCACHEPREFIX, even when PYTHONDONTWRITEBYTECODE is set)",
    )
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown or not sizes or args.runs < 1:
        parser.error(f"--sizes takes {','.join(SIZES)}; --runs at least 1")
    sizes = [s for s in SIZES if s in sizes]

    mc = executable("migration-checks")
    base = OUT if args.keep else Path(tempfile.mkdtemp(prefix="mc-bench-"))
    try:
        env = child_environment(None if args.no_pyc_cache else base / "pycache")
        return _benchmark(mc, sizes, args.runs, base, env, reuse=args.keep)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


def _benchmark(
    mc: str, sizes: list[str], runs: int, base: Path, env: dict[str, str], *, reuse: bool
) -> int:
    version = subprocess.run([mc, "--version"], capture_output=True, text=True).stdout.strip()
    pyc = env.get("PYTHONPYCACHEPREFIX", "beside the sources")
    if env.get("PYTHONDONTWRITEBYTECODE"):
        pyc = "not written (PYTHONDONTWRITEBYTECODE)"
    print(f"# migration-checks benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"# {version}; Python {platform.python_version()} ({sys.executable}); "
        f"{platform.system()} {platform.machine()}; nproc {os.cpu_count()}; runs {runs} (+1 warm-up)"
    )
    print(f"# bytecode cache: {pyc}; load average at start: {_loadavg()}")
    print("\nTrees:")
    trees = {size: prepare_tree(size, base / size, reuse=reuse) for size in sizes}

    timings: dict[str, Timing] = {}
    per_check: dict[str, dict[str, list[int]]] = {}
    for size, tree in trees.items():
        cmd = [mc, "check", str(tree.workspace), "--stage", "1", "--policy", str(tree.policy)]
        cmd += ["--format", "json"]
        timings[size] = measure(cmd, runs, env)
        per_check[size] = assert_passing(tree, timings[size])

    print(
        f"\nStage 1: migration-checks check WORKSPACE --stage 1 --policy POLICY --format json ({runs} runs)\n"
    )
    header = f"{'size':<7} {'tablesxcols':>12} {'files':>6} {'mapping MB':>10} {'median s':>9} {'min s':>7} {'peak RSS MB':>11}  target"
    print(header)
    print("-" * len(header) + "-" * 24)
    for size, tree in trees.items():
        t = timings[size]
        shape = f"{SHAPES[size].tables}x{SHAPES[size].columns}"
        target = ""
        if size == "medium":
            target = f"median < {MEDIUM_MAX_S} s: {verdict(t.median_s < MEDIUM_MAX_S)}"
        elif size == "large":
            target = (
                f"median < {LARGE_MAX_S:.0f} s: {verdict(t.median_s < LARGE_MAX_S)}; "
                f"RSS < {LARGE_MAX_RSS // MB} MB: {verdict(t.peak_rss < LARGE_MAX_RSS)}"
            )
        print(
            f"{size:<7} {shape:>12} {tree.files:>6} {tree.mapping_bytes / MB:>10.2f} "
            f"{t.median_s:>9.3f} {t.min_s:>7.3f} {t.peak_rss / MB:>11.1f}  {target}".rstrip()
        )

    print(
        "\nParse floor: a Python process that only imports yaml_rs and json and parses the three "
        "largest artifacts\n(mapping, profiling report, coercion log) — no check, no report. It is "
        "the least any Python tool\nreading these files pays on this machine:"
    )
    for size, tree in trees.items():
        floor = measure(
            [sys.executable, "-c", PARSE_FLOOR, str(tree.mapping.parents[1])], runs, env
        )
        share = floor.median_s / timings[size].median_s
        print(
            f"  {size:<7} median {floor.median_s:.3f} s, min {floor.min_s:.3f} s, peak RSS "
            f"{floor.peak_rss / MB:.1f} MB ({share:.0%} of the Stage 1 median)"
        )

    print(
        "\nStages 1 and 2: the same run with --stage 1 --stage 2; Stage 2 reads the documents "
        "Stage 1 parsed,\nso the difference of the medians is what it adds:"
    )
    for size, tree in trees.items():
        cmd = [mc, "check", str(tree.workspace), "--stage", "1", "--stage", "2"]
        both = measure([*cmd, "--policy", str(tree.policy), "--format", "json"], runs, env)
        stage2 = assert_passing(tree, both)
        added = both.median_s - timings[size].median_s
        own = sum(statistics.median(stage2[c]) for c in STAGE2_CHECKS if c in stage2) / 1000
        target = (
            f"   target < {STAGE2_MAX_S} s: {verdict(added < STAGE2_MAX_S)}"
            if size == "medium"
            else ""
        )
        print(
            f"  {size:<7} median {both.median_s:.3f} s (+{added:.3f} s), min {both.min_s:.3f} s; "
            f"Stage 2 checks' own time {own:.3f} s{target}"
        )

    print("\nPer-check time inside the process (median of the JSON result's duration_ms):")
    for size, checks in per_check.items():
        parts = ", ".join(f"{cid} {statistics.median(ms):.0f}" for cid, ms in checks.items())
        print(f"  {size:<7} {parts}")

    if "medium" in trees:
        tree = trees["medium"]
        cj_runs = min(runs, JSONSCHEMA_RUNS)
        cmd = [
            executable("check-jsonschema"),
            "--schemafile",
            str(MAPPING_SCHEMA),
            str(tree.mapping),
        ]
        # Warm up on a tiny mapping: the same code path, without half a minute of validation.
        tiny = base / "tiny_mapping.yml"
        tiny.write_text(TINY_MAPPING, encoding="utf-8")
        cj = measure(cmd, cj_runs, env, warmup=[*cmd[:-1], str(tiny)])
        failed = [s for s in cj.samples if s.returncode != 0]
        if failed:
            sys.exit(
                "error: check-jsonschema rejected the medium mapping:\n"
                + (failed[0].stdout + failed[0].stderr).decode("utf-8", "replace")[-2000:]
            )
        ours = timings["medium"]
        ratio = cj.median_s / ours.median_s
        print(
            f"\ncheck-jsonschema --schemafile schemas/schema_mapping.schema.json <medium mapping, "
            f"{tree.mapping_bytes / MB:.2f} MB> ({cj_runs} runs)"
        )
        print(
            f"  check-jsonschema, mapping only:  median {cj.median_s:8.3f} s, min {cj.min_s:8.3f} s, "
            f"peak RSS {cj.peak_rss / MB:6.1f} MB"
        )
        print(
            f"  migration-checks, whole Stage 1: median {ours.median_s:8.3f} s, min {ours.min_s:8.3f} s, "
            f"peak RSS {ours.peak_rss / MB:6.1f} MB"
        )
        print(
            f"  ratio (check-jsonschema / migration-checks, medians): {ratio:.1f}x   "
            f"target ≥ {MIN_SPEEDUP:.0f}x: {verdict(ratio >= MIN_SPEEDUP)}"
        )
    else:
        print("\ncheck-jsonschema comparison: skipped (needs the medium tree in --sizes)")

    startup = measure([mc, "--version"], STARTUP_RUNS, env)
    print(f"\nStart-up: migration-checks --version ({STARTUP_RUNS} runs)")
    print(
        f"  median {startup.median_s:.3f} s, min {startup.min_s:.3f} s, peak RSS "
        f"{startup.peak_rss / MB:.1f} MB   target < {STARTUP_MAX_S} s: "
        f"{verdict(startup.median_s < STARTUP_MAX_S)}"
    )
    print(f"\n# load average at end: {_loadavg()}")
    if reuse:
        print(f"Trees kept in {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
