"""scripts/setup.bash builds a new private venv every time, from hash-checked wheels only.

Stage 3 runs the pull request's code as the runner's user; that code can write into any venv,
cache or directory the runner keeps (SPEC.md section 6.1). So nothing installed is reused: what
a later step runs is checked against the locks when it is installed. The shared wheelhouse of
wheel archives is trusted for nothing (a wheel whose sha256 is not the lock's is refused).

Like the act tests these need PyPI the first time: they share test_act.py's tool cache, kept
under .pytest_cache, whose wheelhouse then serves later runs offline. The recovery tests point
pip at a copy of that wheelhouse (PIP_NO_INDEX, PIP_FIND_LINKS) instead of the index.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from tests.actions.test_act import tool_cache

pytestmark = pytest.mark.act
__all__ = ["tool_cache"]  # the session fixture of test_act.py: its wheelhouse is shared

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "scripts/setup.bash"
REQUIREMENTS = ROOT / "requirements"
SET = "stage-1"
OUTER = ("GITHUB_", "RUNNER_", "ACTIONS_", "MIGRATION_", "UV_")


def lock_hashes(*names: str) -> set[str]:
    pattern = r"--hash=sha256:([0-9a-f]{64})"
    return {h for n in names for h in re.findall(pattern, (REQUIREMENTS / f"{n}.txt").read_text())}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_setup(
    cache: Path, temp: Path, env: dict[str, str] | None = None, set_name: str = SET
) -> subprocess.CompletedProcess[str]:
    temp.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(OUTER)}
    base |= {"RUNNER_TOOL_CACHE": str(cache), "RUNNER_TEMP": str(temp)}
    return subprocess.run(
        ["bash", str(SETUP), set_name],
        capture_output=True,
        text=True,
        env=base | (env or {}),
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )


def setup_python(cache: Path, temp: Path, env: dict[str, str] | None = None) -> Path:
    done = run_setup(cache, temp, env)
    assert done.returncode == 0, done.stdout + done.stderr
    python = Path(done.stdout.strip())
    assert python.is_absolute() and python.name == "python", done.stdout
    return python


def site_packages(python: Path) -> Path:
    (site,) = python.parent.parent.glob("lib/python3*/site-packages")
    return site


def wheelhouse(cache: Path) -> Path:
    return cache / "migration-checks" / "wheels"


@pytest.fixture(scope="session")
def filled(tool_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared tool cache, its wheelhouse holding the wheels of SET (downloaded once)."""
    setup_python(tool_cache, tmp_path_factory.mktemp("setup-temp"))
    return tool_cache


@pytest.fixture
def own_cache(filled: Path, tmp_path: Path) -> Path:
    """A tool cache of this test's own, its wheelhouse a copy of the shared one."""
    cache = tmp_path / "tool-cache"
    shutil.copytree(wheelhouse(filled), wheelhouse(cache))
    return cache


