"""unit_tests installs what code/ declares: from a local index (no test reaches PyPI), hash-checked,
cached and copied per run, and refused when it would read outside the pull request's directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from migration_checks.checks.stage3_code_quality import _dependencies, _tools
from migration_checks.model import Location
from tests.conftest import Tree
from tests.wheels import wheel

MakeTree = Callable[..., Tree]


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A local PEP 503 index (UV_INDEX_URL=file://...) with tinydep and otherdep, a cache of this
    test's own, and none of the machine's index settings."""
    root = tmp_path / "index"
    digests = {
        "tinydep": wheel(root, "tinydep", "1.0", "VALUE = 42\n"),
        "otherdep": wheel(root, "otherdep", "1.0", "OTHER = 7\n"),
    }
    for name in _dependencies.SOURCE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(_dependencies.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("UV_INDEX_URL", root.as_uri())
    cache = tmp_path / "run-cache"
    cache.mkdir()
    monkeypatch.setattr(_dependencies, "_run_cache", cache)
    monkeypatch.setattr(_dependencies, "_built", {})
    yield digests


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the venvs uv built (a cache hit builds none)."""
    built: list[str] = []
    original = _dependencies._build

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(args[7])
        return original(*args, **kwargs)

    monkeypatch.setattr(_dependencies, "_build", counting)
    return built


def unit_findings(tree: Tree) -> list[dict[str, Any]]:
    (migration,) = tree.result(stages=(3,))["migrations"]
    return [f for f in migration["findings"] if f["check"] == "unit_tests"]


def declaring(make_tree: MakeTree, files: dict[str, str], test: str) -> Tree:
    writes = [{"write": {"file": path, "content": text}} for path, text in files.items()]
    writes.append({"write": {"file": "code/spark/test_deps.py", "content": test}})
    return make_tree(mutations=writes)


USES_TINYDEP = "import tinydep\n\n\ndef test_value() -> None:\n    assert tinydep.VALUE == 42\n"


def test_declared_packages_are_installed_with_their_hashes_checked(
    make_tree: MakeTree, index: dict[str, str]
) -> None:
    good = f"# pinned\ntinydep==1.0 \\\n    --hash=sha256:{index['tinydep']}\n"
    assert unit_findings(declaring(make_tree, {"code/requirements.txt": good}, USES_TINYDEP)) == []
    wrong = f"# pinned\ntinydep==1.0 --hash=sha256:{'0' * 64}\n"
    (found,) = unit_findings(declaring(make_tree, {"code/requirements.txt": wrong}, USES_TINYDEP))
    assert (found["path"], found["line"], found["blocker"]) == (
        "code/requirements.txt",
        2,
        "CI_FAILURE",
    )
    assert "Hash mismatch for `tinydep==1.0`" in found["message"], found


def test_one_hash_puts_every_requirement_in_hash_checking_mode(
    make_tree: MakeTree, index: dict[str, str]
) -> None:
    text = f"tinydep==1.0 --hash=sha256:{index['tinydep']}\n"
    # A second file without hashes: all or nothing, as pip does.
    other = "otherdep==1.0\n"
    tree = declaring(
        make_tree, {"code/requirements.txt": text, "code/requirements-dev.txt": other}, USES_TINYDEP
    )
    (found,) = unit_findings(tree)
    assert (found["path"], found["line"]) == ("code/requirements-dev.txt", 1), found
    assert "--require-hashes" in found["message"]


def test_a_package_the_index_lacks_is_a_finding_at_its_line(
    make_tree: MakeTree, index: dict[str, str]
) -> None:
    text = "tinydep==1.0\n\nno-such-package-zz==3.1\n"
    (found,) = unit_findings(declaring(make_tree, {"code/requirements.txt": text}, USES_TINYDEP))
    assert (found["path"], found["line"]) == ("code/requirements.txt", 3)
    assert "no-such-package-zz was not found in the package registry" in found["message"]
    assert "Traceback" not in found["message"] and not found["message"].endswith(".")


def test_pyproject_dependencies_and_its_test_extra_are_installed(
    make_tree: MakeTree, index: dict[str, str]
) -> None:
    pyproject = (
        '[project]\nname = "transforms"\nversion = "0"\ndependencies = ["tinydep==1.0"]\n\n'
        '[project.optional-dependencies]\ntest = ["otherdep==1.0"]\ndocs = ["not-on-the-index-zz"]\n'
    )
    test = (
        "import otherdep\nimport tinydep\n\n\ndef test_both() -> None:\n"
        "    assert (tinydep.VALUE, otherdep.OTHER) == (42, 7)\n"
    )
    # The docs extra is not the tests': were it installed, the install would fail.
    assert unit_findings(declaring(make_tree, {"code/pyproject.toml": pyproject}, test)) == []


def test_a_package_code_does_not_declare_is_named_at_the_import(
    make_tree: MakeTree, index: dict[str, str]
) -> None:
    test = "import os\n\nimport tinydep\nimport pandas_zz\n\n\ndef test_x() -> None:\n    assert pandas_zz\n"
    (found,) = unit_findings(
        declaring(make_tree, {"code/requirements.txt": "tinydep==1.0\n"}, test)
    )
    assert found["message"] == (
        'tests import "pandas_zz", which code/ does not declare: add the package that provides '
        "it to code/requirements.txt"
    )
    assert (found["path"], found["line"]) == ("code/spark/test_deps.py", 4)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("-r ../../../etc/x", '"../../../etc/x" is outside code/'),
        ("--requirement=../../requirements.txt", "is outside code/"),
        ("-c ../constraints.txt", '"../constraints.txt" is outside code/'),
        ("-r https://example.invalid/reqs.txt", "is included from a URL"),
        ("-e /abs/path", '"/abs/path" is outside code/'),
        ("-e ~/lib", "is outside code/"),
        ("../../lib", "is outside code/"),
        ("lib @ file:///etc/passwd", "is an absolute file: URL"),
        ("file:../../../outside", "is outside code/"),
        ("--index-url https://mirror.invalid/simple", '"--index-url" chooses the package index'),
        ("-i https://mirror.invalid/simple", '"-i" chooses the package index'),
        (
            "--extra-index-url https://evil.invalid/simple",
            '"--extra-index-url" adds a package index',
        ),
        ("--find-links /tmp/wheels", '"--find-links" adds a place to find packages'),
        ("--trusted-host evil.invalid", '"--trusted-host" turns off TLS checks'),
        ("https://evil.invalid/${UV_INDEX_URL}.whl", "may not use ${VARIABLE}"),
        # Its own id: one holding "user:password@" lands in PYTEST_CURRENT_TEST, and Stage 3
        # refuses to run beside a variable that holds a password.
        pytest.param(
            "lib @ git+https://deploy:hunter22@example.invalid/lib",
            "carries a user name or password",
            id="credentials-in-a-url",
        ),
        ("tinydep==1.0 --config-settings=x=y", 'the option "--config-settings" of a requirement'),
        ("--use-pep517", 'the option "--use-pep517" is not supported'),
    ],
)
def test_what_would_read_outside_or_go_elsewhere_is_refused_at_its_line(
    make_tree: MakeTree, index: dict[str, str], builds: list[str], line: str, expected: str
) -> None:
    text = f"tinydep==1.0\n{line}\n"
    (found,) = unit_findings(declaring(make_tree, {"code/requirements.txt": text}, USES_TINYDEP))
    assert expected in found["message"], found
    assert (found["path"], found["line"], found["blocker"]) == (
        "code/requirements.txt",
        2,
        "CI_FAILURE",
    )
    assert "hunter22" not in found["message"]
    assert builds == []  # nothing was installed, and no test ran


def test_a_requirements_file_that_is_a_link_is_refused(
    make_tree: MakeTree, index: dict[str, str], builds: list[str], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("tinydep==1.0\n")
    tree = declaring(make_tree, {}, USES_TINYDEP)
    (tree.migration / "code" / "requirements.txt").symlink_to(outside)
    found = [f for f in unit_findings(tree) if f["path"] == "code/requirements.txt"]
    assert [f["message"] for f in found] == [
        "code/requirements.txt is a symbolic link; links are refused"
    ]
    assert builds == []


def test_a_local_package_under_code_is_installed(
    make_tree: MakeTree, index: dict[str, str]
) -> None:
    project = '[project]\nname = "helperlib"\nversion = "1.0"\n\n[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
    # A build backend of the PR's own, so no build requirement comes from an index.
    backend = (
        "import base64, hashlib, zipfile\n\n\n"
        "def build_wheel(directory, config_settings=None, metadata_directory=None):\n"
        "    name = 'helperlib-1.0-py3-none-any.whl'\n"
        "    files = {'helperlib.py': b'HELPED = True\\n',\n"
        "             'helperlib-1.0.dist-info/METADATA': b'Metadata-Version: 2.1\\nName: helperlib\\nVersion: 1.0\\n',\n"
        "             'helperlib-1.0.dist-info/WHEEL': b'Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n'}\n"
        "    record = [f'{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b\"=\").decode()},{len(d)}' for p, d in files.items()]\n"
        "    files['helperlib-1.0.dist-info/RECORD'] = ('\\n'.join(record + ['helperlib-1.0.dist-info/RECORD,,']) + '\\n').encode()\n"
        "    with zipfile.ZipFile(f'{directory}/{name}', 'w') as archive:\n"
        "        for path, data in files.items():\n"
        "            archive.writestr(path, data)\n"
        "    return name\n"
    )
    files = {
        "code/requirements.txt": "-e ./libs/helperlib\n",
        "code/libs/helperlib/pyproject.toml": project,
        "code/libs/helperlib/backend.py": backend,
    }
    test = "import helperlib\n\n\ndef test_helped() -> None:\n    assert helperlib.HELPED\n"
    assert unit_findings(declaring(make_tree, files, test)) == []


POISON = (
    "import pathlib\nimport site\n\nimport tinydep\n\n\ndef test_poison() -> None:\n"
    "    assert tinydep.VALUE == 42\n"
    "    pathlib.Path(tinydep.__file__).write_text('VALUE = 0\\n')\n"
    "    packages = pathlib.Path(tinydep.__file__).parents[1]\n"
    "    (packages / 'planted.py').write_text('X = 1\\n')\n"
)
CHECKS_CLEAN = (
    "import importlib.util\n\nimport tinydep\n\n\ndef test_clean() -> None:\n"
    "    assert tinydep.VALUE == 42\n"
    "    assert importlib.util.find_spec('planted') is None\n"
)


def test_a_test_that_writes_into_its_venv_poisons_no_later_run(
    make_tree: MakeTree, index: dict[str, str], builds: list[str]
) -> None:
    requirements = {"code/requirements.txt": "tinydep==1.0\n"}
    assert unit_findings(declaring(make_tree, requirements, POISON)) == []
    # Another pull request (the same requirements: the same cached venv) sees a clean copy.
    assert unit_findings(declaring(make_tree, requirements, CHECKS_CLEAN)) == []
    assert len(builds) == 1, "the second run reused the cached venv"


def test_a_cached_venv_changed_behind_the_suite_is_built_again(
    make_tree: MakeTree, index: dict[str, str], builds: list[str]
) -> None:
    requirements = {"code/requirements.txt": "tinydep==1.0\n"}
    assert unit_findings(declaring(make_tree, requirements, USES_TINYDEP)) == []
    (key,) = builds
    cache, _ = _dependencies.cache_root()
    (module,) = (cache / key).rglob("tinydep/__init__.py")
    module.write_text("VALUE = 0\n")  # what a build script or a stray process could do
    (notice,) = unit_findings(declaring(make_tree, requirements, CHECKS_CLEAN))
    assert notice["severity"] == "notice"
    assert "changed after it was built" in notice["message"]
    assert builds == [key, key]


def test_a_persistent_cache_is_reused_across_runs(
    make_tree: MakeTree,
    index: dict[str, str],
    builds: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(_dependencies.CACHE_VARIABLE, str(tmp_path / "kept"))
    requirements = {"code/requirements.txt": "tinydep==1.0\n"}
    assert unit_findings(declaring(make_tree, requirements, USES_TINYDEP)) == []
    monkeypatch.setattr(_dependencies, "_built", {})  # a new process: only the disk remains
    assert unit_findings(declaring(make_tree, requirements, USES_TINYDEP)) == []
    (key,) = builds
    assert (tmp_path / "kept" / key).is_dir()
    assert (tmp_path / "kept" / f"{key}.json").is_file()
    assert (tmp_path / "kept" / "uv-cache").is_dir()


def test_uv_missing_is_one_error(
    make_tree: MakeTree, index: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    locate = _tools.locate
    monkeypatch.setattr(
        _tools, "locate", lambda tool: None if tool is _dependencies.UV else locate(tool)
    )
    (found,) = unit_findings(
        declaring(make_tree, {"code/requirements.txt": "tinydep\n"}, USES_TINYDEP)
    )
    assert found["severity"] == "error"
    assert found["message"].startswith("uv is not installed")


def test_logical_lines_join_continuations_and_cut_comments() -> None:
    text = "# head\na==1 \\\n  --hash=sha256:ab  # why\n\nb @ https://h/x.whl#egg=b\nc\\\n"
    assert list(_dependencies.logical_lines(text)) == [
        (2, "a==1    --hash=sha256:ab"),
        (5, "b @ https://h/x.whl#egg=b"),
        (6, "c"),
    ]


@pytest.mark.parametrize(
    ("base", "value", "expected"),
    [
        ("code", "requirements-dev.txt", "code/requirements-dev.txt"),
        ("code/spark", "../base.txt", "code/base.txt"),
        ("code/spark", "./x/../y.txt", "code/spark/y.txt"),
        ("code", "../metadata.json", None),
        ("code", "/etc/passwd", None),
        ("code", "~/x", None),
        ("code", "$HOME/x", None),
        ("code", "C:\\x", None),
        ("code/a", "../../../x", None),
    ],
)
def test_contained(base: str, value: str, expected: str | None) -> None:
    assert _dependencies.contained(base, value) == expected


def test_an_install_failure_never_shows_a_credential() -> None:
    found = _dependencies.Declarations(
        files=["code/requirements.txt"],
        declared=[
            _dependencies.Declared("tinydep", Location(path="code/requirements.txt", line=4))
        ],
    )
    stderr = (
        "error: Failed to fetch: https://user:s3cr3t-Pa55@mirror.invalid/simple/tinydep/\n"
        "  cause: HTTP status client error (401 Unauthorized)\n"
    )
    problem = _dependencies.install_problem(stderr, None, found)
    assert "s3cr3t-Pa55" not in problem.message
    assert problem.location == Location(path="code/requirements.txt", line=4)
    assert "401 Unauthorized" in problem.message


def test_what_a_test_writes_into_the_cache_reaches_no_later_build(
    make_tree: MakeTree, index: dict[str, str], builds: list[str]
) -> None:
    requirements = {"code/requirements.txt": "tinydep==1.0\n"}
    assert unit_findings(declaring(make_tree, requirements, USES_TINYDEP)) == []
    cache, _ = _dependencies.cache_root()
    assert not any(cache.rglob("uv-cache")), "each build's uv cache is deleted with the build"
    # A test that knows where the cache is rewrites every copy of the package it finds there
    # (the cached venv; uv's archives, were they kept), as a test of another migration could.
    poison = (
        "import pathlib\n\n\ndef test_poison() -> None:\n"
        f"    for found in pathlib.Path({str(cache)!r}).rglob('tinydep/__init__.py'):\n"
        "        found.write_text('VALUE = 0\\n')\n"
    )
    assert unit_findings(declaring(make_tree, requirements, poison)) == []
    (notice,) = unit_findings(declaring(make_tree, requirements, CHECKS_CLEAN))
    assert "changed after it was built" in notice["message"]  # rebuilt, and clean
    assert len(builds) == 2
