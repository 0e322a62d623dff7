"""Stage 3 runs the PR's code: it must run last, without secrets, and leave nothing behind (SPEC §6.1).

The hostile ``code/conftest.py`` below is what pytest imports before any test: it tampers with the
migration directory (removes a secret from a runbook, rewrites an artifact), reads every
``/proc/*/environ`` it can, writes a canary into every environment and cache it can find, and
leaves a double-forked, ``setsid`` background process behind that keeps trying to rewrite the
check's result file and a file of the tree.

These tests run as root here, and root can read every process's environment and write anywhere:
the assertions are the ones that hold for root too. For a non-root runner user, the check process
is also non-dumpable while PR code runs, so its ``/proc/<pid>/environ`` cannot be read at all
(asserted below when the tests do not run as root).
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import site
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from migration_checks.checks.stage3_code_quality import _isolation
from tests.conftest import Tree, build_tree

ALL_STAGES = (1, 2, 3, 4, 5, 6)
RUNBOOK = "runbooks/orders_runbook.md"
SECRET_LINE = "export GITHUB_TOKEN=ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\n"
PLANT_SECRET = {"replace": {"file": RUNBOOK, "old": "\n", "new": f"\n{SECRET_LINE}", "count": 1}}
# Checks whose input the hostile conftest itself changes (it is Python code under code/).
OWN_INPUT = {"lint_python", "unit_tests", "type_check"}

HOSTILE_CONFTEST = '''"""A hostile conftest: pytest imports it before any test runs."""
import json
import os
import site
import sys
import time
from pathlib import Path

TREE = Path({tree!r})
LOOT = Path({loot!r})
RESULT_FILE = Path({result_file!r})
CANARY = {canary!r}
MARKER = {marker!r}

# 1. Change what the other stages read: the secret leaves the runbook, an artifact is rewritten.
runbook = TREE / {runbook!r}
lines = runbook.read_text().splitlines(keepends=True)
runbook.write_text("".join(line for line in lines if not line.startswith({secret_start!r})))
recon = TREE / "configs" / "recon_config.yml"
recon.write_text("on: 1\\n" + recon.read_text())

# 2. Read every environment this process can read.
loot = {{}}
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            loot[entry] = Path("/proc", entry, "environ").read_bytes().decode("utf-8", "replace")
        except OSError:
            pass
LOOT.write_text(json.dumps(loot))

# 3. Leave something for a later run: a canary in every environment and cache within reach.
places = [sys.prefix, os.path.dirname(sys.executable), *site.getsitepackages()]
places += [os.path.expanduser("~/.cache"), os.environ.get("XDG_CACHE_HOME", "")]
for name in ("RUNNER_TOOL_CACHE", "AGENT_TOOLSDIRECTORY", "PIP_CACHE_DIR", "UV_CACHE_DIR"):
    places.append(os.environ.get(name, ""))
for place in filter(None, places):
    try:
        os.makedirs(place, exist_ok=True)
        Path(place, CANARY).write_text("planted by a pull request")
    except OSError:
        pass

# 4. A background process, detached from pytest's session, that outlives the tests.
SLEEPER = """
import sys, time
from pathlib import Path
result, target = Path(sys.argv[2]), Path(sys.argv[3])
deadline = time.time() + 15
while time.time() < deadline:
    if result.exists():
        result.write_text("{{}}")
    target.write_text("rewritten by a process the tests left behind")
    time.sleep(0.1)
"""
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", SLEEPER, MARKER, str(RESULT_FILE),
                                  str(TREE / "plans" / "plan_summary.md")])
    os._exit(0)
os.waitpid(child, 0)
'''

TIMING = re.compile(r"[0-9.]+ ms")
HARMLESS_CONFTEST = '"""A conftest that does nothing."""\n'


def hostile_tree(tmp: Path, *, hostile: bool = True) -> tuple[Tree, dict[str, Path | str]]:
    tree = build_tree(tmp, mutations=[PLANT_SECRET])
    what: dict[str, Path | str] = {
        "loot": tmp / "loot.json",
        "result_file": tmp / "result.json",
        "canary": f"mc-canary-{uuid.uuid4().hex}",
        "marker": f"mc-sleeper-{uuid.uuid4().hex}",
    }
    content = (
        HOSTILE_CONFTEST.format(
            tree=str(tree.migration),
            runbook=RUNBOOK,
            secret_start=SECRET_LINE[:12],  # not the secret itself: secrets_scan would find it
            **{key: str(value) for key, value in what.items()},
        )
        if hostile
        else HARMLESS_CONFTEST
    )
    (tree.migration / "code" / "conftest.py").write_text(content, encoding="utf-8")
    return tree, what


def verdicts(result: dict[str, Any], *, leave_out: set[str]) -> list[Any]:
    """Each check's status and findings, without timings, for the checks not left out."""
    (migration,) = result["migrations"]
    return [
        (
            check["id"],
            check["status"],
            sorted(
                (
                    (f["blocker"], f["path"], f["line"], TIMING.sub("… ms", f["message"]))
                    for f in migration["findings"]
                    if f["check"] == check["id"]
                ),
                key=repr,
            ),
        )
        for check in migration["checks"]
        if check["id"] not in leave_out
    ]