def test_every_setup_builds_a_new_private_venv(filled: Path, tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    first = setup_python(filled, temp)
    second = setup_python(filled, temp)

    assert first != second
    for python in (first, second):
        build = python.parents[2]
        assert build.parent == temp, "the venv is built under RUNNER_TEMP"
        assert build.stat().st_mode & 0o777 == 0o700, "made private by mktemp -d"
        # uv, its private cache and any download are gone; only the venv is kept.
        assert sorted(p.name for p in build.iterdir()) == ["venv"]
        assert "relocatable = true" in (python.parents[1] / "pyvenv.cfg").read_text()


def old_design_venv(cache: Path) -> Path:
    """Where the former setup.bash reused a venv, with the marker that made it reuse it."""
    lock_hash = sha256(REQUIREMENTS / f"{SET}.txt")
    bootstrap_hash = sha256(REQUIREMENTS / "bootstrap.txt")
    python = subprocess.run(
        ["python3", "-I", "-c", "import os, sys; print('python', sys.version.split()[0], "
         "os.path.realpath(sys.executable))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    identity = f"layout 2 (relocatable scripts)\nlock {lock_hash}\nbootstrap {bootstrap_hash}\n"
    venv = cache / "migration-checks" / f"{SET}-{lock_hash[:16]}"
    venv.mkdir(parents=True, exist_ok=True)  # exists when this is the former setup.bash
    (venv / ".migration-checks-complete").write_text(identity + python.rstrip("\n"))
    return venv


def test_a_poisoned_venv_is_never_run_again(own_cache: Path, tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    canary = tmp_path / "canary"
    first = setup_python(own_cache, temp)
    # What stage 3's code could do: a .pth file runs at every start of that venv's python...
    (site_packages(first) / "zz_poison.pth").write_text(
        f"import pathlib; pathlib.Path({str(canary)!r}).write_text('poisoned')\n"
    )
    subprocess.run([first, "-I", "-c", ""], check=True)
    assert canary.exists(), "the poison works where it was put"
    canary.unlink()
    # ... and the same venv, ready where the former design would have reused it.
    planted = old_design_venv(own_cache)
    if planted != first.parents[1]:
        shutil.copytree(first.parents[1], planted, symlinks=True, dirs_exist_ok=True)

    second = setup_python(own_cache, temp)
    subprocess.run([second, "-I", "-c", "import yaml_rs"], check=True)

    assert not canary.exists()
    assert second.parents[1] not in (first.parents[1], planted)
    assert not (site_packages(second) / "zz_poison.pth").exists()


def evil_wheel(genuine: Path, canary: Path) -> bytes:
    """The genuine wheel's files plus a .pth that writes the canary: a wheel that installs."""
    pth = f"import pathlib; pathlib.Path({str(canary)!r}).write_text('poisoned')\n"
    out = io.BytesIO()
    with zipfile.ZipFile(genuine) as source, zipfile.ZipFile(out, "w") as wheel:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                data += b"zz_poison.pth,,\n"
            wheel.writestr(info, data)
        wheel.writestr("zz_poison.pth", pth)
    return out.getvalue()


def evil_uv(genuine: Path, canary: Path) -> bytes:
    """A uv wheel whose uv binary is a script that writes the canary."""
    out = io.BytesIO()
    with zipfile.ZipFile(genuine) as source, zipfile.ZipFile(out, "w") as wheel:
        for info in source.infolist():
            if re.fullmatch(r"uv-[^/]*\.data/scripts/uv", info.filename):
                wheel.writestr(info, f"#!/bin/sh\necho poisoned > '{canary}'\n")
            elif not info.filename.endswith(".dist-info/RECORD"):
                wheel.writestr(info, b"")
    return out.getvalue()


POISONS = {"rfc8785-*.whl": evil_wheel, "uv-*.whl": evil_uv}


def plant(cache: Path, pattern: str, canary: Path) -> Path:
    (genuine,) = wheelhouse(cache).glob(pattern)
    evil = POISONS[pattern](genuine, canary)
    genuine.write_bytes(evil)
    assert sha256(genuine) not in lock_hashes("bootstrap", SET)
    return genuine


def offline_pip(find_links: Path) -> dict[str, str]:
    """pip reads wheels from find_links only: no index, no pip.conf of this machine."""
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(find_links), "PIP_CONFIG_FILE": os.devnull}


@pytest.mark.parametrize("pattern", sorted(POISONS))
def test_a_replaced_wheel_is_refused(
    own_cache: Path, filled: Path, tmp_path: Path, pattern: str
) -> None:
    # With nowhere to download a good wheel from, setup fails: it does not install the bad one.
    canary = tmp_path / "canary"
    plant(own_cache, pattern, canary)
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    temp = tmp_path / "temp"

    done = run_setup(own_cache, temp, offline_pip(empty))

    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("::error title=migration-checks setup::"), done.stdout
    assert not canary.exists()
    assert list(temp.iterdir()) == [], "a failed setup leaves no venv behind"
    if pattern.startswith("rfc8785"):
        assert "Hash mismatch for `rfc8785" in done.stderr, done.stderr


@pytest.mark.parametrize("pattern", sorted(POISONS))
def test_a_replaced_wheel_is_downloaded_again(
    own_cache: Path, filled: Path, tmp_path: Path, pattern: str
) -> None:
    canary = tmp_path / "canary"
    planted = plant(own_cache, pattern, canary)

    python = setup_python(own_cache, tmp_path / "temp", offline_pip(wheelhouse(filled)))
    subprocess.run([python, "-I", "-c", "import rfc8785"], check=True)

    assert not canary.exists()
    assert sha256(planted) in lock_hashes("bootstrap", SET), "the wheelhouse holds the good wheel"
    assert sha256(planted) == sha256(wheelhouse(filled) / planted.name)


def test_the_python_runs_the_set(filled: Path, tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    done = run_setup(filled, tmp_path / "temp", {"GITHUB_OUTPUT": str(output)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "", "in Actions the python is a step output, not printed"
    (line,) = output.read_text().splitlines()
    assert line.startswith("python=/")
    python = line.removeprefix("python=")

    imports = (
        "import click, cryptography, github_action_utils, jsonschema_rs, rfc8785, ryml, yaml_rs"
    )
    subprocess.run([python, "-I", "-c", imports], check=True, cwd=tmp_path)
    # Not in this set: what a stage-3 venv holds.
    missing = subprocess.run([python, "-I", "-c", "import mypy"], capture_output=True, check=False)
    assert missing.returncode != 0
