"""What the suite opens on a hostile tree: nothing outside the checkout, the installed package and
the run's temporary directories (research/reliability.md section 7, goal 3; section 6 C).

A ``sys.addaudithook`` monitor records, while ``check`` (stages 1-4 and 6) and ``gate`` run
in-process on hostile trees, every ``open`` (``open()``, ``os.open``, ``io.open``), ``os.listdir``,
``os.scandir``, ``glob``, ``shutil.*``, ``sqlite3.connect`` and ``subprocess.Popen`` (its argv and
cwd), and ``os.fork``. Each opened path is made absolute the way the kernel resolves it: a name
opened relative to a directory descriptor (``fs.py`` walks the tree component by component with
``dir_fd`` and ``O_NOFOLLOW``) is joined to that descriptor's directory, read from
``/proc/self/fd``; then every link is resolved (``realpath``), so a read through a link is
judged by where it lands. An ``O_NOFOLLOW`` open of a link is not a read: the kernel refuses it
(``ELOOP``), and it is counted apart, as a refused link.

The hostile trees: symbolic links to ``/etc/passwd``, ``/proc/self/environ``, ``~/.ssh``,
``/dev/zero`` and ``/dev/urandom``, a loop, directory links (``code/sql -> /etc``, a link in a
parent directory of a path field, ``reconciliation/parallel_runs`` to a directory outside), a FIFO,
a hard link to a file outside; ``..``, absolute, ``file://``, percent-encoded and NUL paths in
every path field (evidence links, the plan's profiling report, approvals' artifacts_reviewed,
requirements' ``-r``/``-c``/``file:`` lines, the source URL, tool configs' paths, a
``.secrets.baseline`` in the pull request).

**Allowed**, each with its reason (``ALLOWED``): the checkout (the workspace the run was given;
with ``--base`` git's files are the checkout's own ``.git``), the package and the interpreter
(``sys.prefix``, ``sys.base_prefix``: modules, schemas, tool executables), the run's temporary
directories (``$TMPDIR/mc-*``, which the suite makes, and ``MIGRATION_CHECKS_DRY_RUN_DIR``), the
policy file the caller names with ``--policy``, the OSV directory the tests give stage 4, and
``/dev/null`` (a subprocess's stdin). Nothing else: 0 reads outside.

**What an audit hook cannot see.** Stage 3 runs the linters and the pull request's tests in
subprocesses (and git runs as one with ``--base``): a hook sees only their ``Popen``. For them
the test checks that argv names no path outside the allowed places, and that the cwd is a copy
in ``$TMPDIR/mc-stage3-*`` (for git: the checkout). What those tools read inside is theirs:
``_isolation`` (a clean environment, a copy of the code, configs that point outside refused)
governs it, and tests/trust/test_stage3_evidence.py tests it. Stage 5 is not run here: it
connects to a database, whose driver runs in-process but reads only the URL's file (a SQLite
source is opened read-only, and a URL outside the directory is refused before connecting, which
``test_a_source_url_outside_the_directory_is_refused`` checks with the monitor on).

A hard link is a regular file to every system call: its bytes are read as the tree's own. A
checkout made by git cannot hold one (git stores contents, not inodes), so a hard link to a file
outside means the runner is already compromised; the test records that it is read in place, as
any regular file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import migration_checks
from tests.conftest import OSV_DIRECTORY, Tree, build_tree, run_cli
from tests.gate.trees import NOW, PLAN, gate_tree, git_repo, load_records, save_records

# --- the monitor -----------------------------------------------------------------------------------


@dataclass
class Record:
    """What one monitored run touched."""

    opened: set[str] = field(default_factory=set)  # real paths opened, listed or copied
    refused_links: set[str] = field(default_factory=set)  # O_NOFOLLOW opens of a link
    processes: list[tuple[list[str], str | None]] = field(default_factory=list)  # argv, cwd
    forks: int = 0
    events: int = 0


_active: Record | None = None
_local = threading.local()


def _fd_path(fd: int) -> str | None:
    """The file a descriptor is open on; None for a pipe or a socket (``pipe:[1234]``), which
    is no path: subprocess wraps its pipes with ``open(fd)``."""
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    return target if target.startswith("/") else None


def _absolute(path: Any, dir_fd: int | None = None) -> str | None:
    if isinstance(path, int):
        return _fd_path(path)
    if path is None:
        path = "."
    path = os.fsdecode(os.fspath(path))
    if os.path.isabs(path):
        return path
    base = _fd_path(dir_fd) if dir_fd is not None else os.getcwd()
    return os.path.join(base, path) if base is not None else None


def _hook(event: str, args: tuple[Any, ...]) -> None:
    record = _active
    if record is None:
        return
    if event == "open":
        record.events += 1
        path = _absolute(args[0], getattr(_local, "dir_fd", None))
        if path is None:
            return
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        if flags & os.O_NOFOLLOW and os.path.islink(path):
            record.refused_links.add(path)
            return
        record.opened.add(os.path.realpath(path))
    elif event in ("os.listdir", "os.scandir", "glob.glob", "pathlib.Path.glob"):
        record.events += 1
        path = _absolute(args[0])
        if path is not None:
            record.opened.add(os.path.realpath(path))
    elif event.startswith("shutil.") or event == "sqlite3.connect":
        record.events += 1
        for arg in args:
            if isinstance(arg, str | bytes | os.PathLike) and str(arg) not in (":memory:", ""):
                path = _absolute(arg)
                if path is not None:
                    record.opened.add(os.path.realpath(path))
    elif event == "subprocess.Popen":
        record.events += 1
        _executable, argv, cwd, _env = args
        argv = [os.fsdecode(a) for a in ([argv] if isinstance(argv, str | bytes) else argv)]
        record.processes.append((argv, None if cwd is None else os.fsdecode(cwd)))
    elif event == "os.fork":
        record.forks += 1


sys.addaudithook(_hook)
_real_open = os.open


def _open_with_dir_fd(
    path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None
) -> int:
    """``os.open``, telling the hook which directory a relative name is opened in (the audit
    event carries the name only)."""
    _local.dir_fd = dir_fd
    try:
        return _real_open(path, flags, mode, dir_fd=dir_fd)
    finally:
        _local.dir_fd = None


@contextmanager
def monitored(monkeypatch: pytest.MonkeyPatch) -> Iterator[Record]:
    global _active
    record = Record()
    monkeypatch.setattr(os, "open", _open_with_dir_fd)
    _active = record
    try:
        yield record
    finally:
        _active = None


# --- what may be opened ------------------------------------------------------------------------------


def allowed_roots(tree: Tree) -> dict[str, str]:
    """Each allowed place and why."""
    return {
        os.path.realpath(tree.workspace): "the checkout (with --base, git reads its own .git)",
        os.path.realpath(Path(migration_checks.__file__).parent): "the package",
        # Run from source (PYTHONPATH=scripts, as the actions do), resources.py reads the
        # schemas beside the package; a wheel holds them inside it.
        os.path.realpath(Path(migration_checks.__file__).parents[2] / "schemas"): "the schemas",
        os.path.realpath(sys.prefix): "the interpreter's venv (site-packages, tools)",
        os.path.realpath(sys.base_prefix): "the interpreter's standard library",
        os.path.realpath(os.environ["MIGRATION_CHECKS_DRY_RUN_DIR"]): "the dry run's directory",
        os.path.realpath(tree.policy): "the policy the caller names with --policy",
        os.path.realpath(OSV_DIRECTORY): "the OSV database the tests give stage 4",
        "/dev/null": "a subprocess's stdin and stdout",
    }


def _temporary(path: str) -> bool:
    """``$TMPDIR/mc-*``: the directories the suite makes for a run (stage 3's copy, pip-audit's
    cache, the requirements' scratch copy, the dry run's default directory)."""
    tmp = os.path.realpath(tempfile.gettempdir())
    rel = os.path.relpath(path, tmp)
    return not rel.startswith("..") and rel.split(os.sep)[0].startswith("mc-")


def _process_status(path: str) -> bool:
    """``/proc`` and ``/proc/<pid>/stat``: Stage 3 lists the processes to find what its tools left
    behind (``_isolation``: a child's parent, session and start time; never its environ or mem)."""
    parts = path.split("/")
    return path == "/proc" or (
        len(parts) == 4 and parts[1] == "proc" and parts[2].isdigit() and parts[3] == "stat"
    )


def outside(record: Record, tree: Tree) -> list[str]:
    roots = allowed_roots(tree)
    return sorted(
        path
        for path in record.opened
        if not _temporary(path)
        and not _process_status(path)
        and not any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)
    )


