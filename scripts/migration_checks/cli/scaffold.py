"""``migration-checks init PROJECT_ID``: scaffold a migration PR directory, and a starter policy.

The scaffold passes Stage 1 once every CHANGE_ME is filled in and its plan is signed with a key
the policy trusts. Without ``--policy``, init writes a starter policy beside the new directory
(never over an existing file) and prints the three commands that follow, with its paths.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from migration_checks.cli.errors import ConfigurationError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

_PROJECT_ID = re.compile(r"^proj_[a-z0-9]{4,32}$")
_PLAN_ID = re.compile(r"^plan_[a-z0-9]{3,32}$")
_ARCHETYPE = re.compile(r"^[a-z0-9]+_to_[a-z0-9]+$")
_DATASET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
# Rendered if a value does not have its form: the rule in words, with an example.
_PROJECT_ID_FORM = "proj_ followed by 4 to 32 lowercase letters or digits, e.g. proj_orders2026"
_FORMS = {
    "PROJECT_ID": _PROJECT_ID_FORM,
    "--plan-id": "plan_ followed by 3 to 32 lowercase letters or digits, e.g. plan_orders2026",
    "--archetype": "SOURCE_to_TARGET in lowercase letters or digits, e.g. postgres_to_s3",
    "--dataset": "a table, optionally schema-qualified, e.g. public.orders",
}
_PROFILING_REPORT = "evidence/profiling_report.json"
STARTER_POLICY = "migration-policy.json"
_KEY_ID = "planner"


@click.command()
@click.argument("project_id")
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path(),
              show_default=True, help="Where to create migration-pr-PROJECT_ID/.")  # fmt: skip
@click.option("--plan-id", help="Default: plan_ followed by the project id's suffix.")
@click.option("--archetype", "archetype_id", default="postgres_to_s3", show_default=True)
@click.option(
    "--dataset",
    default="public.example_table",
    show_default=True,
    help="The first dataset to migrate.",
)
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"Take policy_version from this policy. Default: write a starter policy, "
              f"{STARTER_POLICY}, beside the new directory (an existing one is kept and used).")  # fmt: skip
def init(
    project_id: str,
    parent: Path,
    plan_id: str | None,
    archetype_id: str,
    dataset: str,
    policy_path: Path | None,
) -> None:
    """Create migration-pr-PROJECT_ID/ with every required file, ready to fill in and sign.

    PROJECT_ID is proj_ followed by 4 to 32 lowercase letters or digits, e.g.
    proj_orders2026.
    """
    import getpass
    import hashlib
    from datetime import UTC, datetime
    from importlib.resources import files

    from migration_checks.policy import PolicyError, load_policy

    plan_id = plan_id or f"plan_{project_id.removeprefix('proj_')}"
    for value, pattern, name in (
        (project_id, _PROJECT_ID, "PROJECT_ID"),
        (plan_id, _PLAN_ID, "--plan-id"),
        (archetype_id, _ARCHETYPE, "--archetype"),
        (dataset, _DATASET, "--dataset"),
    ):
        if not pattern.match(value):
            raise click.UsageError(f'{name} "{value}" must be {_FORMS[name]}')
    target_dir = parent / f"migration-pr-{project_id}"
    if target_dir.exists():
        raise ConfigurationError(f"{target_dir} exists; refusing to overwrite it")
    starter = None
    if policy_path is None and (parent / STARTER_POLICY).exists():
        policy_path = parent / STARTER_POLICY  # a starter policy of an earlier init: kept, used
    elif policy_path is None:
        starter = parent / STARTER_POLICY
    try:
        policy_version = load_policy(policy_path).version
    except PolicyError as exc:
        raise ConfigurationError(str(exc)) from None
    source_system, _, target_system = archetype_id.partition("_to_")
    values = {
        "project_id": project_id,
        "plan_id": plan_id,
        "archetype_id": archetype_id,
        "policy_version": policy_version,
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "created_by": getpass.getuser(),
        "source_system": source_system,
        "target_system": target_system,
        "dataset": dataset,
        "target": dataset.rsplit(".", 1)[-1],
    }
    templates = files("migration_checks") / "templates" / "init"
    # The profiling report goes first: the plan and the evidence links carry its sha256.
    report = _render(templates / _PROFILING_REPORT, values)
    values["profiling_sha256"] = hashlib.sha256(report.encode("utf-8")).hexdigest()
    for relative, template in _walk(templates):
        destination = target_dir / _destination(relative, values)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(_render(template, values), encoding="utf-8")
    if starter is not None:
        _write_starter_policy(starter, policy_version)
    policy = starter or policy_path
    assert policy is not None
    plan = target_dir / "plans" / f"signed_plan_{plan_id}.json"
    click.echo(f"created {target_dir}", err=True)
    if starter is not None:
        click.echo(STARTER_EXPLAINED.format(policy=starter), err=True)
    else:
        click.echo(f"policy: {policy} (policy_version {policy_version})", err=True)
    click.echo("\nfill in every CHANGE_ME (check names any left, by file and line):", err=True)
    for place in _placeholders(target_dir):
        click.echo(f"  {place}", err=True)
    click.echo(
        "and make the mapping, the profiling report and the configs describe your dataset; "
        "then run:",
        err=True,
    )
    check = f"migration-checks check {target_dir} --policy {policy}"
    click.echo(f"  migration-checks keygen {_KEY_ID} --add-to {policy}", err=True)
    click.echo(f"  migration-checks sign {plan} --key {_KEY_ID}.pem", err=True)
    click.echo(f"  {check} --stage 1 --stage 2 --stage 3 --stage 4", err=True)
    click.echo(
        "then the dry run (stage 5), which reads the source database (stage 3, which runs the "
        "pull request's code, refuses to run beside its URL):",
        err=True,
    )
    click.echo(f"  MIGRATION_SECRET_SOURCE_DB_URL=postgresql://... {check} --stage 5", err=True)


# Rendered after init wrote a starter policy: what it holds, since JSON holds no comments.
STARTER_EXPLAINED = """wrote {policy}, a starter policy (it was not there):
  policy_version       the version every migration's metadata and plan must name
  signing.trusted_keys the planners' public keys; empty until keygen --add-to adds one, so no
                       plan verifies yet
  Every setting it leaves out takes the bundled default: approvals per transition, tolerances,
  PII, encryption, secrets, ... (`migration-checks schemas policy` describes each field). On
  GitHub the policy is read from the pull request's base branch: commit it there first."""


def _write_starter_policy(path: Path, policy_version: str) -> None:
    """The smallest policy that works: its version and the keys it trusts (none yet)."""
    import json
    import os

    text = json.dumps({"policy_version": policy_version, "signing": {"trusted_keys": []}}, indent=2)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise ConfigurationError(f"{path} exists; refusing to overwrite it") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


def _placeholders(root: Path) -> list[str]:
    """Each line of the new tree that still says CHANGE_ME, as PATH:LINE."""
    from migration_checks.validation import PLACEHOLDER

    places = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PLACEHOLDER in line:
                places.append(f"{path}:{number}")
    return places


def _walk(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    entries = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            entries.extend(_walk(entry, f"{relative}/"))
        else:
            entries.append((relative, entry))
    return entries


def _destination(relative: str, values: dict[str, str]) -> str:
    if relative == "plans/signed_plan.json":
        return f"plans/signed_plan_{values['plan_id']}.json"
    if relative == "runbooks/dataset_runbook.md":
        return f"runbooks/{values['target']}_runbook.md"
    return relative


def _render(template: Traversable, values: dict[str, str]) -> str:
    from string import Template

    return Template(template.read_text(encoding="utf-8")).substitute(values)
