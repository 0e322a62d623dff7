"""The action.yml files, the workflows and the requirement locks keep the hardening rules.

Rules (shared/research/reliability.md section 1, ARCHITECTURE.md style rules 9 and 10): every input
and output described; inputs reach `run:` only through `env:`; no `${{` inside any `run:`; every
third-party `uses:` pinned to a full SHA with its version in a comment, and none at all inside our
composite actions; the actions equal what scripts/generate_actions.py writes; the locks match
their `.in` files and pyproject.toml.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml_rs
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from tests.scripts_loader import load_script

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = sorted([ROOT / "action.yml", *ROOT.glob("actions/*/action.yml")])
REPO_WORKFLOWS = sorted(ROOT.glob(".github/workflows/*.y*ml"))
TEST_WORKFLOWS = sorted((ROOT / "tests/actions/workflows").glob("*.y*ml"))
WORKFLOWS = REPO_WORKFLOWS + TEST_WORKFLOWS
REQUIREMENTS = ROOT / "requirements"
LOCK_SETS = tuple(sorted(path.stem for path in REQUIREMENTS.glob("*.in")))

PINNED_USES = re.compile(r"^[\w.-]+/[\w.-]+(/[^@\s]+)?@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<value>[^\s#]+)\s*(?P<comment>#.*)?$")
VERSION_COMMENT = re.compile(r"^#\s*v\d+\.\d+\.\d+\b")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@cache
def load(path: Path) -> Any:
    return yaml_rs.loads(path.read_text(encoding="utf-8"))


def steps_of(path: Path) -> list[dict[str, Any]]:
    """Every step of a composite action, or of every job of a workflow."""
    document = load(path)
    if "runs" in document:
        return list(document["runs"].get("steps", []))
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_there_is_something_to_check() -> None:
    assert ROOT / "action.yml" in ACTIONS
    assert ROOT / "actions/stage-1/action.yml" in ACTIONS
    assert ROOT / ".github/workflows/ci.yml" in WORKFLOWS
    assert ROOT / ".github/workflows/selftest.yml" in WORKFLOWS
    assert ROOT / ".github/workflows/release.yml" in WORKFLOWS


# --- the actions -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS, ids=rel)
def test_every_input_and_output_is_described(action: Path) -> None:
    document = load(action)
    assert document.get("description", "").strip(), "the action has no description"
    for kind in ("inputs", "outputs"):
        for name, spec in document.get(kind, {}).items():
            assert str(spec.get("description", "")).strip(), (
                f"{kind[:-1]} {name!r} has no description"
            )


GATE = ROOT / "actions/gate/action.yml"
GATE_INPUTS = {"token", "results", "jobs"}
DISCOVER = ROOT / "actions/discover/action.yml"
EVENT_BASE = "${{ github.event.pull_request.base.sha || github.event.merge_group.base_sha || '' }}"


@pytest.mark.parametrize("action", [a for a in ACTIONS if a != DISCOVER], ids=rel)
def test_the_spec_interface(action: Path) -> None:
    document = load(action)
    extra = GATE_INPUTS if action == GATE else set()
    assert set(document["inputs"]) == {"path", "policy", "base", "fail-on"} | extra
    assert document["inputs"]["path"]["default"] == "."
    assert document["inputs"]["policy"]["default"] == ""
    # The trust anchors come from the event's base commit unless the caller says otherwise.
    assert document["inputs"]["base"]["default"] == EVENT_BASE
    assert document["inputs"]["fail-on"]["default"] == "blocking"
    outputs = document["outputs"]
    # Each stage passes its verdict on to the reusable workflow's gate job; the gate does not.
    extra_outputs = set() if action == GATE else {"verdict"}
    assert set(outputs) == {"blocked", "blockers", "result-file"} | extra_outputs
    for name, spec in outputs.items():
        assert spec["value"] == f"${{{{ steps.check.outputs.{name} }}}}"


def test_the_discover_interface() -> None:
    document = load(DISCOVER)
    assert set(document["inputs"]) == {"path", "base"}
    assert document["inputs"]["base"]["default"] == EVENT_BASE
    assert set(document["outputs"]) == {"path", "directories", "count", "call-id"}
    for name, spec in document["outputs"].items():
        assert spec["value"] == f"${{{{ steps.discover.outputs.{name} }}}}"


@pytest.mark.parametrize("action", ACTIONS, ids=rel)
def test_composite_steps_use_bash_and_no_other_action(action: Path) -> None:
    document = load(action)
    assert document["runs"]["using"] == "composite"
    for step in steps_of(action):
        # No third-party code at all (act runs offline), and the root action does not chain
        # its siblings: everything runs from this checkout.
        assert "uses" not in step, f"step {step.get('name')!r} uses {step['uses']!r}"
        assert step.get("shell") == "bash", f"step {step.get('name')!r} must set shell: bash"


@pytest.mark.parametrize("action", ACTIONS, ids=rel)
def test_inputs_reach_run_only_through_mc_env(action: Path) -> None:
    for step in steps_of(action):
        for name, value in step.get("env", {}).items():
            assert name.startswith("MC_"), f"env {name!r} should be named MC_*"
            if "inputs." in str(value):
                assert re.fullmatch(r"\$\{\{ inputs\.[\w-]+ \}\}", str(value)), value
    text = action.read_text(encoding="utf-8")
    assert "github.action_path" not in text, 'use "$GITHUB_ACTION_PATH" instead'
    assert "GITHUB_ENV" not in text and "GITHUB_PATH" not in text


@pytest.mark.parametrize("action", ACTIONS, ids=rel)
def test_python_runs_isolated(action: Path) -> None:
    runs = [step["run"] for step in steps_of(action) if "run" in step]
    calls = [line for run in runs for line in run.splitlines() if "mc.py" in line]
    assert calls, "no step runs scripts/mc.py"
    for line in calls:
        assert '"$MC_PYTHON" -I ' in line, line
        assert " -- " in line, "the path must come after --, so it is never read as an option"


def test_the_gate_takes_the_token_and_the_pull_request_through_env() -> None:
    document = load(GATE)
    assert document["inputs"]["token"]["default"] == "${{ github.token }}"
    assert document["inputs"]["results"]["default"] == ""
    (step,) = [s for s in steps_of(GATE) if s.get("id") == "check"]
    assert step["env"]["MC_TOKEN"] == "${{ inputs.token }}"
    assert step["env"]["MC_PR"] == "${{ github.event.pull_request.number }}"
    assert step["env"]["MC_HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}"
    assert step["env"]["MC_REPO"] == "${{ github.repository }}"
    # A merge queue names the pull request only in the queue entry's ref.
    assert step["env"]["MC_MERGE_GROUP_REF"] == "${{ github.event.merge_group.head_ref }}"
    assert '--merge-group-ref "$MC_MERGE_GROUP_REF"' in step["run"]
    # The token reaches the gate in its environment, never on its command line.
    (call,) = [line for line in step["run"].splitlines() if "mc.py" in line]
    assert call.lstrip().startswith('GITHUB_TOKEN="$MC_TOKEN" "$MC_PYTHON" -I ')
    assert "MC_TOKEN" not in call.split("mc.py", 1)[1]
    assert 'setup.bash" gate' in GATE.read_text()


def test_root_action_runs_every_stage_in_one_call() -> None:
    (call,) = [
        line
        for step in steps_of(ROOT / "action.yml")
        for line in step.get("run", "").splitlines()
        if "--stage" in line
    ]
    assert re.findall(r"--stage (\d)", call) == ["1", "2", "3", "4", "5", "6"]
    assert 'setup.bash" all' in ROOT.joinpath("action.yml").read_text()


# --- actions and workflows ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ACTIONS + WORKFLOWS, ids=rel)
def test_no_expression_inside_run(path: Path) -> None:
    for step in steps_of(path):
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r}: pass it via env:"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=rel)
def test_every_uses_is_local_or_pinned_with_a_version_comment(workflow: Path) -> None:
    lines = [m for line in workflow.read_text().splitlines() if (m := USES_LINE.match(line))]
    parsed = [step["uses"] for step in steps_of(workflow) if "uses" in step]
    parsed += [job["uses"] for job in load(workflow)["jobs"].values() if "uses" in job]
    assert sorted(m["value"] for m in lines) == sorted(parsed), "write each uses: on its own line"
    for match in lines:
        value, comment = match["value"], match["comment"] or ""
        if value.startswith("./"):
            continue
        assert PINNED_USES.match(value), f"{value}: pin to a full 40-hex commit SHA"
        assert VERSION_COMMENT.match(comment), f"{value}: add the version as '# vX.Y.Z'"


@pytest.mark.parametrize("workflow", REPO_WORKFLOWS, ids=rel)
def test_workflow_hygiene(workflow: Path) -> None:
    document = load(workflow)
    assert document.get("permissions") in ({}, {"contents": "read"}), (
        "set top-level permissions: {} or contents: read"
    )
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"job {name}: declare its permissions"
        if "uses" in job:
            continue  # a reusable-workflow call has neither timeout nor steps of its own
        assert "timeout-minutes" in job, f"job {name}: set timeout-minutes"
        assert "concurrency" in job, f"job {name}: set concurrency"
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (
                    f"job {name}: checkout with persist-credentials: false"
                )


# --- the generator -----------------------------------------------------------------------------


def generator() -> ModuleType:
    return load_script("generate_actions")


def test_actions_equal_the_generator_output() -> None:
    rendered: dict[Path, str] = generator().rendered()
    assert sorted(rendered) == ACTIONS, "an action.yml exists that the generator does not write"
    for path, content in rendered.items():
        assert path.read_text(encoding="utf-8") == content, (
            f"{rel(path)} differs from the template: run python scripts/generate_actions.py"
        )


def test_every_generated_action_has_its_lock() -> None:
    for action in generator().actions():
        assert (REQUIREMENTS / f"{action.requirements}.txt").is_file(), action.requirements


# --- the requirement locks ---------------------------------------------------------------------


def read_in(path: Path) -> dict[str, Requirement]:
    """Name -> requirement of a loose .in file, following -r includes."""
    found: dict[str, Requirement] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            found.update(read_in(path.parent / line[2:].strip()))
            continue
        requirement = Requirement(line)
        found[canonicalize_name(requirement.name)] = requirement
    return found


def read_lock(path: Path) -> tuple[str, dict[str, tuple[str, int, set[str]]]]:
    """(header, name -> (pinned version, number of hashes, what it is pulled in via))."""
    text = path.read_text()
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))[:400]
    pins: dict[str, tuple[str, int, set[str]]] = {}
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    for block in blocks:
        match = re.match(r"([A-Za-z0-9][\w.-]*)==([^\s;\\]+)", block)
        if not match:
            continue
        via_text = block.split("# via", 1)[1] if "# via" in block else ""
        via = {part.strip(" #") for part in via_text.splitlines() if part.strip(" #")}
        pins[canonicalize_name(match[1])] = (match[2], block.count("--hash=sha256:"), via)
    return header, pins


def runtime_dependencies() -> dict[str, Requirement]:
    """The packages the actions install: [project].dependencies and the `lint` extra (stage 3)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"], *project["optional-dependencies"]["lint"]]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def test_runtime_sets_name_exactly_the_pyproject_dependencies() -> None:
    runtime = runtime_dependencies()
    stage_sets = sorted([*REQUIREMENTS.glob("stage-*.in"), REQUIREMENTS / "gate.in"])
    assert stage_sets, "no requirements/stage-*.in"
    union: set[str] = set()
    for path in stage_sets:
        names = set(read_in(path))
        assert names <= set(runtime), (
            f"{rel(path)} names packages pyproject does not: {names - set(runtime)}"
        )
        union |= names
    assert set(read_in(REQUIREMENTS / "all.in")) == union == set(runtime)
    assert set(read_in(REQUIREMENTS / "bootstrap.in")) == {"uv"}


@pytest.mark.parametrize("name", LOCK_SETS)
def test_lock_is_compiled_from_its_in_file(name: str) -> None:
    loose = read_in(REQUIREMENTS / f"{name}.in")
    header, pins = read_lock(REQUIREMENTS / f"{name}.txt")
    assert "uv pip compile --universal --generate-hashes --python-version 3.11" in header
    assert f"{name}.in -o {name}.txt" in header
    runtime = runtime_dependencies()
    for package, requirement in loose.items():
        assert package in pins, f"{package} is in {name}.in but not pinned: re-compile"
        version = pins[package][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{package}=={version} does not satisfy {name}.in's {requirement}: re-compile"
        )
        if package in runtime:
            assert runtime[package].specifier.contains(version, prereleases=True), (
                f"{package}=={version} does not satisfy pyproject's {runtime[package]}"
            )
    for package, (version, hashes, via) in pins.items():
        assert hashes >= 1, f"{package}=={version} has no hash"
        if any(v.startswith("-r ") for v in via):
            assert package in loose, f"{package} is pinned for {name}.in, which no longer names it"
        else:
            assert via & set(pins), f"{package} is pinned but nothing in {name}.in needs it"