def outside_processes(record: Record, tree: Tree) -> list[str]:
    """Subprocess arguments that name a path outside, and cwds that are not a copy or the
    checkout. argv[0] is the tool itself (a venv's executable, or git on PATH)."""
    roots = allowed_roots(tree)

    def fine(path: str) -> bool:
        real = os.path.realpath(path)
        return _temporary(real) or any(
            real == root or real.startswith(root.rstrip("/") + "/") for root in roots
        )

    bad = []
    for argv, cwd in record.processes:
        if cwd is not None and not fine(cwd):
            bad.append(f"cwd {cwd} of {argv[:3]}")
        for arg in argv[1:]:
            for part in arg.split("="):
                if part.startswith("/") and not fine(part):
                    bad.append(f"{part} in {argv[:3]}")
    return bad


# --- hostile trees ---------------------------------------------------------------------------------


def _link(root: Path, rel: str, target: str | Path) -> None:
    path = root / rel
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        import shutil

        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def _outside(tmp: Path) -> Path:
    """A directory beside the checkout with what an attacker would like read."""
    out = tmp / "outside"
    (out / "runs").mkdir(parents=True, exist_ok=True)
    (out / "secret.json").write_text('{"token": "outside"}\n')
    (out / "reqs.txt").write_text("requests==2.0.0\n")
    (out / "runs" / "run_001.json").write_text("{}\n")
    return out