def test_pr_code_cannot_change_what_the_other_stages_read(tmp_path: Path) -> None:
    tree, _ = hostile_tree(tmp_path / "hostile")
    reference, _ = hostile_tree(tmp_path / "reference", hostile=False)
    result = tree.result(stages=ALL_STAGES)
    # The conftest ran (it removed the secret from the runbook) ...
    assert SECRET_LINE not in (tree.migration / RUNBOOK).read_text()
    # ... after Stage 4 had read the runbook: the secret is reported.
    (migration,) = result["migrations"]
    assert any(
        f["check"] == "secrets_scan" and f["path"] == RUNBOOK and f["blocker"] == "SECRETS_EXPOSED"
        for f in migration["findings"]
    ), migration["findings"]
    # Every other verdict (lint_yaml's of the rewritten recon_config.yml too) is the reference's.
    assert verdicts(result, leave_out=OWN_INPUT) == verdicts(
        reference.result(stages=ALL_STAGES), leave_out=OWN_INPUT
    )
    # The checks are reported in registry order, Stage 3 among them as before.
    stages = [check["stage"] for check in migration["checks"]]
    assert stages == sorted(stages)


SIDE_EFFECT_CONFTEST = '''"""Records that it ran."""
from pathlib import Path

Path({path!r}).write_text("pytest imported the PR's conftest")
'''


def test_stage_3_refuses_to_run_with_secrets_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = f"canary{uuid.uuid4().hex}"
    monkeypatch.setenv("MIGRATION_SECRET_SOURCE_DB_URL", f"postgresql://u:{canary}@h/db")
    monkeypatch.setenv("GITHUB_TOKEN", f"ghs_{canary}")
    side_effect = tmp_path / "conftest-ran"
    trees = [build_tree(tmp_path, dir_name=name) for name in ("migration-pr-a", "migration-pr-b")]
    for tree in trees:
        (tree.migration / "code" / "conftest.py").write_text(
            SIDE_EFFECT_CONFTEST.format(path=str(side_effect)), encoding="utf-8"
        )
    outcome = trees[0].run("--format", "json", stages=(3,))
    result = json.loads(outcome.stdout)
    assert not side_effect.exists()
    assert canary not in outcome.output
    assert len(result["migrations"]) == 2
    for migration in result["migrations"]:
        assert {check["status"] for check in migration["checks"]} == {"skipped"}
        # One finding says why; the required-check judgement adds none for the same cause.
        (refusal,) = migration["findings"]
        assert refusal["blocker"] == "CI_FAILURE" and refusal["stage"] == 3
        message = refusal["message"]
        assert "stage 3 refused to run" in message
        assert "GITHUB_TOKEN" in message and "MIGRATION_SECRET_SOURCE_DB_URL" in message
        assert "--stage 3" in message and "env -u" in message
        assert "reusable workflow" in message
        assert canary not in message


