"""What each command loads: ``check`` never PyGithub; stage 1 only what requirements/stage-1.txt
installs; the gate only what requirements/gate.txt installs (stage 1's packages and PyGithub, not
stage 2's jmespath and sqlglot)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import BASE_POLICY, REPO

_RUN = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # importing it now raises ImportError
from click.testing import CliRunner
from migration_checks.cli import main
result = CliRunner().invoke(main, {args!r}, env={{"GITHUB_TOKEN": ""}})
print(result.exit_code, sorted(m for m in ("github", "requests") if sys.modules.get(m)))
if result.exception and not isinstance(result.exception, SystemExit):
    raise result.exception
"""


def run(args: list[str], blocked: tuple[str, ...] = ()) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(args=args, blocked=blocked)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_check_never_imports_pygithub() -> None:
    assert run(["check", "examples", "--policy", str(BASE_POLICY), "--stage", "1"]) == "0 []"


def test_stage_1_needs_nothing_the_later_stages_install() -> None:
    # actions/stage-1 installs requirements/stage-1.txt only: the registry imports every check
    # module, so no module may import a later stage's packages when it is loaded.
    later = (
        *("jmespath", "sqlglot"),  # stage 2
        *("sqruff", "sqlfluff", "yamllint", "mypy", "pytest", "ruff"),  # stage 3
        *("requests", "pip_audit", "pip_requirements_parser", "detect_secrets"),  # stage 4
        *("sqlalchemy", "psycopg", "pymysql", "pyarrow"),  # stage 5
    )
    assert run(["check", "examples", "--policy", str(BASE_POLICY), "--stage", "1"], later) == "0 []"


def test_the_gate_needs_neither_jmespath_nor_sqlglot() -> None:
    out = run(["gate", "examples", "--policy", str(BASE_POLICY)], ("jmespath", "sqlglot"))
    assert out == "1 []"  # blocked offline, and PyGithub is loaded only with a pull request


def _loaded_after(module: str) -> set[str]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, {module}; print(' '.join(m for m in sys.modules if m.startswith('migration_checks')))",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return set(done.stdout.split())


def test_the_gate_loads_neither_the_runner_nor_the_registry_nor_any_check() -> None:
    # The gate judges results; loading the checks would tie it to every stage's dependencies.
    loaded = _loaded_after("migration_checks.gate.run")
    assert "migration_checks.runner" not in loaded
    assert "migration_checks.registry" not in loaded
    assert not [m for m in loaded if m.count(".") >= 3 and m.startswith("migration_checks.checks.")]


def test_the_github_client_does_not_import_the_gate() -> None:
    loaded = _loaded_after("migration_checks.github.api")
    assert not [m for m in loaded if m.startswith("migration_checks.gate")]
