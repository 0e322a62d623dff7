"""Where Stage 3 may run the pull request's code, and what it leaves when it is done (SPEC §6.1).

Stage 3 runs code the pull request wrote: its tests and ``conftest.py`` (pytest), a mypy
``plugins`` module, a ``python_executable`` named in mypy's configuration. That code runs with
the check's user id, so it can read whatever that user can read and write whatever it can write.
The suite cannot take that power away (only a runner with another user, a container or a
throwaway VM can); what it does instead:

- **Last.** The runner runs Stage 3 after every other stage of every migration directory of the
  run has fixed its result, so the PR's code cannot change what another stage reads (a
  ``conftest.py`` that deletes a secret from a runbook does so after ``secrets_scan`` read it).
  Within the stage, the PR's code starts only once the linters (ruff, sqruff/sqlfluff, yamllint)
  have read their input and their output (see ``_tools``).
- **Never beside a secret.** Stage 3 refuses to run, with one ``CI_FAILURE`` per migration that
  names the variables (never their values) and says how to split the run, while the check
  process's environment holds a secret: the tools get a clean environment, but the PR's code
  could still read ours from ``/proc/<pid>/environ`` (or our parent's, which holds the same).
  ``secret_variables`` says which variables count:

  - our own: ``MIGRATION_SECRETS`` and every ``MIGRATION_SECRET_*`` (the dry run's URLs);
  - GitHub's tokens: ``GITHUB_TOKEN``, ``GH_TOKEN``, ``GH_ENTERPRISE_TOKEN``,
    ``ACTIONS_RUNTIME_TOKEN``, ``ACTIONS_ID_TOKEN_REQUEST_TOKEN`` (an OIDC token for any cloud
    that trusts the repository);
  - the databases' and dbt's own: ``PGPASSWORD``, ``MYSQL_PWD``, ``DBT_ENV_SECRET_*``;
  - names that say "secret" by convention: ``SECRET``, ``PASSW``, ``PASSPHRASE``,
    ``CREDENTIAL``, ``PRIVATEKEY``, ``APIKEY`` or ``JWT`` anywhere in the name (``_`` left out),
    a name ending in ``TOKEN`` or ``_PASS``, ``COOKIE``, or a word (between ``_``) among ``SECRET``, ``TOKEN``,
    ``PASSWORD``, ``PASSWD``, ``PWD``, ``CREDENTIAL(S)``, ``APIKEY``, ``WEBHOOK``, ``DSN``, or a
    pair such as ``PRIVATE_KEY``, ``API_KEY``, ``ACCESS_KEY``, ``CONN_STR``,
    ``CONNECTION_STRING``, ``DATABASE_URL``, ``AUTH_CONFIG`` (the shell's ``PWD`` and ``OLDPWD``
    are directories, not passwords);
  - any variable whose value is a URL carrying a password (``scheme://user:password@host``) or a
    token of a well-known kind (GitHub, GitLab, Slack, AWS key ids, Stripe, Vault, a PEM private
    key), whatever its name.

  An empty value does not count: there is nothing to leak. The list errs towards refusing: a
  variable that only looks like a secret costs a split run, a missed one costs the secret.
- **Not readable, not left behind** (Linux). Before the first tool of the stage starts, the check
  process makes itself non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``: another process of the same
  non-root user can then neither ptrace it nor read its ``/proc/<pid>/environ``, ``mem`` or
  ``fd``) and a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER, 1)``: a process a tool leaves
  behind, double-forked or in a session of its own, becomes our child instead of init's). After
  every tool run, and once more before ``check`` writes any output, every such stray is killed
  with its process group, until none is left (within ``SWEEP_SECONDS``). A stray is a child of
  ours in another session than ours (every tool starts its own; nothing of ours that is not a
  tool does), started since Stage 3 began, that is not a tool still running. On other systems
  there is neither a subreaper nor ``/proc``: this is a no-op (``unconfined_reason`` says so),
  and only each tool's own process group is killed.

What the suite cannot guarantee, and a workflow must therefore provide: a process that escapes
through a daemon (``systemd-run --user``, ``at``, a container engine's socket, ``sudo`` where the
runner user has it) is not our descendant and survives; root (a GitHub-hosted runner's user can
``sudo``) can read every process's memory and environment; and files the runner user can write
outside the workspace (its home, the runner's tool cache, the interpreters and venvs there, the
action's checkout) stay writable by the PR's code, for a later step of the same job, or a later
job of a persistent self-hosted runner, to execute. The suite keeps its own tools out of the
PR's natural reach (``throwaway_interpreter``), but only a job of its own on an ephemeral runner
(the reusable workflow runs Stage 3 in a job without secrets; GitHub-hosted runners are discarded
after each job) makes the PR's code unable to reach what runs later.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import platform
import signal
import site
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

# The dry run's secrets (Stage 5): MIGRATION_SECRETS and each MIGRATION_SECRET_{NAME}.
from migration_checks import import_seal
from migration_checks.redaction import URL_PASSWORD, WELL_KNOWN_TOKEN
from migration_checks.source_db.connection import SECRET_PREFIX, SECRETS_BUNDLE

GITHUB_TOKENS = frozenset(
    {
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GH_ENTERPRISE_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    }
)
# Words of a variable's name (split at "_") that say it holds a secret, alone or in pairs.
SECRET_WORDS = frozenset(
    {"SECRET", "SECRETS", "TOKEN", "TOKENS", "PASSWORD", "PASSWD", "PWD", "CREDENTIAL",
     "CREDENTIALS", "APIKEY", "WEBHOOK", "DSN"}
)  # fmt: skip
SECRET_WORD_PAIRS = frozenset(
    {("PRIVATE", "KEY"), ("API", "KEY"), ("ACCESS", "KEY"), ("SECRET", "KEY"), ("SIGNING", "KEY"),
     ("CONN", "STR"), ("CONNECTION", "STRING"), ("DATABASE", "URL"), ("DB", "URL"),
     ("AUTH", "CONFIG")}
)  # fmt: skip
# Parts that say "secret" even inside a word run together (CLIENTSECRET, SECRETKEY, PASSPHRASE).
SECRET_NAME_PARTS = ("SECRET", "PASSW", "PASSPHRASE", "CREDENTIAL", "PRIVATEKEY", "APIKEY", "JWT")
SECRET_NAMES = frozenset({SECRETS_BUNDLE, "PGPASSWORD", "MYSQL_PWD", "COOKIE", *GITHUB_TOKENS})
SECRET_NAME_PREFIXES = (SECRET_PREFIX, "DBT_ENV_SECRET_")
# The shell's working directories: "PWD" here is no password.
NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD"})

# How long the sweep keeps killing strays that keep appearing (a fork loop) before it gives up.
SWEEP_SECONDS = 5.0
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36


def secret_variables(environ: Mapping[str, str]) -> list[str]:
    """The names (sorted, never the values) of the variables of ``environ`` that hold a secret."""
    return sorted(name for name, value in environ.items() if value and _is_secret(name, value))


def _is_secret(name: str, value: str) -> bool:
    upper = name.upper()
    if upper in NOT_SECRET_NAMES:
        return False
    words = upper.split("_")
    joined = upper.replace("_", "")
    return (
        upper in SECRET_NAMES
        or upper.startswith(SECRET_NAME_PREFIXES)
        or any(word in SECRET_WORDS for word in words)
        or any(part in joined for part in SECRET_NAME_PARTS)
        or joined.endswith(("TOKEN", "TOKENS"))
        or words[-1] == "PASS"
        or any(pair in SECRET_WORD_PAIRS for pair in itertools.pairwise(words))
        or URL_PASSWORD.search(value) is not None
        or WELL_KNOWN_TOKEN.search(value) is not None
    )


def refusal(environ: Mapping[str, str]) -> str | None:
    """Why Stage 3 must not run in this process, or None when it may."""
    names = secret_variables(environ)
    if not names:
        return None
    listed = ", ".join(names)
    return (
        f"stage 3 refused to run: the environment of this check holds secrets ({listed}), "
        "and stage 3 runs the pull request's code (tests, conftest.py, plugins), which could read "
        "them from /proc; run stage 3 in a job or step without them: the reusable workflow runs "
        "it in a job with no secret, or run `migration-checks check --stage 3` in a step whose "
        f"environment does not set them (`env -u NAME migration-checks check --stage 3` for "
        "each NAME helps only when no parent process holds them either), and the other stages "
        "without `--stage 3`"
    )


# --- the process: not readable, and the parent of whatever the tools leave behind ---------------

_since: int | None = None  # clock ticks since boot when this run's Stage 3 began
_running: set[int] = set()  # pids of tools started and not yet reaped


def unconfined_reason() -> str | None:
    """Why the confinement is a no-op here, or None on Linux."""
    if sys.platform != "linux":
        return (
            f"{sys.platform} has no child subreaper and no /proc: a process a tool leaves "
            "behind outside its process group is not found"
        )
    return None


def _ticks_since_boot() -> int:
    return int(time.clock_gettime(time.CLOCK_BOOTTIME) * os.sysconf("SC_CLK_TCK"))


def confine() -> None:
    """Before the first tool of the stage: non-dumpable, a subreaper, and the time it began."""
    global _since
    if unconfined_reason() is not None or _since is not None:
        return
    _since = _ticks_since_boot()
    libc = ctypes.CDLL(None, use_errno=True)
    for option in (_PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER):
        value = 0 if option == _PR_SET_DUMPABLE else 1
        if libc.prctl(option, value, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), f"prctl({option}, {value}) failed")


def tool_started(pid: int) -> None:
    _running.add(pid)


def tool_reaped(pid: int) -> None:
    _running.discard(pid)


def kill_strays() -> list[int]:
    """Kill every process the tools left behind (see the module's docstring); the pids killed."""
    since = _since
    if since is None:
        return []
    killed: list[int] = []
    deadline = time.monotonic() + SWEEP_SECONDS
    while time.monotonic() < deadline:
        strays = [pid for pid in _strays(since) if pid not in _running]
        if not strays:
            break
        for pid in strays:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        time.sleep(0.01)
        for pid in strays:  # they are our children: reaped here, or they stay zombies
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
    return killed


def _strays(since: int) -> Iterator[int]:
    me, my_session = os.getpid(), os.getsid(0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ... starttime (field 22); comm may hold ") ".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == me and int(fields[3]) != my_session and int(fields[19]) >= since:
            yield int(entry.name)


# The files through which a step talks to the runner: what the PR's code writes there would set
# variables (GITHUB_ENV: LD_PRELOAD, NODE_OPTIONS, BASH_ENV...) or PATH entries for every later
# step of the job, or this step's outputs.
RUNNER_FILES = ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")


@contextlib.contextmanager
def pr_code_stage() -> Iterator[list[str]]:
    """Around a run's Stage 3: whatever it left behind is killed when it ends, and the runner's
    files of the step (``RUNNER_FILES``) are put back as they were before it began. Yields the
    list of what had to be put back, filled when the stage ends, for the runner to report."""
    global _since
    before = _runner_files(os.environ)
    restored: list[str] = []
    try:
        yield restored
    finally:
        kill_strays()
        _since = None
        restored.extend(_restore(before))
        # The PR's code may have rewritten any file this user can write, the suite's sources
        # included: nothing not yet loaded is imported from here on.
        import_seal.seal()


def _runner_files(environ: Mapping[str, str]) -> dict[str, tuple[Path, bytes | None]]:
    found: dict[str, tuple[Path, bytes | None]] = {}
    for name in RUNNER_FILES:
        if environ.get(name):
            path = Path(environ[name])
            try:
                found[name] = (path, path.read_bytes())
            except OSError:
                found[name] = (path, None)
    return found


def _restore(before: Mapping[str, tuple[Path, bytes | None]]) -> Iterator[str]:
    for name, (path, content) in before.items():
        try:
            now: bytes | None = path.read_bytes() if not path.is_symlink() else b"\0link"
        except OSError:
            now = None
        if now == content:
            continue
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
            if content is not None:
                path.write_bytes(content)
        yield (
            f"stage 3's code changed the runner's file ${name} of this step; it was put back as "
            "it was before stage 3 began (what a test writes there would run in later steps)"
        )


# --- the interpreter the PR's code runs in ---------------------------------------------------


def throwaway_interpreter(directory: Path, paths: Sequence[str] | None = None) -> str:
    """A venv in ``directory`` (the workspace) that runs the suite's Python with its packages.

    The PR's code writes where its interpreter says things live: ``sys.prefix``,
    ``site.getsitepackages()``, the directory of ``sys.executable``. Run from the suite's own
    venv, a ``.pth`` file or a module written there would run in every later check (and, on a
    persistent runner, in every later job). Run from this venv, those are the workspace's,
    deleted with it; the suite's packages are importable through a ``.pth`` file, read-only by
    intent but not by permission: code that looks for them (``sys.path``, ``/proc``) can still
    write there as the same user (see the module's docstring). ``paths``, when given, are
    what the ``.pth`` file lists instead of the suite's site-packages.
    """
    base = Path(getattr(sys, "_base_executable", sys.executable))
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    packages = directory / "lib" / version / "site-packages"
    packages.mkdir(parents=True)
    (directory / "bin").mkdir()
    (directory / "pyvenv.cfg").write_text(
        f"home = {base.parent}\ninclude-system-site-packages = false\n"
        f"version = {platform.python_version()}\n",
        encoding="utf-8",
    )
    python = directory / "bin" / "python"
    python.symlink_to(base)
    suite = (
        list(paths)
        if paths is not None
        else [p for p in site.getsitepackages() if Path(p).is_dir()]
    )
    (packages / "migration_checks_suite.pth").write_text("\n".join(suite) + "\n", encoding="utf-8")
    return str(python)