def _links(tree: Tree, tmp: Path) -> None:
    root, out = tree.migration, _outside(tmp)
    _link(root, "evidence/audit_log_excerpt.json", "/etc/passwd")
    _link(root, "contracts/manual_decisions.json", "/proc/self/environ")
    _link(root, "runbooks/orders_runbook.md", Path.home() / ".ssh" / "id_rsa")
    _link(root, "code/sql", "/etc")
    _link(root, "reconciliation/parallel_runs", out / "runs")
    _link(root, "code/spark/loop_a.py", "loop_b.py")
    _link(root, "code/spark/loop_b.py", "loop_a.py")
    _link(root, "evidence/zero.json", "/dev/zero")
    _link(root, "code/dbt/models/random.sql", "/dev/urandom")
    _link(root, "evidence/via", "/etc")  # a link in a parent directory of a path field
    _link(root, "code/.yamllint", "/etc/passwd")
    _link(root, "code/requirements.txt", out / "reqs.txt")
    _link(tree.workspace, ".secrets.baseline", out / "secret.json")
    os.mkfifo(root / "evidence" / "pipe.json")
    os.link(out / "secret.json", root / "evidence" / "hard.json")
    links = root / "evidence/evidence_links.json"
    text = links.read_text().replace(
        '"path": "evidence/profiling_report.json"', '"path": "evidence/via/passwd"'
    )
    links.write_text(text)


def _paths(tree: Tree, tmp: Path) -> None:
    import json

    root, out = tree.migration, _outside(tmp)
    escapes = [
        "../../../../../../etc/passwd",
        "/etc/passwd",
        f"{out}/secret.json",
        "%2e%2e/%2e%2e/outside/secret.json",
        "evidence/../../../outside/secret.json",
        "./../outside/secret.json",
        "evidence/x\u0000.json",
        "~/.ssh/id_rsa",
    ]
    links_path = root / "evidence/evidence_links.json"
    links = json.loads(links_path.read_text())
    for n, path in enumerate(escapes):
        links["artifacts"].append(
            {"id": f"e{n}", "kind": "runbook", "path": path, "sha256": "0" * 64}
        )
    links["artifacts"].append(
        {"id": "f", "kind": "runbook", "uri": "file:///etc/passwd", "sha256": "0" * 64}
    )
    links["artifacts"].append(
        {"id": "m", "kind": "runbook", "uri": "http://169.254.169.254/latest", "sha256": "0" * 64}
    )
    links_path.write_text(json.dumps(links, indent=2))

    plan_path = root / PLAN
    plan = json.loads(plan_path.read_text())
    plan["plan"]["profiling"]["report"] = "../../outside/secret.json"
    plan_path.write_text(json.dumps(plan, indent=2))
    from tests.conftest import sign_plan_file

    sign_plan_file(plan_path)

    records = load_records(root)
    records[0]["artifacts_reviewed"] += escapes
    records[1]["artifacts_reviewed"] = ["plans/../../outside/secret.json", "/etc/passwd"]
    save_records(root, records, rehash=False)

    (root / "code/requirements.txt").write_text(
        f"-r ../../../outside/reqs.txt\n-c /etc/passwd\n--index-url file:///etc\n"
        f"pkg @ file:///etc/passwd\nother @ file://{out}/secret.json\n-e ../../outside\n"
    )
    (root / "code/pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["pkg @ file:///etc/passwd"]\n'
        '[tool.ruff]\nextend = "/etc/ruff.toml"\ncache-dir = "/tmp/ruff-cache"\n'
        '[tool.mypy]\npython_executable = "/usr/bin/python3"\nplugins = ["/etc/plugin.py"]\n'
    )
    (root / "code/.yamllint").write_text("extends: /etc/passwd\n")
    (root / "code/.sqlfluff").write_text(
        "[sqlfluff:templater:jinja]\nload_macros_from_path = /etc\n"
    )
    config = root / "configs/migration_config.yml"
    config.write_text(
        config.read_text().replace("sqlite:///data/shop.sqlite", "sqlite:////etc/passwd")
    )
    baseline = {"version": "1.5.0", "results": {"../../etc/passwd": [], "/etc/shadow": []}}
    (tree.workspace / ".secrets.baseline").write_text(json.dumps(baseline))


