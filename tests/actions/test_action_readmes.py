"""actions/*/README.md equal what scripts/generate_action_readmes.py writes from each action.yml,
and say what the action.yml says: every input with its default, every output."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
import yaml_rs

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts/generate_action_readmes.py"
ACTIONS = sorted(ROOT.glob("actions/*/action.yml"))


@cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_generate_action_readmes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_action_directory_has_its_readme() -> None:
    assert len(ACTIONS) >= 7
    readmes = sorted(ROOT.glob("actions/*/README.md"))
    assert [p.parent for p in readmes] == [p.parent for p in ACTIONS]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda p: p.parent.name)
def test_readme_is_up_to_date(action: Path) -> None:
    readme = action.parent / "README.md"
    assert readme.read_text(encoding="utf-8") == generator().render(action), (
        f"{readme.relative_to(ROOT)} is stale: run python scripts/generate_action_readmes.py"
    )


@pytest.mark.parametrize("action", ACTIONS, ids=lambda p: p.parent.name)
def test_readme_names_every_input_and_output(action: Path) -> None:
    document = yaml_rs.loads(action.read_text())
    text = generator().render(action)
    assert f"# {document['name']}\n" in text
    assert f"uses: org/migration-checks/actions/{action.parent.name}@v1" in text
    inputs = text.split("## Inputs", 1)[1].split("## Outputs", 1)[0]
    for name, spec in document["inputs"].items():
        (row,) = [line for line in inputs.splitlines() if line.startswith(f"| `{name}` |")]
        default = str(spec.get("default", ""))
        assert default.replace("|", "\\|") in row or (default == "" and "*(empty)*" in row)
    for name in document["outputs"]:
        assert any(line.startswith(f"| `{name}` |") for line in text.splitlines())


def test_check_mode_reports_a_stale_readme(tmp_path: Path) -> None:
    # The script as CI or a contributor runs it, on a copy whose README was edited by hand.
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    (copy / "scripts/generate_action_readmes.py").write_bytes(SCRIPT.read_bytes())
    for action in ACTIONS:
        target = copy / action.relative_to(ROOT)
        target.parent.mkdir(parents=True)
        target.write_bytes(action.read_bytes())
    run = [sys.executable, str(copy / "scripts/generate_action_readmes.py")]
    assert subprocess.run([*run, "--check"], capture_output=True, check=False).returncode == 1
    assert subprocess.run(run, capture_output=True, check=False).returncode == 0
    assert subprocess.run([*run, "--check"], capture_output=True, check=False).returncode == 0
    stale = copy / "actions/stage-1/README.md"
    stale.write_text(stale.read_text() + "hand edit\n")
    done = subprocess.run([*run, "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "actions/stage-1/README.md: differs" in done.stderr