def test_secret_variables_are_named_never_shown() -> None:
    environ = {
        "MIGRATION_SECRETS": "SOURCE_DB_URL=postgresql://u:p@h/db",
        "MIGRATION_SECRET_TARGET": "x",
        "GITHUB_TOKEN": "ghs_x",
        "GH_TOKEN": "x",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "PGPASSWORD": "",  # empty: nothing to leak
        "DB_PASSWORD": "x",
        "SENTRY_DSN": "https://k@sentry.example/1",
        "DATABASE_URL": "postgres://localhost/db",
        "REPLICA_DATABASE_URL": "x",
        "UPSTREAM": "https://user:pw@example.com/repo.git",
        "HOMEPAGE": "https://example.com/a@b",
        "PATH": "/usr/bin",
        "TOKENIZER": "x",
        # What the red team found passing: the databases' own password variables, dbt's
        # convention, secret words anywhere in the name, and a token under any name.
        "MYSQL_PWD": "x",
        "DBT_ENV_SECRET_WAREHOUSE": "x",
        "PRIVATE_KEY": "x",
        "SLACK_WEBHOOK_URL": "x",
        "CONNECTION_STRING": "x",
        "REDSHIFT_CONN_STR": "x",
        "DOCKER_AUTH_CONFIG": "x",
        "FOO": "ghp_" + "a1" * 18,
        "PWD": "/home/runner/work",  # the shell's directory
        "OLDPWD": "/home/runner",
        # The second round: _PASS, words run together, a JWT under any name.
        "DB_PASS": "x",
        "CLIENTSECRET": "x",
        "ACCESSTOKEN": "x",
        "GPG_PASSPHRASE": "x",
        "SECRETKEY": "x",
        "BEARER": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2lnbmF0dXJl",
        "PASSENGER_COUNT": "4",  # not a password
        "BYPASS_PROXY": "1",
    }
    assert _isolation.secret_variables(environ) == [
        "ACCESSTOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "BEARER",
        "CLIENTSECRET",
        "CONNECTION_STRING",
        "DATABASE_URL",
        "DBT_ENV_SECRET_WAREHOUSE",
        "DB_PASS",
        "DB_PASSWORD",
        "DOCKER_AUTH_CONFIG",
        "FOO",
        "GH_TOKEN",
        "GITHUB_TOKEN",
        "GPG_PASSPHRASE",
        "MIGRATION_SECRETS",
        "MIGRATION_SECRET_TARGET",
        "MYSQL_PWD",
        "PRIVATE_KEY",
        "REDSHIFT_CONN_STR",
        "REPLICA_DATABASE_URL",
        "SECRETKEY",
        "SENTRY_DSN",
        "SLACK_WEBHOOK_URL",
        "UPSTREAM",
    ]


def _processes_with(marker: str) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path("/proc", entry, "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(entry)
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="the process confinement is Linux's")
def test_pr_code_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool_cache = tmp_path / "tool-cache"
    tool_cache.mkdir()
    monkeypatch.setenv("RUNNER_TOOL_CACHE", str(tool_cache))
    tree, what = hostile_tree(tmp_path / "hostile")
    reference, _ = hostile_tree(tmp_path / "reference", hostile=False)
    canary, marker = str(what["canary"]), str(what["marker"])
    result_file = Path(what["result_file"])
    outcome = tree.run("--format", "json", "--result-file", str(result_file), stages=ALL_STAGES)
    assert outcome.exit_code in (0, 1), outcome.output
    # The conftest ran: it read what it could.
    loot: dict[str, str] = json.loads(Path(what["loot"]).read_text())
    assert loot
    # No secret of the check's environment is in the loot: there is none, since a secret in the
    # environment makes Stage 3 refuse. For a non-root user the check process is non-dumpable as
    # well, so its environment cannot be read at all.
    for name in _isolation.secret_variables(os.environ):
        assert all(os.environ[name] not in environ for environ in loot.values())
    if os.geteuid() != 0:
        assert str(os.getpid()) not in loot
    # The background process is gone, and the result file is the check's.
    assert _processes_with(marker) == []
    written = result_file.read_text()
    time.sleep(1)
    assert result_file.read_text() == written
    assert json.loads(written)["migrations"][0]["path"]
    # The environment that runs the suite, and the caches, got nothing.
    suite_places = [sys.prefix, os.path.dirname(sys.executable), *site.getsitepackages()]
    suite_places += [os.path.expanduser("~/.cache"), str(tool_cache)]
    planted = [Path(place, canary) for place in suite_places if Path(place, canary).exists()]
    for path in planted:  # a regression must not leave litter in the developer's venv
        path.unlink()
    assert planted == []
    # Writes into the tree once Stage 3 had started changed no verdict.
    assert verdicts(json.loads(written), leave_out=OWN_INPUT) == verdicts(
        reference.result(stages=ALL_STAGES), leave_out=OWN_INPUT
    )
    # While the PR's code ran, the check process could not be read or traced by another
    # process of its user; it stays so (prctl(PR_GET_DUMPABLE) is 0).
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(3, 0, 0, 0, 0) == 0