HOSTILE: dict[str, Callable[[Tree, Path], None]] = {"links": _links, "paths": _paths}


# --- the tests ---------------------------------------------------------------------------------------


def _report(name: str, record: Record, bad: list[str]) -> None:
    print(
        f"{name}: {record.events} events, {len(record.opened)} paths opened, "
        f"{len(record.refused_links)} links refused, {len(record.processes)} subprocesses, "
        f"{record.forks} forks: {len(bad)} outside"
    )


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_check_reads_nothing_outside_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hostile: str
) -> None:
    tree = build_tree(tmp_path / "tree")
    HOSTILE[hostile](tree, tmp_path)
    stages = [a for s in (1, 2, 3, 4, 6) for a in ("--stage", str(s))]
    with monitored(monkeypatch) as record:
        done = run_cli(
            "check", str(tree.workspace), "--policy", str(tree.policy), *stages,
            "--format", "json", env={"GITHUB_TOKEN": ""},
        )  # fmt: skip
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    bad = outside(record, tree) + outside_processes(record, tree)
    _report(f"check, {hostile}", record, bad)
    assert record.opened  # the monitor saw the run
    # Stage 3 ran its tools on the links tree; on the paths tree it refuses, before starting
    # any, each configuration and requirement that reaches outside (unit_tests installs what
    # code/ declares, so a refused requirement means no test runs either).
    assert record.processes if hostile == "links" else not record.processes
    assert record.forks == 0  # a forked worker's reads would be invisible here
    assert not bad, bad


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_gate_and_check_with_base_read_nothing_outside_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hostile: str
) -> None:
    """With ``--base`` the policy, the baseline and the previous state come from git (a
    subprocess, whose cwd is the checkout); the gate hashes every artifact an approval names."""

    def factory(base: str = "shop", mutations: Any = None, **kwargs: Any) -> Tree:
        return build_tree(tmp_path / "tree", base, mutations, **kwargs)

    tree = gate_tree(factory)
    HOSTILE[hostile](tree, tmp_path)
    (tree.migration / "evidence" / "pipe.json").unlink(missing_ok=True)  # git cannot add a FIFO
    git_repo(tree.workspace, ["[MIGRATION] UPDATE: hostile"])
    with monitored(monkeypatch) as record:
        gate = run_cli(
            "gate", str(tree.workspace), "--policy", str(tree.policy), "--now", NOW,
            "--base", "main", "--format", "json", env={"GITHUB_TOKEN": ""},
        )  # fmt: skip
        check = run_cli(
            "check", str(tree.workspace), "--policy", str(tree.policy), "--base", "main",
            *(a for s in (1, 2, 4, 6) for a in ("--stage", str(s))), "--format", "json",
        )  # fmt: skip
    assert gate.exit_code == 1, gate.output
    assert check.exit_code == 1, check.output
    assert "Traceback" not in gate.output + check.output
    bad = outside(record, tree) + outside_processes(record, tree)
    _report(f"gate and check --base, {hostile}", record, bad)
    assert any(argv[0].endswith("git") for argv, _ in record.processes)
    assert record.forks == 0
    assert not bad, bad


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////etc/passwd",
        "sqlite:///../../outside/secret.json",
        "sqlite:///data/../../../outside/secret.json",
        "sqlite:///data/via/passwd",  # data/via -> /etc
        "sqlite:///file:/etc/passwd?mode=ro&uri=true",
        "duckdb:////etc/passwd",
    ],
)
def test_a_source_url_outside_the_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """Stage 5 with a literal source URL that leaves the migration directory: refused before
    anything is opened (the monitor sees no open outside, nor any sqlite3.connect there)."""
    tree = build_tree(tmp_path / "tree")
    _outside(tmp_path)
    _link(tree.migration, "data/via", "/etc")
    config = tree.migration / "configs/migration_config.yml"
    config.write_text(config.read_text().replace("sqlite:///data/shop.sqlite", url))
    with monitored(monkeypatch) as record:
        done = run_cli(
            "check", str(tree.workspace), "--policy", str(tree.policy), "--stage", "5",
            "--format", "json",
        )  # fmt: skip
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    bad = outside(record, tree) + outside_processes(record, tree)
    _report(f"stage 5, {url}", record, bad)
    assert not bad, bad
